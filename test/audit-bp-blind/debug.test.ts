// Blind pass over SPEC "Debug mode (`chanasync/debug`)" and the second map's "stuck, idle and
// leaked" (page side), written from SPEC.md and the README only.
import { after as afterMs, Channel, fromEvent, pull, push, select, ticker } from 'chanasync';
import { type ChannelSnapshot, type DebugSnapshot, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort } from 'chanasync/port';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A target that records every `postMessage` call with its arguments. */
function recorder() {
  const calls: unknown[][] = [];
  const target = {
    postMessage(...args: unknown[]) {
      calls.push(args);
    },
  };
  const messages = () => calls.map((args) => args[0] as { type?: string });
  const snapshots = () => messages().filter((m) => m.type === 'snapshot') as unknown as DebugSnapshot[];
  return { target, calls, messages, snapshots };
}

const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

function say(listen: EventTarget, data: unknown): void {
  listen.dispatchEvent(new MessageEvent('message', { data }));
}

async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

function byName(snap: DebugSnapshot): Record<string, ChannelSnapshot> {
  return Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
}

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('snapshot() shape', () => {
  it('snapshot() has source chanasync, version 1, type snapshot, a numeric time and channels', () => {
    enableDebug({ target: recorder().target });
    const snap = snapshot();
    expect(snap.source).toBe('chanasync');
    expect(snap.version).toBe(1);
    expect(snap.type).toBe('snapshot');
    expect(typeof snap.time).toBe('number');
    expect(Math.abs(snap.time - Date.now())).toBeLessThan(60_000);
    expect(Array.isArray(snap.channels)).toBe(true);
  });

  it('a channel created after enableDebug is listed with the SPEC fields', () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<number>(3, { name: 'jobs', overflow: 'drop-newest' });
    channel.pushNowait(1);
    const entry = byName(snapshot()).jobs;
    expect(entry).toBeDefined();
    expect(typeof entry?.id).toBe('number');
    expect(entry).toMatchObject({ name: 'jobs', capacity: 3, size: 1, closed: false, overflow: 'drop-newest' });
    expect(entry?.pushers).toEqual([]);
    expect(entry?.pullers).toEqual([]);
    channel.close();
    expect(byName(snapshot()).jobs?.closed).toBe(true);
  });

  it('an unbounded channel reports capacity null', () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'unbounded' });
    const entry = byName(snapshot()).unbounded;
    expect(entry?.capacity).toBeNull();
    expect(JSON.parse(JSON.stringify(entry)).capacity).toBeNull();
    channel.close();
  });

  it('channels created before enableDebug are not tracked', () => {
    const before = new Channel<number>(0, { name: 'before' });
    enableDebug({ target: recorder().target });
    const afterward = new Channel<number>(0, { name: 'afterward' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toContain('afterward');
    expect(names).not.toContain('before');
    before.close();
    afterward.close();
  });

  it('buffered values are never included, only counts', () => {
    enableDebug({ target: recorder().target });
    const secret = 'SECRET-token-8f3a';
    const channel = new Channel<unknown>(4, { name: 'private' });
    channel.pushNowait(secret);
    channel.pushNowait({ nested: secret });
    const unbuffered = new Channel<string>(0, { name: 'rendezvous' });
    const parked = unbuffered.push(secret).catch(() => {});
    const text = JSON.stringify(snapshot());
    expect(text).not.toContain(secret);
    expect(byName(snapshot()).private?.size).toBe(2);
    unbuffered.close();
    channel.close();
    return parked;
  });

  it('a snapshot is structured-clone safe even with uncloneable buffered values', () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<unknown>(2, { name: 'fns' });
    channel.pushNowait(() => 1);
    expect(() => structuredClone(snapshot())).not.toThrow();
    channel.close();
  });

  it('parked push, pull and select waiters have kind and a ms-epoch since', async () => {
    enableDebug({ target: recorder().target });
    const pushes = new Channel<number>(0, { name: 'pushes' });
    const pulls = new Channel<number>(0, { name: 'pulls' });
    const a = new Channel<number>(0, { name: 'selA' });
    const b = new Channel<number>(0, { name: 'selB' });
    const before = Date.now();
    const p1 = pushes.push(1).catch(() => {});
    const p2 = pulls.pull().catch(() => {});
    const p3 = select([pull(a), push(b, 2)]).catch(() => {});
    const channels = byName(snapshot());
    expect(channels.pushes?.pushers).toHaveLength(1);
    expect(channels.pushes?.pushers[0]?.kind).toBe('push');
    expect(channels.pulls?.pullers[0]?.kind).toBe('pull');
    expect(channels.selA?.pullers[0]?.kind).toBe('select');
    expect(channels.selB?.pushers[0]?.kind).toBe('select');
    const since = channels.pushes?.pushers[0]?.since ?? 0;
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() + 1000);
    for (const c of [pushes, pulls, a, b]) c.close();
    await Promise.all([p1, p2, p3]);
  });

  it('without stacks, no createdAt and no waiter stack', () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<number>(0, { name: 'nostack' });
    const parked = channel.pull().catch(() => {});
    const entry = byName(snapshot()).nostack;
    expect(entry).not.toHaveProperty('createdAt');
    expect(entry?.pullers[0]).not.toHaveProperty('stack');
    channel.close();
    return parked;
  });

  it('with stacks: true, createdAt and each waiter stack are strings', () => {
    enableDebug({ target: recorder().target, stacks: true });
    const channel = new Channel<number>(0, { name: 'withstack' });
    const parked = channel.pull().catch(() => {});
    const entry = byName(snapshot()).withstack;
    expect(typeof entry?.createdAt).toBe('string');
    expect(typeof entry?.pullers[0]?.stack).toBe('string');
    expect(entry?.createdAt).toContain('debug.test');
    channel.close();
    return parked;
  });

  it('a committed or aborted waiter is gone from the next snapshot', async () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<number>(0, { name: 'gone' });
    const controller = new AbortController();
    const aborted = channel.pull({ signal: controller.signal }).catch(() => {});
    const committed = channel.pull();
    expect(byName(snapshot()).gone?.pullers).toHaveLength(2);
    controller.abort();
    await aborted;
    expect(byName(snapshot()).gone?.pullers).toHaveLength(1);
    channel.pushNowait(1);
    await committed;
    expect(byName(snapshot()).gone?.pullers).toHaveLength(0);
  });

  it('with debug mode off, snapshot() lists no channels', () => {
    const channel = new Channel<number>(0, { name: 'off' });
    expect(snapshot().channels).toEqual([]);
    channel.close();
  });
});

