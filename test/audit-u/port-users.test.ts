/**
 * Audit u: `chanasync/port` as users combine it — two toPorts reading one channel, select over
 * capacity-0 receivers with timeouts, odd values, a default abort reason, a closed local channel,
 * a consumer that blocks the event loop, stream churn on one port.
 */
import { describe, expect, test } from 'vitest';
import { after } from '../../src/after.js';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError } from '../../src/errors.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { pull, select } from '../../src/select.js';
import { drain, pair, range, sleep, timers, until } from './helpers.js';

describe('combinations', () => {
  test('two toPorts read one local channel: each value goes to exactly one receiver, each in order', async () => {
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const local = new Channel<number>(3);
    const r1 = fromPort<number>(b1, { capacity: 2 });
    const r2 = fromPort<number>(b2, { capacity: 5 });
    const d1 = toPort(local, a1);
    const d2 = toPort(local, a2);
    const producer = (async () => {
      for (let i = 0; i < 500; i++) await local.push(i);
      local.close();
    })();
    const [g1, g2] = await Promise.all([drain(r1), drain(r2)]);
    await producer;
    for (const g of [g1, g2]) {
      expect(g.error).toBeUndefined();
      for (let i = 1; i < g.values.length; i++) expect(g.values[i]).toBeGreaterThan(g.values[i - 1] as number);
    }
    expect([...g1.values, ...g2.values].sort((x, y) => x - y)).toEqual(range(0, 500));
    const [x1, x2] = await Promise.all([d1, d2]);
    expect(x1.sent + x2.sent).toBe(500);
    expect(x1.undelivered).toEqual([]);
    expect(x2.undelivered).toEqual([]);
  });

  test('select over two capacity-0 receivers with a timeout, in a loop: every value once, none stranded', async () => {
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const l1 = new Channel<string>(0);
    const l2 = new Channel<string>(0);
    const r1 = fromPort<string>(b1);
    const r2 = fromPort<string>(b2);
    const d1 = toPort(l1, a1);
    const d2 = toPort(l2, a2);
    const p1 = (async () => {
      for (let i = 0; i < 40; i++) await l1.push(`a${i}`);
      l1.close();
    })();
    const p2 = (async () => {
      for (let i = 0; i < 40; i++) {
        await l2.push(`b${i}`);
        if (i % 7 === 0) await sleep(3);
      }
      l2.close();
    })();
    const got: string[] = [];
    let open = 2;
    let timeouts = 0;
    let c1: Channel<string> | null = r1;
    let c2: Channel<string> | null = r2;
    while (open > 0) {
      const result = await select([c1 && pull(c1), c2 && pull(c2), pull(after(1))]);
      if (result.index === 2) {
        timeouts++;
        continue;
      }
      if (!result.ok) {
        open--;
        if (result.index === 0) c1 = null;
        else c2 = null;
        continue;
      }
      got.push(result.value as string);
    }
    await Promise.all([p1, p2]);
    const as = got.filter((s) => s.startsWith('a'));
    const bs = got.filter((s) => s.startsWith('b'));
    expect(as).toEqual(range(0, 40).map((i) => `a${i}`));
    expect(bs).toEqual(range(0, 40).map((i) => `b${i}`));
    expect(await d1).toEqual({ sent: 40, undelivered: [] });
    expect(await d2).toEqual({ sent: 40, undelivered: [] });
    expect(r1.stats().waitingPullers + r2.stats().waitingPullers).toBe(0);
    void timeouts;
  });

  test('odd but clonable values cross as structured clones: undefined, null, NaN, -0, BigInt, Date, Map, sparse arrays, cycles', async () => {
    const [a, b] = pair();
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const values: unknown[] = [
      undefined,
      null,
      Number.NaN,
      -0,
      10n ** 30n,
      new Date(0),
      new Map([[1, 'x']]),
      // biome-ignore lint/suspicious/noSparseArray: on purpose
      [1, , 3],
      cyclic,
      '',
      false,
    ];
    const local = new Channel<unknown>(values.length);
    await local.pushAll(values);
    local.close();
    const remote = fromPort<unknown>(b, { capacity: 2 });
    const done = toPort(local, a);
    const got = await drain(remote);
    expect(got.error).toBeUndefined();
    expect(got.values).toHaveLength(values.length);
    expect(got.values[0]).toBeUndefined();
    expect(got.values[1]).toBeNull();
    expect(Number.isNaN(got.values[2])).toBe(true);
    expect(Object.is(got.values[3], -0)).toBe(true);
    expect(got.values[4]).toBe(10n ** 30n);
    expect(got.values[5]).toEqual(new Date(0));
    expect(got.values[6]).toEqual(new Map([[1, 'x']]));
    expect(1 in (got.values[7] as unknown[])).toBe(false);
    const c = got.values[8] as { self: unknown };
    expect(c.self).toBe(c);
    expect(got.values.slice(9)).toEqual(['', false]);
    expect(await done).toEqual({ sent: values.length, undelivered: [] });
  });

  test("an abort with the signal's default reason closes the remote with an error naming AbortError", async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 2 });
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
    await local.push(1);
    await until(() => a.sent('values').length > 0); // posted
    controller.abort();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    const got = await drain(remote);
    expect(got.values).toEqual([1]);
    expect(got.error).toBeDefined();
    expect(String((got.error as Error).name) + String((got.error as Error).message)).toMatch(/AbortError|aborted/);
  });

  test('a local channel already closed and drained: toPort resolves with nothing, the remote closes with its reason', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    local.close(new TypeError('nothing to send'));
    const remote = fromPort<number>(b, { capacity: 2 });
    const result = await toPort(local, a);
    expect(result).toEqual({ sent: 0, undelivered: [] });
    const got = await drain(remote);
    expect(got.values).toEqual([]);
    expect(got.error).toBeInstanceOf(TypeError);
    expect((got.error as Error).message).toBe('nothing to send');
  });

  test('the receiver closes: the sender stops pulling (pushes into an unbuffered local channel stay parked)', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 3 });
    const done = toPort(local, a);
    let resolved = 0;
    const producer = (async () => {
      for (let i = 0; ; i++) {
        await local.push(i);
        resolved++;
      }
    })().catch(() => undefined);
    expect(await remote.pull()).toBe(0);
    remote.close('enough');
    const result = await done;
    const settledAt = resolved;
    await sleep(50);
    expect(resolved).toBe(settledAt);
    expect(local.stats().waitingPullers).toBe(0);
    expect(local.stats().waitingPushers).toBe(1);
    const rest: number[] = [];
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) rest.push(v);
    expect([0, ...rest, ...result.undelivered]).toEqual(range(0, resolved));
    expect(result.sent).toBe(1 + rest.length);
    local.close();
    await producer;
  });
});

