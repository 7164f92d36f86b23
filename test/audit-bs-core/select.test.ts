import {
  after,
  Channel,
  ChannelClosedError,
  type PullCase,
  type PushCase,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { abortListeners, rejection, settle, thrown, track } from './helpers.js';

describe('select basics', () => {
  it('resolves { index, channel, value, ok } for a ready pull case', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('x');
    const r = await select([pull(a), pull(b)]);
    expect(r).toEqual({ index: 1, channel: b, value: 'x', ok: true });
  });
  it('push case result has value undefined, ok true', async () => {
    const a = new Channel<number>(1);
    const r = await select([push(a, 5)]);
    expect(r.index).toBe(0);
    expect(r.channel).toBe(a);
    expect(r.value).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(a.pullNowait()).toBe(5);
  });
  it('ok false for a pull case whose channel is closed and drained', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    a.close();
    expect(await select([pull(a)])).toMatchObject({ index: 0, value: 1, ok: true });
    expect(await select([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
    expect(selectNowait([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });
  it('parked select wakes with ok false when its pull channel closes', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(a), pull(b)]);
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    b.close();
    expect(await p).toMatchObject({ index: 1, ok: false, value: undefined });
    expect(a.stats().waitingPullers).toBe(0);
  });
  it('parked select: exactly one case commits, losers leave no trace', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const out = new Channel<number>();
    const p = select([pull(a), pull(b), push(out, 99)]);
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    expect(out.stats().waitingPushers).toBe(1);
    a.pushNowait(1);
    expect(() => b.pushNowait(2)).toThrow(); // b's case was withdrawn synchronously
    expect(() => out.pullNowait()).toThrow();
    expect(await p).toMatchObject({ index: 0, value: 1, ok: true });
    for (const c of [a, b, out]) expect(c.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
  it('parked push case commits to a later puller', async () => {
    const out = new Channel<string>();
    const p = select([push(out, 'v')]);
    expect(await out.pull()).toBe('v');
    expect(await p).toMatchObject({ index: 0, ok: true });
  });
  it('ready push case on a buffered channel commits immediately and delivers once', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    for (let i = 0; i < 100; i++) {
      const r = await select([push(a, i), push(b, i)]);
      const ch = r.index === 0 ? a : b;
      const other = r.index === 0 ? b : a;
      expect(ch.pullNowait()).toBe(i);
      expect(other.size).toBe(0);
    }
  });
  it('selectNowait returns undefined when nothing ready and leaves no waiter', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.pushNowait(1);
    const c = new Channel<number>(1);
    c.pushNowait(1);
    expect(selectNowait([pull(a), push(b, 2), push(c, 3)])).toBeUndefined();
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
    expect(b.size).toBe(1);
  });
  it('selectNowait on an unbuffered channel succeeds exactly when a partner waits', async () => {
    const a = new Channel<number>();
    const p = a.push(4);
    expect(selectNowait([pull(a)])).toMatchObject({ index: 0, value: 4, ok: true });
    await p;
    const q = a.pull();
    expect(selectNowait([push(a, 5)])).toMatchObject({ index: 0, ok: true });
    expect(await q).toBe(5);
  });
  it('selectNowait with an empty list returns undefined; select rejects TypeError', async () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
    expect(await rejection(select([]))).toBeInstanceOf(TypeError);
    expect(await rejection(select([null, undefined]))).toBeInstanceOf(TypeError);
  });
  it('null/undefined entries are skipped and keep their index (nil channel)', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(3);
    const r = await select([null, undefined, pull(a)]);
    expect(r).toMatchObject({ index: 2, value: 3, ok: true });
  });
  it('cases that are not arrays / malformed entries are TypeErrors (rejection, not throw)', async () => {
    const p = select(42 as unknown as SelectCase[]);
    expect(await rejection(p)).toBeInstanceOf(TypeError);
    expect(await rejection(select([{} as SelectCase]))).toBeInstanceOf(TypeError);
    expect(
      thrown(() => selectNowait([{ kind: 'pull', channel: new Channel() } as unknown as SelectCase])),
    ).toBeInstanceOf(TypeError);
  });
  it('one array of cases may serve many selects (immutable descriptors)', async () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 10; i++) a.pushNowait(i);
    const cases = [pull(a)] as const;
    const snapshot = JSON.stringify(cases.map((c) => ({ kind: c.kind })));
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await select(cases);
      if (r.ok) got.push(r.value);
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(JSON.stringify(cases.map((c) => ({ kind: c.kind })))).toBe(snapshot);
    const out = new Channel<string>(3);
    const pc = [push(out, 'same')];
    await select(pc);
    await select(pc);
    selectNowait(pc);
    expect(await out.pullMany(3)).toEqual(['same', 'same', 'same']);
  });
  it('stats count a parked select on each channel it waits on', () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a), push(b, 1), pull(b)], { signal: ac.signal });
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    ac.abort();
    return rejection(p).then(() => {
      expect(a.stats().waitingPullers).toBe(0);
      expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      expect(abortListeners(ac.signal)).toBe(0);
    });
  });
});

