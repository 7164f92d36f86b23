// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
// BS-debug audit: the snapshot's fields for every channel state, select waiters, input, ranking.
import { after, Channel, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeTarget, settle } from './helpers.js';

beforeEach(() => {
  enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
});
afterEach(() => {
  disableDebug();
});

const byName = () => Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));
const quiet = (p: Promise<unknown>) => {
  p.catch(() => {});
  return p;
};

describe('channel fields', () => {
  it('an idle channel: id, name, capacity, size, closed, overflow, empty waiter lists, no values', () => {
    const c = new Channel<{ secret: string }>(4, { name: 'idle' });
    c.pushNowait({ secret: 'hunter2' });
    const [s] = snapshot().channels;
    expect(s).toMatchObject({
      name: 'idle',
      capacity: 4,
      size: 1,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [],
    });
    expect(typeof s!.id).toBe('number');
    expect(s!.createdAt).toBeUndefined();
    expect(JSON.stringify(snapshot())).not.toContain('hunter2');
    c.close();
  });

  it('an unnamed channel has name "" and ids are distinct', () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const snap = snapshot().channels;
    expect(snap.map((c) => c.name)).toEqual(['', '']);
    expect(new Set(snap.map((c) => c.id)).size).toBe(2);
    a.close();
    b.close();
  });

  it('default capacity is 0; Infinity capacity is null; huge capacity is null', () => {
    const a = new Channel<number>(undefined, { name: 'zero' });
    const b = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'inf' });
    const m = byName();
    expect(m.zero!.capacity).toBe(0);
    expect(m.inf!.capacity).toBeNull();
    expect(JSON.parse(JSON.stringify(snapshot())).channels.find((c: any) => c.name === 'inf').capacity).toBeNull();
    a.close();
    b.close();
  });

  it.each(['block', 'drop-oldest', 'drop-newest'] as const)('overflow %s is reported', (overflow) => {
    const c = new Channel<number>(2, { name: 'o', overflow });
    expect(snapshot().channels[0]!.overflow).toBe(overflow);
    c.close();
  });

  it('a full buffer shows size === capacity; size follows pulls', async () => {
    const c = new Channel<number>(3, { name: 'full' });
    c.pushNowait(1);
    c.pushNowait(2);
    c.pushNowait(3);
    expect(byName().full!.size).toBe(3);
    await c.pull();
    expect(byName().full!.size).toBe(2);
    c.close();
  });

  it('a closed channel with buffered values: closed true, size kept; drained: size 0', async () => {
    const c = new Channel<number>(2, { name: 'closing' });
    c.pushNowait(1);
    c.close();
    expect(byName().closing).toMatchObject({ closed: true, size: 1 });
    expect(await c.pull()).toBe(1);
    expect(byName().closing).toMatchObject({ closed: true, size: 0 });
  });

  it('parked pushers: kind push, since a ms epoch near now, in FIFO order, and they leave on commit', async () => {
    const c = new Channel<number>(0, { name: 'pushers' });
    const t0 = Date.now();
    const p1 = quiet(c.push(1));
    const p2 = quiet(c.push(2));
    const s = byName().pushers!;
    expect(s.pushers.map((w) => w.kind)).toEqual(['push', 'push']);
    expect(s.pullers).toEqual([]);
    for (const w of s.pushers) {
      expect(w.since).toBeGreaterThanOrEqual(t0 - 1000);
      expect(w.since).toBeLessThanOrEqual(Date.now());
      expect(w.stack).toBeUndefined();
    }
    expect(await c.pull()).toBe(1);
    await p1;
    expect(byName().pushers!.pushers).toHaveLength(1);
    expect(await c.pull()).toBe(2);
    await p2;
    expect(byName().pushers!.pushers).toHaveLength(0);
    c.close();
  });

  it('parked pullers: kind pull; an aborted pull leaves the list', async () => {
    const c = new Channel<number>(0, { name: 'pullers' });
    const ac = new AbortController();
    const p = quiet(c.pull({ signal: ac.signal }));
    const q = quiet(c.pull());
    expect(byName().pullers!.pullers.map((w) => w.kind)).toEqual(['pull', 'pull']);
    ac.abort();
    await expect(p).rejects.toBeDefined();
    expect(byName().pullers!.pullers).toHaveLength(1);
    c.close();
    await expect(q).rejects.toBeDefined();
    expect(byName().pullers!.pullers).toHaveLength(0);
  });

  it('a push blocked on a full buffer is listed as a parked pusher', () => {
    const c = new Channel<number>(1, { name: 'blocked' });
    c.pushNowait(1);
    quiet(c.push(2));
    const s = byName().blocked!;
    expect(s.size).toBe(1);
    expect(s.pushers.map((w) => w.kind)).toEqual(['push']);
    c.close();
  });

  it('close fails the parked operations and they disappear from the snapshot', async () => {
    const c = new Channel<number>(0, { name: 'fail' });
    const p = quiet(c.pull());
    const d = new Channel<number>(0, { name: 'fail2' });
    const q = quiet(d.push(1));
    c.close();
    d.close();
    await expect(p).rejects.toBeDefined();
    await expect(q).rejects.toBeDefined();
    const m = byName();
    expect(m.fail!.pullers).toEqual([]);
    expect(m.fail2!.pushers).toEqual([]);
  });

  it('pullMany and pushAll waits are listed as pull and push', async () => {
    const c = new Channel<number>(0, { name: 'batch' });
    const p = quiet(c.pullMany(5));
    const d = new Channel<number>(1, { name: 'batch2' });
    const q = quiet(d.pushAll([1, 2, 3]));
    await settle();
    expect(byName().batch!.pullers.map((w) => w.kind)).toEqual(['pull']);
    expect(byName().batch2!.pushers.map((w) => w.kind)).toEqual(['push']);
    c.close();
    d.close();
    await p.catch(() => {});
    await q.catch(() => {});
  });

  it('the snapshot survives structuredClone and JSON unchanged', () => {
    const c = new Channel<() => void>(2, { name: 'fn' });
    c.pushNowait(() => {});
    quiet(new Channel<number>(0, { name: 'w' }).pull());
    const s = snapshot();
    expect(structuredClone(s)).toEqual(s);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    c.close();
  });
});

