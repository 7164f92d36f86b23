// Blind conformance pass (audit BO-spec): the `select` section of SPEC.md.

import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { tick, track } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('select: results', () => {
  it('a ready pull case resolves with { index, channel, value, ok: true }', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('hi');
    const r = await select([pull(a), pull(b)]);
    expect(r).toMatchObject({ index: 1, channel: b, value: 'hi', ok: true });
    expect(b.size).toBe(0);
  });

  it('a ready push case resolves with value undefined and commits the value', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(0);
    const r = await select([push(a, 5), pull(b)]);
    expect(r.index).toBe(0);
    expect(r.channel).toBe(a);
    expect(r.value).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(a.pullNowait()).toBe(5);
  });

  it('waits until one case can proceed (pull)', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([pull(a), pull(b)]));
    await tick();
    expect(s.status).toBe('pending');
    await b.push(3); // the select's pull is parked: this push commits to it
    await tick();
    expect(s.value).toMatchObject({ index: 1, channel: b, value: 3, ok: true });
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
  });

  it('waits until one case can proceed (push, rendezvous)', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([push(a, 1), push(b, 2)]));
    await tick();
    expect(s.status).toBe('pending');
    expect(a.stats().waitingPushers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    expect(b.pullNowait()).toBe(2);
    await tick();
    expect(s.value).toMatchObject({ index: 1, channel: b, ok: true });
    expect(s.value!.value).toBeUndefined();
    expect(a.stats().waitingPushers).toBe(0);
    expect(() => a.pullNowait()).toThrow(); // a's value was never delivered
  });

  it('a pull case meeting a parked pusher commits and resolves that pusher', async () => {
    const ch = new Channel<number>(0);
    const p = track(ch.push(9));
    await tick();
    const r = await select([pull(ch)]);
    expect(r).toMatchObject({ index: 0, value: 9, ok: true });
    await tick();
    expect(p.status).toBe('resolved');
  });

  it('stats count a waiting select on each of its channels', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const c = new Channel<number>(0);
    const s = track(select([pull(a), pull(b), push(c, 1)]));
    await tick();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    expect(c.stats().waitingPushers).toBe(1);
    a.pushNowait(1);
    await tick();
    expect(s.status).toBe('resolved');
    expect([a.stats().waitingPullers, b.stats().waitingPullers, c.stats().waitingPushers]).toEqual([0, 0, 0]);
  });
});

describe('select: commits exactly one case', () => {
  it('with several ready pull cases, exactly one value is consumed', async () => {
    for (let i = 0; i < 50; i++) {
      const chans = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
      for (const [j, c] of chans.entries()) c.pushNowait(j);
      const r = await select(chans.map((c) => pull(c)));
      expect(r.value).toBe(r.index);
      expect(chans.map((c) => c.size)).toEqual(chans.map((_, j) => (j === r.index ? 0 : 1)));
    }
  });

  it('with several ready push cases, exactly one value is delivered', async () => {
    for (let i = 0; i < 50; i++) {
      const chans = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
      const r = await select(chans.map((c, j) => push(c, j)));
      expect(chans.map((c) => c.size)).toEqual(chans.map((_, j) => (j === r.index ? 1 : 0)));
    }
  });

  it('a waiting select with a push case and a pull case: two partners arriving together, only one commits', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([push(a, 1), pull(b)]));
    await tick();
    const q = track(a.pull()); // commits with the select's push case
    const p = track(b.push(2)); // must now park: the select is already committed
    await tick();
    expect(s.value).toMatchObject({ index: 0, ok: true });
    expect(q.value).toBe(1);
    expect(p.status).toBe('pending');
    expect(b.stats().waitingPushers).toBe(1);
    expect(b.pullNowait()).toBe(2);
  });

  it('two partners arriving via nowait in the same turn: the second one fails', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([pull(a), pull(b)]));
    await tick();
    a.pushNowait(1);
    expect(() => b.pushNowait(2)).toThrow(); // nobody waits on b any more
    expect(b.tryPush(3)).toBe(false);
    await tick();
    expect(s.value).toMatchObject({ index: 0, value: 1 });
  });

  it('two selects waiting on the same channel: one value goes to exactly one of them', async () => {
    const ch = new Channel<number>(0);
    const other1 = new Channel<number>(0);
    const other2 = new Channel<number>(0);
    const s1 = track(select([pull(ch), pull(other1)]));
    const s2 = track(select([pull(ch), pull(other2)]));
    await tick();
    await ch.push(1);
    await tick();
    expect([s1.status, s2.status]).toEqual(['resolved', 'pending']); // FIFO among parked pullers
    await ch.push(2);
    await tick();
    expect(s2.value).toMatchObject({ index: 0, value: 2 });
  });

  it('select vs. a plain puller: FIFO order among parked pullers is kept', async () => {
    const ch = new Channel<number>(0);
    const q = track(ch.pull());
    const s = track(select([pull(ch)]));
    await tick();
    ch.pushNowait(1);
    await tick();
    expect(q.value).toBe(1);
    expect(s.status).toBe('pending');
    ch.pushNowait(2);
    await tick();
    expect(s.value).toMatchObject({ value: 2 });
  });
});

