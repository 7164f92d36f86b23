/**
 * Audit M: debug mode over `chanasync/port` channels and what is derived from them (SPEC, second
 * map: "Idle is not stuck" — a wait on a `fromPort` channel, or on a select, merge, broadcast
 * subscriber or stream fed by one, is *waiting for input*), snapshots of their occupancy and
 * parked waiters, and nothing parked in any snapshot once everything has closed.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { broadcast, Channel, from, merge, pull, select } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, drain, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();
afterEach(() => disableDebug());

const on = () => enableDebug({ target: { postMessage() {} }, warnLeaks: false });
const byName = () => Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));
/** The end of the task: parked operations are recorded. */
const settle = () => sleep(5);

describe('fromPort channels in snapshots', () => {
  test('a pull parked on a fromPort channel waits for input, and the channel is listed after stuck ones', async () => {
    on();
    const [, b] = ports();
    const remote = fromPort<number>(b, { name: 'remote', capacity: 2 });
    const local = new Channel<number>(0, { name: 'local' });
    const p1 = remote.pull().catch(() => 'closed');
    const p2 = local.pull().catch(() => 'closed');
    await settle();
    const snap = snapshot();
    const names = snap.channels.map((c) => c.name);
    expect(names.indexOf('local')).toBeLessThan(names.indexOf('remote'));
    const r = snap.channels.find((c) => c.name === 'remote');
    expect(r).toMatchObject({ input: true, capacity: 2, size: 0, closed: false });
    expect(r?.pullers).toHaveLength(1);
    expect(r?.pullers[0]).toMatchObject({ kind: 'pull', input: true });
    expect(snap.channels.find((c) => c.name === 'local')?.pullers[0]?.input).toBeUndefined();
    remote.close();
    local.close();
    expect(await p1).toBe('closed');
    expect(await p2).toBe('closed');
  });

  test('occupancy of a fromPort channel: size counts the values that arrived, pullers clear after they took them', async () => {
    on();
    const [a, b] = ports();
    const local = new Channel<number>(8, { name: 'src' });
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(b, { name: 'dst', capacity: 3 });
    const sending = toPort(local, a, { name: 'dst' });
    await until(() => remote.size === 3);
    await settle();
    expect(byName().dst).toMatchObject({ size: 3, closed: false, pullers: [], pushers: [] });
    expect(byName().src).toMatchObject({ size: 0, closed: false });
    local.close();
    expect((await drain(remote)).values).toEqual([1, 2, 3]);
    await sending;
    await settle();
    for (const c of snapshot().channels) {
      expect(c.pushers, c.name).toEqual([]);
      expect(c.pullers, c.name).toEqual([]);
    }
    expect(byName().dst).toMatchObject({ size: 0, closed: true });
  });

  test('a select over a fromPort channel and a local one waits for input on both', async () => {
    on();
    const [a, b] = ports();
    const remote = fromPort<string>(b, { name: 'remote' });
    const local = new Channel<string>(0, { name: 'local' });
    const chosen = select([pull(local), pull(remote)]);
    await settle();
    const snap = byName();
    expect(snap.local?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    expect(snap.remote?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    expect(snap.local?.pullers[0]?.select).toBe(snap.remote?.pullers[0]?.select);
    const src = new Channel<string>(1);
    const sending = toPort(src, a, { name: 'remote' });
    await src.push('x');
    expect(await chosen).toMatchObject({ index: 1, value: 'x' });
    src.close();
    await sending;
    await settle();
    expect(byName().local?.pullers).toEqual([]);
    expect(byName().remote?.pullers).toEqual([]);
  });

  test('merge, broadcast subscribers and from() over a fromPort channel all wait for input', async () => {
    on();
    const [, b] = ports();
    const [, d] = ports();
    const [, f] = ports();
    const r1 = fromPort<number>(b, { name: 'r1' });
    const plain = new Channel<number>(0, { name: 'plain' });
    const merged = merge(r1, plain);
    const r2 = fromPort<number>(d, { name: 'r2' });
    const sub = broadcast(r2).subscribe();
    const r3 = fromPort<number>(f, { name: 'r3' });
    const fed = from(r3, { capacity: 1 });
    const waits = [merged.pull(), sub.pull(), fed.pull()].map((p) => p.catch(() => 'closed'));
    await settle();
    const channels = snapshot().channels;
    const stuck = channels.filter((c) => [...c.pushers, ...c.pullers].some((w) => w.input !== true));
    expect(stuck.map((c) => c.name)).toEqual([]);
    r1.close();
    plain.close();
    r2.close();
    r3.close();
    expect(await Promise.all(waits)).toEqual(['closed', 'closed', 'closed']);
  });
});

describe('a fromPort channel created before debug mode', () => {
  test('is not listed, yet a select over it and a tracked channel, and a merge of both, wait for input', async () => {
    const [, b] = ports();
    const early = fromPort<number>(b, { name: 'early' });
    on();
    const local = new Channel<number>(0, { name: 'late' });
    const other = new Channel<number>(0, { name: 'late2' });
    const chosen = select([pull(local), pull(early)]).catch(() => 'closed');
    const merged = merge(early, other);
    const viaMerge = merged.pull().catch(() => 'closed');
    await settle();
    const rows = byName();
    expect(rows.early).toBeUndefined();
    expect(rows.late?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    expect(rows.late2?.pullers[0]?.input).toBe(true);
    early.close();
    local.close();
    other.close();
    expect(await chosen).toMatchObject({ index: 1, ok: false });
    expect(await viaMerge).toBe('closed');
  });
});

describe('the sending side in snapshots', () => {
  test("toPort's pull on its local channel is listed from its latest park, and a producer held by the receiver's credit as a parked push", async () => {
    on();
    const [a, b] = ports();
    const local = new Channel<number>(0, { name: 'producer' });
    const remote = fromPort<number>(b, { name: 'out', capacity: 1 });
    const sending = toPort(local, a, { name: 'out' });
    await sleep(30);
    const first = byName().producer?.pullers[0]?.since ?? 0;
    expect(byName().producer?.pullers).toHaveLength(1);
    await sleep(30);
    const before = Date.now();
    await local.push(1); // fills the receiver's one slot: the credit comes back only after a pull
    await sleep(30);
    expect(byName().producer?.pullers).toEqual([]);
    const held = local.push(2);
    await settle();
    expect(byName().producer?.pushers).toHaveLength(1);
    expect(byName().producer?.pushers[0]?.kind).toBe('push');
    expect(await remote.pull()).toBe(1);
    await held;
    await sleep(30);
    expect(await remote.pull()).toBe(2);
    await sleep(30);
    const again = byName().producer?.pullers[0]?.since ?? 0;
    expect(again).toBeGreaterThanOrEqual(before);
    expect(again).toBeGreaterThan(first);
    local.close();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });
});

describe('nothing parked once everything closed', () => {
  test('after a full port stream with select, merge and broadcast on the receiving side, no snapshot row has a waiter', async () => {
    on();
    const [a, b] = ports();
    const [c, d] = ports();
    const x = new Channel<number>(2, { name: 'x' });
    const y = new Channel<number>(0, { name: 'y' });
    const sx = toPort(x, a, { name: 'x' });
    const sy = toPort(y, c, { name: 'y' });
    const rx = fromPort<number>(b, { name: 'x', capacity: 2 });
    const ry = fromPort<number>(d, { name: 'y' });
    const hub = broadcast(merge(rx, ry));
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 4 });
    void (async () => {
      await x.pushAll([1, 2, 3]);
      x.close();
    })();
    void (async () => {
      await y.pushAll([10, 20]);
      y.close();
    })();
    const [g1, g2] = await Promise.all([drain(s1), drain(s2)]);
    expect(g1.values.sort()).toEqual([1, 10, 2, 20, 3]);
    expect(g2.values.sort()).toEqual([1, 10, 2, 20, 3]);
    expect(await sx).toEqual({ sent: 3, undelivered: [] });
    expect(await sy).toEqual({ sent: 2, undelivered: [] });
    await settle();
    for (const ch of snapshot().channels) {
      expect(ch.closed, ch.name).toBe(true);
      expect(ch.pushers, ch.name).toEqual([]);
      expect(ch.pullers, ch.name).toEqual([]);
    }
  });
});
