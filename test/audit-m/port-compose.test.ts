/**
 * Audit M: `chanasync/port` channels composed with the core's features, through the public
 * entries over Node's MessageChannel. The receiving channel of `fromPort` is a channel like any
 * other: select (ready, parked, several remote channels with a local one, aborted mid-send),
 * selectNowait, tryPull, pullMany, merge, broadcast, toReadableStream, iteration with break,
 * `await using`; and `toPort` reads any chanasync channel (merge, broadcast subscriber, ticker,
 * from(stream)). Invariants: every value exactly once, FIFO per stream, `sent` + `undelivered`
 * account for everything pulled, close reasons cross.
 */
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  type PullCase,
  pull,
  select,
  selectNowait,
  ticker,
} from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, drain, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

const range = (count: number, base = 0) => Array.from({ length: count }, (_, i) => base + i);

/** A local channel of `values`, closed (with `reason` if given), sent over a fresh MessageChannel. */
async function remoteOf<T>(values: readonly T[], capacity: number, reason?: unknown, name = '') {
  // `reason` undefined: close() without a reason
  const [a, b] = ports();
  const local = new Channel<T>(Infinity);
  await local.pushAll(values);
  if (reason !== undefined) local.close(reason);
  else local.close();
  const remote = fromPort<T>(b, { capacity, name });
  const sending = toPort(local, a, { name });
  return { local, remote, sending };
}

