import {
  after as afterMs,
  broadcast,
  Channel,
  fromEvent,
  merge,
  pull as pullCase,
  push as pushCase,
  select,
  ticker,
} from 'chanasync';
import type { ChannelSnapshot } from 'chanasync/debug';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byName = (name: string): ChannelSnapshot | undefined => snapshot().channels.find((c) => c.name === name);
afterEach(() => disableDebug());

describe('idle is not stuck: input channels', () => {
  it('a pull waiting on fromEvent is input; the channel is marked input', async () => {
    enableDebug();
    const target = new EventTarget();
    const ac = new AbortController();
    const ev = fromEvent(target, 'ping', { signal: ac.signal });
    const p = ev.pull().catch(() => {});
    await sleep(0);
    const c = snapshot().channels.find((x) => x.pullers.length === 1)!;
    expect(c.input).toBe(true);
    expect(c.pullers[0]!.input).toBe(true);
    ac.abort();
    await p;
  });
  it('after() and ticker() waits are input', async () => {
    enableDebug();
    const a = afterMs(10_000);
    const t = ticker(10_000);
    const pa = a.pull().catch(() => {});
    const pt = t.pull().catch(() => {});
    await sleep(0);
    const rows = snapshot().channels.filter((x) => x.pullers.length > 0);
    expect(rows.length).toBe(2);
    for (const r of rows) {
      expect(r.input).toBe(true);
      expect(r.pullers[0]!.input).toBe(true);
    }
    a.close();
    t.close();
    await Promise.all([pa, pt]);
  });
  it('a select including an afterMs() case: its case on a plain channel is input too', async () => {
    enableDebug();
    const work = new Channel<number>(0, { name: 'sel-work' });
    const out = new Channel<number>(0, { name: 'sel-out' });
    const timeout = afterMs(10_000);
    const s = select([pullCase(work), pushCase(out, 1), pullCase(timeout)]);
    await sleep(0);
    const w = byName('sel-work')!;
    const o = byName('sel-out')!;
    expect(w.pullers[0]!.kind).toBe('select');
    expect(w.pullers[0]!.input).toBe(true);
    expect(o.pushers[0]!.input).toBe(true);
    expect(w.pullers[0]!.select).toBeTypeOf('number');
    expect(w.pullers[0]!.select).toBe(o.pushers[0]!.select);
    expect(w.input).toBeUndefined();
    timeout.close();
    await s;
  });
  it('a select with only plain channels is not input', async () => {
    enableDebug();
    const a = new Channel<number>(0, { name: 'plain-a' });
    const b = new Channel<number>(0, { name: 'plain-b' });
    const ac = new AbortController();
    const s = select([pullCase(a), pullCase(b)], { signal: ac.signal }).catch(() => {});
    await sleep(0);
    expect(byName('plain-a')!.pullers[0]!.input).toBeUndefined();
    ac.abort();
    await s;
    expect(byName('plain-a')!.pullers).toEqual([]);
    expect(byName('plain-b')!.pullers).toEqual([]);
  });
  it("the application can declare a channel's waits expected (input: true)", async () => {
    enableDebug();
    const jobs = new Channel<number>(0, { name: 'declared', input: true });
    const p = jobs.pull().catch(() => {});
    const q = jobs.pullMany(4).catch(() => {});
    await sleep(0);
    const c = byName('declared')!;
    expect(c.input).toBe(true);
    expect(c.pullers.map((w) => w.input)).toEqual([true, true]);
    jobs.close();
    await Promise.all([p, q]);
  });
  it('input option is validated (non-boolean)', () => {
    expect(() => new Channel<number>(0, { input: 'yes' as any })).toThrow(TypeError);
  });
  it('a broadcast subscriber of a ticker is input; a merge of an input channel is input', async () => {
    enableDebug();
    const t = ticker(10_000);
    const hub = broadcast(t);
    const sub = hub.subscribe();
    const m = merge(afterMs(10_000), new Channel<number>(0, { name: 'merge-plain' }));
    const ps = [sub.pull().catch(() => {}), m.pull().catch(() => {})];
    await sleep(0);
    const rows = snapshot().channels.filter((c) => c.pullers.length > 0);
    expect(rows.length).toBe(5);
    for (const r of rows) expect({ name: r.name, input: r.pullers[0]!.input }).toEqual({ name: r.name, input: true });
    hub.close();
    t.close();
    m.close();
    await Promise.all(ps);
  });
  it('a pushAll parked on a plain channel is not input and is removed when it completes', async () => {
    enableDebug();
    const ch = new Channel<number>(1, { name: 'pa-plain' });
    const pa = ch.pushAll([1, 2, 3]);
    await sleep(0);
    const c = byName('pa-plain')!;
    expect(c.pushers.length).toBe(1);
    expect(c.pushers[0]!.kind).toBe('push');
    expect(c.pushers[0]!.input).toBeUndefined();
    expect(await ch.pullMany(5)).toEqual([1, 2]); // buffer, then the parked pusher's value
    await pa; // 3 went into the freed buffer
    expect(ch.tryPull()).toBe(3);
    expect(byName('pa-plain')!.pushers).toEqual([]);
  });
});