describe('churn and blocking', () => {
  test('300 short streams one after another on one port pair: no listener, timer or endpoint state left', async () => {
    const before = timers();
    const [a, b] = pair();
    for (let i = 0; i < 300; i++) {
      const local = new Channel<number>(2);
      const remote = fromPort<number>(b, { name: `n${i % 3}`, capacity: 1 });
      const done = toPort(local, a, { name: `n${i % 3}` });
      await local.pushAll([i, i + 1]);
      local.close();
      const got = await drain(remote);
      expect(got.values).toEqual([i, i + 1]);
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    }
    await until(() => a.listeners === 0 && b.listeners === 0);
    await until(() => timers() <= before, 2000);
  }, 30_000);

  test('a consumer that blocks the event loop for 6 s mid-stream (both sides share the thread): every value once, in order', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 4 });
    const done = toPort(local, a);
    const producer = (async () => {
      for (let i = 0; i < 40; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v === 10) {
        const end = performance.now() + 6000;
        while (performance.now() < end) {
          // blocked
        }
      }
    }
    await producer;
    expect(got).toEqual(range(0, 40));
    expect(await done).toEqual({ sent: 40, undelivered: [] });
  }, 20_000);

  test('disposing the fromPort channel (Symbol.dispose / Symbol.asyncDispose) tells the sender, which settles', async () => {
    for (const how of ['dispose', 'asyncDispose'] as const) {
      const [a, b] = pair();
      const local = new Channel<number>(5);
      await local.pushAll([1, 2, 3, 4, 5]);
      const done = toPort(local, a);
      const remote = fromPort<number>(b, { capacity: 1 });
      expect(await remote.pull()).toBe(1);
      if (how === 'dispose') remote[Symbol.dispose]();
      else await remote[Symbol.asyncDispose]();
      expect(remote.closed).toBe(true);
      const buffered: number[] = [];
      for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) buffered.push(v);
      await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      const result = await done;
      const left: number[] = [];
      for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
      expect(result.sent).toBe(1 + buffered.length);
      expect([1, ...buffered, ...result.undelivered, ...left]).toEqual([1, 2, 3, 4, 5]);
    }
  });
});

describe('a dropping local channel', () => {
  test("toPort over a 'drop-oldest' channel: what the remote receives is in order, each at most once, never a dropped value twice", async () => {
    const [a, b] = pair();
    const local = new Channel<number>(3, { overflow: 'drop-oldest' });
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) {
        await local.push(i); // never waits: the oldest buffered value is dropped
        if (i % 50 === 0) await sleep(1);
      }
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (got.length % 7 === 0) await sleep(1);
    }
    await producer;
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1] as number);
    expect(got.at(-1)).toBe(1999); // the newest values survive a sliding buffer
    const result = await done;
    expect(result.sent).toBe(got.length);
    expect(result.undelivered).toEqual([]);
  });
});
