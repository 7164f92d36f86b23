/**
 * Audit BK-select: Go's own select tests ported (runtime/chan_test.go: TestSelfSelect,
 * TestSelectDuplicateChannel, TestSelectStress,
 * TestNonblockRecvRace), self-select, and selects over merged, broadcast, `from` and timer
 * channels (after/ticker on vitest's fake timers).
 */
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { flush, track } from '../helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

function stillEmpty(...channels: { stats(): { waitingPushers: number; waitingPullers: number } }[]): void {
  for (const ch of channels) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
}

describe('self-select: a select never matches its own push case with its own pull case', () => {
  it('a select with a push and a pull case on one unbuffered channel, alone, stays parked (selectNowait answers undefined)', async () => {
    const c = new Channel<number>();
    expect(selectNowait([push(c, 1), pull(c)])).toBeUndefined();
    const s = track(select([push(c, 1), pull(c)]));
    await flush();
    expect(s.current.status).toBe('pending');
    expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    // someone else's pull meets its push case
    expect(c.pullNowait()).toBe(1);
    await flush();
    expect(s.current).toEqual({ status: 'fulfilled', value: { index: 0, channel: c, value: undefined, ok: true } });
    stillEmpty(c);
  });

  it("a parked self-select is met on its pull case by someone else's push", async () => {
    const c = new Channel<number>();
    const s = select([push(c, 1), pull(c)]);
    await flush();
    c.pushNowait(2);
    expect(await s).toEqual({ index: 1, channel: c, value: 2, ok: true });
    stillEmpty(c);
  });

  it('two such selects meet each other: one pushes, the other pulls its value', async () => {
    for (let i = 0; i < 100; i++) {
      const c = new Channel<string>();
      const first = select([push(c, 'first'), pull(c)]);
      const second = await select([push(c, 'second'), pull(c)]);
      const firstResult = await first;
      expect(firstResult.index).not.toBe(second.index);
      if (second.index === 1) expect(second.value).toBe('first');
      else expect(firstResult.value).toBe('second');
      stillEmpty(c);
    }
  });

  for (const capacity of [0, 10]) {
    it(`TestSelfSelect (capacity ${capacity}): two loops of 1000 push-or-pull selects on one channel finish${capacity === 0 ? ' and never receive their own value' : ''}`, async () => {
      const c = new Channel<number>(capacity);
      const selfReceives = [0, 0];
      const loops = [0, 1].map(async (p) => {
        for (let i = 0; i < 1000; i++) {
          const cases = p === 0 || i % 2 === 0 ? ([push(c, p), pull(c)] as const) : ([pull(c), push(c, p)] as const);
          const result = await select(cases);
          if (result.channel === c && cases[result.index]!.kind === 'pull' && result.value === p) selfReceives[p]!++;
        }
      });
      await Promise.all(loops);
      if (capacity === 0) expect(selfReceives).toEqual([0, 0]);
      // every value pushed was pulled, or is still buffered
      expect(c.stats().waitingPushers + c.stats().waitingPullers).toBe(0);
    });
  }

  it('two selects in a cycle (push a / pull b against push b / pull a) commit exactly one transfer', async () => {
    for (let i = 0; i < 200; i++) {
      const a = new Channel<string>();
      const b = new Channel<string>();
      const s1 = select([push(a, 'x'), pull(b)]);
      const r2 = selectNowait([push(b, 'y'), pull(a)])!;
      const r1 = await s1;
      if (r2.index === 0) expect(r1).toEqual({ index: 1, channel: b, value: 'y', ok: true });
      else expect(r1).toEqual({ index: 0, channel: a, value: undefined, ok: true });
      if (r2.index === 1) expect(r2.value).toBe('x');
      stillEmpty(a, b);
    }
  });
});

