/**
 * The docs of chanasync/durable, read as a contract: each test is a sentence of the README
 * ("Durable channels on Cloudflare", the "Durable channels" reference table, the Semantic-details
 * bullets on durable channels) or of the TSDoc in src/durable/ that no other test pinned exactly.
 * The comment above each group quotes the first words of the claim, so a reader can find it.
 * Runs inside workerd (vitest project `workers`). Durations are pinned with short `leaseMs` /
 * `sliceMs`, or by reading the object's alarm, never by waiting for the defaults.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { type DurableChannelOptions, durableChannel } from '../../src/durable/index.js';
import type { PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { agePushIds, freshName, observed, rawStub, resetObject, sleep, timerCount, until } from './helpers.js';

const open = <T>(label: string, options?: DurableChannelOptions) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** When the object behind `name` has its alarm set for, relative to now (ms), or null. */
function alarmIn(name: string): Promise<number | null> {
  return runInDurableObject(rawStub(name), async (_instance, state) => {
    const at = await state.storage.getAlarm();
    return at === null ? null : at - Date.now();
  });
}

// README "Durable channels on Cloudflare": "… pulls reject with `ChannelClosedError` (the same
// class as `chanasync`'s)", and the usage example's `catch` that tells a timeout from the end.
describe('close: the same ChannelClosedError as chanasync', () => {
  test('a pull on a closed, drained durable channel rejects with the ChannelClosedError class that chanasync exports', async () => {
    const { ChannelClosedError: Exported, ChannelError } = await import('chanasync');
    const { durableChannel: packaged } = await import('chanasync/durable');
    const channel = packaged<string>(env.CHANNELS, freshName('same-class'));
    await channel.close();
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Exported);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/^pull: channel "same-class-.*" is closed$/);
  });

  test('the usage example: pullMany with AbortSignal.timeout on an empty channel rejects with a TimeoutError DOMException and takes nothing', async () => {
    const jobs = open<{ url: string }>('usage-timeout', { capacity: 1000 });
    const error = await jobs.pullMany(10, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
    await jobs.push({ url: 'https://example.com/after' });
    expect(await jobs.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
  });
});

