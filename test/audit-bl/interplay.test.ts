/**
 * Audit BL: `broadcast`, `ticker` and `after` together with `select`, `merge`, `pullMany`,
 * `pushAll`, `for await`, `using` and `AbortSignal` — what moves where when the pieces meet.
 * Nothing pulled from a source may be lost or duplicated; every wait must end.
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drain, drainNow } from '../helpers/drain.js';
import { flush, rejection, track } from '../helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

type Counted = { pushed?: number };

describe('pushAll into a broadcast source', () => {
  it('closed part-way: pushed counts exactly the values every subscriber received', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 3 });
    const b = hub.subscribe({ capacity: 10 });
    const all = track(source.pushAll([1, 2, 3, 4, 5, 6]));
    await flush();
    source.close(new Error('cut'));
    await flush();
    expect(all.current.status).toBe('rejected');
    const error = (all.current as { reason: Counted }).reason;
    expect(error).toBeInstanceOf(ChannelClosedError);
    const pushed = error.pushed as number;
    expect(pushed).toBe(3);
    const ra = await drain(a);
    const rb = await drain(b);
    expect(ra.values).toEqual([1, 2, 3].slice(0, pushed));
    expect(rb.values).toEqual(ra.values);
    expect((ra.error as Error).message).toBe('cut');
  });

  it('aborted part-way: pushed counts exactly what was delivered; the rest never reaches a subscriber', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const controller = new AbortController();
    const reason = new Error('stop');
    const all = track(source.pushAll([1, 2, 3, 4], { signal: controller.signal }));
    await flush();
    controller.abort(reason);
    await flush();
    expect(all.current.status).toBe('rejected');
    const error = (all.current as { reason: Counted }).reason;
    expect(error.pushed).toBe(2);
    expect(drainNow(a)).toEqual([1, 2]);
    await flush();
    expect(a.tryPull()).toBeUndefined();
    expect(source.stats().waitingPushers).toBe(0);
    hub.close();
  });
});

describe('select with subscribers', () => {
  it('select over a capacity-0 subscriber and the source itself: each value fires exactly one case, once', async () => {
    for (let round = 0; round < 40; round++) {
      const source = new Channel<number>();
      const hub = broadcast(source);
      const sub = hub.subscribe({ capacity: 0 });
      const sel = select([pull(sub), pull(source)]);
      await source.push(round);
      const r = await sel;
      expect(r.value).toBe(round);
      expect(r.ok).toBe(true);
      // The value went exactly once: not also left in the subscriber or the source.
      await flush();
      expect(sub.size).toBe(0);
      expect(source.size).toBe(0);
      expect(sub.tryPull()).toBeUndefined();
      hub.close();
    }
  });

  it('(documented) two capacity-0 subscribers in one select: one case fires; the other subscriber keeps the value for its next pull', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 0 });
    const sel = select([pull(a), pull(b)]);
    source.pushNowait(1);
    const r = await sel;
    expect(r.value).toBe(1);
    const other = r.index === 0 ? b : a;
    expect(other.size).toBe(1); // one beyond capacity, for a moment
    expect(await other.pull()).toBe(1);
    source.pushNowait(2);
    await flush();
    // Nothing more was taken while `other` had no room; now both have parked pulls again? No: neither is pulled.
    expect(source.size).toBe(1);
    hub.close();
  });

  it('selectNowait on subscribers never takes from the source for an unbuffered subscriber; buffered subscribers answer at once', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const bare = hub.subscribe({ capacity: 0 });
    expect(selectNowait([pull(bare)])).toBeUndefined();
    source.pushNowait(1);
    await flush();
    expect(selectNowait([pull(bare)])).toBeUndefined();
    expect(source.size).toBe(1);
    bare.close();
    await flush();
    const buffered = hub.subscribe({ capacity: 1 });
    expect(selectNowait([pull(buffered)])).toMatchObject({ index: 0, value: 1, ok: true });
    hub.close();
  });

  it('a select with a pull on a subscriber and an after timeout, in a loop: no value is lost when the timeout wins', async () => {
    vi.useFakeTimers({ now: 0 });
    const source = new Channel<number>(16);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const got: number[] = [];
    let timeouts = 0;
    const run = (async () => {
      while (got.length < 6) {
        using timeout = afterMs(10);
        const r = await select([pull(sub), pull(timeout)]);
        if (r.index === 0) got.push(r.value as number);
        else timeouts++;
      }
    })();
    for (let i = 0; i < 6; i++) {
      await vi.advanceTimersByTimeAsync(25); // at least one timeout between values
      source.pushNowait(i);
    }
    await vi.advanceTimersByTimeAsync(10);
    await run;
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(timeouts).toBeGreaterThanOrEqual(6);
    expect(vi.getTimerCount()).toBe(0);
    hub.close();
  });

  it('a push case into a subscriber and a pull case on it in one select never match each other', async () => {
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe({ capacity: 0 });
    const r = selectNowait([push(sub, 1), pull(sub)]);
    expect(r).toBeUndefined();
    hub.close();
  });

  it('a pull on a subscriber whose signal aborts inside an earlier abort listener that pushes into the source: the value waits for the next pull', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    const controller = new AbortController();
    let pushed: boolean | undefined;
    controller.signal.addEventListener('abort', () => {
      pushed = source.tryPush(5);
    });
    const parked = sub.pull({ signal: controller.signal });
    controller.abort('r');
    expect(await rejection(parked)).toBe('r');
    expect(pushed).toBe(false); // no room: the parked pull's signal was already aborted
    const held = source.push(6);
    expect(await sub.pull()).toBe(6);
    await held;
    hub.close();
  });
});

describe('timers as broadcast sources and merge inputs', () => {
  it('a broadcast of an after with a capacity-0 subscriber nobody reads yet: the timestamp waits, then the subscriber ends', async () => {
    vi.useFakeTimers({ now: 1000 });
    const hub = broadcast(afterMs(50));
    const sub = hub.subscribe({ capacity: 0 });
    vi.advanceTimersByTime(100);
    await flush();
    expect(sub.closed).toBe(false); // the after holds its value: not drained
    expect(await sub.pull()).toBe(1050);
    await flush();
    expect(sub.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a broadcast of a ticker with a slow block subscriber and a drop-oldest one: the fast one sees every tick of the schedule', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(10);
      const v = fast.tryPull();
      if (v !== undefined) seen.push(v);
    }
    // The slow subscriber holds 10 and the ticker holds 20 (dropped ticks after it): the broadcast
    // is held back by `slow`, so the drop subscriber is too — 'block' paces the whole hub.
    expect(slow.pullNowait()).toBe(10);
    expect(seen[0]).toBe(10);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    hub.close();
  });

  it('merge(ticker, after): merged ticks then the after value; closing the ticker ends the merge (the after closed normally)', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const merged = merge(ticks, afterMs(35));
    const values: number[] = [];
    const loop = (async () => {
      for await (const v of merged) values.push(v);
    })();
    await vi.advanceTimersByTimeAsync(39);
    ticks.close();
    await loop;
    expect(values).toEqual([10, 20, 30, 35]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('pullMany on a merge of two tickers takes at most one tick of each (each ticker holds one)', async () => {
    vi.useFakeTimers({ now: 0 });
    const a = ticker(10);
    const b = ticker(15);
    const m = merge(a, b);
    vi.advanceTimersByTime(100);
    await flush();
    const batch = await m.pullMany(10);
    expect(batch.length).toBeLessThanOrEqual(3); // the merge's slot + one in each ticker
    expect(batch).toContain(10);
    a.close();
    b.close();
    expect(vi.getTimerCount()).toBe(0);
    m.close();
  });

  it('a for await over a subscriber of a ticker, inside `using`, ended by break: the subscriber leaves and the others go on', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const keep = hub.subscribe({ capacity: 100 });
    const loop = (async () => {
      using sub = hub.subscribe();
      for await (const t of sub) if (t >= 20) break;
      return sub;
    })();
    await vi.advanceTimersByTimeAsync(30);
    const left = await loop;
    expect(left.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(drainNow(keep)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    ticks.close();
    hub.close();
  });

  it('after with the select’s own signal: aborting rejects the select with the reason, and clears the timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const data = new Channel<number>();
    const sel = select([pull(data), pull(afterMs(1000, { signal: controller.signal }))], { signal: controller.signal });
    controller.abort('bye');
    expect(await rejection(sel)).toBe('bye');
    expect(vi.getTimerCount()).toBe(0);
    expect(data.stats().waitingPullers).toBe(0);
  });

  it('AbortSignal.any([parent]) on a select and after(ms, { signal: parent }): the select either rejects with the reason or reports ok:false — never fires a value', async () => {
    vi.useFakeTimers({ now: 0 });
    const parent = new AbortController();
    const sel = select([pull(afterMs(1000, { signal: parent.signal }))], { signal: AbortSignal.any([parent.signal]) });
    parent.abort('p');
    const outcome = await sel.then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    );
    if ('r' in outcome) expect(outcome.r).toMatchObject({ ok: false, value: undefined });
    else expect(outcome.e).toBe('p');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('source closed while things are parked', () => {
  it('close while a for await, a pullMany and a select wait on three subscribers: all end, pullMany rejects with the cause', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe();
    const s3 = hub.subscribe();
    const loop = drain(s1);
    const many = s2.pullMany(4);
    const sel = select([pull(s3), pull(new Channel<number>())]);
    await source.push(1);
    // s1's loop takes 1; pullMany takes [1]; select fires with 1.
    expect(await many).toEqual([1]);
    expect((await sel).value).toBe(1);
    const many2 = s2.pullMany(4);
    const reason = new Error('src');
    source.close(reason);
    const error = (await rejection(many2)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(await loop).toEqual({ values: [1], error: reason });
    expect(await select([pull(s3)])).toMatchObject({ ok: false });
  });

  it('source closed while pushers are parked on it and every subscriber is full: pushes fail, subscribers end with their values', async () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 2 });
    await source.push(1); // taken: a [1], b [1]
    await source.push(2); // buffered in source: a is full
    const parked = [source.push(3), source.push(4)];
    source.close('end');
    for (const p of parked) expect(await rejection(p)).toBeInstanceOf(ChannelClosedError);
    // The source still holds 2: not drained, so the subscribers are not ended yet.
    await flush();
    expect(a.closed).toBe(false);
    expect(await drain(a)).toEqual({ values: [1, 2], error: 'end' });
    expect(await drain(b)).toEqual({ values: [1, 2], error: 'end' });
  });

  it('a subscriber with a pending tick-by-tick for await over a ticker source closed by its signal ends normally', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const hub = broadcast(ticker(10, { signal: controller.signal }));
    const sub = hub.subscribe({ capacity: 4 });
    const loop = drain(sub);
    await vi.advanceTimersByTimeAsync(25);
    controller.abort(new Error('not a close reason'));
    const r = await loop;
    expect(r.values).toEqual([10, 20]);
    expect(r.error).toBeUndefined(); // an aborted ticker is closed normally
    expect(vi.getTimerCount()).toBe(0);
  });
});
