/**
 * Audit BE, durable: no loss when a caller goes away (leases), delivery ids on redelivery, close
 * with leased values, several consumers, and the option checks the README records.
 */
import { exports } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { channel, fresh, rejection, sleep, until } from './helpers.js';

/** Starts a pull in a request of its own (the test Worker's `/pull`) and cancels that request once it waits. */
async function pullInRequestThatLeaves(name: string, leaseMs: number): Promise<void> {
  const controller = new AbortController();
  const request = exports.default
    .fetch(`https://worker.test/pull?name=${encodeURIComponent(name)}&leaseMs=${leaseMs}&withId=1`, {
      signal: controller.signal,
    })
    .catch(() => undefined);
  await until(async () => (await channel(name).stats()).waitingPullers === 1, 5000, 'request waits');
  controller.abort();
  await request;
}

describe('a caller that goes away loses no value', () => {
  it('a value handed to a cancelled request goes back to the head of the queue, with the same delivery id', async () => {
    const name = fresh('departed');
    const ch = channel<string>(name, { leaseMs: 300 });
    await pullInRequestThatLeaves(name, 300);
    await ch.push('v1', { id: 'first' });
    await ch.push('v2', { id: 'second' });
    // v1 may be leased to the departed request; once its lease ends it is ready again, at the head
    await until(
      async () => {
        const s = await ch.stats();
        return s.leased === 0 && s.size === 2;
      },
      5000,
      'lease ended',
    );
    const first = await ch.pullWithId();
    const second = await ch.pullWithId();
    expect(first.value).toBe('v1');
    expect(first.id).toBe('first');
    expect(first.attempt).toBeGreaterThanOrEqual(1);
    expect(second).toEqual({ value: 'v2', id: 'second', attempt: 1 });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('a closed channel still hands out a value whose lease ended; only then do pulls reject', async () => {
    const name = fresh('departed-close');
    const ch = channel<string>(name, { leaseMs: 300 });
    await pullInRequestThatLeaves(name, 300);
    await ch.push('only', { id: 'only' });
    await ch.close();
    expect(await ch.pull()).toBe('only');
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });
});

describe('several consumers', () => {
  it('two iterators over one durable channel share its values: each exactly once, each in order', async () => {
    const name = fresh('two-iterators');
    const producer = channel<number>(name);
    const n = 40;
    const consume = async () => {
      const mine: number[] = [];
      for await (const v of channel<number>(name)) mine.push(v);
      return mine;
    };
    const consumers = [consume(), consume()];
    for (let i = 0; i < n; i++) await producer.push(i);
    await producer.close();
    const [a, b] = await Promise.all(consumers);
    expect(a).toEqual([...a!].sort((x, y) => x - y));
    expect(b).toEqual([...b!].sort((x, y) => x - y));
    expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('pullMany on a closed channel returns what is left, then rejects', async () => {
    const ch = channel<number>(fresh('many-closed'));
    await Promise.all([ch.push(1), ch.push(2), ch.push(3)]);
    await ch.close('done');
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await ch.pullMany(2)).toEqual([3]);
    const error = (await rejection(ch.pullMany(2))) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('done');
  });
});

describe('capacity fixed by the first call', () => {
  it('a channel created unbounded by a client without capacity refuses a client that asks for a number', async () => {
    const name = fresh('cap-late');
    await channel<number>(name).push(1);
    const bounded = channel<number>(name, { capacity: 5 });
    expect(await rejection(bounded.push(2))).toBeInstanceOf(RangeError);
    expect(await rejection(bounded.stats())).toBeInstanceOf(RangeError);
  });

  it('stats() on a new channel creates it with the client capacity', async () => {
    const name = fresh('cap-stats');
    expect((await channel(name, { capacity: 3 }).stats()).capacity).toBe(3);
    expect(await rejection(channel(name, { capacity: 4 }).push(1))).toBeInstanceOf(RangeError);
  });
});

describe('reasons and ids', () => {
  it('a close reason that cannot be stored arrives as an Error with its message', async () => {
    const ch = channel<number>(fresh('reason-fn'));
    await ch.close({ message: 'has a function', fn() {} });
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toContain('has a function');
  });

  it('an Error close reason keeps its class and message', async () => {
    const ch = channel<number>(fresh('reason-error'));
    await ch.close(new RangeError('out of range'));
    const error = (await rejection(ch.pull())) as ChannelClosedError;
    expect(error.cause).toBeInstanceOf(RangeError);
    expect((error.cause as Error).message).toBe('out of range');
  });

  it('ids are 1–256 characters and come back exactly (documented)', async () => {
    const ch = channel<string>(fresh('ids'));
    await expect(ch.push('x', { id: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push('x', { id: 'a'.repeat(257) })).rejects.toBeInstanceOf(TypeError);
    const odd = ' Ünïcödé 🎉 \u0000 id ';
    await ch.push('y', { id: odd });
    expect(await ch.pullWithId()).toEqual({ value: 'y', id: odd, attempt: 1 });
  });

  it('options that are not objects are refused with a TypeError (documented)', async () => {
    const ch = channel<number>(fresh('opts'));
    await expect(ch.pull(AbortSignal.timeout(1000) as never)).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(1, 'key' as never)).rejects.toBeInstanceOf(TypeError);
    await sleep(0);
  });
});
