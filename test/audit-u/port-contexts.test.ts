/**
 * Audit u: `chanasync/port` across "contexts" simulated in Node — a peer that dies without a
 * word (heartbeat: ping after 1 s, gone after 5 s, checked every 500 ms), Window ports with
 * origin checks (fake windows whose messages arrive on a listenable global), and batching per
 * turn.
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError, ChannelError } from '../../src/errors.js';
import { fromPort, GONE_AFTER_MS, PING_AFTER_MS, toPort } from '../../src/port/index.js';
import { FakeWindow, FRAME, PAGE, windows, withGlobal } from '../helpers/fake-windows.js';
import { drain, pair, range, sleep, timers, until } from './helpers.js';

describe('a context that dies', () => {
  test('documented heartbeat constants', () => {
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
  });

  test('receiver dies mid-stream / sender dies mid-stream: both detected after about 5 s, nothing lost, nothing left', async () => {
    const before = timers();
    // 1. The receiving context dies: toPort resolves with what was not acknowledged.
    const [a1, b1] = pair();
    const local1 = new Channel<number>(0);
    const remote1 = fromPort<number>(b1, { capacity: 4 });
    const done1 = toPort(local1, a1);
    const producer1 = (async () => {
      for (let i = 0; i < 100; i++) await local1.push(i);
    })().catch(() => undefined);
    // 2. The sending context dies: the receiving channel closes with a ChannelError saying so.
    const [a2, b2] = pair();
    const local2 = new Channel<number>(0);
    const remote2 = fromPort<number>(b2, { capacity: 4 });
    const done2 = toPort(local2, a2);
    const producer2 = (async () => {
      for (let i = 0; i < 100; i++) await local2.push(i);
    })().catch(() => undefined);

    const got1 = [await remote1.pull(), await remote1.pull(), await remote1.pull()];
    const got2 = [await remote2.pull(), await remote2.pull(), await remote2.pull()];
    await sleep(20);
    b1.dead = true; // the receiver's context dies
    a2.dead = true; // the sender's context dies
    const died = performance.now();

    const result1 = await done1;
    const t1 = performance.now() - died;
    const rest2 = await drain(remote2);
    const t2 = performance.now() - died;
    // 5 s after the last message heard (before \`died\` by the 20 ms sleep or more on a loaded
    // machine), checked every 500 ms, with room for lateness.
    expect(t1).toBeGreaterThanOrEqual(4000);
    expect(t1).toBeLessThan(8000);
    expect(t2).toBeGreaterThanOrEqual(4000);
    expect(t2).toBeLessThan(8000);
    // What the dead receiver had: its buffered values (3..6) are committed there, unacknowledged
    // ones may be listed too (documented); nothing is missing, order holds.
    const rest1: number[] = [];
    for (let v = remote1.tryPull(); v !== undefined; v = remote1.tryPull()) rest1.push(v);
    const pulled1 = [...got1, ...result1.undelivered];
    expect(pulled1.slice(0, 3)).toEqual([0, 1, 2]);
    expect(result1.sent + result1.undelivered.length).toBeGreaterThanOrEqual(3);
    const all1 = [...range(0, result1.sent), ...result1.undelivered];
    expect(all1).toEqual(range(0, all1.length));
    // The dead sender's receiver: closes with a ChannelError saying the other side is gone.
    expect(rest2.error).toBeInstanceOf(ChannelError);
    expect((rest2.error as Error).message).toMatch(/gone/);
    expect([...got2, ...rest2.values]).toEqual(range(0, 3 + rest2.values.length));
    await expect(remote2.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    local1.close();
    local2.close();
    await Promise.all([producer1, producer2]);
    // The dead sender's toPort is not expected to settle by itself here: its own peer is alive
    // and answers nothing to a dead side... but it hears no pong either, so it gives up too.
    const result2 = await done2;
    expect(result2.sent + result2.undelivered.length).toBeGreaterThanOrEqual(3);
    await until(() => a1.listeners + b1.listeners + a2.listeners + b2.listeners === 0, 2000);
    await until(() => timers() <= before, 2000);
  }, 20_000);

  test('a peer that answers nothing at all while running (its port posts into the void): toPort resolves after about 5 s', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(10);
    await local.pushAll(range(0, 10));
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    expect(await remote.pull()).toBe(0);
    await sleep(20);
    // The receiving side freezes for good: it posts nothing and hears nothing.
    b.dead = true;
    const start = performance.now();
    const result = await done;
    const took = performance.now() - start;
    // The silence began at the last message heard, before \`start\` by the 20 ms sleep or more
    // (a loaded machine's): 5 s after it, checked every 500 ms, with room for lateness.
    expect(took).toBeGreaterThanOrEqual(4000);
    expect(took).toBeLessThan(8000);
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect([...range(0, result.sent), ...result.undelivered, ...left]).toEqual(range(0, 10));
  }, 15_000);
});

describe('Window ports and origins', () => {
  test('fromPort on a Window without origin is a TypeError', () =>
    withGlobal(async (global) => {
      const { parent } = windows(global);
      expect(() => fromPort(parent)).toThrow(TypeError);
    }));

  test('a receiver expecting another origin never pairs: nothing pulled; the sender stays pairing', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(4);
      await local.pushAll([1, 2]);
      const remote = fromPort<number>(parent, { origin: 'https://evil.example', capacity: 2 });
      const controller = new AbortController();
      const done = toPort(local, frame, { signal: controller.signal });
      await sleep(100);
      expect(remote.size).toBe(0);
      expect(local.size).toBe(2);
      controller.abort();
      expect(await done).toEqual({ sent: 0, undelivered: [] });
      remote.close();
    }));

  test('values go only to the origin that granted credit; messages from the right origin but another source are ignored', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(8);
      const remote = fromPort<number>(parent, { origin: PAGE, capacity: 4 });
      const done = toPort(local, frame);
      // Forged traffic: a message with the page's origin but from another window (source).
      const impostor = new FakeWindow(PAGE, global);
      const forge = setInterval(() => {
        global.dispatchEvent(
          Object.assign(new Event('message'), {
            data: {
              source: 'chanasync-port',
              version: 1,
              name: '',
              type: 'end',
              session: 'x',
              abort: true,
              reason: 'forged',
            },
            source: impostor,
            origin: PAGE,
          }),
        );
      }, 1);
      await local.pushAll(range(0, 8));
      local.close();
      const got = await drain(remote);
      clearInterval(forge);
      expect(got).toEqual({ values: range(0, 8), error: undefined });
      expect(await done).toEqual({ sent: 8, undelivered: [] });
      // Every data-carrying message to the frame went to its origin, only `open` to '*'.
      for (const [data, target] of frame.received) {
        if ((data as { type: string }).type !== 'open') expect(target).toBe(FRAME);
      }
    }));

  test('a pinned toPort origin that does not match the frame: nothing reaches it, nothing is pulled', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(4);
      await local.pushAll([1, 2]);
      const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
      const controller = new AbortController();
      const done = toPort(local, frame, { origin: 'https://other.example', signal: controller.signal });
      await sleep(100);
      expect(frame.received).toEqual([]);
      expect(local.size).toBe(2);
      controller.abort();
      expect(await done).toEqual({ sent: 0, undelivered: [] });
      remote.close();
    }));

  test('after pairing, every message is checked: forged values/end/closed with the real session from the right window but another origin are ignored', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(0);
      const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
      const done = toPort(local, frame);
      const producer = (async () => {
        for (let i = 0; i < 30; i++) await local.push(i);
        local.close();
      })();
      const first = await remote.pull();
      expect(first).toBe(0);
      // Learn the real session and receiver id from what crossed.
      const values = frame.received.map(([data]) => data as Record<string, unknown>).find((m) => m.type === 'values');
      const credit = parent.received.map(([data]) => data as Record<string, unknown>).find((m) => m.type === 'credit');
      expect(values).toBeDefined();
      expect(credit).toBeDefined();
      const base = { source: 'chanasync-port', version: 1, name: '', session: values?.session };
      const forge = (data: unknown, source: unknown) =>
        global.dispatchEvent(Object.assign(new Event('message'), { data, source, origin: 'https://evil.example' }));
      // To the receiver (heard from `parent`): values and an end.
      forge({ ...base, type: 'values', values: [666], receiver: values?.receiver }, parent);
      forge({ ...base, type: 'end', abort: true, reason: 'forged', receiver: values?.receiver }, parent);
      // To the sender (heard from `frame`): a closed and a credit.
      forge({ ...base, type: 'closed', committed: 0, receiver: credit?.receiver }, frame);
      forge({ ...base, type: 'credit', granted: 1e6, committed: 0, receiver: credit?.receiver }, frame);
      const rest = await drain(remote);
      await producer;
      expect([first, ...rest.values]).toEqual(range(0, 30));
      expect(rest.error).toBeUndefined();
      expect(await done).toEqual({ sent: 30, undelivered: [] });
    }));

  test('a removed frame (window.closed) ends a running stream within a tick and a pairing one too', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(10);
      await local.pushAll(range(0, 10));
      const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
      const done = toPort(local, frame);
      expect(await remote.pull()).toBe(0);
      await sleep(20);
      frame.closed = true;
      const start = performance.now();
      const result = await done;
      expect(performance.now() - start).toBeLessThan(3500); // a tick and a loaded machine's lateness, not the 5 s heartbeat
      const left: number[] = [];
      for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
      expect([...range(0, result.sent), ...result.undelivered, ...left]).toEqual(range(0, 10));
      remote.close();
    }));
});

describe('batching per turn', () => {
  test('values pulled in one synchronous turn travel in one message', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 100 });
    const done = toPort(local, a);
    await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
    for (let i = 0; i < 10; i++) expect(local.tryPush(i)).toBe(true);
    await until(() => a.sent('values').length > 0);
    await sleep(10);
    expect(a.sent('values').map((m) => m.values)).toEqual([range(0, 10)]);
    local.close();
    expect((await drain(remote)).values).toEqual(range(0, 10));
    await done;
  });

  test('a producer awaiting each push in one task (a microtask chain) is one message; credit caps each batch', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 8 });
    const done = toPort(local, a);
    await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
    const producer = (async () => {
      for (let i = 0; i < 6; i++) await local.push(i);
    })();
    await producer;
    await sleep(10);
    expect(a.sent('values').map((m) => m.values)).toEqual([range(0, 6)]);
    const more = (async () => {
      for (let i = 6; i < 60; i++) await local.push(i);
      local.close();
    })();
    const got = await drain(remote);
    await more;
    expect(got.values).toEqual(range(0, 60));
    for (const m of a.sent('values')) expect((m.values as number[]).length).toBeLessThanOrEqual(8);
    await done;
  });
});