describe('select waiters', () => {
  it('each case of a parked multi-case select is listed with kind select and a shared select id', async () => {
    const a = new Channel<number>(0, { name: 'sa' });
    const b = new Channel<number>(0, { name: 'sb' });
    const ac = new AbortController();
    const s = quiet(select([pull(a), push(b, 1)], { signal: ac.signal }));
    const m = byName();
    expect(m.sa!.pullers.map((w) => w.kind)).toEqual(['select']);
    expect(m.sb!.pushers.map((w) => w.kind)).toEqual(['select']);
    expect(m.sa!.pullers[0]!.select).toBeDefined();
    expect(m.sa!.pullers[0]!.select).toBe(m.sb!.pushers[0]!.select);
    // Commit one case: the other case leaves its queue too.
    await a.push(7);
    const r = (await s) as { index: number };
    expect(r.index).toBe(0);
    const n = byName();
    expect(n.sa!.pullers).toEqual([]);
    expect(n.sb!.pushers).toEqual([]);
    a.close();
    b.close();
  });

  it('two selects get different select ids', () => {
    const a = new Channel<number>(0, { name: 'ta' });
    const b = new Channel<number>(0, { name: 'tb' });
    const ac = new AbortController();
    quiet(select([pull(a), pull(b)], { signal: ac.signal }));
    quiet(select([pull(a), pull(b)], { signal: ac.signal }));
    const ids = byName().ta!.pullers.map((w) => w.select);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    ac.abort();
    a.close();
    b.close();
  });

  it('an aborted select leaves every queue', async () => {
    const a = new Channel<number>(0, { name: 'ua' });
    const b = new Channel<number>(0, { name: 'ub' });
    const ac = new AbortController();
    const s = quiet(select([pull(a), pull(b)], { signal: ac.signal }));
    ac.abort();
    await expect(s).rejects.toBeDefined();
    const m = byName();
    expect(m.ua!.pullers).toEqual([]);
    expect(m.ub!.pullers).toEqual([]);
    a.close();
    b.close();
  });

  it('a single-case select is reported as select', () => {
    const a = new Channel<number>(0, { name: 'single' });
    const ac = new AbortController();
    quiet(select([pull(a)], { signal: ac.signal }));
    expect(byName().single!.pullers.map((w) => w.kind)).toEqual(['select']);
    ac.abort();
    a.close();
  });
});