describe('transport and handshake', () => {
  it('enableDebug posts exactly the announce message to a non-window target, with no origin argument', () => {
    const { target, calls } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(1);
    expect(calls[0]?.[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
  });

  it('target defaults to globalThis when it has postMessage (worker-like global: no origin)', () => {
    const calls: unknown[][] = [];
    const global = globalThis as { postMessage?: unknown };
    const had = Object.hasOwn(globalThis, 'postMessage');
    const previous = global.postMessage;
    global.postMessage = (...args: unknown[]) => {
      calls.push(args);
    };
    try {
      enableDebug({ listen: new EventTarget() });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
      expect(calls[0]).toHaveLength(1);
    } finally {
      disableDebug();
      if (had) global.postMessage = previous;
      else delete global.postMessage;
    }
  });

  it('without any postMessage target, enableDebug still works and snapshot() too', () => {
    expect('postMessage' in globalThis).toBe(false);
    expect(() => enableDebug()).not.toThrow();
    const channel = new Channel<number>(0, { name: 'local' });
    expect(byName(snapshot()).local).toBeDefined();
    channel.close();
  });

  it('nothing but announce is posted before hello', async () => {
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 10 });
    const channel = new Channel<number>(0, { name: 'quiet' });
    const parked = channel.pull().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(rec.messages().map((m) => m.type)).toEqual(['announce']);
    channel.close();
    await parked;
  });

  it('hello on listen starts snapshots: one is posted at once, carrying the tracked channel', async () => {
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 50 });
    const channel = new Channel<number>(0, { name: 'shown' });
    say(listen, hello);
    await settle(1);
    const snaps = rec.snapshots();
    expect(snaps.length).toBe(1);
    expect(snaps[0]).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(snaps[0]?.channels.map((c) => c.name)).toContain('shown');
    channel.close();
  });

  it('posts at most one snapshot per intervalMs, and only when something changed (fake timers)', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 1000 });
    const channel = new Channel<number>(10, { name: 'busy' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(10);
    expect(rec.snapshots()).toHaveLength(1);
    // Many changes inside one interval: at most one more snapshot for that interval.
    for (let i = 0; i < 5; i++) {
      channel.pushNowait(i);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(rec.snapshots().length).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.snapshots()).toHaveLength(2);
    expect(byName(rec.snapshots()[1] as DebugSnapshot).busy?.size).toBe(5);
    // Nothing changes: nothing more is posted over many intervals.
    await vi.advanceTimersByTimeAsync(5000);
    expect(rec.snapshots()).toHaveLength(2);
    // A change is posted within one more interval.
    channel.pushNowait(99);
    await vi.advanceTimersByTimeAsync(1100);
    expect(rec.snapshots()).toHaveLength(3);
    channel.close();
  });

  it('two posted snapshots are never less than intervalMs apart (fake timers)', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 300 });
    const channel = new Channel<number>(1000, { name: 'ticking' });
    const times: number[] = [];
    rec.target.postMessage = (...args: unknown[]) => {
      rec.calls.push(args);
      if ((args[0] as { type?: string }).type === 'snapshot') times.push(Date.now());
    };
    say(listen, hello);
    for (let i = 0; i < 100; i++) {
      channel.pushNowait(i);
      await vi.advanceTimersByTimeAsync(37);
    }
    expect(times.length).toBeGreaterThan(3);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(300);
    }
    channel.close();
  });

  it('the default intervalMs is 250 (fake timers)', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen });
    const channel = new Channel<number>(10, { name: 'default' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.snapshots()).toHaveLength(1);
    channel.pushNowait(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(rec.snapshots()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(rec.snapshots()).toHaveLength(2);
    channel.close();
  });

  it('bye stops the snapshots until the next hello', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 100 });
    const channel = new Channel<number>(10, { name: 'byebye' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    const count = rec.snapshots().length;
    say(listen, bye);
    for (let i = 0; i < 5; i++) {
      channel.pushNowait(i);
      await vi.advanceTimersByTimeAsync(150);
    }
    expect(rec.snapshots()).toHaveLength(count);
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(150);
    expect(rec.snapshots().length).toBeGreaterThan(count);
    expect(byName(rec.snapshots().at(-1) as DebugSnapshot).byebye?.size).toBe(5);
    channel.close();
  });

  it.each([
    ['another source', { source: 'someone-else', version: 1, type: 'hello' }],
    ['another version', { source: 'chanasync-inspector', version: 2, type: 'hello' }],
    ['a version string', { source: 'chanasync-inspector', version: '1', type: 'hello' }],
    ['another type', { source: 'chanasync-inspector', version: 1, type: 'HELLO' }],
    ['a missing version', { source: 'chanasync-inspector', type: 'hello' }],
    ['null', null],
    ['a string', 'hello'],
    ['a number', 42],
    ['an array', ['chanasync-inspector', 1, 'hello']],
    ['a page message echoed back', { source: 'chanasync', version: 1, type: 'snapshot', channels: [] }],
  ])('a foreign message (%s) is ignored without error', async (_label, data) => {
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 10 });
    const channel = new Channel<number>(0, { name: 'foreign' });
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      expect(() => say(listen, data)).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(rec.snapshots()).toHaveLength(0);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      channel.close();
    }
  });

  it('a hello with extra fields still counts', async () => {
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 10 });
    say(listen, { ...hello, extra: 'ignored' });
    await settle(1);
    expect(rec.snapshots().length).toBeGreaterThanOrEqual(1);
  });

  it('a foreign bye does not stop a connected inspector', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 100 });
    const channel = new Channel<number>(10, { name: 'stays' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    say(listen, { source: 'chanasync-inspector', version: 2, type: 'bye' });
    channel.pushNowait(1);
    await vi.advanceTimersByTimeAsync(150);
    expect(rec.snapshots()).toHaveLength(2);
    channel.close();
  });

  it('every message posted carries version 1 and source chanasync', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 50 });
    const channel = new Channel<number>(10, { name: 'v' });
    say(listen, hello);
    channel.pushNowait(1);
    await vi.advanceTimersByTimeAsync(200);
    disableDebug();
    const messages = rec.messages() as { source?: unknown; version?: unknown }[];
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) {
      expect(message.source).toBe('chanasync');
      expect(message.version).toBe(1);
    }
    channel.close();
  });

  it('a MessagePort given as listen hears the hello posted on its other end', async () => {
    const rec = recorder();
    const { port1, port2 } = new MessageChannel();
    enableDebug({ target: rec.target, listen: port1, intervalMs: 20 });
    const channel = new Channel<number>(0, { name: 'over-port' });
    port2.postMessage(hello);
    for (let i = 0; i < 100 && rec.snapshots().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rec.snapshots()[0]?.channels.map((c) => c.name)).toContain('over-port');
    disableDebug();
    port1.close();
    channel.close();
  });

  it('a hello after a bye gets the current state again, even unchanged (fake timers)', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 100 });
    const channel = new Channel<number>(0, { name: 'again' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.snapshots()).toHaveLength(1);
    say(listen, bye);
    await vi.advanceTimersByTimeAsync(500);
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(150);
    expect(rec.snapshots()).toHaveLength(2);
    expect(rec.snapshots()[1]?.channels.map((c) => c.name)).toContain('again');
    channel.close();
  });

  it('disableDebug stops posting and listening', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    const listen = new EventTarget();
    enableDebug({ target: rec.target, listen, intervalMs: 50 });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    disableDebug();
    const count = rec.calls.length;
    const channel = new Channel<number>(0, { name: 'later' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.calls).toHaveLength(count);
    channel.close();
  });
});