describe('select closing', () => {
  it('push case on a closed channel at call: select rejects ChannelClosedError; selectNowait throws', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const closed = new Channel<number>(1, { name: 'shut' });
    closed.close();
    // even though the pull case is ready, deterministic rejection
    for (let i = 0; i < 20; i++) {
      const e = (await rejection(select([pull(a), push(closed, 2)]))) as ChannelClosedError;
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.channel).toBe(closed);
      expect(e.message).toContain('"shut"');
      expect(e.message).toContain('select');
    }
    expect(a.size).toBe(1); // nothing committed
    const e2 = thrown(() => selectNowait([pull(a), push(closed, 2)])) as ChannelClosedError;
    expect(e2).toBeInstanceOf(ChannelClosedError);
    expect(e2.message).toContain('selectNowait');
    expect(a.size).toBe(1);
  });
  it('push case whose channel closes while the select waits: rejects ChannelClosedError, no waiter left', async () => {
    const a = new Channel<number>();
    const out = new Channel<number>();
    const p = select([pull(a), push(out, 1)]);
    out.close('r');
    const e = (await rejection(p)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('r');
    expect(a.stats().waitingPullers).toBe(0);
    a.close();
  });
  it('select parked with push and pull on the same channel rejects on close (README decision)', async () => {
    const c = new Channel<number>();
    const p = select([pull(c), push(c, 1)]);
    c.close();
    expect(await rejection(p)).toBeInstanceOf(ChannelClosedError);
  });
  it('a drained-closed pull case wins over waiting forever on other cases', async () => {
    const never = new Channel<number>();
    const done = new Channel<number>();
    done.close();
    for (let i = 0; i < 10; i++) expect(await select([pull(never), pull(done)])).toMatchObject({ index: 1, ok: false });
    expect(never.stats().waitingPullers).toBe(0);
  });
});

describe('select cancellation', () => {
  it('already aborted signal rejects with reason even if a case is ready; nothing committed', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const closed = new Channel<number>(1);
    closed.close();
    const reason = new Error('pre');
    expect(await rejection(select([pull(a)], { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(await rejection(select([push(closed, 1)], { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(a.size).toBe(1);
  });
  it('abort while parked: rejects with reason, no waiter, no listener', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a), push(b, 1)], { signal: ac.signal });
    const reason = new Error('cancel');
    ac.abort(reason);
    expect(await rejection(p)).toBe(reason);
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
    expect(abortListeners(ac.signal)).toBe(0);
    // nothing was delivered into b
    expect(b.tryPull()).toBeUndefined();
  });
  it('abort after commit does not undo it', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a)], { signal: ac.signal });
    a.pushNowait(1);
    ac.abort();
    expect(await p).toMatchObject({ index: 0, value: 1 });
  });
  it('a timeout expressed as after() is just a case', async () => {
    const replies = new Channel<string>();
    const r = await select([pull(replies), pull(after(5))]);
    expect(r.index).toBe(1);
    expect(r.ok).toBe(true);
    expect(typeof r.value).toBe('number');
    expect(replies.stats().waitingPullers).toBe(0);
  });
});