describe('select over fromPort channels', () => {
  for (const capacity of [0, 1, 3]) {
    test(`select over two remote channels (capacity ${capacity}) and a local one takes every value once, in each stream's order`, async () => {
      const a = await remoteOf(range(30, 0), capacity);
      const b = await remoteOf(range(30, 100), capacity, new Error('b done'));
      const local = new Channel<number>(2);
      void (async () => {
        for (const v of range(30, 200)) await local.push(v);
        local.close();
      })();
      const channels = [a.remote, b.remote, local];
      const cases: (PullCase<number> | null)[] = channels.map((c) => pull(c));
      const got: number[][] = [[], [], []];
      while (cases.some((c) => c !== null)) {
        const result = await select(cases);
        if (result.ok) got[result.index]?.push(result.value as number);
        else cases[result.index] = null;
      }
      expect(got).toEqual([range(30, 0), range(30, 100), range(30, 200)]);
      expect(await a.sending).toEqual({ sent: 30, undelivered: [] });
      expect(await b.sending).toEqual({ sent: 30, undelivered: [] });
      // the close reason crossed: a pull on the drained remote channel rejects with it as cause
      const error = await b.remote.pull().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).cause).toEqual(new Error('b done'));
    });
  }

  test('a select parked on a capacity-0 remote channel and aborted while the value is on its way loses nothing', async () => {
    for (let round = 0; round < 8; round++) {
      const [a, b] = ports();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(b);
      const sending = toPort(local, a);
      const controller = new AbortController();
      const selected = select([pull(remote), pull(new Channel<number>())], { signal: controller.signal });
      const pushed = local.push(round);
      // abort after a varying delay: before, during or after the value crosses
      await sleep(round % 5);
      controller.abort(new Error('stop'));
      const outcome = await selected.then(
        (r) => ({ value: r.value }),
        (e: unknown) => ({ error: e }),
      );
      if ('value' in outcome) {
        expect(outcome.value).toBe(round);
        await pushed;
      } else {
        expect(outcome.error).toEqual(new Error('stop'));
        // the value was not taken by the aborted select: the next pull gets it
        const next = await Promise.race([remote.pull(), sleep(2000).then(() => 'hang')]);
        expect(next).toBe(round);
        await pushed;
      }
      local.close();
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
      expect(await drain(remote)).toEqual({ values: [], error: undefined });
    }
  });

  test('selectNowait on a buffered remote channel takes what arrived, then returns undefined', async () => {
    const { remote, sending } = await remoteOf(['a', 'b'], 2);
    await until(() => remote.size === 2);
    expect(selectNowait([pull(remote)])).toMatchObject({ index: 0, value: 'a', ok: true });
    expect(selectNowait([pull(remote)])).toMatchObject({ index: 0, value: 'b', ok: true });
    await until(() => remote.closed);
    expect(selectNowait([pull(remote)])).toMatchObject({ index: 0, value: undefined, ok: false });
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  test('undefined, null and 0 cross and come out of select with ok true', async () => {
    const { remote, sending } = await remoteOf<unknown>([undefined, null, 0], 0);
    const got: unknown[] = [];
    for (;;) {
      const r = await select([pull(remote)]);
      if (!r.ok) break;
      got.push(r.value);
    }
    expect(got).toEqual([undefined, null, 0]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('non-blocking and batch operations on fromPort channels', () => {
  test('pullMany takes what the credit allowed, never more than the capacity at once, every value once', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(50));
    local.close();
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a);
    const got: number[] = [];
    for (;;) {
      const batch = await remote.pullMany(100).catch((e: unknown) => e);
      if (batch instanceof ChannelClosedError) break;
      expect((batch as number[]).length).toBeGreaterThan(0);
      expect((batch as number[]).length).toBeLessThanOrEqual(4);
      // never more than the capacity pulled from the local channel and not yet taken here
      expect(50 - local.size - got.length - (batch as number[]).length).toBeLessThanOrEqual(4);
      got.push(...(batch as number[]));
    }
    expect(got).toEqual(range(50));
    expect(await sending).toEqual({ sent: 50, undelivered: [] });
  });

  test('pullMany on a capacity-0 remote channel takes one value per parked call (a rendezvous)', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(10);
    await local.pushAll(range(5));
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    expect(await remote.pullMany(5)).toEqual([0]);
    await sleep(20);
    expect(local.size).toBe(4); // nothing pulled ahead of credit
    expect(await remote.pullMany(5)).toEqual([1]);
    local.close();
    remote.close();
    const result = await sending;
    expect(result.sent + result.undelivered.length + local.size).toBe(5);
    expect(result.sent).toBe(2);
  });

  test('tryPull returns the remote values in order, undefined when none arrived, and after close', async () => {
    const { remote, sending } = await remoteOf([1, 2, 3], 3, 'why');
    expect(remote.tryPull()).toBeUndefined(); // nothing arrived yet in this turn
    await until(() => remote.closed);
    expect([remote.tryPull(), remote.tryPull(), remote.tryPull(), remote.tryPull()]).toEqual([1, 2, 3, undefined]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  test('tryPush into a fromPort channel by receiving-side code keeps the remote values in order after it', async () => {
    const [a, b] = ports();
    const local = new Channel<string>(4);
    const remote = fromPort<string>(b, { capacity: 2 });
    const sending = toPort(local, a);
    expect(remote.tryPush('own')).toBe(true);
    await local.pushAll(['r1', 'r2', 'r3']);
    local.close();
    const { values, error } = await drain(remote);
    expect(values).toEqual(['own', 'r1', 'r2', 'r3']);
    expect(error).toBeUndefined();
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('fromPort channels under merge, broadcast and toReadableStream', () => {
  test('merge(fromPort(a), fromPort(b)) keeps each stream in order and closes after both', async () => {
    const a = await remoteOf(range(40, 0), 2, undefined, 'a');
    const b = await remoteOf(range(40, 100), 0, undefined, 'b');
    const merged = merge(a.remote, b.remote);
    const { values, error } = await drain(merged);
    expect(error).toBeUndefined();
    expect(values.filter((v) => v < 100)).toEqual(range(40, 0));
    expect(values.filter((v) => v >= 100)).toEqual(range(40, 100));
    expect(await a.sending).toEqual({ sent: 40, undelivered: [] });
    expect(await b.sending).toEqual({ sent: 40, undelivered: [] });
  });

  test('broadcast(fromPort(...)) gives every subscriber every value, then closes them with the reason', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    const hub = broadcast(remote);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 3 });
    void (async () => {
      await local.pushAll(range(25));
      local.close(new Error('end of feed'));
    })();
    const [r1, r2] = await Promise.all([drain(s1), drain(s2)]);
    expect(r1.values).toEqual(range(25));
    expect(r2.values).toEqual(range(25));
    expect(r1.error).toEqual(new Error('end of feed'));
    expect(r2.error).toEqual(new Error('end of feed'));
    expect(await sending).toEqual({ sent: 25, undelivered: [] });
  });

  test('toReadableStream(fromPort(...)) reads every value and errors with the close reason', async () => {
    const { remote, sending } = await remoteOf(range(10), 0, new Error('bye'));
    const reader = remote.toReadableStream().getReader();
    const got: number[] = [];
    const error = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          got.push(value);
        }
      } catch (e) {
        return e;
      }
    })();
    expect(got).toEqual(range(10));
    expect(error).toEqual(new Error('bye'));
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });

  test('cancelling toReadableStream(fromPort(...)) consumes nothing more: the rest stays for a pull', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(10);
    await local.pushAll(range(6));
    local.close();
    const remote = fromPort<number>(b, { capacity: 0 });
    const sending = toPort(local, a);
    const stream = remote.toReadableStream();
    const reader = stream.getReader();
    expect((await reader.read()).value).toBe(0);
    await reader.cancel();
    expect(remote.closed).toBe(false);
    const { values } = await drain(remote);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(await sending).toEqual({ sent: 6, undelivered: [] });
  });
});