describe("Go's select tests, ported", () => {
  it("TestSelectDuplicateChannel: a select parked twice on one channel and woken by another leaves that channel's queue intact", async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const e = new Channel<number>();
    const a = (async () => {
      const result = await select([pull(c), pull(c), pull(d)]);
      await e.push(9);
      return result;
    })();
    await flush();
    const b = c.pull(); // goroutine B, queued on c after A
    await flush();
    expect(c.stats().waitingPullers).toBe(3);
    await d.push(7); // wakes A, which dequeues itself from c
    expect(await e.pull()).toBe(9);
    expect(await a).toEqual({ index: 2, channel: d, value: 7, ok: true });
    expect(c.stats().waitingPullers).toBe(1);
    await c.push(8); // wakes B
    expect(await b).toBe(8);
    stillEmpty(c, d, e);
  });

  it('TestSelectStress: plain senders/receivers and a sending and a receiving select loop on 4 channels deliver every value exactly once', async () => {
    const c = [new Channel<number>(), new Channel<number>(), new Channel<number>(2), new Channel<number>(3)];
    const N = 400;
    const received: number[][] = [[], [], [], []];
    const tasks: Promise<void>[] = [];
    for (let k = 0; k < 4; k++) {
      tasks.push(
        (async () => {
          for (let i = 0; i < N; i++) await c[k]!.push(k * 10_000 + i);
        })(),
      );
      tasks.push(
        (async () => {
          for (let i = 0; i < N; i++) received[k]!.push(await c[k]!.pull());
        })(),
      );
    }
    tasks.push(
      (async () => {
        const n = [0, 0, 0, 0];
        let cases: (ReturnType<typeof push<number>> | null)[] = c.map((ch, k) => push(ch, k * 10_000 + 5_000));
        for (let i = 0; i < 4 * N; i++) {
          const { index } = await select(cases);
          n[index]!++;
          cases = cases.map((x, k) =>
            k === index ? (n[k] === N ? null : push(c[k]!, k * 10_000 + 5_000 + n[k]!)) : x,
          );
        }
      })(),
    );
    tasks.push(
      (async () => {
        const n = [0, 0, 0, 0];
        let cases: (ReturnType<typeof pull<number>> | null)[] = c.map((ch) => pull(ch));
        for (let i = 0; i < 4 * N; i++) {
          const result = await select(cases);
          expect(result.ok).toBe(true);
          received[result.index]!.push(result.value as number);
          n[result.index]!++;
          if (n[result.index] === N) cases = cases.map((x, k) => (k === result.index ? null : x));
        }
      })(),
    );
    await Promise.all(tasks);
    for (let k = 0; k < 4; k++) {
      const expected = [
        ...Array.from({ length: N }, (_, i) => k * 10_000 + i),
        ...Array.from({ length: N }, (_, i) => k * 10_000 + 5_000 + i),
      ];
      expect([...received[k]!].sort((x, y) => x - y)).toEqual(expected);
      stillEmpty(c[k]!);
      expect(c[k]!.size).toBe(0);
    }
  });

  it('TestNonblockRecvRace: a buffered value is seen by selectNowait even once the channel is closed, then ok false', () => {
    for (let i = 0; i < 100; i++) {
      const c = new Channel<number>(1);
      c.pushNowait(1);
      c.close();
      expect(selectNowait([pull(c)])).toEqual({ index: 0, channel: c, value: 1, ok: true });
      expect(selectNowait([pull(c)])).toEqual({ index: 0, channel: c, value: undefined, ok: false });
    }
  });

  it('a pull case on a channel of void distinguishes a pushed undefined (ok true) from closed (ok false)', async () => {
    const done = new Channel<void>(1);
    done.pushNowait();
    expect(await select([pull(done)])).toEqual({ index: 0, channel: done, value: undefined, ok: true });
    done.close();
    expect(await select([pull(done), null])).toEqual({ index: 0, channel: done, value: undefined, ok: false });
  });
});

describe('exactly one commit against batch and relay operations', () => {
  it('pullMany facing a parked select with two push cases on one channel takes exactly one of them', async () => {
    for (let i = 0; i < 50; i++) {
      const c = new Channel<string>();
      const s = select([push(c, 'A'), push(c, 'B')]);
      await flush(2);
      const got = await c.pullMany(10);
      const result = await s;
      expect(got).toEqual([result.index === 0 ? 'A' : 'B']);
      stillEmpty(c);
    }
  });

  it('pushAll facing a parked select with two pull cases and a plain pull gives the select one value and the plain pull the next', async () => {
    const c = new Channel<number>();
    const s = select([pull(c), pull(c)]);
    const plain = c.pull();
    await flush();
    const all = track(c.pushAll([1, 2, 3]));
    expect((await s).value).toBe(1);
    expect(await plain).toBe(2);
    await flush();
    expect(all.current.status).toBe('pending');
    expect(c.pullNowait()).toBe(3);
  });

  it('a select push case parked behind a plain push on a full buffer moves into it in FIFO order', async () => {
    const c = new Channel<string>(1);
    c.pushNowait('head');
    const p1 = c.push('P1');
    const s = track(select([push(c, 'S'), pull(new Channel<string>())]));
    const p2 = c.push('P2');
    await flush();
    const values: string[] = [];
    for (let i = 0; i < 4; i++) values.push(await c.pull());
    expect(values).toEqual(['head', 'P1', 'S', 'P2']);
    await Promise.all([p1, p2]);
    expect(s.current.status).toBe('fulfilled');
  });

  it('parked selects are served FIFO by a channel: the select that parked first gets the first value', async () => {
    const c = new Channel<number>();
    const other = new Channel<number>();
    const first = track(select([pull(other), pull(c)]));
    const second = track(select([pull(c), pull(other)]));
    await flush();
    c.pushNowait(1);
    await flush();
    expect(first.current).toMatchObject({ status: 'fulfilled', value: { index: 1, value: 1 } });
    expect(second.current.status).toBe('pending');
    c.pushNowait(2);
    await flush();
    expect(second.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 2 } });
    stillEmpty(c, other);
  });

  it('one array of cases passed to two concurrent selects serves both, and later in-place edits of the array do not disturb them', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const cases: (ReturnType<typeof pull<number>> | null)[] = [pull(a), pull(b)];
    const s1 = track(select(cases));
    const s2 = track(select(cases));
    await flush();
    cases[0] = null;
    cases[1] = null;
    a.pushNowait(1);
    a.pushNowait(2);
    await flush();
    expect(s1.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 1 } });
    expect(s2.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 2 } });
    stillEmpty(a, b);
  });
});