describe('select self-matching and meeting', () => {
  it('never matches its own push with its own pull on the same unbuffered channel', async () => {
    const c = new Channel<number>();
    const ac = new AbortController();
    const p = track(select([push(c, 1), pull(c)], { signal: ac.signal }));
    await settle();
    expect(p.outcome.state).toBe('pending');
    expect(selectNowait([push(c, 2), pull(c)])).toBeDefined(); // a second select meets it
    await settle();
    expect(p.outcome.state).toBe('fulfilled');
    ac.abort();
  });
  it('two selects on opposite ends of an unbuffered channel meet', async () => {
    const c = new Channel<number>();
    const x = select([push(c, 42)]);
    const y = await select([pull(c)]);
    expect(y).toMatchObject({ value: 42, ok: true });
    await x;
  });
  it('push case on a drop-mode channel is always ready', async () => {
    const never = new Channel<number>();
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const d = new Channel<number>(1, { overflow });
      d.pushNowait(0);
      for (let i = 0; i < 20; i++) expect(await select([pull(never), push(d, i)])).toMatchObject({ index: 1 });
      expect(selectNowait([push(d, 100)])).toMatchObject({ index: 0 });
      expect(d.pullNowait()).toBe(overflow === 'drop-oldest' ? 100 : 0);
    }
    expect(never.stats().waitingPullers).toBe(0);
  });
});

