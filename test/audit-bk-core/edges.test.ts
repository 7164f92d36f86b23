/**
 * Audit BK-core: edge cases at the seams — close and abort between a pushAll's values, many
 * concurrent iterator next() calls, settle timing the README promises, detached methods,
 * reentrant consumers, signals that are not the platform's.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { seededRandom } from '../helpers/random.js';
import { countListeners, flush, rejection, thrown, track } from '../helpers/track.js';

type Counted = { pushed?: number };

describe('pushAll between two values', () => {
  it('closed before its first value: ChannelClosedError named pushAll with pushed 0', async () => {
    const ch = new Channel<number>(1, { name: 'x' });
    ch.close('why');
    const error = (await rejection(ch.pushAll([1, 2]))) as ChannelClosedError & Counted;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pushAll: channel "x" is closed');
    expect(error.pushed).toBe(0);
    expect(error.cause).toBe('why');
  });

  it('abort and close in the same turn after a value committed: the abort reason wins, the count is exact', async () => {
    const ch = new Channel<number>(1);
    const controller = new AbortController();
    const all = ch.pushAll([1, 2, 3], { signal: controller.signal });
    expect(ch.pullNowait()).toBe(1); // 2 moves into the buffer: committed
    ch.close();
    const reason = new Error('stop');
    controller.abort(reason);
    const error = (await rejection(all)) as Error & Counted;
    expect(error).toBe(reason);
    expect(error.pushed).toBe(2);
    expect(drainNow(ch)).toEqual([2]);
  });

  it('a close alone in that turn rejects ChannelClosedError with the count', async () => {
    const ch = new Channel<number>(1);
    const all = ch.pushAll([1, 2, 3]);
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    const error = (await rejection(all)) as ChannelClosedError & Counted;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(2);
    expect(drainNow(ch)).toEqual([2]);
  });

  it('a parked pushAll failed by close leaves no abort listener behind', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const all = ch.pushAll([1, 2], { signal: controller.signal });
    expect(listeners.live).toBe(1);
    ch.close();
    await rejection(all);
    expect(listeners.live).toBe(0);
  });

  it('a parked pull failed by close leaves no abort listener behind', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const pulled = ch.pull({ signal: controller.signal });
    const many = ch.pullMany(3, { signal: controller.signal });
    ch.close();
    expect(await rejection(pulled)).toBeInstanceOf(ChannelClosedError);
    expect(((await rejection(many)) as Error).message).toBe('pullMany: channel is closed');
    expect(listeners.live).toBe(0);
  });

  it('into an unbuffered channel with two parked pulls, two values commit at the call and the third parks', async () => {
    const ch = new Channel<number>();
    const a = ch.pull();
    const b = ch.pull();
    const all = track(ch.pushAll([1, 2, 3]));
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 1 });
    expect(await a).toBe(1);
    expect(await b).toBe(2);
    expect(all.current.status).toBe('pending');
    expect(ch.pullNowait()).toBe(3);
    await flush();
    expect(all.current.status).toBe('fulfilled');
  });

  it('a parked push whose abort comes with a close in one turn rejects with whichever came first', async () => {
    const ch = new Channel<number>();
    const c1 = new AbortController();
    const first = track(ch.push(1, { signal: c1.signal }));
    c1.abort('abort-first');
    ch.close();
    const c2 = new AbortController();
    const ch2 = new Channel<number>();
    const second = track(ch2.push(1, { signal: c2.signal }));
    ch2.close();
    c2.abort('too late');
    await flush();
    expect(first.current).toEqual({ status: 'rejected', reason: 'abort-first' });
    expect((second.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
  });
});

describe('pullMany commits', () => {
  it('pullMany(2) on a full buffer with two parked pushers takes the buffer and moves both pushers in', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const p3 = track(ch.push(3));
    const p4 = track(ch.push(4));
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(ch.size).toBe(2);
    await flush();
    expect([p3.current.status, p4.current.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(drainNow(ch)).toEqual([3, 4]);
  });

  it('pullMany skips parked pushers whose signal is aborted and whose listener has not run yet', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const controller = new AbortController();
    let taken: number[] | undefined;
    controller.signal.addEventListener(
      'abort',
      Object.assign(
        () => {
          void ch.pullMany(10).then((values) => {
            taken = values;
          });
        },
        { own: true },
      ),
    );
    const aborted = track(ch.push(2, { signal: controller.signal }));
    const live = ch.push(3);
    controller.abort('x');
    await live;
    await flush();
    expect(taken).toEqual([1, 3]);
    expect(aborted.current).toEqual({ status: 'rejected', reason: 'x' });
  });

  it('a parked pull and a parked pullMany served by consecutive pushes settle in the same microtask turn, in order', async () => {
    const ch = new Channel<number>(4);
    const order: string[] = [];
    void ch.pull().then((v) => order.push(`pull ${v}`));
    void ch.pullMany(5).then((v) => order.push(`pullMany ${v.join()}`));
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    await Promise.resolve();
    expect(order).toEqual(['pull 1', 'pullMany 2']);
    expect(drainNow(ch)).toEqual([3]);
  });

  it('a commit before an abort in the same turn stands for pullMany too', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const many = track(ch.pullMany(3, { signal: controller.signal }));
    ch.pushNowait(9);
    controller.abort('late');
    await flush();
    expect(many.current).toEqual({ status: 'fulfilled', value: [9] });
  });
});

describe('many concurrent next() calls on one iterator', () => {
  it('values go to the next() calls in order; return() withdraws exactly those still parked', async () => {
    const random = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const ch = new Channel<number>();
      const it = ch[Symbol.asyncIterator]();
      const other = ch[Symbol.asyncIterator]();
      const nexts: Promise<IteratorResult<number>>[] = [];
      const others: Promise<IteratorResult<number>>[] = [];
      let value = 0;
      const delivered: number[] = [];
      for (let step = 0; step < 80; step++) {
        const r = random();
        if (r < 0.45) nexts.push(it.next());
        else if (r < 0.55) others.push(other.next());
        else if (ch.stats().waitingPullers > 0) {
          expect(ch.tryPush(value)).toBe(true);
          delivered.push(value++);
        }
      }
      await it.return?.();
      // every value pushed after this goes to `other` or stays: none to a withdrawn next()
      const after: number[] = [];
      while (ch.stats().waitingPullers > 0) {
        expect(ch.tryPush(value)).toBe(true);
        after.push(value++);
      }
      const mine = await Promise.all(nexts);
      const theirs = await Promise.all(others);
      const got = [...mine, ...theirs].filter((r) => !r.done).map((r) => r.value as number);
      expect(got.sort((a, b) => a - b)).toEqual([...delivered, ...after]);
      const mineValues = mine.filter((r) => !r.done).map((r) => r.value as number);
      expect(mineValues).toEqual([...mineValues].sort((a, b) => a - b));
      for (const v of after) expect(mineValues).not.toContain(v);
      // once one of mine is done, all later ones are done too (withdrawn at the same time)
      const firstDone = mine.findIndex((r) => r.done);
      if (firstDone >= 0) expect(mine.slice(firstDone).every((r) => r.done)).toBe(true);
      expect(ch.stats().waitingPullers).toBe(0);
    }
  });
});

describe('reentrant consumers', () => {
  it('a for await body that pushes back into its own channel and closes it ends cleanly with every value', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(0);
    const seen: number[] = [];
    for await (const value of ch) {
      seen.push(value);
      if (value < 5) await ch.push(value + 1);
      else ch.close();
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a pull continuation that pulls again and a producer awaiting each push ping-pong without loss on an unbuffered channel', async () => {
    const ch = new Channel<number>();
    const got: number[] = [];
    const consumer = (async () => {
      for (;;) {
        try {
          got.push(await ch.pull());
        } catch (error) {
          expect(error).toBeInstanceOf(ChannelClosedError);
          return;
        }
      }
    })();
    for (let i = 0; i < 200; i++) await ch.push(i);
    ch.close();
    await consumer;
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('a close in the same turn as a commit to a parked pull leaves that pull its value', async () => {
    const ch = new Channel<number>();
    const pulled = track(ch.pull());
    ch.pushNowait(1);
    ch.close('bye');
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 1 });
  });

  it('a close in the same turn as a commit from a parked push leaves that push resolved', async () => {
    const ch = new Channel<number>();
    const pushed = track(ch.push(1));
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
  });
});

describe('signals that are not the platform’s', () => {
  it('a duck-typed signal on an EventTarget cancels a parked pull, even with an undefined reason', async () => {
    const target = new EventTarget() as EventTarget & { aborted: boolean; reason: unknown };
    target.aborted = false;
    target.reason = undefined;
    const ch = new Channel<number>();
    const pulled = track(ch.pull({ signal: target as unknown as AbortSignal }));
    expect(ch.stats().waitingPullers).toBe(1);
    target.aborted = true;
    target.dispatchEvent(new Event('abort'));
    await flush();
    expect(pulled.current).toEqual({ status: 'rejected', reason: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('an abort event dispatched by hand on a signal that is not aborted cancels nothing', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const pulled = track(ch.pull({ signal: controller.signal }));
    controller.signal.dispatchEvent(new Event('abort'));
    await flush();
    expect(pulled.current.status).toBe('pending');
    ch.pushNowait(4);
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 4 });
  });

  it('a signal that follows another through AbortSignal.any cancels a parked push when the source aborts', async () => {
    const parent = new AbortController();
    const ch = new Channel<number>();
    const pushed = track(ch.push(1, { signal: AbortSignal.any([parent.signal]) }));
    parent.abort('parent');
    await flush();
    expect(pushed.current).toEqual({ status: 'rejected', reason: 'parent' });
    expect(ch.tryPull()).toBeUndefined();
  });
});

describe('detached methods (README "What differs from Go": documented behaviour)', () => {
  it('tryPush, pushNowait, tryPull, pullMany and close called on another object throw a TypeError naming themselves', () => {
    const ch = new Channel<number>(1);
    const target = new EventTarget();
    for (const [name, call] of [
      ['tryPush', () => ch.tryPush.call(target as never, 1)],
      ['pushNowait', () => ch.pushNowait.call(target as never, 1)],
      ['tryPull', () => ch.tryPull.call(target as never)],
      ['pullMany', () => ch.pullMany.call(target as never, 1)],
      ['close', () => ch.close.call(target as never)],
    ] as const) {
      const error = thrown(call) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(new RegExp(`^${name}: called without its channel`));
    }
  });

  it('a detached pullNowait and a detached pushAll name themselves (until audit BW: ChannelEmptyError, and push)', () => {
    const ch = new Channel<number>(1);
    const target = new EventTarget();
    const nowait = thrown(() => ch.pullNowait.call(target as never)) as Error;
    expect(nowait).toBeInstanceOf(TypeError);
    expect(nowait.message).toMatch(/^pullNowait: called without its channel/);
    const error = thrown(() => ch.pushAll.call(target as never, [1])) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^pushAll: called without its channel/);
  });
});

describe('abort racing a commit through AbortSignal.any', () => {
  it('a push in an earlier listener of the source goes to exactly one pull, whichever the platform aborts first', async () => {
    const parent = new AbortController();
    const ch = new Channel<number>();
    parent.signal.addEventListener(
      'abort',
      Object.assign(() => ch.pushNowait(1), { own: true }),
    );
    const follower = track(ch.pull({ signal: AbortSignal.any([parent.signal]) }));
    const other = track(ch.pull());
    parent.abort('stop');
    await flush();
    const outcomes = [follower.current, other.current];
    const delivered = outcomes.filter((o) => o.status === 'fulfilled');
    expect(delivered).toEqual([{ status: 'fulfilled', value: 1 }]);
    if (follower.current.status !== 'fulfilled') {
      expect(follower.current).toEqual({ status: 'rejected', reason: 'stop' });
    } else {
      expect(other.current.status).toBe('pending');
      ch.close();
    }
    expect(ch.tryPull()).toBeUndefined();
  });
});