describe('select: fairness (uniform among ready cases)', () => {
  async function counts(nCases: number, trials: number, build: () => Parameters<typeof select>[0]) {
    const c = new Array<number>(nCases).fill(0);
    for (let t = 0; t < trials; t++) {
      const r = await select(build());
      c[r.index]!++;
    }
    return c;
  }

  it('two ready pull cases: each wins about half the time', async () => {
    const trials = 2000;
    const c = await counts(2, trials, () => {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.pushNowait(0);
      b.pushNowait(1);
      return [pull(a), pull(b)];
    });
    for (const n of c) {
      expect(n / trials).toBeGreaterThan(0.4);
      expect(n / trials).toBeLessThan(0.6);
    }
  });

  it('three ready cases (pull, push, pull on closed) each win about a third', async () => {
    const trials = 3000;
    const c = await counts(3, trials, () => {
      const a = new Channel<number>(1);
      a.pushNowait(0);
      const b = new Channel<number>(1);
      const closed = new Channel<number>(1);
      closed.close();
      return [pull(a), push(b, 1), pull(closed)];
    });
    for (const n of c) {
      expect(n / trials).toBeGreaterThan(0.25);
      expect(n / trials).toBeLessThan(0.42);
    }
  });

  it('the same channels reused: repeated select over two always-ready channels is fair', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    for (let i = 0; i < 2000; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
    }
    const cases = [pull(a), pull(b)] as const;
    const c = [0, 0];
    for (let i = 0; i < 2000; i++) c[(await select(cases)).index]!++;
    expect(c[0]! / 2000).toBeGreaterThan(0.4);
    expect(c[1]! / 2000).toBeGreaterThan(0.4);
    expect(a.size + b.size).toBe(2000);
  });

  it('a push case on a drop-mode channel is always ready', async () => {
    const drop = new Channel<number>(1, { overflow: 'drop-newest' });
    drop.pushNowait(0); // full
    const never = new Channel<number>(0);
    for (let i = 0; i < 20; i++) {
      const r = await select([pull(never), push(drop, i)]);
      expect(r.index).toBe(1);
    }
    expect(never.stats().waitingPullers).toBe(0);
    const r2 = selectNowait([push(new Channel<number>(1, { overflow: 'drop-oldest' }), 1)]);
    expect(r2?.index).toBe(0);
    // and it is fair against another ready case
    const trials = 1000;
    let wins = 0;
    for (let i = 0; i < trials; i++) {
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      if ((await select([push(drop, i), pull(ready)])).index === 0) wins++;
    }
    expect(wins / trials).toBeGreaterThan(0.38);
    expect(wins / trials).toBeLessThan(0.62);
  });

  it('selectNowait is fair too', () => {
    const trials = 2000;
    const c = [0, 0];
    for (let i = 0; i < trials; i++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.pushNowait(0);
      b.pushNowait(1);
      c[selectNowait([pull(a), pull(b)])!.index]!++;
    }
    expect(c[0]! / trials).toBeGreaterThan(0.4);
    expect(c[1]! / trials).toBeGreaterThan(0.4);
  });

  it('deterministic variant with Math.random seeded: still not biased to the first case', async () => {
    const rnd = seededRandom(1234);
    vi.spyOn(Math, 'random').mockImplementation(rnd);
    const trials = 1000;
    const c = [0, 0, 0, 0];
    for (let i = 0; i < trials; i++) {
      const chans = [0, 1, 2, 3].map(() => new Channel<number>(1));
      for (const ch of chans) ch.pushNowait(1);
      c[(await select(chans.map((ch) => pull(ch)))).index]!++;
    }
    for (const n of c) {
      expect(n / trials).toBeGreaterThan(0.17);
      expect(n / trials).toBeLessThan(0.33);
    }
  });
});

describe('select: null/undefined and empty lists', () => {
  it('null/undefined entries are skipped and index is the position in the list', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(7);
    const r = await select([null, undefined, pull(a)]);
    expect(r).toMatchObject({ index: 2, channel: a, value: 7, ok: true });
    a.pushNowait(8);
    expect(selectNowait([undefined, null, pull(a)])).toMatchObject({ index: 2, value: 8 });
  });

  it('no case left: select rejects with TypeError, selectNowait returns undefined', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  it('select with no case rejects (returns a rejected promise, not a sync throw)', () => {
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = select([null]);
    }).not.toThrow();
    return expect(p).rejects.toBeInstanceOf(TypeError);
  });
});