describe('stacks', () => {
  it('stacks: true gives createdAt on channels and stack on waiters, as strings naming this file', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
    const c = new Channel<number>(0, { name: 'stk' });
    quiet(c.pull());
    const s = byName().stk!;
    expect(typeof s.createdAt).toBe('string');
    expect(s.createdAt).toMatch(/snapshot\.test\.ts/);
    expect(typeof s.pullers[0]!.stack).toBe('string');
    expect(s.pullers[0]!.stack).toMatch(/snapshot\.test\.ts/);
    c.close();
  });

  it('without stacks: no createdAt and no stack', () => {
    const c = new Channel<number>(0, { name: 'nostk' });
    quiet(c.pull());
    const s = byName().nostk!;
    expect('createdAt' in s && s.createdAt !== undefined).toBe(false);
    expect(s.pullers[0]!.stack).toBeUndefined();
    c.close();
  });

  it('stacks capture leaves Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit;
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
    const c = new Channel<number>(0);
    quiet(c.pull());
    expect(Error.stackTraceLimit).toBe(before);
    c.close();
  });
});

describe('input, idle and stuck classification in snapshots', () => {
  it('input: true marks the channel and its waits; a plain channel has no input', () => {
    const i = new Channel<number>(0, { name: 'in', input: true });
    const p = new Channel<number>(0, { name: 'plain' });
    quiet(i.pull());
    quiet(p.pull());
    const m = byName();
    expect(m.in!.input).toBe(true);
    expect(m.in!.pullers[0]!.input).toBe(true);
    expect(m.plain!.input).toBeFalsy();
    expect(m.plain!.pullers[0]!.input).toBeFalsy();
    i.close();
    p.close();
  });

  it('input must be a boolean', () => {
    expect(() => new Channel<number>(0, { input: 'yes' as never })).toThrow(TypeError);
  });

  it('after, ticker and fromEvent channels are input channels', () => {
    const ac = new AbortController();
    const a = after(60_000, { signal: ac.signal });
    const t = ticker(60_000, { signal: ac.signal });
    const e = fromEvent(new EventTarget(), 'x', { signal: ac.signal });
    quiet(a.pull());
    quiet(t.pull());
    quiet(e.pull());
    const chans = snapshot().channels;
    expect(chans).toHaveLength(3);
    for (const c of chans) {
      expect(c.input).toBe(true);
      expect(c.pullers[0]!.input).toBe(true);
    }
    ac.abort();
  });

  it('a select with a case on an input channel waits for input on every case', () => {
    const clicks = new Channel<string>(1, { name: 'clicks', input: true });
    const replies = new Channel<string>(0, { name: 'replies' });
    const ac = new AbortController();
    quiet(select([pull(clicks), pull(replies)], { signal: ac.signal }));
    const m = byName();
    expect(m.replies!.pullers[0]!.input).toBe(true);
    expect(m.clicks!.pullers[0]!.input).toBe(true);
    ac.abort();
    clicks.close();
    replies.close();
  });

  it('a select with a case on an untracked input channel (created before enableDebug) still waits for input', () => {
    disableDebug();
    const ac = new AbortController();
    const early = after(60_000, { signal: ac.signal });
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const replies = new Channel<string>(0, { name: 'replies' });
    quiet(select([pull(early), pull(replies)], { signal: ac.signal }));
    const chans = snapshot().channels;
    expect(chans.map((c) => c.name)).toEqual(['replies']);
    expect(chans[0]!.pullers[0]!.input).toBe(true);
    ac.abort();
    replies.close();
  });

  it('a merge with an input channel among its inputs: its pulls on the other inputs carry input', async () => {
    const ac = new AbortController();
    const ev = fromEvent(new EventTarget(), 'click', { signal: ac.signal });
    const cancel = new Channel<number>(0, { name: 'cancel' });
    const m = merge(ev, cancel);
    await settle();
    const c = byName().cancel!;
    expect(c.pullers.length).toBeGreaterThanOrEqual(1);
    expect(c.pullers.every((w) => w.input === true)).toBe(true);
    ac.abort();
    cancel.close();
    m.close();
  });

  it('ranking: channels with unexplained waits first (longest first), then input waits, then idle', async () => {
    const idle = new Channel<number>(1, { name: 'idle' });
    const inp = new Channel<number>(0, { name: 'input', input: true });
    quiet(inp.pull());
    const older = new Channel<number>(0, { name: 'older-stuck' });
    quiet(older.push(1));
    // A later task, so the next wait is stamped later.
    await new Promise((r) => setTimeout(r, 30));
    const newer = new Channel<number>(0, { name: 'newer-stuck' });
    quiet(newer.pull());
    expect(snapshot().channels.map((c) => c.name)).toEqual(['older-stuck', 'newer-stuck', 'input', 'idle']);
    for (const c of [idle, inp, older, newer]) c.close();
  });

  it('an unexplained wait behind older input waits still ranks its channel stuck', async () => {
    const mixed = new Channel<number>(0, { name: 'mixed' });
    const clicks = new Channel<number>(0, { name: 'clicks', input: true });
    const ac = new AbortController();
    quiet(select([pull(mixed), pull(clicks)], { signal: ac.signal })); // input wait on mixed
    const inputOnly = new Channel<number>(0, { name: 'input-only', input: true });
    quiet(inputOnly.pull());
    await new Promise((r) => setTimeout(r, 20));
    quiet(mixed.pull()); // unexplained wait, newer
    const names = snapshot().channels.map((c) => c.name);
    expect(names[0]).toBe('mixed');
    ac.abort();
    for (const c of [mixed, clicks, inputOnly]) c.close();
  });
});

