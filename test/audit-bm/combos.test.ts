/**
 * Audit BM: README code blocks pasted together in unusual but legal combinations.
 */
import { getEventListeners } from 'node:events';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, test } from 'vitest';
import { flush, track } from '../helpers/track.js';

describe('select with after() and a signal', () => {
  test('aborting the signal shared by after() and select rejects the select with signal.reason (no case fires)', async () => {
    const replies = new Channel<string>();
    const controller = new AbortController();
    const deadline = afterMs(10_000, { signal: controller.signal });
    const pending = track(select([pull(replies), pull(deadline)], { signal: controller.signal }));
    await flush();
    const reason = new Error('user left');
    controller.abort(reason);
    await flush(20);
    expect(pending.current).toEqual({ status: 'rejected', reason });
    expect(replies.stats().waitingPullers).toBe(0);
    expect(deadline.stats().waitingPullers).toBe(0);
  });

  test('after() whose signal aborts while a select waits on it: the select sees ok false, the other channel keeps no waiter', async () => {
    const replies = new Channel<string>();
    const controller = new AbortController();
    const deadline = afterMs(10_000, { signal: controller.signal });
    const pending = track(select([pull(replies), pull(deadline)]));
    await flush();
    controller.abort();
    await flush(20);
    expect(pending.current.status).toBe('fulfilled');
    const result = (pending.current as { value: { index: number; ok: boolean } }).value;
    expect([result.index, result.ok]).toEqual([1, false]);
    expect(replies.stats().waitingPullers).toBe(0);
  });

  test('afterMs(0) and a ready channel: both ready, select picks each sometimes', async () => {
    const wins = [0, 0];
    for (let i = 0; i < 60; i++) {
      const ready = new Channel<number>(1);
      ready.pushNowait(i);
      const timer = afterMs(0);
      await new Promise((resolve) => setTimeout(resolve, 2));
      const result = await select([pull(ready), pull(timer)]);
      wins[result.index] = (wins[result.index] ?? 0) + 1;
      timer.close();
    }
    expect(wins[0]).toBeGreaterThan(5);
    expect(wins[1]).toBeGreaterThan(5);
  });
});