describe('select: closed channels', () => {
  it('a pull case on a closed and drained channel fires with ok false and value undefined', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const r = await select([pull(ch)]);
    expect(r).toMatchObject({ index: 0, channel: ch, ok: false });
    expect(r.value).toBeUndefined();
    expect(selectNowait([pull(ch)])).toMatchObject({ index: 0, ok: false });
  });

  it('a pull case on a closed channel with buffered values gets them with ok true first', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close('r');
    expect(await select([pull(ch)])).toMatchObject({ value: 1, ok: true });
    expect(await select([pull(ch)])).toMatchObject({ ok: false });
  });

  it('a waiting pull case fires with ok false when its channel closes', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([pull(a), pull(b)]));
    await tick();
    b.close(new Error('x'));
    await tick();
    expect(s.status).toBe('resolved');
    expect(s.value).toMatchObject({ index: 1, channel: b, ok: false });
    expect(a.stats().waitingPullers).toBe(0);
  });

  it('a push case on a channel closed at call time rejects with ChannelClosedError, deterministically', async () => {
    for (let i = 0; i < 100; i++) {
      const closed = new Channel<number>(1);
      closed.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      const err = await select([pull(ready), push(closed, 1)]).catch((e) => e);
      expect(err).toBeInstanceOf(ChannelClosedError);
      expect(ready.size).toBe(1); // no case committed
    }
  });

  it('selectNowait throws ChannelClosedError for a closed push case, deterministically', () => {
    for (let i = 0; i < 100; i++) {
      const closed = new Channel<number>(1);
      closed.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      expect(() => selectNowait([pull(ready), push(closed, 1)])).toThrow(ChannelClosedError);
      expect(ready.size).toBe(1);
    }
  });

  it('a push case whose channel closes while the select waits rejects it; no other case committed', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const s = track(select([pull(a), push(b, 1)]));
    await tick();
    b.close();
    await tick();
    expect(s.status).toBe('rejected');
    expect(s.error).toBeInstanceOf(ChannelClosedError);
    expect((s.error as ChannelClosedError).channel).toBe(b);
    expect(a.stats().waitingPullers).toBe(0);
    expect(a.tryPush(1)).toBe(false);
  });
});