describe('iteration and disposal of fromPort channels', () => {
  test('break out of for await over a remote channel closes nothing and loses nothing', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(20));
    local.close();
    const remote = fromPort<number>(b, { capacity: 3 });
    const sending = toPort(local, a);
    const got: number[] = [];
    for (let part = 0; part < 4; part++) {
      for await (const v of remote) {
        got.push(v);
        if (got.length % 5 === 0) break;
      }
      if (got.length < 20) expect(remote.closed).toBe(false);
    }
    expect(got).toEqual(range(20));
    expect(await sending).toEqual({ sent: 20, undelivered: [] });
  });

  test('await using closes the remote channel at the end of the block; the sender stops and accounts for all', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(20));
    const sending = toPort(local, a);
    const got: number[] = [];
    let remote2!: Channel<number>;
    {
      await using remote = fromPort<number>(b, { capacity: 3 });
      remote2 = remote;
      got.push(await remote.pull(), await remote.pull());
    }
    expect(remote2.closed).toBe(true);
    const result = await sending;
    expect(got).toEqual([0, 1]);
    // committed values stay readable in the closed remote channel; the rest is undelivered or still local
    const { values: leftThere } = await drain(remote2);
    const rest: number[] = [];
    while (local.size > 0) rest.push(local.pullNowait());
    expect([...got, ...leftThere]).toEqual(range(result.sent));
    expect([...got, ...leftThere, ...result.undelivered, ...rest]).toEqual(range(20));
    expect(local.closed).toBe(false);
  });
});

describe('toPort reading derived channels', () => {
  test('toPort(merge(x, y)) sends every value of both, each in order, and closes the remote after', async () => {
    const x = new Channel<number>(2);
    const y = new Channel<number>(0);
    const merged = merge(x, y);
    const [a, b] = ports();
    const remote = fromPort<number>(b, { capacity: 3 });
    const sending = toPort(merged, a);
    void (async () => {
      await x.pushAll(range(20, 0));
      x.close();
    })();
    void (async () => {
      await y.pushAll(range(20, 100));
      y.close();
    })();
    const { values, error } = await drain(remote);
    expect(error).toBeUndefined();
    expect(values.filter((v) => v < 100)).toEqual(range(20, 0));
    expect(values.filter((v) => v >= 100)).toEqual(range(20, 100));
    expect(await sending).toEqual({ sent: 40, undelivered: [] });
  });

  test('toPort(subscriber) of a broadcast: the remote gets every value, the local subscriber too', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const remoteSub = hub.subscribe({ capacity: 2 });
    const localSub = hub.subscribe();
    const [a, b] = ports();
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = toPort(remoteSub, a);
    void (async () => {
      await source.pushAll(range(15));
      source.close('fin');
    })();
    const [r, l] = await Promise.all([drain(remote), drain(localSub)]);
    expect(r).toEqual({ values: range(15), error: 'fin' });
    expect(l).toEqual({ values: range(15), error: 'fin' });
    expect(await sending).toEqual({ sent: 15, undelivered: [] });
  });

  test('toPort(from(readableStream)) sends the stream and closes the remote with its error', async () => {
    let n = 0;
    const stream = new ReadableStream<number>({
      pull(controller) {
        if (n < 12) controller.enqueue(n++);
        else controller.error(new Error('source failed'));
      },
    });
    const [a, b] = ports();
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(from(stream), a);
    const { values, error } = await drain(remote);
    expect(values).toEqual(range(12));
    expect(error).toEqual(new Error('source failed'));
    expect(await sending).toEqual({ sent: 12, undelivered: [] });
  });

  test('toPort(ticker(...)) carries ticks; aborting the ticker closes the remote channel', async () => {
    const controller = new AbortController();
    const ticks = ticker(5, { signal: controller.signal });
    const [a, b] = ports();
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = toPort(ticks, a);
    const first = await remote.pull();
    const second = await remote.pull();
    expect(typeof first).toBe('number');
    expect(second).toBeGreaterThanOrEqual(first);
    controller.abort();
    const rest = await drain(remote);
    expect(rest.error).toBeUndefined();
    const result = await sending;
    expect(result.undelivered).toEqual([]);
    expect(result.sent).toBe(2 + rest.values.length);
  });
});

describe('a feeder that stops while its credit is out', () => {
  test('broadcast.close() while its pull on a capacity-0 remote channel has credit out: the value is not lost, the next pull gets it', async () => {
    for (let round = 0; round < 4; round++) {
      const [a, b] = ports();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(b);
      const sending = toPort(local, a);
      const hub = broadcast(remote);
      const sub = hub.subscribe();
      await until(() => local.stats().waitingPullers === 1); // the broadcast's pull gave credit
      const pushed = local.push(round);
      await sleep(round);
      hub.close();
      const { values } = await drain(sub);
      if (values.length === 0) expect(await remote.pull()).toBe(round);
      else expect(values).toEqual([round]);
      await pushed;
      local.close();
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    }
  });

  test('closing a merge while its pull on a capacity-0 remote input has credit out: the value waits in the input', async () => {
    for (let round = 0; round < 4; round++) {
      const [a, b] = ports();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(b);
      const sending = toPort(local, a);
      const merged = merge(remote, new Channel<number>());
      const waiting = merged.pull().catch(() => 'closed');
      await until(() => local.stats().waitingPullers === 1);
      const pushed = local.push(round);
      await sleep(round);
      merged.close();
      const got = await waiting;
      const rest = (await drain(merged)).values;
      if (got === 'closed' && rest.length === 0) expect(await remote.pull()).toBe(round);
      else expect([got, ...rest].filter((v) => v !== 'closed')).toEqual([round]);
      expect(remote.closed).toBe(false);
      await pushed;
      local.close();
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    }
  });
});
