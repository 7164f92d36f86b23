/**
 * Audit T: select and selectNowait — exactly one case commits, losers leave no trace, closed
 * push cases, nil cases, signals, fairness, and selects against batch operations.
 */
import { describe, expect, test } from 'vitest';
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from '../../src/index.js';
import { settle, track } from './helpers.js';

const clean = (...channels: Channel<any>[]) => {
  for (const ch of channels) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
};

describe('select', () => {
  test('resolves with index, channel, value and ok for a pull case; value undefined for a push case', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    a.tryPush(1);
    const r1 = await select([pull(a)]);
    expect(r1).toEqual({ index: 0, channel: a, value: 1, ok: true });
    const r2 = await select([null, push(b, 'x')]);
    expect(r2).toEqual({ index: 1, channel: b, value: undefined, ok: true });
    expect(b.tryPull()).toBe('x');
  });

  test('a parked select commits exactly one case; the others leave no waiter and consume nothing', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>(0);
    const sel = select([pull(a), pull(b), push(c, 9)]);
    expect(a.stats().waitingPullers).toBe(1);
    expect(c.stats().waitingPushers).toBe(1);
    b.pushNowait(2);
    expect(await sel).toMatchObject({ index: 1, value: 2, ok: true });
    clean(a, b, c);
    // c's value was not delivered: a pull finds nothing.
    expect(c.tryPull()).toBeUndefined();
    // a push into a fails nowaits: nobody is waiting any more.
    expect(a.tryPush(1)).toBe(false);
  });

  test('a pull case on a closed, drained channel fires with ok false and value undefined', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    a.close('r');
    const result = await select([pull(a), pull(b)]);
    expect(result).toEqual({ index: 0, channel: a, value: undefined, ok: false });
    clean(b);
  });

  test('a pull case on a closed channel that still holds values gets them with ok true first', async () => {
    const a = new Channel<number>(2);
    a.tryPush(1);
    a.close();
    expect(await select([pull(a)])).toMatchObject({ value: 1, ok: true });
    expect(await select([pull(a)])).toMatchObject({ value: undefined, ok: false });
  });

  test('a parked pull case fires with ok false when its channel closes', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const sel = select([pull(b), pull(a)]);
    a.close();
    expect(await sel).toEqual({ index: 1, channel: a, value: undefined, ok: false });
    clean(a, b);
  });

  test('a push case on a closed channel rejects the select even when another case is ready', async () => {
    const open = new Channel<number>(1);
    open.tryPush(1);
    const closed = new Channel<number>(1, { name: 'shut' });
    closed.close();
    for (let i = 0; i < 20; i++) {
      const error = await select([pull(open), push(closed, 1)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).message).toBe('select push: channel "shut" is closed');
    }
    expect(open.size).toBe(1);
    expect(() => selectNowait([pull(open), push(closed, 1)])).toThrow(ChannelClosedError);
    expect(open.size).toBe(1);
  });

  test('a parked push case whose channel closes rejects the select and releases every case', async () => {
    const target = new Channel<number>();
    const other = new Channel<number>();
    const sel = select([push(target, 1), pull(other), push(other, 2)]);
    target.close();
    await expect(sel).rejects.toBeInstanceOf(ChannelClosedError);
    clean(target, other);
  });

  test('a push case on a closed drop-mode channel rejects too (drop mode is no excuse)', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    ch.close();
    await expect(select([push(ch, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a push case on a full drop-mode channel is always ready', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.tryPush(1);
    const waiting = new Channel<number>();
    for (let i = 2; i < 30; i++) {
      const r = await select([pull(waiting), push(ch, i)]);
      expect(r.index).toBe(1);
    }
    expect(ch.tryPull()).toBe(29);
  });

  test('no case left is a TypeError for select (rejected) and undefined for selectNowait', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  test('cases that are not an array, or entries that are not cases, are TypeErrors naming select', async () => {
    const ch = new Channel<number>(1);
    const notArray = select('nope' as never);
    expect(notArray).toBeInstanceOf(Promise);
    await expect(notArray).rejects.toThrow(/select/);
    await expect(select([{ kind: 'pull', channel: ch } as never])).rejects.toThrow(/case 0 is not a case/);
    expect(() => selectNowait([{ kind: 'pull', channel: ch } as never])).toThrow(/selectNowait/);
    // A ready case does not excuse a malformed one.
    ch.tryPush(1);
    await expect(select([pull(ch), 5 as never])).rejects.toBeInstanceOf(TypeError);
    expect(ch.size).toBe(1);
  });

  test('pull() and push() refuse what is not a chanasync Channel, and push() refuses a thenable', () => {
    expect(() => pull({} as never)).toThrow(TypeError);
    expect(() => push({} as never, 1)).toThrow(TypeError);
    const ch = new Channel<unknown>(1);
    expect(() => push(ch, Promise.resolve(1))).toThrow(TypeError);
  });

  test('an already aborted signal rejects with its reason before anything, even a closed push case', async () => {
    const closed = new Channel<number>();
    closed.close();
    const ready = new Channel<number>(1);
    ready.tryPush(1);
    await expect(select([pull(ready), push(closed, 1)], { signal: AbortSignal.abort('first') })).rejects.toBe('first');
    await expect(select([pull(ready)], { signal: AbortSignal.abort('first') })).rejects.toBe('first');
    expect(ready.size).toBe(1);
  });

  test('aborting a parked select commits no case and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.tryPush(0); // full: push case parks
    const ac = new AbortController();
    const sel = select([pull(a), push(b, 1)], { signal: ac.signal });
    ac.abort('stop');
    await expect(sel).rejects.toBe('stop');
    clean(a, b);
    expect(b.tryPull()).toBe(0);
    expect(b.tryPull()).toBeUndefined();
  });

  test('aborting a parked one-case select leaves no waiter', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const sel = select([pull(a)], { signal: ac.signal });
    ac.abort('stop');
    await expect(sel).rejects.toBe('stop');
    clean(a);
  });

  test('a select never matches its own push case with its own pull case on one unbuffered channel', async () => {
    const ch = new Channel<number>();
    const sel = track(select([push(ch, 1), pull(ch)]));
    await settle();
    expect(sel.status).toBe('pending');
    expect(ch.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    expect(ch.tryPull()).toBe(1);
    await settle();
    expect(sel.value).toMatchObject({ index: 0, ok: true });
    clean(ch);
  });

  test('two selects with push and pull cases on one unbuffered channel meet', async () => {
    const ch = new Channel<number>();
    const first = select([push(ch, 1), pull(ch)]);
    const second = await select([push(ch, 2), pull(ch)]);
    const firstResult = await first;
    // One pushed into the other.
    const results = [firstResult, second].map((r) => r.index).sort();
    expect(results).toEqual([0, 1]);
    clean(ch);
  });

  test('close with a select parked on both a push and a pull case of the closing channel rejects it', async () => {
    const ch = new Channel<number>();
    const sel = select([pull(ch), push(ch, 1)]);
    ch.close();
    await expect(sel).rejects.toBeInstanceOf(ChannelClosedError);
    clean(ch);
  });

  test('the same case object used twice in one select, and one array reused by many selects', async () => {
    const ch = new Channel<number>(4);
    const c = pull(ch);
    const cases = [c, c] as const;
    const a = select(cases);
    const b = select(cases);
    expect(ch.stats().waitingPullers).toBe(4);
    ch.tryPush(1);
    ch.tryPush(2);
    expect((await a).value).toBe(1);
    expect((await b).value).toBe(2);
    clean(ch);
    expect(cases[0]).toBe(c);
    expect(c).toMatchObject({ kind: 'pull', channel: ch });
  });

  test('select pull case against a parked pullMany: FIFO among parked pulls', async () => {
    const ch = new Channel<number>(2);
    const batch = ch.pullMany(10);
    const sel = select([pull(ch), pull(new Channel<number>())]);
    ch.tryPush(1);
    ch.tryPush(2);
    expect(await batch).toEqual([1]);
    expect(await sel).toMatchObject({ index: 0, value: 2 });
  });

  test('a parked select push case is moved into the freed slot by pullMany, in FIFO order', async () => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    const sel = select([push(ch, 2), pull(new Channel<number>())]);
    const plain = ch.push(3);
    expect(await ch.pullMany(5)).toEqual([1, 2, 3]);
    expect(await sel).toMatchObject({ index: 0 });
    await plain;
  });

  test('pushAll parked behind a select push case keeps FIFO', async () => {
    const ch = new Channel<number>(1);
    ch.tryPush(0);
    const sel = select([push(ch, 1)]);
    const all = ch.pushAll([2, 3]);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push(await ch.pull());
    await Promise.all([sel, all]);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  test('the winner among ready cases is uniform, also with null entries and unready cases in between', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const c = new Channel<number>(Infinity);
    const never = new Channel<number>();
    const counts = [0, 0, 0, 0, 0, 0];
    const n = 6000;
    for (let i = 0; i < n; i++) {
      a.tryPush(i);
      b.tryPush(i);
      c.tryPush(i);
      const cases: (SelectCase | null)[] = [null, pull(a), pull(never), null, pull(b), pull(c)];
      const r = selectNowait(cases) as { index: number };
      counts[r.index] = (counts[r.index] as number) + 1;
      // Empty the others again.
      for (const ch of [a, b, c]) ch.tryPull();
    }
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    expect(counts[3]).toBe(0);
    for (const i of [1, 4, 5]) {
      // Expected 2000 each; 5 sigma is about 183.
      expect(Math.abs((counts[i] as number) - n / 3)).toBeLessThan(200);
    }
  });

  test('when two push cases of one parked select wait on one channel, either is met first', async () => {
    const wins = [0, 0];
    for (let i = 0; i < 400; i++) {
      const ch = new Channel<string>();
      const sel = select([push(ch, 'A'), push(ch, 'B')]);
      const v = await ch.pull();
      const r = await sel;
      expect(v).toBe(r.index === 0 ? 'A' : 'B');
      wins[r.index] = (wins[r.index] as number) + 1;
      clean(ch);
    }
    expect(wins[0]).toBeGreaterThan(120);
    expect(wins[1]).toBeGreaterThan(120);
  });

  test('select with a timeout from afterMs(): the timeout wins when no value comes, and the data channel is clean', async () => {
    const data = new Channel<number>();
    using timeout = afterMs(5);
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(1);
    expect(typeof r.value).toBe('number');
    clean(data);
  });

  test('undefined as the pushed value of a push case on a Channel<undefined>', async () => {
    const ch = new Channel<undefined>();
    const p = ch.pull();
    expect(selectNowait([push(ch, undefined)])).toMatchObject({ index: 0, ok: true });
    expect(await p).toBeUndefined();
  });
});

describe('selectNowait', () => {
  test('returns undefined when nothing is ready and leaves nothing parked', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.tryPush(1);
    expect(selectNowait([pull(a), push(b, 2)])).toBeUndefined();
    clean(a, b);
    expect(b.size).toBe(1);
  });

  test('commits to a parked partner on an unbuffered channel (Go default semantics)', async () => {
    const ch = new Channel<number>();
    const waiting = ch.pull();
    expect(selectNowait([push(ch, 5)])).toMatchObject({ index: 0, ok: true });
    expect(await waiting).toBe(5);
  });

  test('does not commit to a parked partner whose signal is already aborted', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let result: unknown = 'unset';
    ac.signal.addEventListener('abort', () => {
      result = selectNowait([push(ch, 5)]);
    });
    const parked = track(ch.pull({ signal: ac.signal }));
    ac.abort('gone');
    await settle();
    expect(result).toBeUndefined();
    expect(parked.status).toBe('rejected');
    clean(ch);
  });

  test('a pull case on a closed drained channel returns ok false', () => {
    const ch = new Channel<number>();
    ch.close();
    expect(selectNowait([pull(ch)])).toEqual({ index: 0, channel: ch, value: undefined, ok: false });
  });
});

describe('one signal for a select and the channels it waits on', () => {
  test('select on pull(after(ms, { signal })) with the same signal rejects with the reason, not ok: false', async () => {
    for (let i = 0; i < 2; i++) {
      const ac = new AbortController();
      const data = new Channel<number>();
      const timeout = afterMs(10_000, { signal: ac.signal });
      const cases = i === 0 ? [pull(data), pull(timeout)] : [pull(timeout)];
      const sel = select(cases, { signal: ac.signal });
      ac.abort('cancelled');
      await expect(sel).rejects.toBe('cancelled');
      expect(timeout.closed).toBe(true);
      clean(data, timeout);
    }
  });

  test('select on a broadcast subscriber that shares the select’s signal rejects with the reason', async () => {
    const { broadcast } = await import('../../src/index.js');
    const ac = new AbortController();
    const hub = broadcast(new Channel<number>());
    const sub = hub.subscribe({ signal: ac.signal });
    const other = new Channel<number>();
    const sel = select([pull(sub), pull(other)], { signal: ac.signal });
    ac.abort('cancelled');
    await expect(sel).rejects.toBe('cancelled');
    expect(sub.closed).toBe(true);
    clean(sub, other);
  });
});
