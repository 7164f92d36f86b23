// Realistic stuck programs, seen through snapshot(): is the right channel named, with the right
// occupancy, parked counts, ages and call sites, and does it clear once the program proceeds?
// Ages are checked under vi fake timers (Date.now and setTimeout faked), so they are exact.
import { after, broadcast, Channel, merge, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { counts, firstFrame, nextLine, quiet, row } from './helpers.js';

const FILE = 'stuck-programs.test.ts';
const T0 = Date.UTC(2030, 0, 1);
const NULL_TARGET = { postMessage() {} };

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  enableDebug({ target: NULL_TARGET, stacks: true });
});
afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

/** Lets microtasks and due timers run, advancing fake time by `ms`. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('a deadlocked pipeline: each stage waits on the next, nobody reads the end', () => {
  it('names every stage blocked on a push, full buffers, exact ages, and the stage line', async () => {
    const raw = new Channel<number>(1, { name: 'raw' });
    const parsed = new Channel<number>(1, { name: 'parsed' });
    const out = new Channel<number>(0, { name: 'out' });
    const lines = { produce: 0, parse: 0, store: 0 };
    async function produce() {
      for (let i = 0; i < 10; i++) {
        lines.produce = nextLine();
        await raw.push(i);
      }
      raw.close();
    }
    async function parse() {
      for await (const v of raw) {
        lines.parse = nextLine();
        await parsed.push(v * 2);
      }
      parsed.close();
    }
    async function store() {
      for await (const v of parsed) {
        lines.store = nextLine();
        await out.push(v);
      }
      out.close();
    }
    const stages = [parse(), store()];
    await advance(1000);
    // Before values flow, the stages are parked pulls (nothing explains them: no input).
    let snap = snapshot();
    expect(row(snap, 'raw').pullers).toEqual([expect.objectContaining({ kind: 'pull', since: T0 })]);
    expect(row(snap, 'parsed').pullers).toEqual([expect.objectContaining({ kind: 'pull', since: T0 })]);
    expect(row(snap, 'raw').pullers[0]!.input).toBeUndefined();

    const producer = produce();
    await advance(5000);
    snap = snapshot();
    expect(snap.time).toBe(T0 + 6000);
    expect(counts(row(snap, 'out'))).toEqual({ size: 0, capacity: 0, closed: false, pushers: 1, pullers: 0 });
    expect(counts(row(snap, 'parsed'))).toEqual({ size: 1, capacity: 1, closed: false, pushers: 1, pullers: 0 });
    expect(counts(row(snap, 'raw'))).toEqual({ size: 1, capacity: 1, closed: false, pushers: 1, pullers: 0 });
    for (const name of ['raw', 'parsed', 'out']) {
      const waiter = row(snap, name).pushers[0]!;
      expect(waiter.kind).toBe('push');
      expect(snap.time - waiter.since).toBe(5000); // blocked since the producer started
      expect(waiter.input).toBeUndefined();
    }
    expect(firstFrame(row(snap, 'out').pushers[0]!.stack)).toContain(`${FILE}:${lines.store}:`);
    expect(firstFrame(row(snap, 'parsed').pushers[0]!.stack)).toContain(`${FILE}:${lines.parse}:`);
    expect(firstFrame(row(snap, 'raw').pushers[0]!.stack)).toContain(`${FILE}:${lines.produce}:`);
    // The channels were created in this test's body.
    expect(firstFrame(row(snap, 'out').createdAt)).toContain(FILE);
    // Every blocked channel ranks before anything idle.
    expect(
      snap.channels
        .slice(0, 3)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['out', 'parsed', 'raw']);

    // The program proceeds: someone reads `out` to the end.
    const got: number[] = [];
    const consumer = (async () => {
      for await (const v of out) got.push(v);
    })();
    await advance(10);
    await Promise.all([producer, ...stages, consumer]);
    expect(got).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    snap = snapshot();
    for (const name of ['raw', 'parsed', 'out']) {
      expect(counts(row(snap, name))).toMatchObject({ size: 0, closed: true, pushers: 0, pullers: 0 });
    }
  });
});

describe('a producer blocked on a full channel nobody reads', () => {
  it('shows size = capacity, one parked push, and a since that moves with the latest park', async () => {
    const jobs = new Channel<number>(3, { name: 'jobs' });
    let pushLine = 0;
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        pushLine = nextLine();
        await jobs.push(i);
      }
    })();
    await advance(2000);
    let snap = snapshot();
    expect(counts(row(snap, 'jobs'))).toEqual({ size: 3, capacity: 3, closed: false, pushers: 1, pullers: 0 });
    expect(row(snap, 'jobs').pushers[0]).toMatchObject({ kind: 'push', since: T0 });
    expect(firstFrame(row(snap, 'jobs').pushers[0]!.stack)).toContain(`${FILE}:${pushLine}:`);
    expect(snap.channels[0]!.name).toBe('jobs');

    expect(jobs.pullNowait()).toBe(0); // at T0 + 2000: value 3 moves in, the producer parks value 4
    await advance(1000);
    snap = snapshot();
    expect(counts(row(snap, 'jobs'))).toEqual({ size: 3, capacity: 3, closed: false, pushers: 1, pullers: 0 });
    expect(row(snap, 'jobs').pushers[0]!.since).toBe(T0 + 2000);

    expect(jobs.pullNowait()).toBe(1);
    await producer;
    snap = snapshot();
    expect(counts(row(snap, 'jobs'))).toEqual({ size: 3, capacity: 3, closed: false, pushers: 0, pullers: 0 });
    // Idle now: it ranks after nothing stuck, and nothing about it says "waiting".
    expect(row(snap, 'jobs').waiting).toBeUndefined();
  });

  it('counts many blocked producers on one channel, oldest first', async () => {
    const results = new Channel<string>(1, { name: 'results' });
    results.pushNowait('first');
    for (let i = 0; i < 4; i++) {
      quiet(results.push(`w${i}`));
      await advance(100);
    }
    const snap = snapshot();
    const r = row(snap, 'results');
    expect(counts(r)).toEqual({ size: 1, capacity: 1, closed: false, pushers: 4, pullers: 0 });
    expect(r.pushers.map((w) => w.since)).toEqual([T0, T0 + 100, T0 + 200, T0 + 300]);
    results.close();
    expect(counts(row(snapshot(), 'results'))).toEqual({
      size: 1,
      capacity: 1,
      closed: true,
      pushers: 0,
      pullers: 0,
    });
  });
});

describe('a select parked on channels nobody serves', () => {
  it('lists one select case per channel, sharing one id, at the select line; clears when one case fires', async () => {
    const a = new Channel<number>(0, { name: 'sel-a' });
    const b = new Channel<number>(0, { name: 'sel-b' });
    const c = new Channel<number>(0, { name: 'sel-c' });
    const selLine = nextLine();
    const pending = select([pull(a), pull(b), push(c, 7)]);
    await advance(3000);
    let snap = snapshot();
    const ra = row(snap, 'sel-a');
    const rb = row(snap, 'sel-b');
    const rc = row(snap, 'sel-c');
    expect(counts(ra)).toMatchObject({ pushers: 0, pullers: 1 });
    expect(counts(rb)).toMatchObject({ pushers: 0, pullers: 1 });
    expect(counts(rc)).toMatchObject({ pushers: 1, pullers: 0 });
    const cases = [ra.pullers[0]!, rb.pullers[0]!, rc.pushers[0]!];
    for (const waiter of cases) {
      expect(waiter.kind).toBe('select');
      expect(waiter.since).toBe(T0);
      expect(waiter.input).toBeUndefined();
      expect(firstFrame(waiter.stack)).toContain(`${FILE}:${selLine}:`);
    }
    expect(new Set(cases.map((w) => w.select)).size).toBe(1);
    expect(typeof cases[0]!.select).toBe('number');

    expect(await c.pull()).toBe(7);
    const result = await pending;
    expect(result.index).toBe(2);
    snap = snapshot();
    for (const name of ['sel-a', 'sel-b', 'sel-c'])
      expect(counts(row(snap, name))).toMatchObject({ pushers: 0, pullers: 0 });
  });

  it('a select with an after() timeout waits for input as a whole, and clears when the timer fires', async () => {
    const replies = new Channel<string>(0, { name: 'replies' });
    const timeout = after(5000);
    const pending = select([pull(replies), pull(timeout)]);
    await advance(1000);
    let snap = snapshot();
    expect(row(snap, 'replies').pullers[0]).toMatchObject({ kind: 'select', input: true });
    await advance(4000);
    const result = await pending;
    expect(result.index).toBe(1);
    snap = snapshot();
    expect(counts(row(snap, 'replies'))).toMatchObject({ pushers: 0, pullers: 0 });
  });
});

describe('a pull with a signal that never aborts', () => {
  it('is listed as an ordinary (maybe stuck) pull, not as waiting for input, and leaves on commit', async () => {
    const never = new AbortController();
    const replies = new Channel<string>(0, { name: 'signal-replies' });
    const line = nextLine();
    const pending = replies.pull({ signal: never.signal });
    await advance(60_000);
    let snap = snapshot();
    const r = row(snap, 'signal-replies');
    expect(r.pullers).toHaveLength(1);
    expect(r.pullers[0]).toMatchObject({ kind: 'pull', since: T0 });
    expect(r.pullers[0]!.input).toBeUndefined();
    expect(snap.time - r.pullers[0]!.since).toBe(60_000);
    expect(firstFrame(r.pullers[0]!.stack)).toContain(`${FILE}:${line}:`);
    expect(snap.channels[0]!.name).toBe('signal-replies');
    replies.pushNowait('ok');
    expect(await pending).toBe('ok');
    snap = snapshot();
    expect(counts(row(snap, 'signal-replies'))).toMatchObject({ pushers: 0, pullers: 0 });
  });

  it('an aborted pull leaves the snapshot at once', async () => {
    const ac = new AbortController();
    const replies = new Channel<string>(0, { name: 'abort-replies' });
    const pending = quiet(replies.pull({ signal: ac.signal }));
    await advance(100);
    expect(row(snapshot(), 'abort-replies').pullers).toHaveLength(1);
    ac.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    expect(row(snapshot(), 'abort-replies').pullers).toHaveLength(0);
  });
});

describe('broadcast with one slow subscriber holding everybody back', () => {
  it('shows the blocked producer on the source, the slow subscriber full and the fast one waiting', async () => {
    const source = new Channel<number>(0, { name: 'events' });
    const hub = broadcast(source);
    const fast = hub.subscribe();
    const slow = hub.subscribe();
    const fastGot: number[] = [];
    const fastLoop = (async () => {
      for await (const v of fast) fastGot.push(v);
    })();
    let pushLine = 0;
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        pushLine = nextLine();
        await source.push(i);
      }
      source.close();
    })();
    await advance(4000);
    const snap = snapshot();
    const src = row(snap, 'events');
    // The producer is blocked on the source: one parked push, at its line, 4 s old.
    expect(src.pushers).toHaveLength(1);
    expect(src.pushers[0]).toMatchObject({ kind: 'push', since: T0 });
    expect(firstFrame(src.pushers[0]!.stack)).toContain(`${FILE}:${pushLine}:`);
    // The slow subscriber is the one that is full; the fast one has room and a waiting reader.
    const subs = snap.channels.filter((c) => c.name !== 'events');
    expect(subs).toHaveLength(2);
    const full = subs.filter((c) => c.size === c.capacity && c.size > 0);
    expect(full).toHaveLength(1);
    expect(full[0]!.pullers).toHaveLength(0);
    const waiting = subs.filter((c) => c.size === 0);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.pullers).toHaveLength(1);
    expect(fastGot).toEqual([0]);
    // The stuck producer's channel ranks first among the rows.
    expect(snap.channels[0]!.name).toBe('events');

    // The slow subscriber starts reading: everything flows and clears.
    const slowGot: number[] = [];
    for await (const v of slow) slowGot.push(v);
    await producer;
    await fastLoop;
    expect(slowGot).toEqual([0, 1, 2, 3, 4]);
    expect(fastGot).toEqual([0, 1, 2, 3, 4]);
    const after = snapshot();
    for (const c of after.channels) expect(counts(c)).toMatchObject({ pushers: 0, pullers: 0, size: 0, closed: true });
  });
});

describe('timers: ticker and after', () => {
  it('a loop on a ticker waits for input, and a ticker nobody reads holds one tick and no parked push', async () => {
    const tick = ticker(1000);
    const seen: number[] = [];
    const ac = new AbortController();
    const loop = (async () => {
      for await (const t of tick) {
        seen.push(t);
        if (seen.length === 2) break;
      }
    })();
    await advance(500);
    let snap = snapshot();
    const t = snap.channels.find((c) => c.input === true && c.pullers.length === 1);
    expect(t).toBeDefined();
    expect(t!.pullers[0]).toMatchObject({ kind: 'pull', input: true });
    await advance(1600);
    await loop;
    expect(seen).toEqual([T0 + 1000, T0 + 2000]);
    // Nobody reads now: ticks are dropped, nothing parks.
    await advance(5000);
    snap = snapshot();
    const idle = snap.channels.find((c) => c.input === true)!;
    expect(counts(idle)).toEqual({ size: 1, capacity: 1, closed: false, pushers: 0, pullers: 0 });
    tick.close();
    ac.abort();
  });

  it('after(): a pull on it waits for input; once fired it is closed and lists nothing', async () => {
    const t = after(2000);
    const pending = t.pull();
    await advance(1000);
    expect(snapshot().channels.find((c) => c.input)!.pullers[0]).toMatchObject({ kind: 'pull', input: true });
    await advance(1000);
    expect(await pending).toBe(T0 + 2000);
    const row2 = snapshot().channels.find((c) => c.input)!;
    expect(counts(row2)).toMatchObject({ closed: true, pushers: 0, pullers: 0, size: 0 });
  });
});

describe('from() and merge() relays', () => {
  it('a merge of two idle app channels: the relay pulls point at the merge() line and are not input', async () => {
    const a = new Channel<number>(0, { name: 'm-a' });
    const b = new Channel<number>(0, { name: 'm-b' });
    const mergeLine = nextLine();
    const merged = merge(a, b);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of merged) got.push(v);
    })();
    await advance(1000);
    let snap = snapshot();
    for (const name of ['m-a', 'm-b']) {
      const r = row(snap, name);
      expect(r.pullers).toHaveLength(1);
      expect(r.pullers[0]).toMatchObject({ kind: 'pull', since: T0 });
      expect(r.pullers[0]!.input).toBeUndefined();
      expect(firstFrame(r.pullers[0]!.stack)).toContain(`${FILE}:${mergeLine}:`);
    }
    // Values flow: the merge re-arms on every input (as a Go `for { select {…} }` loop makes a new
    // select each turn), so the wait on the idle input `m-b` is listed from the re-arm too.
    await a.push(1);
    await advance(500);
    snap = snapshot();
    expect(got).toEqual([1]);
    expect(row(snap, 'm-a').pullers[0]!.since).toBe(T0 + 1000);
    expect(row(snap, 'm-b').pullers[0]!.since).toBe(T0 + 1000);
    // ... and the relay keeps the merge() call site, not the producer's push.
    expect(firstFrame(row(snap, 'm-a').pullers[0]!.stack)).toContain(`${FILE}:${mergeLine}:`);
    a.close();
    b.close();
    await loop;
    snap = snapshot();
    for (const c of snap.channels) expect(counts(c)).toMatchObject({ pushers: 0, pullers: 0 });
  });

  it('from(an async source that never yields): the reader waits for input (documented: from sets input)', async () => {
    const stuckSource = {
      async *[Symbol.asyncIterator]() {
        await new Promise(() => {});
        yield 1;
      },
    };
    const ch = Channel.from(stuckSource);
    const pending = quiet(ch.pull());
    await advance(1000);
    const r = snapshot().channels.find((c) => c.pullers.length > 0)!;
    expect(r.input).toBe(true);
    expect(r.pullers[0]).toMatchObject({ kind: 'pull', input: true });
    ch.close();
    await expect(pending).rejects.toThrow();
    expect(snapshot().channels.every((c) => c.pullers.length === 0)).toBe(true);
  });

  // BO-debug-1 (fixed 2026-12-06): with the default capacity (0), from(channel)'s relay pull on
  // the source channel is parked from the pump's microtask, where no application frame is left;
  // it had no stack (''). It now gets the stack of the from() call (the tracker's 'owner' event).
  it('from(channel) with the default capacity: the relay pull on the stuck source names the from() line', async () => {
    const inner = new Channel<number>(0, { name: 'inner' });
    const fromLine = nextLine();
    const outer = Channel.from(inner);
    const readLine = nextLine();
    const pending = outer.pull();
    await advance(1000);
    const r = row(snapshot(), 'inner');
    expect(r.pullers).toHaveLength(1);
    expect(r.pullers[0]!.stack).toMatch(new RegExp(`${FILE}:(${fromLine}|${readLine}):`));
    inner.pushNowait(5);
    expect(await pending).toBe(5);
  });

  it('from(channel) relays a stuck app channel: listed, not input, cleared once it flows and closes', async () => {
    const inner = new Channel<number>(0, { name: 'inner' });
    const outer = Channel.from(inner);
    const pending = outer.pull();
    await advance(1000);
    let r = row(snapshot(), 'inner');
    expect(r.pullers).toHaveLength(1);
    expect(r.pullers[0]).toMatchObject({ kind: 'pull', since: T0 });
    expect(r.pullers[0]!.input).toBeUndefined();
    inner.pushNowait(5);
    expect(await pending).toBe(5);
    inner.close();
    await advance(10);
    r = row(snapshot(), 'inner');
    expect(counts(r)).toMatchObject({ pushers: 0, pullers: 0, closed: true });
    // from() reads the end lazily, at the next demand.
    await expect(outer.pull()).rejects.toThrow();
    expect(outer.closed).toBe(true);
  });

  it('from(channel, { capacity: 2 }): the relay pull names the from() line (control for BO-debug-1)', async () => {
    const inner = new Channel<number>(0, { name: 'inner' });
    const fromLine = nextLine();
    const outer = Channel.from(inner, { capacity: 2 });
    await advance(1000);
    const r = row(snapshot(), 'inner');
    expect(firstFrame(r.pullers[0]!.stack)).toContain(`${FILE}:${fromLine}:`);
    outer.close();
  });
});

describe('a stream consumer stuck on a channel (toReadableStream)', () => {
  it("the stream's pull is listed as a plain pull, not input, and clears when a value comes", async () => {
    const ch = new Channel<number>(0, { name: 'body' });
    const reader = ch.toReadableStream().getReader();
    const read = reader.read();
    await advance(2000);
    let r = row(snapshot(), 'body');
    expect(r.pullers).toHaveLength(1);
    expect(r.pullers[0]).toMatchObject({ kind: 'pull', since: T0 });
    expect(r.pullers[0]!.input).toBeUndefined();
    ch.pushNowait(1);
    expect(await read).toEqual({ done: false, value: 1 });
    await advance(10);
    r = row(snapshot(), 'body');
    // The stream (highWaterMark 0) asks again only for a pending read: nothing parked now.
    expect(r.pullers).toHaveLength(0);
    await reader.cancel();
  });

  // BO-debug-2 (fixed 2026-12-06): the stream's pull is parked from the stream machinery's
  // microtask, where no application frame is left; it had no stack (''). It now gets the stack of
  // the toReadableStream() call.
  it("the stream's parked pull names the toReadableStream() (or read()) line", async () => {
    const ch = new Channel<number>(0, { name: 'body' });
    const streamLine = nextLine();
    const reader = ch.toReadableStream().getReader();
    const readLine = nextLine();
    void reader.read();
    await advance(2000);
    const r = row(snapshot(), 'body');
    expect(r.pullers[0]!.stack).toMatch(new RegExp(`${FILE}:(${streamLine}|${readLine}):`));
  });
});

describe('ranking a stuck program among idle and input channels', () => {
  it('puts the longest-blocked wait nothing explains first, input waits after, idle last', async () => {
    const idle = new Channel<number>(4, { name: 'idle' });
    idle.pushNowait(1);
    const clicks = new Channel<string>(1, { name: 'clicks', input: true });
    quiet(clicks.pull());
    await advance(1000);
    const older = new Channel<number>(0, { name: 'older-stuck' });
    quiet(older.push(1));
    await advance(1000);
    const younger = new Channel<number>(0, { name: 'younger-stuck' });
    quiet(younger.pull());
    await advance(1000);
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toEqual(['older-stuck', 'younger-stuck', 'clicks', 'idle']);
    older.close();
    younger.close();
    clicks.close();
  });
});