describe('idle is not stuck', () => {
  it('a pull on a plain channel that nothing feeds is not marked input', async () => {
    enableDebug({ target: recorder().target });
    const channel = new Channel<number>(0, { name: 'plain' });
    const parked = channel.pull().catch(() => {});
    const entry = byName(snapshot()).plain;
    expect(entry?.input).not.toBe(true);
    expect(entry?.pullers[0]?.input).not.toBe(true);
    channel.close();
    await parked;
  });

  it('a pull on a fromEvent channel is waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const target = new EventTarget();
    const events = fromEvent(target, 'ping');
    const parked = events.pull().catch(() => {});
    const entry = snapshot().channels.find((c) => c.pullers.length > 0);
    expect(entry?.input).toBe(true);
    expect(entry?.pullers[0]?.input).toBe(true);
    events.close();
    await parked;
  });

  it('a pull on an after() channel is waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const controller = new AbortController();
    const timer = afterMs(60_000, { signal: controller.signal });
    const parked = timer.pull().catch(() => {});
    const entry = snapshot().channels.find((c) => c.pullers.length > 0);
    expect(entry?.pullers[0]?.input).toBe(true);
    controller.abort();
    timer.close();
    await parked;
  });

  it('a pull on a ticker() channel is waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const ticks = ticker(60_000);
    const parked = ticks.pull().catch(() => {});
    const entry = snapshot().channels.find((c) => c.pullers.length > 0);
    expect(entry?.pullers[0]?.input).toBe(true);
    ticks.close();
    await parked;
  });

  it('a pull on a fromPort() channel is waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1);
    const parked = remote.pull().catch(() => {});
    await settle(1);
    const entry = snapshot().channels.find((c) => c.pullers.length > 0);
    expect(entry?.pullers[0]?.input).toBe(true);
    remote.close();
    await parked;
    port1.close();
    port2.close();
  });

  it('a channel declared input: true has its waits marked input', async () => {
    enableDebug({ target: recorder().target });
    const clicks = new Channel<string>(1, { name: 'clicks', input: true });
    const parked = clicks.pull().catch(() => {});
    const entry = byName(snapshot()).clicks;
    expect(entry?.input).toBe(true);
    expect(entry?.pullers[0]?.input).toBe(true);
    clicks.close();
    await parked;
  });

  it('a select with a case on an input channel waits for input on every case', async () => {
    enableDebug({ target: recorder().target });
    const replies = new Channel<string>(0, { name: 'replies' });
    const controller = new AbortController();
    const timeout = afterMs(60_000, { signal: controller.signal });
    const next = select([pull(replies), pull(timeout)]).catch(() => {});
    const entry = byName(snapshot()).replies;
    expect(entry?.pullers[0]?.kind).toBe('select');
    expect(entry?.pullers[0]?.input).toBe(true);
    controller.abort();
    replies.close();
    timeout.close();
    await next;
  });

  it('a select whose input case is a push on a plain channel still counts as waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const out = new Channel<string>(0, { name: 'out' });
    const ticks = ticker(60_000);
    const next = select([push(out, 'x'), pull(ticks)]).catch(() => {});
    const entry = byName(snapshot()).out;
    expect(entry?.pushers[0]?.kind).toBe('select');
    expect(entry?.pushers[0]?.input).toBe(true);
    ticks.close();
    out.close();
    await next;
  });

  it('a select of plain channels only is not waiting for input', async () => {
    enableDebug({ target: recorder().target });
    const a = new Channel<number>(0, { name: 'sa' });
    const b = new Channel<number>(0, { name: 'sb' });
    const next = select([pull(a), pull(b)]).catch(() => {});
    const channels = byName(snapshot());
    expect(channels.sa?.pullers[0]?.input).not.toBe(true);
    expect(channels.sb?.pullers[0]?.input).not.toBe(true);
    a.close();
    b.close();
    await next;
  });

  it('rows rank stuck first, then waiting for input, then idle', async () => {
    enableDebug({ target: recorder().target });
    const idle = new Channel<number>(0, { name: 'idle' });
    const input = new Channel<number>(0, { name: 'input', input: true });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const p1 = input.pull().catch(() => {});
    const p2 = stuck.pull().catch(() => {});
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((n) => ['idle', 'input', 'stuck'].includes(n));
    expect(names).toEqual(['stuck', 'input', 'idle']);
    for (const c of [idle, input, stuck]) c.close();
    await Promise.all([p1, p2]);
  });

  it('among stuck rows, the longest-blocked comes first', async () => {
    vi.useFakeTimers();
    enableDebug({ target: recorder().target });
    const older = new Channel<number>(0, { name: 'older' });
    const newer = new Channel<number>(0, { name: 'newer' });
    const p1 = older.push(1).catch(() => {});
    await vi.advanceTimersByTimeAsync(5000);
    const p2 = newer.push(2).catch(() => {});
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((n) => n === 'older' || n === 'newer');
    expect(names).toEqual(['older', 'newer']);
    older.close();
    newer.close();
    await Promise.all([p1, p2]);
  });
});