describe('ranking in snapshots', () => {
  it('unexplained waits first (longest waiting first), then input waits, then idle', async () => {
    enableDebug();
    const idle = new Channel<number>(0, { name: 'r-idle' });
    const inp = new Channel<number>(0, { name: 'r-input', input: true });
    const old = new Channel<number>(0, { name: 'r-old' });
    const young = new Channel<number>(0, { name: 'r-young' });
    const ps: Promise<unknown>[] = [];
    ps.push(inp.pull().catch(() => {}));
    await sleep(5);
    ps.push(old.pull().catch(() => {}));
    await sleep(20);
    ps.push(young.push(1).catch(() => {}));
    await sleep(5);
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((n) => n.startsWith('r-'));
    expect(names).toEqual(['r-old', 'r-young', 'r-input', 'r-idle']);
    for (const c of [idle, inp, old, young]) c.close();
    await Promise.all(ps);
  });
  it("snapshot() ranks unexplained waits longest first; producer-first is the panel's (documented)", async () => {
    enableDebug();
    const cons = new Channel<number>(0, { name: 'p-consumer' });
    const prod = new Channel<number>(0, { name: 'p-producer' });
    const a = cons.pull().catch(() => {});
    await sleep(20);
    const b = prod.push(1).catch(() => {});
    await sleep(5);
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((n) => n.startsWith('p-'));
    // Documented (README "Inspector" → Ranking): producer-first is the panel's ranking; snapshot()
    // ranks unexplained waits longest-waiting first, whatever their kind.
    expect(names).toEqual(['p-consumer', 'p-producer']);
    cons.close();
    prod.close();
    await Promise.all([a, b]);
  });
  it('no stale waiters after commit, abort, close (same tick)', async () => {
    enableDebug();
    const a = new Channel<number>(0, { name: 's-a' });
    const ac = new AbortController();
    const p1 = a.pull({ signal: ac.signal });
    a.tryPush(1);
    ac.abort();
    expect(await p1).toBe(1);
    const b = new Channel<number>(1, { name: 's-b' });
    const p2 = b.pullMany(3);
    b.close();
    await p2.catch(() => {});
    const c = new Channel<number>(1, { name: 's-c' });
    c.tryPush(0);
    const ac2 = new AbortController();
    const p3 = c.pushAll([1, 2], { signal: ac2.signal });
    ac2.abort(new Error('x'));
    await p3.catch(() => {});
    for (const n of ['s-a', 's-b', 's-c']) {
      const row = byName(n)!;
      expect({ n, pushers: row.pushers, pullers: row.pullers }).toEqual({ n, pushers: [], pullers: [] });
    }
  });
  it('snapshot reflects pullMany and pushAll counts correctly', async () => {
    enableDebug();
    const ch = new Channel<number>(2, { name: 'cnt' });
    await ch.pushAll([1, 2]);
    const row = byName('cnt')!;
    expect(row.size).toBe(2);
    expect(row.capacity).toBe(2);
    await ch.pullMany(2);
    expect(byName('cnt')!.size).toBe(0);
  });
});