describe('select: signals', () => {
  it('an already aborted signal rejects with its reason and commits nothing, even with a ready case', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const b = new Channel<number>(1);
    const reason = { stop: 1 };
    await expect(select([pull(a), push(b, 2)], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(a.size).toBe(1);
    expect(b.size).toBe(0);
  });

  it('an already aborted signal wins over a closed push case', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const reason = new Error('abort');
    await expect(select([push(closed, 1)], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('aborting while parked rejects with the reason and leaves no waiter', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const ac = new AbortController();
    const s = track(select([pull(a), push(b, 1)], { signal: ac.signal }));
    await tick();
    expect(a.stats().waitingPullers).toBe(1);
    ac.abort('gone');
    await tick();
    expect(s.status).toBe('rejected');
    expect(s.error).toBe('gone');
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
    expect(a.tryPush(1)).toBe(false);
    expect(b.tryPull()).toBeUndefined();
  });

  it('abort after a commit changes nothing', async () => {
    const a = new Channel<number>(0);
    const ac = new AbortController();
    const s = track(select([pull(a)], { signal: ac.signal }));
    await tick();
    a.pushNowait(5);
    ac.abort('late');
    await tick();
    expect(s.value).toMatchObject({ index: 0, value: 5 });
  });
});

describe('select: own cases on the same channel', () => {
  it('never matches its own push with its own pull (unbuffered)', async () => {
    const ch = new Channel<number>(0);
    const s = track(select([push(ch, 1), pull(ch)]));
    await tick();
    expect(s.status).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.stats().waitingPullers).toBe(1);
    expect(ch.pullNowait()).toBe(1);
    await tick();
    expect(s.value).toMatchObject({ index: 0 });
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('selectNowait with own push and pull on an unbuffered channel returns undefined', () => {
    const ch = new Channel<number>(0);
    expect(selectNowait([push(ch, 1), pull(ch)])).toBeUndefined();
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('own push then someone pushes: own pull takes the other value', async () => {
    const ch = new Channel<number>(0);
    const s = track(select([pull(ch), push(ch, 1)]));
    await tick();
    ch.pushNowait(2);
    await tick();
    expect(s.value).toMatchObject({ index: 0, value: 2, ok: true });
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('selectNowait', () => {
  it('returns undefined when nothing can proceed and leaves no trace', () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(1);
    b.pushNowait(1);
    expect(selectNowait([pull(a), push(b, 2), push(a, 3)])).toBeUndefined();
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(b.stats()).toMatchObject({ size: 1, waitingPushers: 0, waitingPullers: 0 });
  });

  it('unbuffered push case succeeds when a puller is parked', async () => {
    const a = new Channel<number>(0);
    const q = track(a.pull());
    await tick();
    expect(selectNowait([push(a, 11)])).toMatchObject({ index: 0, channel: a, ok: true });
    await tick();
    expect(q.value).toBe(11);
  });

  it('returns synchronously (not a promise)', () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const r = selectNowait([pull(a)]);
    expect(r).not.toBeInstanceOf(Promise);
    expect(r).toMatchObject({ index: 0, value: 1, ok: true });
  });
});

describe('case descriptors', () => {
  it('one array of cases may be passed to many selects', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const cases = [pull(a), push(b, 'x' as unknown as number)];
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      a.pushNowait(i);
      const r = await select(cases);
      seen.push(r.index);
    }
    // every select committed exactly one case: a pull from a, or a push into b (then a keeps its value)
    const pushes = seen.filter((i) => i === 1).length;
    expect(b.size).toBe(pushes);
    expect(a.size).toBe(pushes);
    // reuse in concurrent waits
    const c = new Channel<number>(0);
    const shared = [pull(c)];
    const s1 = track(select(shared));
    const s2 = track(select(shared));
    await tick();
    c.pushNowait(1);
    c.pushNowait(2);
    await tick();
    expect([s1.value?.value, s2.value?.value]).toEqual([1, 2]);
  });

  // SPEC-wording note (README "Semantic details"): descriptors are immutable by contract (readonly
  // types, never written by chanasync) but not Object.frozen. Assert that selects never change them.
  it('case descriptors are never written to by select/selectNowait', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(0);
    const cases = [push(a, 1), pull(b)];
    const before = cases.map((c) => ({ ...c }));
    const keys = cases.map((c) => Reflect.ownKeys(c));
    await select(cases);
    selectNowait(cases);
    const s = select(cases);
    await tick();
    b.close();
    await s.catch(() => undefined);
    expect(cases.map((c) => ({ ...c }))).toEqual(before);
    expect(cases.map((c) => Reflect.ownKeys(c))).toEqual(keys);
  });
});

describe('select: model of no loss / no duplication under random use', () => {
  it('random selects and nowait ops on 3 channels: every value pulled exactly once, FIFO per channel', async () => {
    const rnd = seededRandom(99);
    const chans = [new Channel<number>(0), new Channel<number>(1), new Channel<number>(3)];
    let next = 0;
    const pushedPer: number[][] = [[], [], []];
    const pulledPer: number[][] = [[], [], []];
    const pending: Promise<void>[] = [];
    for (let step = 0; step < 400; step++) {
      const i = Math.floor(rnd() * 3);
      const j = Math.floor(rnd() * 3);
      const kind = rnd();
      if (kind < 0.35) {
        const v = next++;
        const w = next++;
        // select between two pushes; record the committed one
        pending.push(
          select([push(chans[i]!, v), push(chans[j]!, w)]).then((r) => {
            pushedPer[r.index === 0 ? i : j]!.push(r.index === 0 ? v : w);
          }),
        );
      } else if (kind < 0.7) {
        pending.push(
          select([pull(chans[i]!), pull(chans[j]!)]).then((r) => {
            pulledPer[r.index === 0 ? i : j]!.push(r.value as number);
          }),
        );
      } else if (kind < 0.85) {
        const v = next++;
        if (chans[i]!.tryPush(v)) pushedPer[i]!.push(v);
      } else {
        const v = chans[i]!.tryPull();
        if (v !== undefined) pulledPer[i]!.push(v);
      }
      if (rnd() < 0.3) await tick();
    }
    await tick();
    // drain: keep pulling with nowait/tryPull and satisfy parked selects
    for (let round = 0; round < 2000; round++) {
      let progressed = false;
      for (let i = 0; i < 3; i++) {
        const v = chans[i]!.tryPull();
        if (v !== undefined) {
          pulledPer[i]!.push(v);
          progressed = true;
        }
        if (chans[i]!.stats().waitingPullers > 0) {
          const w = next++;
          if (chans[i]!.tryPush(w)) {
            pushedPer[i]!.push(w);
            progressed = true;
          }
        }
      }
      await tick();
      if (
        !progressed &&
        chans.every((c) => c.stats().waitingPullers === 0 && c.stats().waitingPushers === 0 && c.size === 0)
      )
        break;
    }
    await Promise.all(pending);
    for (let i = 0; i < 3; i++) {
      // Every value pushed into channel i was pulled exactly once.
      expect([...pulledPer[i]!].sort((a, b) => a - b)).toEqual([...pushedPer[i]!].sort((a, b) => a - b));
    }
  });
});
