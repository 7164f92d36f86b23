/**
 * Behaviours of the durable channels that no other test pinned down, found by mutation testing
 * of src/durable/ (each test here failed on at least one mutant of client.ts or object.ts that
 * every other test of test/durable/ let pass). One behaviour per test; imports from src/. Runs
 * inside workerd (vitest project `workers`).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { type DurableChannelOptions, durableChannel } from '../../src/durable/index.js';
import type { AckAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, observed, rawStub, resetObject, sleep, until } from './helpers.js';

const open = <T>(label: string, options?: DurableChannelOptions) => {
  const name = freshName(label);
  return { name, channel: durableChannel<T>(env.CHANNELS, name, options) };
};

/** The object's storage behind a channel name: the `chanasync/` keys and the rows of chanasync_values. */
function footprint(name: string): Promise<{ keys: string[]; rows: number }> {
  return runInDurableObject(rawStub(name), (_instance, state) => {
    const storage = state.storage as unknown as {
      sql: { exec(query: string): { toArray(): Record<string, unknown>[] } };
      kv: { list(): Iterable<[string, unknown]> };
    };
    return {
      keys: [...storage.kv.list()].map(([key]) => key).filter((key) => key.startsWith('chanasync/')),
      rows: Number(storage.sql.exec('SELECT count(*) AS n FROM chanasync_values').toArray()[0]?.n),
    };
  });
}

describe('storage', () => {
  test('a value taken by pull, pullMany or tryPull leaves nothing of it in the object’s storage', async () => {
    const { name, channel } = open<string>('pulled-footprint');
    for (const value of ['a', 'b', 'c', 'd']) await channel.push(value);
    expect(await channel.pull()).toBe('a');
    expect(await channel.pullMany(2)).toEqual(['b', 'c']);
    expect(await channel.tryPull()).toBe('d');
    expect(await footprint(name)).toEqual({ keys: [], rows: 0 });
  });

  test('close() without a reason stores no reason: the channel’s storage is its values and nothing else', async () => {
    const { name, channel } = open<string>('close-no-reason-footprint');
    await channel.push('kept');
    await channel.close();
    expect(await footprint(name)).toEqual({ keys: ['chanasync/value/1'], rows: 1 });
    expect(await channel.pull()).toBe('kept');
    expect(await footprint(name)).toEqual({ keys: [], rows: 0 });
  });
});

/** What a retryable platform failure looks like to the client (a lost connection). */
const networkLost = () => Object.assign(new Error('Network connection lost.'), { retryable: true });

/**
 * Pushes `mine` and `next`, then pulls through a namespace whose first acknowledgement reaches
 * the object (the value is removed) but whose answer is lost, so the client retries;
 * `retried` turns each later attempt's real answer into the one the client gets. Returns what
 * that pull got and what the next pull gets.
 */
async function pullAfterLostAck(
  label: string,
  retried: (answer: AckAnswer, attempt: number) => unknown,
): Promise<[string, string]> {
  const name = freshName(label);
  const channel = durableChannel<string>(env.CHANNELS, name);
  await channel.push('mine');
  await channel.push('next');
  let attempts = 0;
  const { namespace } = observed({
    ack: async (real) => {
      if (++attempts === 1) {
        await real(); // the value is removed, then the answer is lost
        throw networkLost();
      }
      return retried((await real()) as AckAnswer, attempts);
    },
  });
  return [await durableChannel<string>(namespace, name).pull(), await channel.pull()];
}

