/**
 * Audit BE-core: `select`, `selectNowait`, `pull`/`push` cases (SPEC "`select`").
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { flush, rejection, thrown, watch } from './helpers.js';

describe('select commits exactly one case', () => {
  it('resolves with { index, channel, value, ok } for a pull case', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('hi');
    const r = await select([pull(a), pull(b)]);
    expect(r).toEqual({ index: 1, channel: b, value: 'hi', ok: true });
  });

  it('resolves with value undefined and ok true for a push case', async () => {
    const a = new Channel<number>(1);
    const r = await select([push(a, 5)]);
    expect(r.index).toBe(0);
    expect(r.channel).toBe(a);
    expect(r.value).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(a.pullNowait()).toBe(5);
  });

  it('ok is false only for a pull case whose channel is closed and drained', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    c.close();
    expect(await select([pull(c)])).toMatchObject({ value: 1, ok: true });
    expect(await select([pull(c)])).toEqual({ index: 0, channel: c, value: undefined, ok: false });
  });

  it('when two ready cases exist only one commits: the other value stays', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    a.pushNowait(1);
    b.pushNowait(2);
    const r = await select([pull(a), pull(b)]);
    expect(a.size + b.size).toBe(1);
    expect(r.value).toBe(r.index === 0 ? 1 : 2);
  });

  it('a parked select: the first commit wins, the other channels keep no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const s = select([pull(a), pull(b), push(c, 9)]);
    await flush();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    expect(c.stats().waitingPushers).toBe(1);
    b.pushNowait(2);
    expect(() => a.pushNowait(1)).toThrow(); // nobody waits on a any more
    expect(c.tryPull()).toBeUndefined(); // the push case is withdrawn: 9 not delivered
    expect(await s).toMatchObject({ index: 1, value: 2, ok: true });
    expect([a.stats(), b.stats(), c.stats()].map((st) => st.waitingPullers + st.waitingPushers)).toEqual([0, 0, 0]);
  });

  it('a parked select with pull cases on buffered channels: two pushes in one tick, one goes to the select', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const s = select([pull(a), pull(b)]);
    a.pushNowait(1);
    b.pushNowait(2);
    expect(await s).toMatchObject({ index: 0, value: 1 });
    expect(a.size).toBe(0);
    expect(b.size).toBe(1);
  });

  it('a parked push case commits when a puller arrives; its value is delivered exactly once', async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const s = select([push(a, 'A'), push(b, 'B')]);
    await flush();
    expect(await a.pull()).toBe('A');
    expect(await s).toMatchObject({ index: 0, ok: true, value: undefined });
    expect(b.tryPull()).toBeUndefined();
    expect(b.stats().waitingPushers).toBe(0);
  });
});

describe('fairness: the winner among ready cases is uniform', () => {
  it('three ready pull cases win about a third each', async () => {
    const counts = [0, 0, 0];
    const chans = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
    const cases = chans.map((c) => pull(c));
    for (let i = 0; i < 3000; i++) {
      for (const c of chans) if (c.size === 0) c.pushNowait(i);
      const r = selectNowait(cases)!;
      counts[r.index]!++;
    }
    for (const n of counts) expect(n).toBeGreaterThan(850);
    for (const n of counts) expect(n).toBeLessThan(1150);
  });

  it('the first listed ready case is not favoured by select (async) either', async () => {
    const counts = [0, 0];
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    for (let i = 0; i < 1000; i++) {
      if (a.size === 0) a.pushNowait(i);
      if (b.size === 0) b.pushNowait(i);
      const r = await select([pull(a), pull(b)]);
      counts[r.index]!++;
    }
    expect(counts[0]).toBeGreaterThan(400);
    expect(counts[1]).toBeGreaterThan(400);
  });

  it('a push case on a drop-mode channel is always ready, and wins uniformly against another ready case', () => {
    const drop = new Channel<number>(1, { overflow: 'drop-newest' });
    drop.pushNowait(0); // full
    const other = new Channel<number>(1);
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) {
      if (other.size === 0) other.pushNowait(i);
      const r = selectNowait([push(drop, i), pull(other)])!;
      expect(r).toBeDefined();
      counts[r.index]!++;
    }
    expect(counts[0]).toBeGreaterThan(400);
    expect(counts[1]).toBeGreaterThan(400);
    expect(selectNowait([push(drop, 1)])).toMatchObject({ index: 0, ok: true });
  });

  it('a closed channel’s pull case is as ready as a value: chosen about half the time', () => {
    const closed = new Channel<number>();
    closed.close();
    const ready = new Channel<number>(1);
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) {
      if (ready.size === 0) ready.pushNowait(i);
      counts[selectNowait([pull(closed), pull(ready)])!.index]!++;
    }
    expect(counts[0]).toBeGreaterThan(400);
    expect(counts[1]).toBeGreaterThan(400);
  });

  it('only the ready case is chosen when the others are not ready', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    const c = new Channel<number>();
    for (let i = 0; i < 50; i++) {
      b.pushNowait(i);
      expect((await select([pull(a), pull(b), pull(c)])).index).toBe(1);
    }
  });
});

describe('losing cases leave no trace', () => {
  it('a losing push case on a channel with room delivers nothing; a losing pull case consumes nothing', async () => {
    let pushWins = 0;
    for (let i = 0; i < 300; i++) {
      const src = new Channel<number>(1);
      src.pushNowait(i);
      const dst = new Channel<number>(1);
      const r = await select([pull(src), push(dst, i)]);
      if (r.index === 0) {
        expect(dst.size).toBe(0);
        expect(src.size).toBe(0);
      } else {
        pushWins++;
        expect(src.size).toBe(1);
        expect(dst.pullNowait()).toBe(i);
      }
    }
    expect(pushWins).toBeGreaterThan(100);
    expect(pushWins).toBeLessThan(200);
  });
});

describe('duplicate channels in one select', () => {
  it('two pull cases on the same channel consume one value, either index may win', async () => {
    const c = new Channel<number>(2);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      c.pushNowait(i);
      c.pushNowait(i + 1000);
      const r = await select([pull(c), pull(c)]);
      seen.add(r.index);
      expect(r.value).toBe(i);
      expect(c.size).toBe(1);
      c.pullNowait();
    }
    expect(seen).toEqual(new Set([0, 1]));
  });

  it('two parked push cases on one channel: a puller gets exactly one of them, both are chosen over time', async () => {
    const got = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const c = new Channel<string>();
      const s = select([push(c, 'A'), push(c, 'B')]);
      await flush(2);
      const v = await c.pull();
      got.add(v);
      const r = await s;
      expect(r.index).toBe(v === 'A' ? 0 : 1);
      expect(c.tryPull()).toBeUndefined();
      expect(c.stats().waitingPushers).toBe(0);
    }
    expect(got).toEqual(new Set(['A', 'B']));
  });

  it('a select never matches its own push case with its own pull case on the same channel', async () => {
    const c = new Channel<number>();
    const s = watch(select([push(c, 1), pull(c)]));
    await flush();
    expect(s.current.status).toBe('pending');
    expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    expect(await c.pull()).toBe(1);
    await flush();
    expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 0 } });
  });

  it('selectNowait with a push and a pull case on the same unbuffered channel returns undefined', () => {
    const c = new Channel<number>();
    expect(selectNowait([push(c, 1), pull(c)])).toBeUndefined();
  });

  it('two selects with opposite cases on one channel do meet', async () => {
    const c = new Channel<number>();
    const s1 = select([push(c, 1), pull(c)]);
    const s2 = select([push(c, 2), pull(c)]);
    const [r1, r2] = await Promise.all([s1, s2]);
    const pushes = [r1, r2].filter((r) => r.index === 0);
    const pulls = [r1, r2].filter((r) => r.index === 1);
    expect(pushes.length).toBe(1);
    expect(pulls.length).toBe(1);
  });
});

describe('null entries and empty lists', () => {
  it('null and undefined entries are skipped; indexes keep their positions', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const r = await select([null, undefined, pull(c)]);
    expect(r.index).toBe(2);
    c.pushNowait(2);
    expect(selectNowait([undefined, pull(c), null])).toMatchObject({ index: 1, value: 2 });
  });

  it('select with no case left rejects with a TypeError; selectNowait returns undefined', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null])).toBeUndefined();
  });

  it('a cases argument that is not an array is a TypeError naming select', async () => {
    const error = (await rejection(select(pull(new Channel()) as never))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('select');
    expect(thrown(() => selectNowait('x' as never))).toBeInstanceOf(TypeError);
  });

  it('a hand-made case object is refused with a TypeError', async () => {
    const c = new Channel<number>(1);
    await expect(select([{ channel: c, kind: 'pull' } as never])).rejects.toBeInstanceOf(TypeError);
    expect(() => pull({} as never)).toThrow(TypeError);
  });
});

describe('closed channels', () => {
  it('a push case on a channel closed at the call rejects with ChannelClosedError, even if another case is ready', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(7);
    for (let i = 0; i < 20; i++) {
      const error = await rejection(select([pull(ready), push(closed, 1)]));
      expect(error).toBeInstanceOf(ChannelClosedError);
    }
    expect(ready.size).toBe(1); // nothing consumed
    expect(thrown(() => selectNowait([pull(ready), push(closed, 1)]))).toBeInstanceOf(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  it('a push case whose channel closes while the select waits rejects it; other channels keep no waiter', async () => {
    const c = new Channel<number>();
    const other = new Channel<number>();
    const s = select([pull(other), push(c, 1)]);
    await flush();
    c.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('a pull case on a closed drained channel is ready: selectNowait answers ok false instead of default', () => {
    const c = new Channel<number>();
    c.close();
    const open = new Channel<number>();
    expect(selectNowait([pull(open), pull(c)])).toEqual({ index: 1, channel: c, value: undefined, ok: false });
  });

  it('a parked pull case fires with ok false when its channel closes', async () => {
    const c = new Channel<number>();
    const other = new Channel<number>();
    const s = select([pull(other), pull(c)]);
    await flush();
    c.close(new Error('why'));
    expect(await s).toMatchObject({ index: 1, ok: false, value: undefined });
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('a closed channel with buffered values still delivers them through select with ok true', async () => {
    const c = new Channel<number>(2);
    c.pushNowait(1);
    c.close();
    expect(selectNowait([pull(c)])).toMatchObject({ value: 1, ok: true });
    expect(selectNowait([pull(c)])).toMatchObject({ ok: false });
  });
});

describe('abort', () => {
  it('an already aborted signal rejects with the reason before anything, even with a closed push case', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const reason = new Error('abort');
    await expect(select([pull(ready), push(closed, 1)], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ready.size).toBe(1);
  });

  it('an abort while parked rejects with signal.reason, commits nothing, leaves no waiter or listener', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(a), push(b, 1)], { signal: ac.signal });
    await flush();
    ac.abort('bye');
    await expect(s).rejects.toBe('bye');
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
    expect(b.tryPull()).toBeUndefined();
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });

  it('abort then commit in the same tick: the select rejects, the value is not consumed', async () => {
    const a = new Channel<number>(1);
    const ac = new AbortController();
    const s = select([pull(a)], { signal: ac.signal });
    const s2 = select([pull(a), pull(new Channel<number>())], { signal: ac.signal });
    ac.abort('r');
    a.pushNowait(1);
    await expect(s).rejects.toBe('r');
    await expect(s2).rejects.toBe('r');
    expect(a.pullNowait()).toBe(1);
  });

  it('commit then abort in the same tick: the select resolves with the value', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(a), pull(b)], { signal: ac.signal });
    a.pushNowait(1);
    ac.abort('late');
    expect(await s).toMatchObject({ index: 0, value: 1 });
  });
});

describe('case descriptors', () => {
  it('one array of cases can be passed to many selects', async () => {
    const a = new Channel<number>(10);
    const b = new Channel<number>(10);
    const cases = [pull(a), push(b, 42)] as const;
    const snapshot = JSON.stringify(cases.map((c) => Object.keys(c)));
    for (let i = 0; i < 5; i++) await select(cases);
    a.pushNowait(1);
    await select(cases);
    expect(JSON.stringify(cases.map((c) => Object.keys(c)))).toBe(snapshot);
    expect(b.size + (1 - a.size)).toBeGreaterThanOrEqual(5);
    while (b.size) expect(b.pullNowait()).toBe(42);
  });

  it('the result type narrows value by index for a tuple of cases', async () => {
    const nums = new Channel<number>(1);
    const strs = new Channel<string>(1);
    strs.pushNowait('s');
    const r = await select([pull(nums), pull(strs), push(nums, 3)] as const);
    if (r.index === 0) expectTypeOf(r.value).toEqualTypeOf<number | undefined>();
    if (r.index === 1) expectTypeOf(r.value).toEqualTypeOf<string | undefined>();
    if (r.index === 2) expectTypeOf(r.value).toEqualTypeOf<undefined>();
    expect(r.index === 1 || r.index === 2).toBe(true);
  });
});

describe('stats with a parked select', () => {
  it('a select case counts on each channel it waits on', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(a), pull(a), push(a, 1)], { signal: ac.signal });
    await flush();
    expect(a.stats()).toMatchObject({ waitingPullers: 2, waitingPushers: 1 });
    ac.abort();
    await expect(s).rejects.toBeDefined();
    expect(a.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
});