// README "Leases": "A pull hands a value out under a lease (`leaseMs`, default 10 s) and the
// client acknowledges it as soon as it arrives; only the acknowledgement removes it, and only
// then does `pull` resolve."
describe('leases, by default 10 s, ended only by the acknowledgement', () => {
  test('a value handed out to a client with default options is leased for 10 s: the object’s alarm is set 10 s ahead', async () => {
    const name = freshName('default-lease');
    let seen: number | null | undefined;
    const { namespace } = observed({
      ack: async (real) => {
        seen = await alarmIn(name); // the value is out, not yet acknowledged
        return real();
      },
    });
    const channel = durableChannel<string>(namespace, name);
    await channel.push('v');
    expect(await channel.pull()).toBe('v');
    expect(seen).toBeGreaterThan(9000);
    expect(seen).toBeLessThanOrEqual(10_000);
  });

  test('a client with default options asks the object to wait at most 5000 ms per call and to keep its place 10000 ms', async () => {
    const requests: { sliceMs: number; leaseMs: number }[] = [];
    const { namespace } = observed({
      pull: (real, request) => {
        requests.push(request as { sliceMs: number; leaseMs: number });
        return real();
      },
      push: (real, request) => {
        requests.push(request as { sliceMs: number; leaseMs: number });
        return real();
      },
    });
    const channel = durableChannel<string>(namespace, freshName('default-slice'));
    await channel.push('v');
    await channel.pull();
    expect(requests.map(({ sliceMs, leaseMs }) => [sliceMs, leaseMs])).toEqual([
      [5000, 10_000],
      [5000, 10_000],
    ]);
  });

  test('pull does not resolve while its acknowledgement is on its way, and resolves once it answered', async () => {
    const name = freshName('pull-after-ack');
    const acking = gate();
    const release = gate();
    const { namespace } = observed({
      ack: async (real) => {
        acking.open();
        await release.opened;
        return real();
      },
    });
    const channel = durableChannel<string>(namespace, name);
    await channel.push('v');
    let resolved = false;
    const pulled = channel.pull().then((value) => {
      resolved = true;
      return value;
    });
    await acking.opened;
    const reader = durableChannel<string>(env.CHANNELS, name);
    expect(await reader.stats()).toMatchObject({ size: 0, leased: 1 }); // handed out, still the channel's
    expect(resolved).toBe(false);
    release.open();
    expect(await pulled).toBe('v');
    expect(await reader.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

// README table: "the object is reset while values are leased | they are back at the head in the
// fresh instance, in order".
describe('an object reset while values are leased', () => {
  test('values leased to several pulls when the object resets come back at the head, in push order, ahead of later pushes', async () => {
    const name = freshName('reset-leased');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['a', 'b', 'c', 'd']) await channel.push(value, { id: value });
    const stub = rawStub(name);
    const limits = { capacity: null, wait: false, sliceMs: 30_000, leaseMs: 60_000 };
    await stub.pull({ ...limits, ticket: 'second', max: 2 }); // a, b
    await stub.pull({ ...limits, ticket: 'first', max: 1 }); // c
    await channel.push('e', { id: 'e' });
    expect(await channel.stats()).toMatchObject({ size: 2, leased: 3 });
    await resetObject(name);
    const out = [];
    for (let i = 0; i < 5; i++) {
      const { value, id, attempt } = await channel.pullWithId();
      out.push([value, id, attempt]);
    }
    expect(out).toEqual([
      ['a', 'a', 2],
      ['b', 'b', 2],
      ['c', 'c', 2],
      ['d', 'd', 1],
      ['e', 'e', 1],
    ]);
  });
});

// README "Idempotent push": "Each push carries an id (`{ id }`, or a random UUID generated once
// per call)."
describe('the generated push id', () => {
  test('a push without an id gets a random UUID, a new one per call: the same value pushed twice is stored twice', async () => {
    const channel = open<string>('generated-uuid');
    await channel.push('same');
    await channel.push('same');
    const first = await channel.pullWithId();
    const second = await channel.pullWithId();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(first.id).toMatch(uuid);
    expect(second.id).toMatch(uuid);
    expect(first.id).not.toBe(second.id);
    expect([first.value, second.value]).toEqual(['same', 'same']);
  });

  test('a call retried after a lost answer resends the id generated for it, so a push without an id is stored once', async () => {
    const name = freshName('generated-retry');
    const ids: string[] = [];
    const { namespace } = observed({
      push: async (real, request) => {
        ids.push((request as { id: string }).id);
        const answer = await real();
        if (ids.length === 1) throw Object.assign(new Error('Network connection lost.'), { retryable: true });
        return answer;
      },
    });
    await durableChannel<string>(namespace, name).push('once');
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    const reader = durableChannel<string>(env.CHANNELS, name);
    expect(await reader.pullWithId()).toEqual({ value: 'once', id: ids[0], attempt: 1 });
    expect(await reader.tryPull()).toBeUndefined();
  });
});

// README "Out of scope": "`pushNowait`/`pullNowait` (use `tryPush`/`tryPull` …), and synchronous
// properties (`stats()` is one call)".
describe('what a durable channel does not have', () => {
  test('a durable channel has no pushNowait, pullNowait or synchronous state properties: only its name', () => {
    const channel = open<number>('no-sync');
    for (const missing of ['pushNowait', 'pullNowait', 'size', 'capacity', 'closed', 'full', 'empty']) {
      expect(missing in channel).toBe(false);
    }
    expect(channel.name).toMatch(/^no-sync-/);
    // @ts-expect-error: no pushNowait on a durable channel
    expect(channel.pushNowait).toBeUndefined();
    // @ts-expect-error: no size on a durable channel
    expect(channel.size).toBeUndefined();
  });
});

// Reference, `durableChannel`: "Throws `TypeError` for … a non-number option, `RangeError` for a
// bad number"; TSDoc: "`sliceMs` / `leaseMs` is not a positive finite number".
describe('durableChannel’s options', () => {
  test('durableChannel refuses an infinite sliceMs or leaseMs, a capacity of 0 and a fractional capacity with a RangeError naming the option', () => {
    const where = 'durableChannel(namespace, name, options)';
    const cases: [DurableChannelOptions, string][] = [
      [{ sliceMs: Infinity }, `${where}: sliceMs must be a positive number of ms, got Infinity`],
      [{ leaseMs: Infinity }, `${where}: leaseMs must be a positive number of ms, got Infinity`],
      [{ leaseMs: 0 }, `${where}: leaseMs must be a positive number of ms, got 0`],
      [{ capacity: 0 }, `${where}: capacity must be a positive integer or Infinity, got 0`],
      [{ capacity: 2.5 }, `${where}: capacity must be a positive integer or Infinity, got 2.5`],
    ];
    for (const [options, message] of cases) {
      expect(() => durableChannel(env.CHANNELS, 'x', options)).toThrow(new RangeError(message));
    }
    expect(() => durableChannel(env.CHANNELS, 'x', { leaseMs: '10' as never })).toThrow(
      new TypeError(`${where}: leaseMs must be a number, got "10"`),
    );
    expect(() => durableChannel(env.CHANNELS, '')).toThrow(
      new TypeError(`${where}: name must be a non-empty string, got ""`),
    );
  });
});

// Reference, `push`: "Rejects with `signal.reason` (aborted before the value was stored;
// checked first)".
describe('push: the signal is checked first', () => {
  test('a push with an aborted signal rejects with its reason even with a bad id, a thenable value, on a closed channel or with a capacity that differs', async () => {
    const name = freshName('signal-first');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { capacity: 1 });
    await channel.close();
    const signal = AbortSignal.abort('stop');
    await expect(channel.push(1, { signal, id: '' })).rejects.toBe('stop');
    // biome-ignore lint/suspicious/noThenProperty: a thenable value, refused after the signal
    await expect(channel.push({ then() {} }, { signal })).rejects.toBe('stop');
    await expect(channel.push(1, { signal })).rejects.toBe('stop');
    const other = durableChannel<number>(env.CHANNELS, name, { capacity: 5 });
    await expect(other.push(1, { signal })).rejects.toBe('stop');
  });
});

// TSDoc of `tryPull`: "The next value if one is ready now, else `undefined` (empty, or closed and
// drained)".
describe('tryPull', () => {
  test('tryPull on a closed, drained channel resolves undefined instead of rejecting', async () => {
    const channel = open<string>('try-closed');
    await channel.push('last');
    await channel.close('done');
    expect(await channel.tryPull()).toBe('last');
    expect(await channel.tryPull()).toBeUndefined();
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

// Reference, `stats()`: "the waiting counts include waiters between two slices".
describe('stats counts waiters between two slices', () => {
  test('a push waiting for room between two slices counts in waitingPushers until its place is forgotten', async () => {
    const name = freshName('stats-away-push');
    const channel = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await channel.push('full');
    // Its place is kept 2 s: long enough for the stats call below on a loaded machine.
    const request = { capacity: null, wait: true, sliceMs: 10, leaseMs: 2000, id: 'away', value: 'later' };
    expect(await rawStub(name).push(request)).toEqual({ kind: 'again' });
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 1 });
    await until(async () => (await channel.stats()).waitingPushers === 0, 10_000);
    expect(await channel.pullMany(5)).toEqual(['full']);
  });
});

// Semantic details, "Capacity": "The first operation of any kind creates the channel — `stats()`
// and `close()` included — so a client without a capacity that reaches a new channel first
// makes it unbounded." And the message: "push: durable channel "jobs" has capacity 2, fixed
// when it was created; this client asked for 5".
describe('capacity fixed by the first operation', () => {
  test('close() by a client without a capacity creates the channel unbounded: a client asking for 3 then gets a RangeError', async () => {
    const name = freshName('close-creates');
    await durableChannel<string>(env.CHANNELS, name).close();
    const error = await durableChannel<string>(env.CHANNELS, name, { capacity: 3 })
      .stats()
      .catch((e: unknown) => e);
    expect(error).toEqual(
      new RangeError(
        `stats: durable channel "${name}" has capacity Infinity, fixed when it was created; this client asked for 3`,
      ),
    );
    expect(await durableChannel<string>(env.CHANNELS, name).stats()).toMatchObject({
      capacity: Infinity,
      closed: true,
    });
  });

  test('close() by a client with capacity 2 fixes the capacity at 2, and a push of a client asking for 5 gets the README’s message', async () => {
    const name = freshName('close-fixes');
    await durableChannel<string>(env.CHANNELS, name, { capacity: 2 }).close();
    const error = await durableChannel<string>(env.CHANNELS, name, { capacity: 5 })
      .push('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(
      `push: durable channel "${name}" has capacity 2, fixed when it was created; this client asked for 5`,
    );
  });
});

// Semantic details, "Waiting places": "a value that arrives for it meanwhile is leased to it and
// waits for it (or returns to the head when the lease ends). After an object reset, waiters lose
// their places and queue again at the tail (stored values keep theirs)."
describe('waiting places', () => {
  test('a value leased to a waiter that never comes back after its slice returns to the head when the lease ends, for the next pull, attempt 2', async () => {
    const name = freshName('away-lease-ends');
    const channel = durableChannel<string>(env.CHANNELS, name);
    // Its place and the lease are kept 2 s: long enough for the push and the stats call below on
    // a loaded machine.
    const away = { capacity: null, wait: true, sliceMs: 10, leaseMs: 2000, ticket: 'away', max: 1 };
    expect(await rawStub(name).pull(away)).toEqual({ kind: 'again' });
    await channel.push('kept for it', { id: 'k' });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1, waitingPullers: 0 });
    // Parked with no other call arriving: the alarm ends the lease and the value comes here.
    expect(await channel.pullWithId()).toEqual({ value: 'kept for it', id: 'k', attempt: 2 });
  });

  test('after an object reset, a waiter between two slices lost its place: it queues behind a pull that started waiting after the reset', async () => {
    const name = freshName('reset-tail');
    const channel = durableChannel<string>(env.CHANNELS, name);
    const request = { capacity: null, wait: true, sliceMs: 10, leaseMs: 10_000, ticket: 'early', max: 1 };
    expect(await rawStub(name).pull(request)).toEqual({ kind: 'again' }); // first in line, between two slices
    expect((await channel.stats()).waitingPullers).toBe(1);
    await resetObject(name);
    expect((await channel.stats()).waitingPullers).toBe(0);
    const late = channel.pull(); // starts waiting in the fresh instance
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const again = rawStub(name).pull({ ...request, sliceMs: 30_000 }); // the early waiter comes back: at the tail
    await until(async () => (await channel.stats()).waitingPullers === 2);
    await channel.push('first');
    expect(await late).toBe('first');
    await channel.push('second');
    const answer: PullAnswer = await again;
    expect(answer).toMatchObject({ kind: 'values', deliveries: [{ value: 'second' }] });
    await rawStub(name).cancel({ capacity: null, side: 'pull', key: 'early' }); // its value back, unread
  });
});

// Semantic details, "'Structured-cloneable' as Workers RPC means it": "Workers RPC refuses some
// values that `structuredClone` takes — … a `URL`, a `Blob` — … `push` and `tryPush` reject each
// with a `TypeError` naming the operation …, and nothing is stored."
describe('values Workers RPC refuses', () => {
  test('a URL is refused by push and by tryPush with a TypeError naming the operation, and nothing is stored', async () => {
    const channel = open<unknown>('url-value');
    const pushed = await channel.push(new URL('https://example.com/')).catch((e: unknown) => e);
    expect(pushed).toBeInstanceOf(TypeError);
    expect((pushed as Error).message).toMatch(/^push\(value\): /);
    const tried = await channel.tryPush(new URL('https://example.com/')).catch((e: unknown) => e);
    expect(tried).toBeInstanceOf(TypeError);
    expect((tried as Error).message).toMatch(/^tryPush\(value\): /);
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

// Semantic details, "The iterator's `return()`": "A value whose acknowledgement was already under
// way when `return()` came is put back where it was — at the head, with its id, its attempt
// counting the hand-out — before `return()` resolves, and that `next()` answers done".
describe('the iterator’s return() during the commit', () => {
  async function returnDuringAck(
    start: (iterable: AsyncIterable<string>) => { next: Promise<unknown>; leave: () => Promise<unknown> },
  ) {
    const name = freshName('return-during-ack');
    const acking = gate();
    const release = gate();
    const { namespace } = observed({
      ack: async (real) => {
        acking.open();
        await release.opened;
        return real();
      },
    });
    const channel = durableChannel<string>(namespace, name);
    await channel.push('committed', { id: 'first' });
    await channel.push('stays');
    const { next, leave } = start(channel);
    await acking.opened;
    const leaving = leave(); // while the acknowledgement is held
    release.open();
    return { name, next: await next, left: await leaving };
  }

  test('return() called while next()’s acknowledgement is on its way: next() answers done and the value is back at the head', async () => {
    let iterator!: AsyncIterator<string>;
    const { name, next, left } = await returnDuringAck((channel) => {
      iterator = channel[Symbol.asyncIterator]();
      return { next: iterator.next(), leave: () => iterator.return!() };
    });
    expect(next).toEqual({ done: true, value: undefined });
    expect(left).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    const reader = durableChannel<string>(env.CHANNELS, name);
    expect(await reader.stats()).toMatchObject({ size: 2, leased: 0 });
    expect(await reader.pullWithId()).toEqual({ value: 'committed', id: 'first', attempt: 2 });
    expect(await reader.pullMany(5)).toEqual(['stays']);
  });

  test('a put-back whose answer is lost is retried and puts the value back once', async () => {
    const name = freshName('restore-retried');
    const acking = gate();
    const release = gate();
    let restores = 0;
    const { namespace } = observed({
      ack: async (real) => {
        acking.open();
        await release.opened;
        return real();
      },
      restore: async (real) => {
        restores++;
        const answer = await real();
        if (restores === 1) throw Object.assign(new Error('network lost the answer'), { retryable: true });
        return answer;
      },
    });
    const channel = durableChannel<string>(namespace, name);
    await channel.push('committed');
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    await acking.opened;
    const left = iterator.return!();
    release.open();
    expect(await next).toEqual({ done: true, value: undefined });
    await left;
    expect(restores).toBe(2);
    expect(await durableChannel<string>(env.CHANNELS, name).pullMany(5)).toEqual(['committed']);
  });

  test('a ReadableStream.from(channel) cancelled while its read is being acknowledged loses nothing (audit AR)', async () => {
    const { name, next } = await returnDuringAck((channel) => {
      const from = (ReadableStream as unknown as { from(iterable: AsyncIterable<string>): ReadableStream<string> })
        .from;
      const reader = from(channel).getReader();
      return { next: reader.read(), leave: () => reader.cancel('client left') };
    });
    expect(next).toEqual({ done: true, value: undefined });
    expect(await durableChannel<string>(env.CHANNELS, name).pullMany(5)).toEqual(['committed', 'stays']);
  });
});

// Reference, `durableChannel`: "Throws `TypeError` for … a bad name or a non-number option"; the
// DurableChannel TSDoc: "reports every failure by rejecting it (bad arguments included)". Slips a
// local channel's user makes — the capacity where the options go, an AbortSignal or a key in
// place of the options object — would otherwise be read as "no options", silently.
describe('options that are not an options object', () => {
  test('durableChannel(namespace, name, 1000) throws a TypeError instead of making an unbounded channel', () => {
    expect(() => durableChannel(env.CHANNELS, 'jobs', 1000 as never)).toThrow(
      new TypeError('durableChannel(namespace, name, options): options must be an object, got number'),
    );
  });

  test('pull(AbortSignal.timeout(…)) rejects with a TypeError saying to pass { signal }, and waits for nothing', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<string>(namespace, freshName('signal-as-options'));
    const signal = AbortSignal.timeout(60_000);
    await expect(channel.pull(signal as never)).rejects.toThrow(
      new TypeError('pull(options): options is an AbortSignal: pass { signal } instead'),
    );
    await expect(channel.pullWithId(signal as never)).rejects.toThrow(
      new TypeError('pullWithId(options): options is an AbortSignal: pass { signal } instead'),
    );
    await expect(channel.pullMany(5, signal as never)).rejects.toThrow(
      new TypeError('pullMany(max, options): options is an AbortSignal: pass { signal } instead'),
    );
    expect(calls).toEqual({});
  });

  test('push(value, key) with the key in place of { id } rejects with a TypeError, and nothing is stored', async () => {
    const channel = open<string>('key-as-options');
    await expect(channel.push('job', 'job-42' as never)).rejects.toThrow(
      new TypeError('push(value, options): options must be an object, got "job-42"'),
    );
    await expect(channel.tryPush('job', 'job-42' as never)).rejects.toThrow(
      new TypeError('tryPush(value, options): options must be an object, got "job-42"'),
    );
    expect(await channel.stats()).toMatchObject({ size: 0 });
  });
});

// Reference, `push`: "`id` (1–256 characters of well-formed Unicode …) is the idempotency key";
// TSDoc: "1 to 256 UTF-16 code units". README "Idempotent push": "a value is stored once per id".
describe('push ids: their length and their scope', () => {
  test('an id is measured in UTF-16 code units: 128 emoji (256 units) are accepted, 129 are refused', async () => {
    const channel = open<number>('id-units');
    await channel.push(1, { id: '😀'.repeat(128) });
    await expect(channel.push(2, { id: '😀'.repeat(129) })).rejects.toThrow(TypeError);
    expect(await channel.pullWithId()).toMatchObject({ value: 1, id: '😀'.repeat(128) });
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('push ids are per channel: the same id pushed to two channels stores a value in each', async () => {
    const first = open<string>('id-scope-a');
    const second = open<string>('id-scope-b');
    await first.push('to a', { id: 'order-7' });
    await second.push('to b', { id: 'order-7' });
    expect(await first.pullWithId()).toEqual({ value: 'to a', id: 'order-7', attempt: 1 });
    expect(await second.pullWithId()).toEqual({ value: 'to b', id: 'order-7', attempt: 1 });
  });
});

// Semantic details, "A push whose id is remembered resolves, storing nothing, even when the
// channel is full or closed … `tryPush` answers `true`." And "One push id from several callers
// at once … If one of them withdraws it (its signal aborts), the others push again, at the tail."
describe('one push id, remembered or shared', () => {
  test('tryPush with the id of a stored value answers true on a closed channel, and stores nothing', async () => {
    const channel = open<string>('try-remembered-closed');
    await channel.push('paid', { id: 'invoice-1' });
    await channel.close();
    expect(await channel.tryPush('paid', { id: 'invoice-1' })).toBe(true);
    expect(await channel.tryPush('new', { id: 'invoice-2' })).toBe(false);
    expect(await channel.pullMany(5)).toEqual(['paid']);
  });

  test('when one of two callers of a waiting push id withdraws it, the other pushes again at the tail, behind a push that waited after it', async () => {
    const channel = open<string>('same-id-tail', { capacity: 1, sliceMs: 200 });
    await channel.push('x');
    const controller = new AbortController();
    const withdrawn = channel.push('dup', { id: 'dup', signal: controller.signal }).catch((e: unknown) => e);
    const kept = channel.push('dup', { id: 'dup' });
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await sleep(20); // both calls parked for the one waiting push
    const other = channel.push('other', { id: 'other' });
    await until(async () => (await channel.stats()).waitingPushers === 2);
    controller.abort('changed my mind');
    expect(await withdrawn).toBe('changed my mind');
    await until(async () => (await channel.stats()).waitingPushers === 2); // 'dup' queued again
    expect(await channel.pull()).toBe('x');
    await other;
    expect(await channel.pull()).toBe('other');
    await kept;
    expect(await channel.pull()).toBe('dup');
    expect(await channel.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });
});

// Semantic details, "A pull commits at its acknowledgement": "A late acknowledgement of a value
// whose lease ended still takes it if nobody else was handed it meanwhile; if it was handed out
// again, the late puller drops it and pulls again."
describe('a late acknowledgement', () => {
  test('a pull whose value was handed to another pull before its acknowledgement arrived does not return it: it pulls again and gets the next value', async () => {
    const name = freshName('late-ack-client');
    const other = durableChannel<string>(env.CHANNELS, name);
    let late = true;
    let redelivered: unknown;
    const { namespace } = observed({
      ack: async (real) => {
        if (late) {
          late = false;
          await sleep(80); // the lease (30 ms) ends before this acknowledgement arrives…
          redelivered = await other.pullWithId(); // …and another pull is handed the value
        }
        return real();
      },
    });
    const slow = durableChannel<string>(namespace, name, { leaseMs: 30 });
    await other.push('v', { id: 'v' });
    const pulled = slow.pull();
    await until(() => redelivered !== undefined);
    expect(redelivered).toEqual({ value: 'v', id: 'v', attempt: 2 });
    await until(async () => (await other.stats()).waitingPullers === 1); // the late puller pulls again
    await other.push('w');
    expect(await pulled).toBe('w');
    expect(await other.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });
});

// Semantic details: "Push ids are remembered while the value is in the channel and at least 10
// minutes after it was stored, so a retry that arrives after the value was consumed is still
// stored once".
describe('how long a push id is remembered', () => {
  test('a retry 9 minutes after the push, of a value already consumed, stores nothing', async () => {
    const name = freshName('dedupe-nine');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('paid', { id: 'invoice-9' });
    expect(await channel.pull()).toBe('paid');
    // Nine minutes pass for the object's memory of that id; a store then deletes expired ids.
    await agePushIds(name, 9);
    await channel.push('other', { id: 'other' });
    await channel.push('paid', { id: 'invoice-9' }); // the retry
    expect(await channel.pullMany(10)).toEqual(['other']);
  });
});

// README "Waiting in slices": "a waiter whose caller vanished keeps the object from hibernating
// for at most one slice (lease and place expiry use the object's alarm, not timers)".
describe('the alarm, not timers', () => {
  test('a value leased to a caller that vanished leaves no timer running in the object: the alarm, set for the lease’s end, ends it', async () => {
    const name = freshName('lease-alarm-only');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('v', { id: 'v' });
    const timers = timerCount();
    try {
      // A lease long enough to be still running when the alarm is read on a loaded machine (with
      // 100 ms, CI read it after the lease had ended and its alarm had fired: null).
      const request = { capacity: null, wait: false, sliceMs: 30_000, leaseMs: 2_000, ticket: 'vanished', max: 1 };
      expect(await rawStub(name).pull(request)).toMatchObject({ kind: 'values' });
      expect(timers.pending()).toBe(0);
      const at = await alarmIn(name);
      expect(at).not.toBeNull();
      expect(at).toBeLessThanOrEqual(2_000);
    } finally {
      timers.restore();
    }
    expect(await channel.pullWithId()).toEqual({ value: 'v', id: 'v', attempt: 2 });
  });
});

// Semantic details, "Iteration": "Like an async generator's, `return(value)` awaits the value
// given to it, after the withdrawal … (a durable channel's iterator does the same)" (audit BR-1).
describe('the iterator’s return(value)', () => {
  test('awaits a promise given to it; a rejected one makes it reject, after a waiting pull is withdrawn', async () => {
    const name = freshName('return-value');
    const channel = durableChannel<string>(env.CHANNELS, name);
    expect(await channel[Symbol.asyncIterator]().return?.(Promise.resolve('given'))).toEqual({
      done: true,
      value: 'given',
    });
    const iterator = channel[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const error = new Error('rejected argument');
    await expect(iterator.return?.(Promise.reject(error))).rejects.toBe(error);
    expect(await waiting).toEqual({ done: true, value: undefined });
    await until(async () => (await channel.stats()).waitingPullers === 0);
    await channel.push('after');
    expect(await channel.pullMany(5)).toEqual(['after']);
  });
});
