// Debug mode contract: SPEC "Debug mode (`chanasync/debug`)" and README reference rows for
// enableDebug / disableDebug / snapshot. Black-box: only the public API.
import { Channel, pull, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BYE, HELLO, quiet, recorder, sleep } from './helpers.js';

// Fake timers: the posting tests count snapshots over throttle intervals, which a loaded
// machine must not stretch (`sleep` advances the fake clock).
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('snapshot contents', () => {
  it('an unbounded channel reports capacity null, and size/closed follow the channel', async () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(Infinity, { name: 'unbounded' });
    c.pushNowait(1);
    c.pushNowait(2);
    let row = snapshot().channels.find((ch) => ch.name === 'unbounded')!;
    expect(row.capacity).toBeNull();
    expect(row.size).toBe(2);
    expect(row.closed).toBe(false);
    c.close();
    row = snapshot().channels.find((ch) => ch.name === 'unbounded')!;
    expect(row.closed).toBe(true);
    expect(JSON.parse(JSON.stringify(snapshot()))).toEqual(snapshot());
  });

  it('buffered values never appear in a snapshot, only their count', () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<string>(4, { name: 'secrets' });
    c.pushNowait('TOP-SECRET-VALUE');
    expect(JSON.stringify(snapshot())).not.toContain('TOP-SECRET-VALUE');
    expect(snapshot().channels.find((ch) => ch.name === 'secrets')!.size).toBe(1);
  });

  it('a parked pusher is listed with kind push and leaves the list once it commits', async () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(0, { name: 'rendezvous' });
    const p = c.push(7);
    let row = snapshot().channels.find((ch) => ch.name === 'rendezvous')!;
    expect(row.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(typeof row.pushers[0]!.since).toBe('number');
    expect(await c.pull()).toBe(7);
    await p;
    row = snapshot().channels.find((ch) => ch.name === 'rendezvous')!;
    expect(row.pushers).toEqual([]);
    expect(row.pullers).toEqual([]);
  });

  it('the cases of one select show as kind select, sharing one select id', () => {
    enableDebug({ target: { postMessage() {} } });
    const a = new Channel<number>(0, { name: 'sa' });
    const b = new Channel<number>(0, { name: 'sb' });
    const s = quiet(select([pull(a), pull(b)]));
    const snap = snapshot();
    const wa = snap.channels.find((ch) => ch.name === 'sa')!.pullers[0]!;
    const wb = snap.channels.find((ch) => ch.name === 'sb')!.pullers[0]!;
    expect(wa.kind).toBe('select');
    expect(wb.kind).toBe('select');
    expect((wa as any).select).toBeDefined();
    expect((wa as any).select).toBe((wb as any).select);
    a.close();
    b.close();
    return s;
  });

  it('without stacks: true, neither createdAt nor waiter stacks are present', () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(0, { name: 'nostack' });
    quiet(c.pull());
    const row = snapshot().channels.find((ch) => ch.name === 'nostack')!;
    expect(row.createdAt).toBeUndefined();
    expect(row.pullers[0]!.stack).toBeUndefined();
    c.close();
  });

  it('a ticker is an input channel: its waits are marked input, never stuck', async () => {
    enableDebug({ target: { postMessage() {} } });
    const ac = new AbortController();
    const t = ticker(60_000, { signal: ac.signal });
    const p = quiet(t.pull());
    const row = snapshot().channels.find((ch) => ch.name === 'ticker(60000)')!;
    expect(row).toBeDefined();
    expect(row.input).toBe(true);
    expect(row.pullers[0]!.input).toBe(true);
    ac.abort();
    t.close();
    await p.catch(() => {});
  });

  it('channels whose waits nothing explains are ranked before those waiting for input', () => {
    enableDebug({ target: { postMessage() {} } });
    const idle = new Channel<number>(0, { name: 'idle' });
    const input = new Channel<number>(0, { name: 'in', input: true });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    quiet(input.pull());
    quiet(stuck.pull());
    const names = snapshot()
      .channels.map((ch) => ch.name)
      .filter((n) => ['idle', 'in', 'stuck'].includes(n));
    expect(names).toEqual(['stuck', 'in', 'idle']);
    idle.close();
    input.close();
    stuck.close();
  });
});