describe('Go expectations', () => {
  it('fairness: uniform choice among two ready pull cases (selectNowait)', () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    const b = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 4000;
    for (let i = 0; i < N; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
    }
    const counts = [0, 0];
    for (let i = 0; i < N; i++) counts[selectNowait([pull(a), pull(b)])!.index]!++;
    // binomial sd ≈ 32: ±400 is > 12 sd
    expect(counts[0]).toBeGreaterThan(N / 2 - 400);
    expect(counts[1]).toBeGreaterThan(N / 2 - 400);
  });
  it('fairness: uniform among three ready cases with async select, incl. push cases', async () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    const b = new Channel<number>(Number.POSITIVE_INFINITY);
    const out = new Channel<number>(Number.POSITIVE_INFINITY);
    const N = 3000;
    for (let i = 0; i < N; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
    }
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) counts[(await select([pull(a), null, pull(b), push(out, i)])).index]!++;
    expect(counts[1]).toBe(0);
    for (const k of [0, 2, 3]) {
      expect(counts[k]).toBeGreaterThan(N / 3 - 300);
      expect(counts[k]).toBeLessThan(N / 3 + 300);
    }
    // nothing lost or duplicated
    expect(a.size + b.size + counts[0]! + counts[2]!).toBe(2 * N);
    expect(out.size).toBe(counts[3]);
  });
  it('pseudo-random send: two push cases on the same channel parked, chosen uniformly', async () => {
    const c = new Channel<string>();
    const N = 600;
    let A = 0;
    for (let i = 0; i < N; i++) {
      const s = select([push(c, 'A'), push(c, 'B')]);
      const v = await c.pull();
      if (v === 'A') A++;
      await s;
    }
    expect(A).toBeGreaterThan(N / 2 - 120);
    expect(A).toBeLessThan(N / 2 + 120);
  });
  it('fairness when both cases become ready while parked (first ready wins, no starvation across rounds)', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) {
      // both ready before select: random
      a.pushNowait(1);
      b.pushNowait(2);
      const r = await select([pull(a), pull(b)]);
      counts[r.index]!++;
      (r.index === 0 ? b : a).pullNowait();
    }
    expect(Math.min(...counts)).toBeGreaterThan(100);
  });
  it('nil-like never-ready case: a null case never fires, the other always does', async () => {
    const ready = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 50; i++) ready.pushNowait(i);
    for (let i = 0; i < 50; i++) expect((await select([null, pull(ready)])).index).toBe(1);
    // a select with only nil cases would block forever in Go; here it is a TypeError
    expect(await rejection(select([null]))).toBeInstanceOf(TypeError);
  });
  it('closing with parked pushers and pullers via select loop (Go nil idiom with drain after close)', async () => {
    const letters = new Channel<string>(3);
    const digits = new Channel<string>(3);
    for (const c of 'abc') letters.pushNowait(c);
    for (const d of '12') digits.pushNowait(d);
    letters.close();
    digits.close();
    let cases: [PullCase<string> | null, PullCase<string> | null] = [pull(letters), pull(digits)];
    let received = '';
    while (cases[0] !== null || cases[1] !== null) {
      const result = await select(cases);
      if (result.ok) received += result.value;
      else cases = result.index === 0 ? [null, cases[1]] : [cases[0], null];
    }
    expect([...received].sort().join('')).toBe('12abc');
    expect(received.replace(/\d/g, '')).toBe('abc');
    expect(received.replace(/\D/g, '')).toBe('12');
  });
  it('many producers via select, one consumer: nothing lost or duplicated, per-producer order', async () => {
    const chans = [new Channel<number>(), new Channel<number>(2), new Channel<number>(5)];
    const producers = chans.map(async (c, k) => {
      for (let i = 0; i < 200; i++) await c.push(k * 1000 + i);
      c.close();
    });
    let cases: (PullCase<number> | null)[] = chans.map((c) => pull(c));
    const got: number[] = [];
    while (cases.some((c) => c !== null)) {
      const r = await select(cases);
      if (r.ok) got.push(r.value);
      else cases = cases.map((c, i) => (i === r.index ? null : c));
    }
    await Promise.all(producers);
    expect(got.length).toBe(600);
    for (let k = 0; k < 3; k++) {
      const mine = got.filter((v) => Math.floor(v / 1000) === k);
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => k * 1000 + i));
    }
  });
  it('select and plain pull compete for values: each value exactly once', async () => {
    const c = new Channel<number>();
    const other = new Channel<number>();
    const got: number[] = [];
    const consumers = [
      (async () => {
        for (;;) {
          const r = await select([pull(c), pull(other)]);
          if (!r.ok) return;
          got.push(r.value);
        }
      })(),
      (async () => {
        for await (const v of c) got.push(v);
      })(),
    ];
    for (let i = 0; i < 300; i++) await c.push(i);
    c.close();
    await Promise.all(consumers);
    other.close();
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe('select types', () => {
  it('narrows value by index for a tuple of cases', async () => {
    const nums = new Channel<number>(1);
    const strs = new Channel<string>();
    nums.pushNowait(1);
    const r = await select([pull(nums), pull(strs), push(strs, 'x')]);
    if (r.index === 0) {
      if (r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
      else expectTypeOf(r.value).toEqualTypeOf<undefined>();
    } else if (r.index === 1) {
      if (r.ok) expectTypeOf(r.value).toEqualTypeOf<string>();
    } else {
      expectTypeOf(r.index).toEqualTypeOf<2>();
      expectTypeOf(r.value).toEqualTypeOf<undefined>();
    }
    expectTypeOf(r.index).toEqualTypeOf<0 | 1 | 2>();
    const cases = [pull(nums), pull(strs)] as const;
    const r2 = selectNowait(cases);
    if (r2 !== undefined && r2.index === 1 && r2.ok) expectTypeOf(r2.value).toEqualTypeOf<string>();
    expectTypeOf(pull(nums)).toEqualTypeOf<PullCase<number>>();
    expectTypeOf(push(strs, 'y')).toEqualTypeOf<PushCase<string>>();
    // @ts-expect-error pushing a number into a string channel
    push(strs, 1);
    // @ts-expect-error an object literal is not a case
    void select([{ kind: 'pull', channel: nums }]).catch(() => undefined);
    expect(r.index).toBe(0);
    nums.close();
    strs.close();
  });
  it('a list of unknown length gives value unknown (no any)', async () => {
    const nums = new Channel<number>(1);
    nums.pushNowait(1);
    const list: SelectCase[] = [pull(nums)];
    const r = await select(list);
    expectTypeOf(r.value).toBeUnknown();
    expectTypeOf(r.index).toEqualTypeOf<number>();
    expect(r.value).toBe(1);
  });
});
