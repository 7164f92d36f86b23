/**
 * Audit u: `chanasync/port` from outside — SPEC "Channels across contexts": order and loss,
 * close with reasons (clonable or not), non-clonable values, `transfer` misuse, and nothing left
 * behind. Over Node's global `MessageChannel` (wrapped to count listeners and messages).
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError } from '../../src/errors.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { drain, pair, range, sleep, timers, until } from './helpers.js';

describe('close reasons crossing over', () => {
  const cases: [string, unknown, (error: unknown) => void][] = [
    [
      'a Symbol',
      Symbol('stop-here'),
      (e) => {
        expect(e).toBeInstanceOf(Error);
        expect(String((e as Error).message)).toContain('stop-here');
      },
    ],
    [
      'an object with a function',
      { message: 'has a fn', fn: () => 1 },
      (e) => {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toContain('has a fn');
      },
    ],
    [
      'an object whose message getter throws',
      Object.defineProperty({}, 'message', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      }),
      (e) => {
        expect(e).toBeInstanceOf(Error);
      },
    ],
    ['a Promise', Promise.resolve(1), (e) => expect(e).toBeInstanceOf(Error)],
    [
      'a null-prototype object with a function (String() of it throws)',
      Object.assign(Object.create(null), { f() {} }),
      (e) => expect(e).toBeInstanceOf(Error),
    ],
    [
      'an object whose message is a Symbol, with a function',
      { message: Symbol('m'), f() {} },
      (e) => {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toContain('Symbol(m)');
      },
    ],
    [
      'a revoked Proxy',
      (() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      })(),
      (e) => expect(e).toBeInstanceOf(Error),
    ],
    [
      'an Error with a function as cause',
      new Error('with cause', { cause: () => 1 }),
      (e) => {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toContain('with cause');
      },
    ],
    [
      'a plain clonable object',
      { code: 42, nested: { a: [1, 2] } },
      (e) => {
        expect(e).toEqual({ code: 42, nested: { a: [1, 2] } });
      },
    ],
    ['null', null, (e) => expect(e).toBe(null)],
    ['0', 0, (e) => expect(e).toBe(0)],
    [
      'a RangeError',
      new RangeError('out'),
      (e) => {
        expect(e).toBeInstanceOf(RangeError);
        expect((e as Error).message).toBe('out');
      },
    ],
  ];
  for (const [what, reason, check] of cases) {
    test(`local close with ${what}: values first, then the remote closes with it; toPort resolves`, async () => {
      const [a, b] = pair();
      const local = new Channel<number>(8);
      const remote = fromPort<number>(b, { capacity: 3 });
      const done = toPort(local, a);
      await local.pushAll([1, 2, 3, 4, 5]);
      local.close(reason);
      const { values, error } = await drain(remote);
      expect(values).toEqual([1, 2, 3, 4, 5]);
      check(error);
      expect(await done).toEqual({ sent: 5, undelivered: [] });
      await until(() => a.listeners === 0 && b.listeners === 0);
    });
  }

  test('a local close() without a reason ends the remote for-await normally', async () => {
    const [a, b] = pair();
    const local = new Channel<string>(2);
    const remote = fromPort<string>(b, { capacity: 1 });
    const done = toPort(local, a);
    await local.pushAll(['x', 'y']);
    local.close();
    expect(await drain(remote)).toEqual({ values: ['x', 'y'], error: undefined });
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });
});

describe('values that cannot be posted', () => {
  test('a function among values: toPort rejects with sent and undelivered that account for every pulled value', async () => {
    const [a, b] = pair();
    const local = new Channel<unknown>(0);
    const remote = fromPort<unknown>(b, { capacity: 4 });
    const done = toPort(local, a);
    const fn = () => 1;
    const pushes = [local.push(1), local.push(2)];
    await Promise.all(pushes);
    await sleep(20); // 1 and 2 posted in their own batch
    const later = [local.push(fn), local.push(3)];
    const settled = await Promise.allSettled(later);
    const result = await done.then(
      () => {
        throw new Error('should reject');
      },
      (error) => error,
    );
    expect(result).toBeInstanceOf(TypeError);
    const { values, error } = await drain(remote);
    expect(values).toEqual([1, 2]);
    expect(error).toBeInstanceOf(Error);
    expect(result.sent).toBe(2);
    // Every pulled value is committed or undelivered; what was not pulled stays local.
    const pushed = settled.filter((s) => s.status === 'fulfilled').length;
    const rest: unknown[] = [];
    while (local.size > 0) rest.push(local.tryPull());
    expect([...values, ...result.undelivered]).toEqual([1, 2, fn, 3].slice(0, 2 + pushed));
    expect(result.undelivered).toContain(fn);
    expect(local.stats().waitingPullers).toBe(0);
    await until(() => a.listeners === 0 && b.listeners === 0);
  });

  const transfers: [string, (v: { buf: ArrayBuffer }) => unknown][] = [
    [
      'throws',
      () => {
        throw new Error('transfer broke');
      },
    ],
    ['returns undefined', () => undefined],
    ['returns a non-transferable object', () => [{}]],
    [
      'returns the same buffer for every value',
      (() => {
        const shared = new ArrayBuffer(4);
        return () => [shared];
      })(),
    ],
  ];
  for (const [what, transfer] of transfers) {
    test(`a transfer that ${what}: ${what.startsWith('returns the same') ? 'all arrive' : 'toPort rejects'}, nothing is lost or duplicated`, async () => {
      const [a, b] = pair();
      const local = new Channel<{ buf: ArrayBuffer; i: number }>(10);
      const remote = fromPort<{ buf: ArrayBuffer; i: number }>(b, { capacity: 10 });
      const values = range(0, 5).map((i) => ({ buf: new ArrayBuffer(8), i }));
      await local.pushAll(values);
      local.close();
      const done = toPort(local, a, { transfer: transfer as never });
      const outcome = await done.then(
        (r) => ({ ok: true as const, ...r }),
        (e) => ({ ok: false as const, error: e, sent: e.sent as number, undelivered: e.undelivered as typeof values }),
      );
      const got = await drain(remote);
      const received = got.values.map((v) => v.i);
      const back = outcome.undelivered.map((v) => v.i);
      expect([...received, ...back]).toEqual(range(0, 5));
      expect(outcome.sent).toBe(received.length);
      await until(() => a.listeners === 0 && b.listeners === 0);
      expect(local.stats().waitingPullers).toBe(0);
      if (what === 'returns the same buffer for every value') {
        // The five values were buffered before toPort started, so one batch carries them all, and
        // a buffer listed by several values of one batch is transferred once: all arrive.
        expect(outcome.ok).toBe(true);
        expect(received).toEqual(range(0, 5));
      } else {
        expect(outcome.ok).toBe(false);
      }
    });
  }

  test('transfer moves buffers; received ones are intact and undelivered ones come back', async () => {
    const [a, b] = pair();
    const local = new Channel<Uint8Array>(4);
    const remote = fromPort<Uint8Array>(b, { capacity: 2 });
    const done = toPort(local, a, { transfer: (v) => [v.buffer] });
    const arrays = range(0, 4).map((i) => new Uint8Array([i, i + 1, i + 2]));
    await local.pushAll(arrays);
    local.close();
    const got = await drain(remote);
    expect(got.values.map((v) => [...v])).toEqual(range(0, 4).map((i) => [i, i + 1, i + 2]));
    for (const array of arrays) expect(array.byteLength).toBe(0); // detached on this side
    expect(await done).toEqual({ sent: 4, undelivered: [] });
  });
});

describe('nothing left behind', () => {
  test('after streams end: no listener on either port, no timer, no parked pull on the local channel', async () => {
    const before = timers();
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await local.push(i);
      local.close();
    })();
    const got = await drain(remote);
    await producer;
    expect(got.values).toEqual(range(0, 50));
    expect(await done).toEqual({ sent: 50, undelivered: [] });
    expect(local.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(remote.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    await until(() => a.listeners === 0 && b.listeners === 0);
    await until(() => timers() <= before, 2000);
  });

  test('a toPort whose peer never answers: aborting settles it at once with nothing, and leaves nothing', async () => {
    const before = timers();
    const [a] = pair();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await sleep(1700); // open is posted again every second while pairing
    expect(a.sent('open').length).toBeGreaterThanOrEqual(2);
    expect(a.sent('values')).toEqual([]);
    controller.abort(new Error('give up'));
    expect(await done).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(2); // nothing pulled
    expect(local.stats().waitingPullers).toBe(0);
    expect(a.listeners).toBe(0);
    await until(() => timers() <= before, 2000);
  });

  test('a fromPort whose sender never comes, closed: no listener left, no timer started', async () => {
    const before = timers();
    const [, b] = pair();
    const remote = fromPort<number>(b, { capacity: 2 });
    const pulls = [remote.pull(), remote.pull()];
    await sleep(10);
    expect(remote.stats().waitingPullers).toBe(2);
    remote.close();
    for (const p of pulls) await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(b.listeners).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
