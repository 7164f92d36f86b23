/**
 * SPEC.md "select": select, selectNowait, the case builders and after(), one behaviour per
 * test — plus Go's channel tests in spirit (self-select, fairness, many selects against many
 * producers and consumers, the same channel twice, nil cases) and leak checks.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import { after as afterMs, Channel, ChannelClosedError, pull, push, select, selectNowait } from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('select', () => {
  test('select commits a ready pull case and resolves with its index, channel, value and ok', async () => {
    const idle = new Channel<string>(1);
    const ready = new Channel<string>(1);
    ready.pushNowait('x');
    const result = await select([pull(idle), pull(ready)]);
    expect(result).toEqual({ index: 1, channel: ready, value: 'x', ok: true });
    expect(ready.size).toBe(0);
  });

  test('select commits a ready push case with value undefined', async () => {
    const out = new Channel<number>(1);
    const result = await select([push(out, 7)]);
    expect(result).toEqual({ index: 0, channel: out, value: undefined, ok: true });
    expect(out.pullNowait()).toBe(7);
  });

  test('a parked select resolves when a case becomes ready, and its other cases leave no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const out = new Channel<number>();
    const selected = track(select([pull(a), pull(b), push(out, 1)]));
    expect([a.stats().waitingPullers, b.stats().waitingPullers, out.stats().waitingPushers]).toEqual([1, 1, 1]);
    b.pushNowait(9);
    await flush();
    expect(selected.current).toEqual({ status: 'fulfilled', value: { index: 1, channel: b, value: 9, ok: true } });
    expect([a.stats().waitingPullers, b.stats().waitingPullers, out.stats().waitingPushers]).toEqual([0, 0, 0]);
    expect(() => out.pullNowait()).toThrow();
  });

  test.each([
    [
      'push',
      (c: Channel<number>): void => {
        c.push(5);
      },
      { value: 5, ok: true },
    ],
    ['pushNowait', (c: Channel<number>) => c.pushNowait(5), { value: 5, ok: true }],
    ['close', (c: Channel<number>) => c.close(), { value: undefined, ok: false }],
  ] as const)('a parked pull case is woken by a plain %s', async (_, act, expected) => {
    const channel = new Channel<number>();
    const selected = select([pull(channel)]);
    act(channel);
    expect(await selected).toEqual({ index: 0, channel, ...expected });
  });

  test.each([
    ['pull', async (c: Channel<number>) => expect(await c.pull()).toBe(3)],
    ['pullNowait', async (c: Channel<number>) => expect(c.pullNowait()).toBe(3)],
    [
      'for await',
      async (c: Channel<number>): Promise<void> => {
        for await (const value of c) {
          expect(value).toBe(3);
          return;
        }
      },
    ],
  ] as const)('a parked push case is woken by a plain %s', async (_, act) => {
    const channel = new Channel<number>();
    const selected = select([push(channel, 3)]);
    await act(channel);
    expect(await selected).toEqual({ index: 0, channel, value: undefined, ok: true });
  });

  test('a parked select is woken by another select', async () => {
    const channel = new Channel<string>();
    const receiver = select([pull(channel), pull(new Channel<string>())]);
    const sender = await select([push(channel, 'hi'), push(new Channel<string>(), 'no')]);
    expect(sender.index).toBe(0);
    expect(await receiver).toMatchObject({ index: 0, value: 'hi', ok: true });
  });

  test('a select never rendezvous with itself, while two different selects on the same channel meet', async () => {
    const channel = new Channel<number>();
    const first = track(select([push(channel, 1), pull(channel)]));
    await flush();
    expect(first.current.status).toBe('pending');
    expect(channel.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    const second = await select([push(channel, 2), pull(channel)]);
    await flush();
    expect(first.current.status).toBe('fulfilled');
    const firstResult = (first.current as { value: { index: number; value: unknown } }).value;
    // One pushed and the other pulled: the value crossed between the two selects.
    if (second.index === 0) expect(firstResult).toMatchObject({ index: 1, value: 2 });
    else expect([firstResult.index, second.value]).toEqual([0, 1]);
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('a pull case on a closed, drained channel is ready with ok false', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(await select([pull(channel)])).toEqual({ index: 0, channel, value: undefined, ok: false });
  });

  test('a pull case on a closed channel with buffered values still receives them', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(4);
    channel.close();
    expect(await select([pull(channel)])).toMatchObject({ value: 4, ok: true });
  });

  test('a push case on a closed channel makes select reject with ChannelClosedError, committing nothing', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    await expect(select([pull(ready), push(closed, 2)])).rejects.toThrow(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  test('a push case whose channel closes while select waits makes it reject, leaving no waiter', async () => {
    const out = new Channel<number>();
    const other = new Channel<number>();
    const selected = select([push(out, 1), pull(other)]);
    out.close('shutdown');
    const error = (await selected.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('shutdown');
    expect(other.stats().waitingPullers).toBe(0);
  });

  test('a push case on a drop-mode channel is always ready', async () => {
    const latest = new Channel<number>(1, { overflow: 'drop-oldest' });
    latest.pushNowait(1);
    expect(await select([push(latest, 2), pull(new Channel<number>())])).toMatchObject({ index: 0 });
    expect(latest.pullNowait()).toBe(2);
  });

  test('null and undefined entries are skipped and indexes keep their positions', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(await select([null, undefined, pull(channel)])).toMatchObject({ index: 2, value: 1 });
  });

  test('a list with no case left makes select reject with TypeError', async () => {
    await expect(select([])).rejects.toThrow(TypeError);
    await expect(select([null, undefined])).rejects.toThrow(/at least one case/);
  });

  test('an entry that is not a case is a TypeError, and so is a case builder given a non-channel', async () => {
    const channel = new Channel<number>();
    await expect(select([channel as never])).rejects.toThrow(/select\(cases\): case 0 is not a case/);
    expect(() => pull({} as Channel<number>)).toThrow(TypeError);
    expect(() => push(null as unknown as Channel<number>, 1)).toThrow(/not a chanasync Channel/);
  });

  test('an already aborted signal makes select reject with its reason before anything else', async () => {
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const closed = new Channel<number>(1);
    closed.close();
    await expect(select([pull(ready), push(closed, 1)], { signal: abortedSignal('stop') })).rejects.toBe('stop');
    expect(ready.size).toBe(1);
  });

  test('aborting a parked select rejects with the reason, commits no case and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    const controller = new AbortController();
    const selected = select([pull(a), pull(b)], { signal: controller.signal });
    controller.abort('timeout');
    await expect(selected).rejects.toBe('timeout');
    b.pushNowait(1);
    expect(b.size).toBe(1);
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });

  test('aborting a parked one-case select rejects with the reason and leaves no waiter', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pulling = select([pull(channel)], { signal: controller.signal });
    const pushing = select([push(new Channel<number>(), 1)], { signal: controller.signal });
    controller.abort('enough');
    await expect(pulling).rejects.toBe('enough');
    await expect(pushing).rejects.toBe('enough');
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a parked one-case push select rejects with ChannelClosedError when its channel closes', async () => {
    const channel = new Channel<number>();
    const pushing = select([push(channel, 1)]);
    channel.close();
    await expect(pushing).rejects.toThrow(ChannelClosedError);
  });

  test('a select that commits is not affected by a later abort', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const selected = select([pull(channel)], { signal: controller.signal });
    channel.pushNowait(1);
    controller.abort();
    expect(await selected).toMatchObject({ value: 1, ok: true });
  });

  test('one array of cases may be passed to many selects', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    for (let i = 0; i < 50; i++) {
      a.pushNowait(i);
      b.pushNowait(100 + i);
    }
    const cases = [pull(a), pull(b)] as const;
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) seen.push((await select(cases)).value as number);
    expect(seen.sort((x, y) => x - y)).toEqual([...Array(50).keys(), ...Array.from({ length: 50 }, (_, i) => 100 + i)]);
    expect(cases[0]).toEqual({ kind: 'pull', channel: a, value: undefined });
  });

  test('the same channel twice in one select commits once', async () => {
    const channel = new Channel<number>();
    const selected = select([pull(channel), pull(channel)]);
    expect(channel.stats().waitingPullers).toBe(2);
    channel.pushNowait(1);
    expect([0, 1]).toContain((await selected).index);
    expect(channel.stats().waitingPullers).toBe(0);
    expect(() => channel.pushNowait(2)).toThrow();
  });
});

describe('select: exactly one commit, fairness, no leaks', () => {
  test('exactly one case commits when several are ready, over many trials', async () => {
    const channels = [new Channel<number>(Infinity), new Channel<number>(Infinity), new Channel<number>(Infinity)];
    const trials = 3000;
    for (const channel of channels) for (let i = 0; i < trials; i++) channel.pushNowait(i);
    for (let i = 0; i < trials; i++) await select(channels.map((c) => pull(c)));
    const left = channels.reduce((sum, c) => sum + c.size, 0);
    expect(left).toBe(3 * trials - trials);
    const out = [new Channel<number>(Infinity), new Channel<number>(Infinity)];
    for (let i = 0; i < trials; i++)
      selectNowait([push(out[0] as Channel<number>, i), push(out[1] as Channel<number>, i)]);
    expect((out[0]?.size ?? 0) + (out[1]?.size ?? 0)).toBe(trials);
  });

  test('ready cases are chosen uniformly at random (a loose bound that never flakes)', async () => {
    const channels = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
    const idle = new Channel<number>();
    const counts = [0, 0, 0, 0];
    const trials = 20_000;
    for (let i = 0; i < trials; i++) {
      for (const channel of channels.slice(0, 3)) if (channel.empty) channel.pushNowait(i);
      const { index } = await select([pull(channels[0]!), pull(idle), pull(channels[1]!), pull(channels[2]!), null]);
      counts[index]!++;
    }
    // Expected 1/3 each for cases 0, 2, 3 (standard deviation ≈ 67): ±1000 is 15 sd.
    expect(counts[1]).toBe(0);
    for (const index of [0, 2, 3]) expect(Math.abs((counts[index] ?? 0) - trials / 3)).toBeLessThan(1000);
  });

  test('100k selects where one channel always wins leave the others without waiters or listeners', async () => {
    const winner = new Channel<number>();
    const losers = [new Channel<number>(), new Channel<number>(2)];
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = (...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    };
    controller.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    };
    const cases = [pull(losers[0]!), pull(winner), pull(losers[1]!)] as const;
    for (let i = 0; i < 100_000; i++) {
      const selected = select(cases, { signal: controller.signal });
      winner.pushNowait(i);
      if ((await selected).value !== i) throw new Error(`select ${i} got the wrong value`);
    }
    for (const loser of losers) expect(loser.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0, size: 0 });
    expect(listeners).toBe(0);
  });

  test('many selects against many producers and consumers lose and duplicate nothing', async () => {
    const channels = [new Channel<number>(), new Channel<number>(3), new Channel<number>(1)];
    const perProducer = 500;
    const producers = channels.flatMap((channel, c) =>
      [0, 1].map(async (p) => {
        for (let i = 0; i < perProducer; i++) {
          const value = (c * 2 + p) * perProducer + i;
          // Half the producers push through select with a decoy case that never fires.
          if (p === 0) await select([push(channel, value), pull(new Channel<number>())]);
          else await channel.push(value);
        }
      }),
    );
    const total = channels.length * 2 * perProducer;
    const received: number[] = [];
    const consumers = [0, 1, 2, 3].map(async () => {
      while (received.length < total) {
        const result = await select(channels.map((c) => pull(c)));
        received.push(result.value as number);
        if (received.length === total) for (const channel of channels) channel.close();
      }
    });
    await Promise.all(producers);
    await Promise.allSettled(consumers);
    const values = received.filter((v) => v !== undefined).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});

describe('selectNowait', () => {
  test('selectNowait commits a ready case and returns its result', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(3);
    expect(selectNowait([pull(new Channel<number>()), pull(channel)])).toEqual({
      index: 1,
      channel,
      value: 3,
      ok: true,
    });
  });

  test('selectNowait returns undefined when no case can proceed, and never waits', () => {
    const channel = new Channel<number>();
    expect(selectNowait([pull(channel), push(channel, 1)])).toBeUndefined();
    expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  test('selectNowait returns undefined for a list with no case left', () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null])).toBeUndefined();
  });

  test('selectNowait throws ChannelClosedError for a push case on a closed channel', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(() => selectNowait([push(channel, 1)])).toThrow(ChannelClosedError);
  });

  test('selectNowait on an unbuffered channel commits with a parked partner', async () => {
    const channel = new Channel<string>();
    const pulled = channel.pull();
    expect(selectNowait([push(channel, 'now')])).toMatchObject({ index: 0, ok: true });
    expect(await pulled).toBe('now');
  });
});

describe('after', () => {
  test('after(ms) delivers one timestamp after ms, then closes', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const timer = afterMs(50);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(50);
    expect(timer.closed).toBe(true);
    expect(timer.pullNowait()).toBe(1_050);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after(ms) with a signal that aborts first clears its timer, delivers nothing and closes', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const timer = afterMs(50, { signal: controller.signal });
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(timer.closed).toBe(true);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after(ms) with an already aborted signal starts no timer', () => {
    vi.useFakeTimers();
    const timer = afterMs(50, { signal: abortedSignal('no') });
    expect(vi.getTimerCount()).toBe(0);
    expect(timer.closed).toBe(true);
  });

  test('after(ms) stops listening to its signal once it fires', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    afterMs(10, { signal: controller.signal });
    vi.advanceTimersByTime(10);
    expect(removed).toHaveBeenCalledTimes(1);
  });

  test('after rejects a bad delay with an error that names it', () => {
    expect(() => afterMs(-Infinity)).toThrow(RangeError);
    expect(() => afterMs(Number.NaN)).toThrow(/finite number, got NaN/);
    expect(() => afterMs(Infinity)).toThrow(RangeError);
    expect(() => afterMs('5' as unknown as number)).toThrow(TypeError);
  });

  test('select with pull(after(ms)) is the timeout idiom', async () => {
    const replies = new Channel<string>();
    const result = await select([pull(replies), pull(afterMs(10))]);
    expect(result.index).toBe(1);
    expect(replies.stats().waitingPullers).toBe(0);
  });
});
