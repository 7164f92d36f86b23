import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));
const micro = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

function inc(counts: number[], i: number) {
  counts[i] = (counts[i] ?? 0) + 1;
}

function idle(ch: { stats(): { waitingPushers: number; waitingPullers: number } }) {
  const s = ch.stats();
  return { waitingPushers: s.waitingPushers, waitingPullers: s.waitingPullers };
}

describe('select: exactly one commit, no trace', () => {
  it('with two ready pull cases consumes exactly one value in total', async () => {
    for (let i = 0; i < 50; i++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.pushNowait(1);
      b.pushNowait(2);
      const r = await select([pull(a), pull(b)]);
      expect(r.ok).toBe(true);
      expect(a.size + b.size).toBe(1);
      expect(r.channel).toBe(r.index === 0 ? a : b);
      expect(r.value).toBe(r.index === 0 ? 1 : 2);
      expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
      expect(idle(b)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    }
  });

  it('with two ready push cases delivers exactly one value', async () => {
    for (let i = 0; i < 50; i++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      const r = await select([push(a, 1), push(b, 2)]);
      expect(r.value).toBeUndefined();
      expect(r.ok).toBe(true);
      expect(a.size + b.size).toBe(1);
      expect((r.index === 0 ? a : b).size).toBe(1);
    }
  });

  it('parked select leaves no waiter on any channel after one case wins', async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const c = new Channel<string>();
    const p = select([pull(a), push(b, 'x'), pull(c)]);
    await micro();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    expect(c.stats().waitingPullers).toBe(1);
    await c.push('hello');
    const r = await p;
    expect(r).toMatchObject({ index: 2, value: 'hello', ok: true, channel: c });
    for (const ch of [a, b, c]) expect(idle(ch)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    // the losing push was never delivered
    expect(b.tryPull()).toBeUndefined();
    expect(() => b.pullNowait()).toThrow();
  });

  it('parked select push case rendezvous with a later pull', async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const p = select([pull(a), push(b, 'val')]);
    await micro();
    expect(await b.pull()).toBe('val');
    const r = await p;
    expect(r).toMatchObject({ index: 1, ok: true, channel: b });
    expect(r.value).toBeUndefined();
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a plain pushNowait into a parked select commits to it synchronously, and a second pushNowait fails', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(a), pull(b)]);
    await micro();
    a.pushNowait(1);
    expect(() => b.pushNowait(2)).toThrow();
    expect(b.tryPush(3)).toBe(false);
    const r = await p;
    expect(r).toMatchObject({ index: 0, value: 1 });
  });

  it('two parked selects on the same channels each get one value, none lost', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p1 = select([pull(a), pull(b)]);
    const p2 = select([pull(b), pull(a)]);
    await micro();
    await a.push(1);
    await a.push(2);
    const vals = [(await p1).value, (await p2).value].sort();
    expect(vals).toEqual([1, 2]);
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(idle(b)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('select push case meets select pull case in another select', async () => {
    const c = new Channel<string>();
    const d = new Channel<string>();
    const p1 = select([push(c, 'x'), pull(d)]);
    await micro();
    const r2 = await select([pull(c)]);
    expect(r2).toMatchObject({ index: 0, value: 'x', ok: true });
    expect((await p1).index).toBe(0);
    expect(idle(d)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('select: closed channels', () => {
  it('pull case on a closed and drained channel fires with ok false and value undefined', async () => {
    const a = new Channel<number>();
    a.close();
    const r = await select([pull(a)]);
    expect(r).toMatchObject({ index: 0, ok: false, channel: a });
    expect(r.value).toBeUndefined();
  });

  it('pull case on a closed channel with buffered values gets them with ok true first', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(5);
    a.close();
    expect(await select([pull(a)])).toMatchObject({ ok: true, value: 5 });
    expect(await select([pull(a)])).toMatchObject({ ok: false });
  });

  it('parked pull case fires ok false when its channel closes while waiting', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(b), pull(a)]);
    await micro();
    a.close(new Error('bye'));
    const r = await p;
    expect(r).toMatchObject({ index: 1, ok: false });
    expect(idle(b)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('push case on a closed channel rejects with ChannelClosedError even if another case is ready', async () => {
    for (let i = 0; i < 20; i++) {
      const closed = new Channel<number>(1);
      closed.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(9);
      await expect(select([pull(ready), push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
      expect(ready.size).toBe(1); // nothing consumed
    }
  });

  it('selectNowait throws ChannelClosedError for a push case on a closed channel', () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(9);
    expect(() => selectNowait([pull(ready), push(closed, 1)])).toThrow(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  it('push case on a channel closed while the select waits rejects with ChannelClosedError and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(a), push(b, 1)]);
    await micro();
    b.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    // a later push on a is not eaten by the dead select
    expect(a.tryPush(3)).toBe(false);
  });

  it('select with a push and a pull case on the same channel that gets closed rejects (push case wins the decision)', async () => {
    const c = new Channel<number>();
    const p = select([pull(c), push(c, 1)]);
    await micro();
    c.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('select: null cases and empty lists', () => {
  it('null and undefined entries are skipped and indexes are kept', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(3);
    const r = await select([null, undefined, pull(a)]);
    expect(r).toMatchObject({ index: 2, value: 3, ok: true });
  });

  it('an empty list rejects with TypeError', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
  });

  it('a list of only nulls rejects with TypeError', async () => {
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
  });

  it('select returns a promise (does not throw synchronously) for an empty list', () => {
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = select([]);
    }).not.toThrow();
    return expect(p).rejects.toBeInstanceOf(TypeError);
  });

  it('selectNowait returns undefined for an empty list or only nulls', () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  it('selectNowait returns undefined and leaves no trace when nothing is ready', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.pushNowait(1); // full, push case not ready
    expect(selectNowait([pull(a), push(b, 2)])).toBeUndefined();
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(idle(b)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(b.size).toBe(1);
  });

  it('selectNowait pull case on a closed drained channel returns ok false', () => {
    const a = new Channel<number>();
    a.close();
    expect(selectNowait([pull(a)])).toMatchObject({ index: 0, ok: false, channel: a });
  });

  it('selectNowait push case succeeds on unbuffered channel exactly when a puller waits', async () => {
    const c = new Channel<string>();
    expect(selectNowait([push(c, 'x')])).toBeUndefined();
    const p = c.pull();
    expect(selectNowait([push(c, 'y')])).toMatchObject({ index: 0, ok: true });
    expect(await p).toBe('y');
  });

  it('selectNowait pull case on unbuffered channel succeeds when a pusher waits', async () => {
    const c = new Channel<string>();
    const p = c.push('v');
    expect(selectNowait([pull(c)])).toMatchObject({ index: 0, ok: true, value: 'v' });
    await p;
  });

  it('a malformed case is a TypeError', async () => {
    const bad = [{ channel: new Channel(), kind: 'pull' }] as unknown as SelectCase[];
    await expect(select(bad)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('select: values and drop modes', () => {
  it('carries undefined, null, NaN and objects through pull cases', async () => {
    const obj = { a: 1 };
    for (const v of [undefined, null, Number.NaN, obj, 0, '']) {
      const c = new Channel<unknown>(1);
      c.pushNowait(v);
      const r = await select([pull(c)]);
      expect(r.ok).toBe(true);
      expect(Object.is(r.value, v)).toBe(true);
    }
  });

  it('a push case with value undefined delivers undefined', async () => {
    const c = new Channel<undefined>(1);
    await select([push(c, undefined)]);
    expect(c.size).toBe(1);
    expect(c.pullNowait()).toBeUndefined();
  });

  it('a push case on a full drop-oldest channel is ready and replaces the oldest', async () => {
    const c = new Channel<number>(1, { overflow: 'drop-oldest' });
    c.pushNowait(1);
    const other = new Channel<number>();
    const r = await select([pull(other), push(c, 2)]);
    expect(r.index).toBe(1);
    expect(c.pullNowait()).toBe(2);
  });

  it('a push case on a full drop-newest channel is ready and the value is discarded', () => {
    const c = new Channel<number>(1, { overflow: 'drop-newest' });
    c.pushNowait(1);
    const r = selectNowait([push(c, 2)]);
    expect(r).toMatchObject({ index: 0 });
    expect(c.pullNowait()).toBe(1);
    expect(c.size).toBe(0);
  });

  it('push case builder refuses a thenable with TypeError (README: Thenables are not values)', () => {
    const c = new Channel<unknown>(1);
    expect(() => push(c, Promise.resolve(1))).toThrow(TypeError);
    expect(c.size).toBe(0);
  });
});

describe('select: reuse of case arrays and self-matching', () => {
  it('the same case array can be passed to many selects, sequentially and concurrently', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const cases = [pull(a), pull(b)] as const;
    const ps = [select(cases), select(cases), select(cases)];
    await micro();
    expect(a.stats().waitingPullers).toBe(3);
    await a.push(1);
    await b.push(2);
    await a.push(3);
    const results = await Promise.all(ps);
    expect(results.map((r) => r.value).sort()).toEqual([1, 2, 3]);
    for (const ch of [a, b]) expect(idle(ch)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    // and again, sequentially
    a.close();
    expect(await select(cases)).toMatchObject({ index: 0, ok: false });
  });

  it('a push case descriptor reused delivers its value each time', async () => {
    const c = new Channel<string>(3);
    const cases = [push(c, 'v')];
    await select(cases);
    await select(cases);
    selectNowait(cases);
    expect(c.size).toBe(3);
    expect([c.pullNowait(), c.pullNowait(), c.pullNowait()]).toEqual(['v', 'v', 'v']);
  });

  it('a select with its own push and pull on one unbuffered channel never matches itself', async () => {
    const c = new Channel<number>();
    const ctl = new AbortController();
    const p = select([push(c, 1), pull(c)], { signal: ctl.signal });
    await tick();
    await micro();
    // still pending: nothing to match
    let settled = false;
    p.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await tick();
    expect(settled).toBe(false);
    // an outside puller takes the push
    expect(await c.pull()).toBe(1);
    expect(await p).toMatchObject({ index: 0 });
    expect(idle(c)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('selectNowait with its own push and pull on one unbuffered channel returns undefined', () => {
    const c = new Channel<number>();
    expect(selectNowait([push(c, 1), pull(c)])).toBeUndefined();
    expect(idle(c)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('two selects each with a push and a pull on one channel meet each other', async () => {
    const c = new Channel<number>();
    const p1 = select([push(c, 1), pull(c)]);
    await micro();
    const r2 = await select([push(c, 2), pull(c)]);
    const r1 = await p1;
    // exactly one pushed and one pulled
    const kinds = [r1.index, r2.index].sort();
    expect(kinds).toEqual([0, 1]);
    const pulled = r1.index === 1 ? r1.value : r2.value;
    const pusher = r1.index === 0 ? 1 : 2;
    expect(pulled).toBe(pusher);
    expect(idle(c)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a buffered channel with a push and a pull case in one select: one case commits', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(7);
    // push not ready (full), pull ready
    expect(await select([push(c, 1), pull(c)])).toMatchObject({ index: 1, value: 7 });
    // now empty: push ready, pull not
    expect(await select([push(c, 1), pull(c)])).toMatchObject({ index: 0 });
    expect(c.size).toBe(1);
  });
});

describe('select: fairness', () => {
  it('chooses uniformly among ready cases (statistically)', async () => {
    const n = 3000;
    const counts = [0, 0, 0];
    const chans = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
    for (const c of chans) c.pushNowait(0);
    for (let i = 0; i < n; i++) {
      const r = selectNowait(chans.map((c) => pull(c)));
      if (!r) throw new Error('nothing ready');
      inc(counts, r.index);
      chans[r.index]?.pushNowait(0);
    }
    for (const k of counts) {
      expect(k).toBeGreaterThan(n / 3 - 200);
      expect(k).toBeLessThan(n / 3 + 200);
    }
  });

  it('select (async) chooses uniformly among ready cases including nulls in between', async () => {
    const n = 2000;
    const counts = [0, 0, 0];
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    for (let i = 0; i < n; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
    }
    const cases = [pull(a), null, pull(b)];
    for (let i = 0; i < n; i++) inc(counts, (await select(cases)).index);
    expect(counts[1]).toBe(0);
    expect(counts[0]).toBeGreaterThan(n / 2 - 200);
    expect(counts[2]).toBeGreaterThan(n / 2 - 200);
  });

  it('when a parked select has two push cases on the same channel, either is chosen', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      const c = new Channel<string>();
      const p = select([push(c, 'A'), push(c, 'B')]);
      await micro(3);
      seen.add(await c.pull());
      await p;
    }
    expect(seen).toEqual(new Set(['A', 'B']));
  });
});

describe('select: abort', () => {
  it('an already aborted signal rejects with its reason and commits nothing, even with ready cases', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const closed = new Channel<number>(1);
    closed.close();
    const reason = new Error('stop');
    await expect(select([pull(a), push(closed, 1)], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(a.size).toBe(1);
  });

  it('aborting while parked rejects with the reason and leaves no waiters', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ctl = new AbortController();
    const p = select([pull(a), push(b, 1)], { signal: ctl.signal });
    await micro();
    ctl.abort('why');
    await expect(p).rejects.toBe('why');
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(idle(b)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(a.tryPush(1)).toBe(false);
    expect(b.tryPull()).toBeUndefined();
  });

  it('abort after the commit changes nothing', async () => {
    const a = new Channel<number>();
    const ctl = new AbortController();
    const p = select([pull(a)], { signal: ctl.signal });
    await micro();
    a.pushNowait(4);
    ctl.abort();
    expect(await p).toMatchObject({ index: 0, value: 4 });
  });

  it('aborted with undefined reason rejects with an AbortError DOMException', async () => {
    const ctl = new AbortController();
    const a = new Channel<number>();
    const p = select([pull(a)], { signal: ctl.signal });
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a non-signal in signal is a TypeError', async () => {
    const a = new Channel<number>();
    await expect(select([pull(a)], { signal: new AbortController() as unknown as AbortSignal })).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(idle(a)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('select: re-entrancy', () => {
  it('a select resolved value consumer that immediately selects again on the same channels sees consistent state', async () => {
    const a = new Channel<number>();
    const got: number[] = [];
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(a)]);
        if (!r.ok) return;
        got.push(r.value as number);
      }
    })();
    for (let i = 0; i < 100; i++) await a.push(i);
    a.close();
    await loop;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('a signal aborted from inside a getter during select rejects and commits nothing', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const ctl = new AbortController();
    const signal = new Proxy(ctl.signal, {
      get(t, k) {
        const v = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    // Proxy of a real signal: treat as signal; abort before call
    ctl.abort('x');
    await expect(select([pull(a)], { signal })).rejects.toBe('x');
    expect(a.size).toBe(1);
  });
});

describe('after', () => {
  it('delivers one Date.now() timestamp not before ms, then closes', async () => {
    const t0 = Date.now();
    const ch = afterMs(20);
    expect(ch.closed).toBe(false);
    const v = await ch.pull();
    expect(typeof v).toBe('number');
    expect(v).toBeGreaterThanOrEqual(t0 + 20);
    expect(v).toBeLessThanOrEqual(Date.now());
    await micro();
    expect(ch.closed).toBe(true);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('for await over after yields exactly one value', async () => {
    const vals: number[] = [];
    for await (const v of afterMs(5)) vals.push(v);
    expect(vals.length).toBe(1);
  });

  it('is closed (with value still readable) right after it fires, even unread', async () => {
    const ch = afterMs(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toEqual(expect.any(Number));
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('aborting the signal first closes the channel and no value is ever delivered', async () => {
    const ctl = new AbortController();
    const ch = afterMs(20, { signal: ctl.signal });
    ctl.abort();
    expect(ch.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(ch.size).toBe(0);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('an already aborted signal gives a closed, empty channel', async () => {
    const ch = afterMs(5, { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(ch.size).toBe(0);
  });

  it('a pull parked on after rejects when the signal aborts', async () => {
    const ctl = new AbortController();
    const ch = afterMs(10_000, { signal: ctl.signal });
    const p = ch.pull();
    ctl.abort();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('closing it by hand before it fires: nothing delivered, nothing thrown later', async () => {
    const ch = afterMs(10);
    ch.close();
    await new Promise((r) => setTimeout(r, 40));
    expect(ch.size).toBe(0);
  });

  it('as a select timeout: the timeout case wins when nothing else is ready', async () => {
    const data = new Channel<string>();
    const r = await select([pull(data), pull(afterMs(10))]);
    expect(r.index).toBe(1);
    expect(r.ok).toBe(true);
    expect(idle(data)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('ms <= 0 fires asynchronously, not synchronously', async () => {
    const ch = afterMs(-5);
    expect(ch.size).toBe(0);
    expect(typeof (await ch.pull())).toBe('number');
    const z = afterMs(0);
    expect(z.size).toBe(0);
    await z.pull();
  });

  it('NaN / Infinity are RangeError, non-number TypeError', () => {
    expect(() => afterMs(Number.NaN)).toThrow(RangeError);
    expect(() => afterMs(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => afterMs('5' as unknown as number)).toThrow(TypeError);
  });

  it('a delay above 2^31-1 does not fire immediately', async () => {
    const ch = afterMs(2 ** 31 + 1000);
    await new Promise((r) => setTimeout(r, 30));
    expect(ch.size).toBe(0);
    expect(ch.closed).toBe(false);
    ch.close();
  });

  it('has capacity 1', () => {
    const ch = afterMs(1000);
    expect(ch.capacity).toBe(1);
    ch.close();
  });
});

describe('select: readiness of closed channels and drop-mode pushes in the random choice', () => {
  it('a pull case on a closed channel is ready and takes part in the uniform choice', async () => {
    const closed = new Channel<number>();
    closed.close();
    const full = new Channel<number>(Infinity);
    for (let i = 0; i < 1000; i++) full.pushNowait(i);
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) inc(counts, (await select([pull(closed), pull(full)])).index);
    expect(counts[0]).toBeGreaterThan(350);
    expect(counts[1]).toBeGreaterThan(350);
    // pulls that lost left their values: exactly counts[1] taken
    expect(full.size).toBe(1000 - (counts[1] ?? 0));
  });

  it('a push case on a full drop-oldest channel competes uniformly with a ready pull case', () => {
    const drop = new Channel<number>(1, { overflow: 'drop-oldest' });
    drop.pushNowait(0);
    const ready = new Channel<number>(Infinity);
    for (let i = 0; i < 1000; i++) ready.pushNowait(i);
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) {
      const r = selectNowait([push(drop, i), pull(ready)]);
      if (!r) throw new Error('nothing ready');
      inc(counts, r.index);
    }
    expect(counts[0]).toBeGreaterThan(350);
    expect(counts[1]).toBeGreaterThan(350);
    expect(drop.size).toBe(1);
  });
});

describe('select: TypeScript narrowing by index', () => {
  it('narrows value by index for a tuple of cases', async () => {
    const nums = new Channel<number>(1);
    const strs = new Channel<string>(1);
    nums.pushNowait(4);
    const r = await select([pull(nums), push(strs, 's')] as const);
    if (r.index === 0) {
      if (r.ok) {
        const n: number = r.value;
        expect(n).toBe(4);
      }
    } else {
      const u: undefined = r.value;
      expect(u).toBeUndefined();
    }
  });
});

describe('after: more', () => {
  it('two selects waiting on the same after channel: one gets the timestamp, the other ok false', async () => {
    const t = afterMs(5);
    const [r1, r2] = await Promise.all([select([pull(t)]), select([pull(t)])]);
    expect([r1.ok, r2.ok].sort()).toEqual([false, true]);
  });

  it('aborting after it fired changes nothing: the value stays readable', async () => {
    const ctl = new AbortController();
    const t = afterMs(1, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 30));
    ctl.abort();
    expect(t.size).toBe(1);
    expect(typeof t.pullNowait()).toBe('number');
  });

  it('a signal passed in place of the options is a TypeError', () => {
    expect(() => afterMs(5, AbortSignal.abort() as unknown as { signal: AbortSignal })).toThrow(TypeError);
  });
});

describe('select: stats() while parked', () => {
  it('a parked select counts on each channel it waits on, once per case', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const ctl = new AbortController();
    const p = select([pull(c), pull(c), push(c, 1), pull(d)], { signal: ctl.signal }).catch(() => 'aborted');
    await micro();
    expect(c.stats().waitingPullers).toBe(2);
    expect(c.stats().waitingPushers).toBe(1);
    expect(d.stats().waitingPullers).toBe(1);
    ctl.abort();
    expect(await p).toBe('aborted');
    expect(idle(c)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(idle(d)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a select with two pull cases on one channel takes exactly one value', async () => {
    const c = new Channel<number>();
    const p = select([pull(c), pull(c)]);
    await micro();
    c.pushNowait(5);
    expect(() => c.pushNowait(6)).toThrow();
    expect((await p).value).toBe(5);
    expect(idle(c)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });
});