describe('an acknowledgement retried after its answer was lost', () => {
  test('the object restarted between the two attempts (it answers forgotten): the pull keeps the value its first attempt removed', async () => {
    const pulled = await pullAfterLostAck('ack-forgotten', (answer, attempt) =>
      // A fresh instance no longer knows who removed it.
      attempt > 2 || answer.kind !== 'acks' ? answer : { ...answer, fates: answer.fates.map(() => 'forgotten') },
    );
    expect(pulled).toEqual(['mine', 'next']);
  });

  test('an object of an earlier version (no exact fates) answers gone: the pull keeps the value its first attempt removed', async () => {
    const pulled = await pullAfterLostAck('ack-old-object', (answer, attempt) =>
      // An earlier version cannot tell acked from gone.
      attempt === 2 ? { kind: 'acks', fates: ['gone'] } : answer,
    );
    expect(pulled).toEqual(['mine', 'next']);
  });

  test('the value went to another pull that acknowledged it, and other acknowledgements followed: the retry learns it is gone and the pull takes the next value', async () => {
    const name = freshName('ack-gone-after-others');
    const other = durableChannel<string>(env.CHANNELS, name);
    await other.push('v');
    let attempts = 0;
    const { namespace } = observed({
      ack: async (real) => {
        if (++attempts === 1) {
          // The first attempt never arrives; meanwhile the lease ends and another pull takes the value,
          await sleep(100);
          expect(await other.pull()).toBe('v');
          // then more values come and go, each with its own acknowledgement.
          for (const value of ['x', 'y']) {
            await other.push(value);
            expect(await other.pull()).toBe(value);
          }
          await other.push('next');
          throw networkLost();
        }
        return real();
      },
    });
    // Delivered once: 'v' was the other pull's, so this pull takes 'next'.
    expect(await durableChannel<string>(namespace, name, { leaseMs: 50 }).pull()).toBe('next');
    expect(await other.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

describe('an acknowledgement that arrives after resets', () => {
  test('a first acknowledgement answered forgotten (the value went to another pull between two resets) is not the pull’s: it takes the next value', async () => {
    const name = freshName('ack-first-forgotten');
    const other = durableChannel<string>(env.CHANNELS, name);
    await other.push('v');
    let attempts = 0;
    const { namespace } = observed({
      ack: async (_real, request) => {
        if (++attempts === 1) {
          // Before this acknowledgement arrives: a reset ends the lease, another pull takes the
          // value, and a second reset makes the object forget who took it.
          await resetObject(name);
          expect(await other.pull()).toBe('v');
          await resetObject(name);
          await other.push('next');
        }
        return rawStub(name).ack(request as Parameters<ReturnType<typeof rawStub>['ack']>[0]);
      },
    });
    expect(await durableChannel<string>(namespace, name).pull()).toBe('next');
    expect(await other.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

describe('retries and abort signals', () => {
  test('a push aborted while its failed call waits out the back-off sends no further call', async () => {
    const name = freshName('abort-in-backoff');
    const controller = new AbortController();
    const { namespace, calls } = observed({
      push: async () => {
        setTimeout(() => controller.abort('stop'), 5); // during the back-off (at least 12.5 ms)
        throw networkLost();
      },
    });
    await expect(durableChannel<string>(namespace, name).push('v', { signal: controller.signal })).rejects.toBe('stop');
    await sleep(300); // longer than any back-off
    expect(calls.push).toBe(1);
    expect(await durableChannel(env.CHANNELS, name).stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });
});

describe('the alarm', () => {
  test('a lease that ends before a later one still ends on time: a waiting pull gets its value without waiting for the later lease or its own slice', async () => {
    const name = freshName('alarm-earliest');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('first');
    await channel.push('second');
    const stub = rawStub(name);
    const vanished = (ticket: string, leaseMs: number) =>
      stub.pull({ capacity: null, wait: false, sliceMs: 30_000, leaseMs, ticket, max: 1 });
    expect(await vanished('short', 100)).toMatchObject({ kind: 'values' });
    expect(await vanished('long', 20_000)).toMatchObject({ kind: 'values' });
    const started = Date.now();
    const pulled = await channel.pullWithId(); // parks for a slice of 5 s
    expect(pulled).toMatchObject({ value: 'first', attempt: 2 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await stub.cancel({ capacity: null, side: 'pull', key: 'long' })).toEqual({ kind: 'cancelled' });
    expect(await channel.pull()).toBe('second');
  });
});

describe('waiting in slices', () => {
  test('a pull that waits through more slices than its away time keeps its place while its call is parked', async () => {
    // Each slice ends after 1 s; between two slices the place is kept 50 ms. (Slices of 200 ms
    // left a loaded machine 150 ms for a push, a hand-out and an acknowledgement.)
    const { channel } = open<string>('reparked', { sliceMs: 1000, leaseMs: 50 });
    const pulled = channel.pull();
    await sleep(1120); // in its second slice, past the first slice's away time
    expect(await channel.stats()).toMatchObject({ waitingPullers: 1 });
    const started = Date.now();
    await channel.push('x');
    expect(await pulled).toBe('x');
    expect(Date.now() - started).toBeLessThan(750); // at once, not at its slice's end
  });

  test('when one of two callers pushing the same id stops calling, the other keeps the place while its call is parked', async () => {
    const { name, channel } = open<string>('two-callers-one-gone', { capacity: 1 });
    await channel.push('a');
    // The first caller parks for 200 ms, then is gone (it never calls again).
    const gone = rawStub(name).push({ capacity: null, wait: true, sliceMs: 200, leaseMs: 50, id: 'same', value: 'b' });
    await sleep(100);
    const pushed = channel.push('b', { id: 'same' }); // the second caller, parked for 5 s
    expect(await gone).toEqual({ kind: 'again' });
    await sleep(120); // past the first caller's away time
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 1 });
    expect(await channel.pull()).toBe('a');
    const started = Date.now();
    await pushed;
    expect(Date.now() - started).toBeLessThan(1000); // at once, not at the end of its 5 s slice
    expect(await channel.pullMany(5)).toEqual(['b']);
  });
});

describe('withdrawn pulls', () => {
  test('a value handed to a pull that is then aborted goes at once to the next waiting pull', async () => {
    const name = freshName('withdrawn-to-next');
    const channel = durableChannel<string>(env.CHANNELS, name);
    const controller = new AbortController();
    const { namespace } = observed({
      pull: async (real) => {
        const answer = await real();
        controller.abort('stop'); // aborted once the value was handed to it
        return answer;
      },
    });
    const first = durableChannel<string>(namespace, name).pull({ signal: controller.signal });
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const second = channel.pull(); // parked for a slice of 5 s
    await until(async () => (await channel.stats()).waitingPullers === 2);
    await channel.push('v');
    await expect(first).rejects.toBe('stop');
    const started = Date.now();
    expect(await second).toBe('v');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('close', () => {
  test('a pull waiting when the channel is closed while its only value is leased to a vanished puller gets that value when the lease ends', async () => {
    const { name, channel } = open<string>('close-while-leased');
    await channel.push('v');
    // A lease long enough that the pull is still waiting when the close comes: at 150 ms, a
    // loaded machine's stats calls saw it served first (the lease over), never waiting.
    const request = { capacity: null, wait: false, sliceMs: 30_000, leaseMs: 2000, ticket: 'vanished', max: 1 };
    expect(await rawStub(name).pull(request)).toMatchObject({ kind: 'values' });
    const waiting = channel.pullWithId();
    await until(async () => (await channel.stats()).waitingPullers === 1);
    await channel.close();
    expect(await waiting).toMatchObject({ value: 'v', attempt: 2 });
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});