describe('closing during iteration', () => {
  test('close() inside the loop body: the loop still drains every buffered value, then ends', async () => {
    const ch = new Channel<number>(5);
    for (const n of [1, 2, 3, 4]) ch.pushNowait(n);
    const seen: number[] = [];
    for await (const n of ch) {
      seen.push(n);
      if (n === 2) ch.close();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  test('close(reason) inside the loop body: drains, then throws the reason', async () => {
    const ch = new Channel<number>(5);
    for (const n of [1, 2, 3]) ch.pushNowait(n);
    const seen: number[] = [];
    const reason = new Error('stop');
    let caught: unknown;
    try {
      for await (const n of ch) {
        seen.push(n);
        if (n === 1) ch.close(reason);
      }
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(caught).toBe(reason);
  });

  test('break out of a for await while a second iterator is parked: the next value goes to the parked one', async () => {
    const ch = new Channel<number>();
    const second = ch[Symbol.asyncIterator]();
    const parked = track(second.next());
    await flush();
    const first: number[] = [];
    const loop = (async () => {
      for await (const n of ch) {
        first.push(n);
        break;
      }
    })();
    await ch.push(1); // goes to the oldest parked pull: the second iterator
    await flush();
    expect(parked.current).toEqual({ status: 'fulfilled', value: { value: 1, done: false } });
    await ch.push(2);
    await loop;
    expect(first).toEqual([2]);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
  });
});

describe('pushAll into a channel being closed', () => {
  test('close() in the same turn as pushAll that had to wait: pushed counts exactly the committed values', async () => {
    const ch = new Channel<number>(2);
    const pushing = ch.pushAll([1, 2, 3, 4, 5]);
    ch.close();
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  test('pushAll from a generator; a consumer closes the channel after the second value: generator is not read further', async () => {
    const ch = new Channel<number>();
    const read: number[] = [];
    function* values() {
      for (let i = 1; i <= 5; i++) {
        read.push(i);
        yield i;
      }
    }
    const pushing = ch.pushAll(values());
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    ch.close();
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.pushed).toBe(2);
    expect(read).toEqual([1, 2, 3]);
  });

  test('pushAll into an unbuffered channel with a pullMany waiting: the pullMany gets the first value only', async () => {
    const ch = new Channel<number>();
    const batch = ch.pullMany(10);
    const pushing = track(ch.pushAll([1, 2, 3]));
    expect(await batch).toEqual([1]);
    await flush();
    expect(pushing.current.status).toBe('pending');
    expect(await ch.pullMany(10)).toEqual([2]);
    expect(await ch.pull()).toBe(3);
    await flush();
    expect(pushing.current.status).toBe('fulfilled');
  });
});

describe('await using with parked operations', () => {
  test('the end of an await using block fails parked pushers, keeps buffered values', async () => {
    let escaped: Channel<number> | undefined;
    let parked: { readonly current: unknown } | undefined;
    {
      await using ch = new Channel<number>(1);
      ch.pushNowait(1);
      parked = track(ch.push(2));
      escaped = ch;
    }
    await flush();
    expect((parked.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(escaped.pullNowait()).toBe(1);
    expect(escaped.tryPull()).toBeUndefined();
  });
});

describe('interop combos', () => {
  test('merge of after() and a channel closes once both are closed and drained', async () => {
    const ch = new Channel<string>(1);
    const merged = merge(afterMs(5), ch);
    ch.pushNowait('x');
    ch.close();
    const seen: unknown[] = [];
    for await (const v of merged) seen.push(v);
    expect(seen).toHaveLength(2);
    expect(seen).toContain('x');
  });

  test('toReadableStream of a ticker with a signal: the stream yields ticks and ends on abort, ticker timer cleared', async () => {
    const controller = new AbortController();
    const ticks = ticker(5, { signal: controller.signal });
    const reader = toReadableStream(ticks).getReader();
    const first = await reader.read();
    expect(typeof first.value).toBe('number');
    controller.abort();
    expect(ticks.closed).toBe(true);
    // the ticker channel is closed; the stream ends once drained
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
    }
  });

  test('broadcast of a from() source: every subscriber sees every value, in order', async () => {
    const hub = broadcast(from([1, 2, 3, 4, 5]));
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe();
    const [seenA, seenB] = await Promise.all([
      (async () => {
        const out: number[] = [];
        for await (const v of a) out.push(v);
        return out;
      })(),
      (async () => {
        const out: number[] = [];
        for await (const v of b) out.push(v);
        return out;
      })(),
    ]);
    expect(seenA).toEqual([1, 2, 3, 4, 5]);
    expect(seenB).toEqual([1, 2, 3, 4, 5]);
  });

  test('subscribe with an already aborted signal gives a closed channel and takes no value from the source', async () => {
    const source = new Channel<number>(4);
    source.pushNowait(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: AbortSignal.abort() });
    await flush();
    expect(sub.closed).toBe(true);
    expect(source.size).toBe(1);
    hub.close();
  });

  test('from(channel) with capacity 0: an aborted consumer pull loses no value of the source channel', async () => {
    const source = new Channel<number>();
    const fed = from(source);
    const controller = new AbortController();
    const first = track(fed.pull({ signal: controller.signal }));
    await flush();
    controller.abort();
    await flush();
    expect(first.current.status).toBe('rejected');
    // a value now pushed into the source must still reach a later consumer of fed, or stay in source
    const pushed = source.tryPush(42);
    await flush();
    if (pushed) {
      expect(await fed.pull()).toBe(42);
    } else {
      expect(source.stats().waitingPullers).toBe(0);
    }
    source.close();
  });

  test('fromEvent with listenerOptions once: one event, then closed', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'ping', { listenerOptions: { once: true } });
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    const seen: Event[] = [];
    for await (const e of events) seen.push(e);
    expect(seen).toHaveLength(1);
  });

  test('select with its own push and pull on one unbuffered channel never matches itself', async () => {
    const ch = new Channel<number>();
    const result = selectNowait([push(ch, 1), pull(ch)]);
    expect(result).toBeUndefined();
    const pending = track(select([push(ch, 1), pull(ch)]));
    await flush();
    expect(pending.current.status).toBe('pending');
    expect(await ch.pull()).toBe(1);
    await flush();
    expect(pending.current).toMatchObject({ status: 'fulfilled', value: { index: 0 } });
  });
});

describe('more combinations', () => {
  test('from(toReadableStream(ch)): two pulls, then close the from channel: the rest stay in ch, nothing parked on it', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3, 4, 5]);
    const fed = from(toReadableStream(ch));
    expect([await fed.pull(), await fed.pull()]).toEqual([1, 2]);
    fed.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ch.stats().waitingPullers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([3, 4, 5]);
    expect(ch.closed).toBe(false);
  });

  test('toReadableStream(merge(a, b)) cancelled: the inputs stay open with their values', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    a.pushNowait(1);
    a.pushNowait(2);
    b.pushNowait(10);
    const merged = merge(a, b);
    const reader = toReadableStream(merged).getReader();
    const first = await reader.read();
    await reader.cancel();
    await flush();
    expect(a.closed || b.closed || merged.closed).toBe(false);
    const seen = [first.value as number];
    for (const ch of [merged, a, b, merged]) {
      for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) seen.push(v);
    }
    expect(seen.sort((x, y) => x - y)).toEqual([1, 2, 10]);
  });

  test('await using a broadcast (falls back to Symbol.dispose) closes it and its subscribers, not the source', async () => {
    const source = new Channel<number>(2);
    let sub: Channel<number> | undefined;
    {
      await using hub = broadcast(source);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
    expect(source.closed).toBe(false);
  });

  test('a select on after() and a data channel inside a for await loop, with one shared signal for the timers', async () => {
    const data = new Channel<number>(4);
    await data.pushAll([1, 2, 3]);
    data.close();
    const timers = new AbortController();
    const got: number[] = [];
    for (;;) {
      const result = await select([pull(data), pull(afterMs(10_000, { signal: timers.signal }))]);
      if (result.index === 1 || !result.ok) break;
      got.push(result.value as number);
    }
    timers.abort();
    expect(got).toEqual([1, 2, 3]);
    expect(getEventListeners(timers.signal, 'abort')).toHaveLength(0);
  });

  test('a subscriber whose signal aborts keeps its buffered values readable', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const controller = new AbortController();
    const sub = hub.subscribe({ capacity: 4, signal: controller.signal });
    await source.pushAll([1, 2]);
    await flush();
    controller.abort();
    const out: number[] = [];
    for await (const v of sub) out.push(v);
    expect(out).toEqual([1, 2]);
    hub.close();
  });
});