describe('posting', () => {
  it('nothing is posted before hello except the announce, and a snapshot comes at once after hello', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 20 });
    new Channel<number>(0, { name: 'x' });
    await sleep(60);
    expect(r.posted.map((m) => m.type)).toEqual(['announce']);
    expect(r.posted[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
    r.say(HELLO);
    await sleep(0);
    expect(r.snapshots().length).toBe(1);
    expect(r.snapshots()[0].version).toBe(1);
  });

  it('after hello, nothing more is posted while nothing changes', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'still' });
    r.say(HELLO);
    await sleep(100);
    const n = r.snapshots().length;
    await sleep(100);
    expect(r.snapshots().length).toBe(n);
    expect(n).toBeLessThanOrEqual(2);
    c.close();
  });

  it('a change after hello is posted, and after bye nothing is posted any more', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(4, { name: 'chg' });
    r.say(HELLO);
    await sleep(30);
    c.pushNowait(1);
    await sleep(60);
    const last = r.snapshots().at(-1);
    expect(last.channels.find((ch: any) => ch.name === 'chg').size).toBe(1);
    r.say(BYE);
    const n = r.posted.length;
    c.pushNowait(2);
    await sleep(60);
    expect(r.posted.length).toBe(n);
  });

  it('messages of the wrong shape are ignored without error (no snapshot starts)', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    for (const data of [
      null,
      'hello',
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: 'chanasync-inspector', version: '1', type: 'hello' },
    ]) {
      expect(() => r.say(data)).not.toThrow();
    }
    await sleep(40);
    expect(r.snapshots()).toEqual([]);
  });
});

describe('enable / disable lifecycle', () => {
  it('enableDebug twice starts over: the first call\u2019s listen target no longer starts posting', async () => {
    const a = recorder();
    const b = recorder();
    enableDebug({ target: a.target, listen: a.listen, intervalMs: 10 });
    enableDebug({ target: b.target, listen: b.listen, intervalMs: 10 });
    new Channel<number>(0, { name: 'twice' });
    a.say(HELLO);
    await sleep(40);
    expect(a.snapshots()).toEqual([]);
    expect(b.snapshots()).toEqual([]);
    b.say(HELLO);
    await sleep(20);
    expect(b.snapshots().length).toBeGreaterThan(0);
    expect(a.snapshots()).toEqual([]);
  });

  it('a bad intervalMs is a RangeError naming enableDebug, and the current debug session keeps running', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'kept' });
    expect(() => enableDebug({ intervalMs: -5 } as any)).toThrow(RangeError);
    expect(() => enableDebug({ intervalMs: Number.NaN } as any)).toThrow(/enableDebug/);
    expect(snapshot().channels.some((ch) => ch.name === 'kept')).toBe(true);
    r.say(HELLO);
    await sleep(20);
    expect(r.snapshots().length).toBeGreaterThan(0);
    c.close();
  });

  it('bad option types are a TypeError naming enableDebug, and debug mode stays off', () => {
    for (const bad of [
      { target: 42 },
      { target: {} },
      { listen: {} },
      { stacks: 'yes' },
      { warnLeaks: 1 },
      { intervalMs: '100' },
    ]) {
      expect(() => enableDebug(bad as any)).toThrow(/enableDebug/);
      new Channel<number>(0, { name: 'after-bad' });
      expect(snapshot().channels).toEqual([]);
    }
  });

  it('disableDebug twice never throws, and after it channels are no longer listed', () => {
    enableDebug({ target: { postMessage() {} } });
    new Channel<number>(0, { name: 'gone' });
    disableDebug();
    expect(() => disableDebug()).not.toThrow();
    expect(snapshot().channels).toEqual([]);
    new Channel<number>(0, { name: 'later' });
    expect(snapshot().channels).toEqual([]);
  });

  it('after disableDebug, a hello on the old listen target posts nothing', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    new Channel<number>(0, { name: 'y' });
    disableDebug();
    const n = r.posted.length;
    r.say(HELLO);
    await sleep(40);
    expect(r.posted.length).toBe(n);
  });

  it('a connected inspector gets one last empty snapshot on disableDebug', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'z' });
    r.say(HELLO);
    await sleep(20);
    disableDebug();
    const last = r.snapshots().at(-1);
    expect(last.channels).toEqual([]);
    c.close();
  });
});

describe('no effect on semantics', () => {
  async function run(): Promise<unknown[]> {
    // A deterministic program: the log interleaves producer and consumer steps.
    const out: unknown[] = [];
    const a = new Channel<number>(2, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const producers = [
      (async () => {
        for (let i = 0; i < 8; i++) {
          await a.push(i);
          out.push(`a+${i}`);
        }
        a.close();
      })(),
      (async () => {
        for (let i = 100; i < 104; i++) {
          await b.push(i);
          out.push(`b+${i}`);
        }
        b.close();
      })(),
    ];
    for await (const v of b) out.push(v);
    for await (const v of a) out.push(v);
    await Promise.all(producers);
    return out;
  }

  it('the same program yields the same values in the same order with debug on and off', async () => {
    const off = await run();
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 1, stacks: true });
    r.say(HELLO);
    const on = await run();
    expect(on).toEqual(off);
  });
});

describe('disable with a connected inspector', () => {
  it('no extra empty snapshot when the last one posted already had no channels', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    r.say(HELLO);
    await sleep(30);
    const n = r.snapshots().length;
    expect(n).toBe(1);
    expect(r.snapshots()[0].channels).toEqual([]);
    disableDebug();
    expect(r.snapshots().length).toBe(n);
  });
});