describe('selects over merged, broadcast, from and timer channels', () => {
  it('a select on a merged channel gets an input value pushed while it waits, in order, and leaves no pull of its own on the inputs', async () => {
    const x = new Channel<number>(4);
    const y = new Channel<number>(4);
    const merged = merge(x, y);
    const stop = new Channel<void>();
    const s = select([pull(merged), pull(stop)]);
    await flush();
    x.pushNowait(1);
    x.pushNowait(2);
    expect(await s).toEqual({ index: 0, channel: merged, value: 1, ok: true });
    stillEmpty(stop);
    expect(merged.stats().waitingPullers).toBe(0);
    expect(selectNowait([pull(merged), pull(stop)])).toMatchObject({ index: 0, value: 2 });
    x.close();
    y.close();
    expect(await select([pull(merged), pull(stop)])).toMatchObject({ index: 0, ok: false });
  });

  it('a select on a merged channel and on one of its inputs takes the value once, through one of them', async () => {
    for (let i = 0; i < 50; i++) {
      const x = new Channel<number>(4);
      const merged = merge(x);
      const s = select([pull(merged), pull(x)]);
      await flush();
      x.pushNowait(1);
      const result = await s;
      expect(result.value).toBe(1);
      expect(drainNow(merged).length + drainNow(x).length).toBe(0);
    }
  });

  it('two capacity-0 subscribers of one broadcast in one select: the select takes the value from one, the other keeps it (nothing lost)', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = hub.subscribe({ capacity: 0 });
    const s2 = hub.subscribe({ capacity: 0 });
    const s = select([pull(s1), pull(s2)]);
    await flush();
    await source.push(5);
    const result = await s;
    expect(result.value).toBe(5);
    const loser = result.index === 0 ? s2 : s1;
    expect(await loser.pull()).toBe(5);
    hub.close();
  });

  it('a select over two subscribers of one broadcast gets each source value once per subscriber over a loop', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const subs = [hub.subscribe({ capacity: 2 }), hub.subscribe({ capacity: 2 })];
    const producer = (async () => {
      for (let i = 0; i < 20; i++) await source.push(i);
      source.close();
    })();
    const got: number[][] = [[], []];
    let cases: (ReturnType<typeof pull<number>> | null)[] = subs.map((x) => pull(x));
    while (cases.some((x) => x !== null)) {
      const r = await select(cases);
      if (r.ok) got[r.index]!.push(r.value as number);
      else cases = cases.map((x, k) => (k === r.index ? null : x));
    }
    await producer;
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(got).toEqual([all, all]);
  });

  it('a select over several from(iterable) channels reads exactly one source per value taken', async () => {
    const reads = [0, 0, 0];
    function* source(k: number) {
      for (let i = 0; ; i++) {
        reads[k]!++;
        yield k * 100 + i;
      }
    }
    const chans = [from(source(0)), from(source(1)), from(source(2))];
    const taken = [0, 0, 0];
    for (let i = 0; i < 300; i++) {
      const r = await select(chans.map((c) => pull(c)));
      expect(r.value).toBe(r.index * 100 + taken[r.index]!);
      taken[r.index]!++;
      expect(reads.reduce((a, b) => a + b, 0)).toBe(i + 1);
    }
    expect(reads).toEqual(taken);
    for (const t of taken) expect(t).toBeGreaterThan(50); // not starved (expected 100 each)
    for (const c of chans) c.close();
  });

  it('a select loop over two from(async generator) channels receives every value of both, in order, none lost or doubled', async () => {
    async function* source(k: number) {
      for (let i = 0; i < 30; i++) yield k * 100 + i;
    }
    const chans = [from(source(0)), from(source(1))];
    const got: number[][] = [[], []];
    let cases: (ReturnType<typeof pull<number>> | null)[] = chans.map((c) => pull(c));
    while (cases.some((c) => c !== null)) {
      const r = await select(cases);
      if (r.ok) got[r.index]!.push(r.value as number);
      else cases = cases.map((c, k) => (k === r.index ? null : c));
    }
    expect(got).toEqual([0, 1].map((k) => Array.from({ length: 30 }, (_, i) => k * 100 + i)));
  });

  it('pull(after(ms)) is a timeout case: it wins once fake time reaches ms, with Date.now(), and the data case leaves no waiter', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const data = new Channel<string>();
    const s = track(select([pull(data), pull(afterMs(50))]));
    await flush();
    vi.advanceTimersByTime(49);
    await flush();
    expect(s.current.status).toBe('pending');
    vi.advanceTimersByTime(1);
    await flush();
    expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 1, value: 1_050, ok: true } });
    stillEmpty(data);
  });

  it('a data case that wins leaves no waiter on the after channel, whose later value stays for a later select and then reads closed', async () => {
    vi.useFakeTimers({ now: 0 });
    const data = new Channel<string>(1);
    const timeout = afterMs(10);
    data.pushNowait('reply');
    expect(await select([pull(data), pull(timeout)])).toMatchObject({ index: 0, value: 'reply' });
    expect(timeout.stats().waitingPullers).toBe(0);
    vi.advanceTimersByTime(10);
    expect(selectNowait([pull(data), pull(timeout)])).toMatchObject({ index: 1, value: 10, ok: true });
    expect(selectNowait([pull(data), pull(timeout)])).toMatchObject({ index: 1, ok: false });
  });

  it('a select loop with a fresh after per turn takes every data value and times out when data stops, leaving no waiter', async () => {
    vi.useFakeTimers({ now: 0 });
    const data = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) data.pushNowait(i);
    const got: number[] = [];
    let timedOut = false;
    const loop = (async () => {
      while (!timedOut) {
        const timeout = afterMs(100);
        const r = await select([pull(data), pull(timeout)]);
        timeout.close();
        if (r.index === 0) got.push(r.value as number);
        else timedOut = true;
      }
    })();
    await flush(50);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(timedOut).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await loop;
    expect(timedOut).toBe(true);
    stillEmpty(data);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('two selects parked on one after channel: one gets the timestamp, the other fires with ok false as the channel closes', async () => {
    vi.useFakeTimers({ now: 0 });
    const timeout = afterMs(5);
    const first = track(select([pull(timeout), pull(new Channel<number>())]));
    const second = track(select([pull(timeout)]));
    await flush();
    expect(timeout.stats().waitingPullers).toBe(2);
    vi.advanceTimersByTime(5);
    await flush();
    expect(first.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 5, ok: true } });
    expect(second.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: undefined, ok: false } });
    stillEmpty(timeout);
  });

  it('a ticker case and a stop case in a select loop: ticks arrive per period until stop wins', async () => {
    vi.useFakeTimers({ now: 0 });
    const tick = ticker(10);
    const stop = new Channel<void>();
    const ticks: number[] = [];
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(tick), pull(stop)]);
        if (r.index === 1) return;
        ticks.push(r.value as number);
      }
    })();
    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(10);
    expect(ticks).toEqual([10, 20, 30]);
    stop.close();
    await loop;
    tick.close();
    stillEmpty(tick, stop);
    expect(vi.getTimerCount()).toBe(0);
  });

  for (const multi of [false, true]) {
    it(`fromEvent(target, type, { signal }) sharing the signal of a ${multi ? 'multi' : 'one'}-case select: the abort rejects the select with the reason instead of firing ok false`, async () => {
      const controller = new AbortController();
      const target = new EventTarget();
      const events = fromEvent(target, 'ping', { signal: controller.signal });
      const cases = multi ? [pull(events), pull(new Channel<number>())] : [pull(events)];
      const s = track(select(cases, { signal: controller.signal }));
      await flush();
      expect(events.stats().waitingPullers).toBe(1);
      controller.abort('gone');
      await flush();
      expect(s.current).toEqual({ status: 'rejected', reason: 'gone' });
      expect(events.closed).toBe(true);
      stillEmpty(events);
    });
  }

  it('an event dispatched while a select waits on fromEvent and another channel wins that select, leaving nothing on the other', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping');
    const other = new Channel<number>();
    const s = select([pull(other), pull(events)]);
    await flush();
    const event = new Event('ping');
    target.dispatchEvent(event);
    expect(await s).toEqual({ index: 1, channel: events, value: event, ok: true });
    stillEmpty(other, events);
    events.close();
  });

  it('after(ms, { signal }) sharing the select signal: an abort rejects the select with the reason', async () => {
    const controller = new AbortController();
    const data = new Channel<number>();
    const s = track(
      select([pull(data), pull(afterMs(1_000_000, { signal: controller.signal }))], { signal: controller.signal }),
    );
    await flush();
    controller.abort('cancel');
    await flush();
    expect(s.current).toEqual({ status: 'rejected', reason: 'cancel' });
    stillEmpty(data);
  });
});