describe('debug mode never changes channel semantics', () => {
  async function program(): Promise<unknown[]> {
    const log: unknown[] = [];
    const jobs = new Channel<number>(2, { name: 'jobs' });
    const results = new Channel<string>(0, { name: 'results' });
    const done = new Channel<void>(0, { name: 'done' });
    const drop = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) drop.pushNowait(i);
    log.push(['drop', drop.tryPull(), drop.tryPull(), drop.tryPull()]);
    const workers = [1, 2].map(async (w) => {
      for await (const j of jobs) await results.push(`w${w}:${j * j}`);
    });
    const producer = (async () => {
      for (let i = 0; i < 6; i++) await jobs.push(i);
      jobs.close();
    })();
    const collector = (async () => {
      const got: string[] = [];
      for await (const r of results) got.push(r);
      return got;
    })();
    await producer;
    await Promise.all(workers);
    results.close();
    const got = await collector;
    log.push(['results', got.length, got.map((g) => Number(g.split(':')[1])).sort((a, b) => a - b)]);
    // select with a ready default order and abort
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    b.pushNowait(9);
    const sel = await select([pull(a), pull(b)]);
    log.push(['select', sel.index, sel.value]);
    const ac = new AbortController();
    const pending = select([pull(a), pull(done)], { signal: ac.signal });
    ac.abort(new Error('stop'));
    log.push([
      'abort',
      await pending.then(
        () => 'ok',
        (e) => `${e?.name}:${e?.message}`,
      ),
    ]);
    // close with reason
    const c = new Channel<number>(1, { name: 'reasoned' });
    c.pushNowait(1);
    c.close(new Error('bye'));
    log.push([
      'drain',
      await c.pull(),
      await c.pull().then(
        () => 'ok',
        (e) => `${e.name}:${e.message}:${e.cause?.message}`,
      ),
    ]);
    log.push([
      'nowait',
      (() => {
        try {
          return a.pullNowait();
        } catch (e: any) {
          return `${e.name}:${e.message}`;
        }
      })(),
    ]);
    // rendezvous ordering
    const r = new Channel<number>(0);
    const order: string[] = [];
    const pp = r.push(1).then(() => order.push('push'));
    const pl = r.pull().then((v) => order.push(`pull${v}`));
    await Promise.all([pp, pl]);
    log.push(['order', order]);
    log.push(['stats', { ...jobs.stats() }, JSON.stringify(results)]);
    return log;
  }

  it('the same program gives the same results with debug off, on, and on with stacks', async () => {
    disableDebug();
    const off = await program();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const on = await program();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
    const stacks = await program();
    expect(on).toEqual(off);
    expect(stacks).toEqual(off);
  });

  it('a snapshot taken mid-operation does not disturb it', async () => {
    const c = new Channel<number>(0, { name: 'mid' });
    const p = c.pull();
    snapshot();
    const q = c.push(5);
    snapshot();
    expect(await p).toBe(5);
    await q;
    c.close();
  });
});
