// Audit BR-peers-a: behaviour checked by @repeaterjs/repeater's own suite (src/test/repeater.ts,
// repeaterjs/repeater at its 2026-06-08 snapshot), ported onto chanasync's Channel.
// Mapping: Repeater's `push` ↔ `channel.push`/`pushNowait`, `stop(err?)` ↔ `channel.close(reason?)`,
// `r.next()` ↔ the channel's async iterator `next()`, `new FixedBuffer(n)` ↔ `new Channel(n)`.
// No peer code is copied; each test names the peer test it comes from.
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function iter<T>(ch: Channel<T>): AsyncIterator<T> {
  return ch[Symbol.asyncIterator]();
}

describe('Repeater push / next', () => {
  // Peer: "push" — four synchronous pushes are read back in order.
  // Adaptation: Repeater keeps unawaited pushes in an internal push queue; chanasync's
  // unbuffered channel parks them (rendezvous), so the pushes resolve one by one as the
  // iterator takes them.
  it('unawaited pushes on an unbuffered channel are read back in order', async () => {
    const ch = new Channel<number>();
    const pushes = [1, 2, 3, 4].map((v) => ch.push(v));
    const it = iter(ch);
    for (const v of [1, 2, 3, 4]) expect(await it.next()).toEqual({ done: false, value: v });
    await Promise.all(pushes);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  // Peer: "async push" — a producer awaiting each push feeds a consumer.
  it('a producer awaiting each push feeds the iterator in order', async () => {
    const ch = new Channel<number>();
    const producer = (async () => {
      for (const v of [1, 2, 3, 4]) await ch.push(v);
    })();
    const it = iter(ch);
    for (const v of [1, 2, 3, 4]) expect(await it.next()).toEqual({ done: false, value: v });
    await producer;
  });

  // Peer: "push promises" / "async push promises" — Repeater awaits a pushed promise.
  // Adaptation: README "Thenables are not values": push refuses a thenable with TypeError,
  // committing nothing; wrap it instead.
  it('pushing a promise is a TypeError and commits nothing (README: Thenables are not values)', async () => {
    const ch = new Channel<unknown>(4);
    await expect(ch.push(Promise.resolve(1))).rejects.toBeInstanceOf(TypeError);
    expect(() => ch.pushNowait(Promise.resolve(2))).toThrow(TypeError);
    expect(ch.size).toBe(0);
    await ch.push({ promise: Promise.resolve(3) });
    const got = (await ch.pull()) as { promise: Promise<number> };
    expect(await got.promise).toBe(3);
  });

  // Peer: "push rejection" / "push rejection immediately" — a rejected promise pushed into a
  // Repeater ends it with that error. Adaptation: chanasync refuses the thenable (TypeError) and
  // the channel stays open and usable.
  it('pushing a rejected promise is refused and leaves the channel open', async () => {
    const ch = new Channel<unknown>(1);
    const rejected = Promise.reject(new Error('nope'));
    rejected.catch(() => {});
    await expect(ch.push(rejected)).rejects.toBeInstanceOf(TypeError);
    expect(ch.closed).toBe(false);
    ch.pushNowait(7);
    expect(await ch.pull()).toBe(7);
  });

  // Peer: "ignored repeater" — the Repeater executor is lazy. A Channel has no executor; a
  // channel nobody uses holds no waiter and no timer.
  it('a fresh channel has no parked operations', () => {
    const ch = new Channel<number>();
    expect(ch.stats()).toMatchObject({ size: 0, closed: false, waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('Repeater stop ↔ close', () => {
  // Peer: "stop" — after stop, next() is done, again and again.
  it('close() then next() is done, repeatedly', async () => {
    const ch = new Channel<number>();
    ch.close();
    const it = iter(ch);
    for (let i = 0; i < 3; i++) expect((await it.next()).done).toBe(true);
  });

  // Peer: "stop with error" — next() rejects with the error once, then done.
  // Adaptation: chanasync's iterator throws the reason on every next() after close(reason)
  // (README Reference, [Symbol.asyncIterator]: "throws the reason after close(reason)"); the
  // channel's closed state is shared by all consumers, so each later call sees it again.
  it('close(error): every next() rejects with the error itself', async () => {
    const error = new Error('stop with error');
    const ch = new Channel<number>();
    ch.close(error);
    const it = iter(ch);
    for (let i = 0; i < 3; i++) await expect(it.next()).rejects.toBe(error);
    const pullError = await ch.pull().catch((e: unknown) => e);
    expect(pullError).toBeInstanceOf(ChannelClosedError);
    expect((pullError as ChannelClosedError).cause).toBe(error);
  });

  // Peer: "push then stop" — values pushed before stop are still delivered, then done.
  it('buffered values pushed before close() are delivered, then done', async () => {
    const ch = new Channel<number>(4);
    for (const v of [1, 2, 3, 4]) ch.pushNowait(v);
    ch.close();
    const it = iter(ch);
    for (const v of [1, 2, 3, 4]) expect(await it.next()).toEqual({ done: false, value: v });
    expect((await it.next()).done).toBe(true);
    expect((await it.next()).done).toBe(true);
  });

  // Peer: "push then stop" (unbuffered). Repeater delivers pushes still queued at stop;
  // Adaptation: SPEC "Closing": "Every parked pusher rejects with ChannelClosedError; its value
  // is not added." — the producer learns its values were not delivered.
  it('parked pushes fail at close() and their values are not delivered (SPEC Closing)', async () => {
    const ch = new Channel<number>();
    const pushes = [1, 2, 3].map((v) => ch.push(v));
    ch.close();
    for (const p of pushes) await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect((await iter(ch).next()).done).toBe(true);
  });

  // Peer: "async push and stop" — awaited pushes then stop: all values, then done.
  it('awaited pushes then close(): all values, then done', async () => {
    const ch = new Channel<number>();
    const producer = (async () => {
      for (const v of [1, 2, 3, 4]) await ch.push(v);
      ch.close();
    })();
    const out: number[] = [];
    for await (const v of ch) out.push(v);
    await producer;
    expect(out).toEqual([1, 2, 3, 4]);
  });

  // Peer: "push and stop with error" / "async push and stop with error" — the values first,
  // then the error.
  it('close(error) after buffered pushes: values first, then the error', async () => {
    const error = new Error('push and stop with error');
    const ch = new Channel<number>(4);
    for (const v of [1, 2, 3, 4]) ch.pushNowait(v);
    ch.close(error);
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) out.push(v);
      })(),
    ).rejects.toBe(error);
    expect(out).toEqual([1, 2, 3, 4]);
  });

  // Peer: "async push delayed promises and stop with pending next" — a next() parked when stop
  // comes resolves done.
  it('a next() parked at close() resolves done', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    const pending = it.next();
    ch.close();
    expect((await pending).done).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // Peer: "throw error after stop with error" — only the first stop's error counts.
  it('only the first close reason counts (SPEC: close is idempotent)', async () => {
    const first = new Error('first');
    const ch = new Channel<number>();
    ch.close(first);
    ch.close(new Error('second'));
    await expect(iter(ch).next()).rejects.toBe(first);
  });

  // Peer: "push after stop" behaviour inside "stop" tests — a push after stop is ignored by
  // Repeater; chanasync rejects it (SPEC: Rejects with ChannelClosedError if closed).
  it('push after close() rejects with ChannelClosedError; tryPush returns false', async () => {
    const ch = new Channel<number>(2);
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.size).toBe(0);
  });
});

describe('Repeater backpressure ↔ rendezvous and buffer', () => {
  // Peer: "pushes await next" — a push resolves only once a next() took its value.
  it('an unbuffered push resolves only after a pull took the value', async () => {
    const ch = new Channel<number>();
    let resolved = 0;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await ch.push(i);
        resolved++;
      }
    })();
    await flush();
    expect(resolved).toBe(0);
    for (let i = 0; i < 5; i++) {
      expect(await ch.pull()).toBe(i);
      await flush();
      expect(resolved).toBe(i + 1);
    }
    await flush();
    expect(resolved).toBe(5);
    expect(ch.stats().waitingPushers).toBe(1);
    for (let i = 5; i < 10; i++) expect(await ch.pull()).toBe(i);
    await producer;
  });

  // Peer: "next then push avoids buffer" — pushes given to parked next() calls do not touch the
  // buffer; the next push does.
  it('pushes to parked pulls skip the buffer', async () => {
    const ch = new Channel<number>(100);
    const it = iter(ch);
    const n1 = it.next();
    const n2 = it.next();
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(ch.size).toBe(0);
    expect(await n1).toEqual({ done: false, value: 1 });
    expect(await n2).toEqual({ done: false, value: 2 });
    ch.pushNowait(3);
    expect(ch.size).toBe(1);
  });

  // Peer: "pushes resolve to undefined with buffer" — with FixedBuffer(3) pushes resolve while
  // there is room, the one beyond waits until a next() frees a slot.
  // Adaptation: Repeater resolves a push with the value passed to next(); chanasync's push
  // resolves with undefined (SPEC: push(): Promise<void>), and next() takes no argument.
  it('capacity 3: pushes resolve while there is room, the 4th waits for a pull', async () => {
    const ch = new Channel<number>(3);
    const it = iter(ch);
    const n1 = it.next();
    await expect(ch.push(1)).resolves.toBeUndefined();
    const p2 = ch.push(2);
    const p3 = ch.push(3);
    const p4 = ch.push(4);
    let p5done = false;
    const p5 = ch.push(5).then(() => {
      p5done = true;
    });
    expect(await n1).toEqual({ done: false, value: 1 });
    await Promise.all([p2, p3, p4]);
    await flush();
    expect(p5done).toBe(false);
    expect(ch.stats()).toMatchObject({ size: 3, waitingPushers: 1 });
    expect(await it.next()).toEqual({ done: false, value: 2 });
    await p5;
    expect(ch.size).toBe(3);
    for (const v of [3, 4, 5]) expect(await it.next()).toEqual({ done: false, value: v });
  });

  // Peer: "push throws when push queue is full" / "push throws when buffer and push queue are
  // full" / "next throws when pull queue is full" — Repeater caps its queues at 1024 and throws
  // RepeaterOverflowError. Adaptation: chanasync has no such cap (neither SPEC nor README sets
  // one); 3000 parked pushes and 3000 parked pulls all complete, in FIFO order.
  it('no queue cap: 3000 parked pushes drain in FIFO order', async () => {
    const ch = new Channel<number>(10);
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 3010; i++) pushes.push(ch.push(i));
    expect(ch.stats()).toMatchObject({ size: 10, waitingPushers: 3000 });
    const got = await ch.pullMany(5000);
    expect(got).toEqual(Array.from({ length: 3010 }, (_, i) => i));
    await Promise.all(pushes);
  });

  it('no queue cap: 3000 parked pulls are served in FIFO order', async () => {
    const ch = new Channel<number>();
    const pulls: Promise<number>[] = [];
    for (let i = 0; i < 3000; i++) pulls.push(ch.pull());
    expect(ch.stats().waitingPullers).toBe(3000);
    for (let i = 0; i < 3000; i++) ch.pushNowait(i);
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});

describe('Repeater buffers ↔ overflow policies', () => {
  // Peer: "pushes resolve to value passed to next pushes first" — several parked pushes
  // resolve one by one, in FIFO order, as pulls take their values.
  it('parked pushes resolve in FIFO order as pulls take their values', async () => {
    const ch = new Channel<number>();
    const order: number[] = [];
    const pushes = [1, 2, 3, 4].map((v) => ch.push(v).then(() => order.push(v)));
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await flush();
    expect(order).toEqual([1, 2]);
    expect(ch.stats().waitingPushers).toBe(2);
    expect(await ch.pullMany(2)).toEqual([3, 4]);
    await Promise.all(pushes);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  // Peer: "dropping buffer" with a batch producer — pushAll into a drop-newest channel commits
  // every value by the policy (SPEC: "the policy is the commit") and resolves.
  it('pushAll of 100 values into drop-newest capacity 3 resolves; the first three remain', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-newest' });
    await ch.pushAll(Array.from({ length: 100 }, (_, i) => i));
    expect(await ch.pullMany(10)).toEqual([0, 1, 2]);
  });

  // Peer: "dropping buffer" — DroppingBuffer(3) keeps the first three of 100 values.
  it('drop-newest capacity 3 keeps the first three values, then done', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-newest' });
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) pushes.push(ch.push(i));
    await Promise.all(pushes); // SPEC: in both drop modes push resolves when the buffer is full
    ch.close();
    const out: number[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([0, 1, 2]);
  });

  // Peer: "sliding buffer" — SlidingBuffer(3) keeps the last three of 100 values.
  it('drop-oldest capacity 3 keeps the last three values, then done', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-oldest' });
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    ch.close();
    const out: number[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([97, 98, 99]);
  });

  // Peer (buffers.ts): "FixedBuffer" — empty/full flags as values come and go.
  // Adaptation: a FixedBuffer throws on add when full; a 'block' channel's push waits instead
  // and pushNowait throws ChannelFullError (SPEC Non-blocking operations).
  it('capacity 2: empty/full/size follow the buffer', () => {
    const ch = new Channel<number>(2);
    expect([ch.empty, ch.full]).toEqual([true, false]);
    ch.pushNowait(1);
    expect([ch.empty, ch.full, ch.size]).toEqual([false, false, 1]);
    ch.pushNowait(2);
    expect([ch.empty, ch.full, ch.size]).toEqual([false, true, 2]);
    expect(() => ch.pushNowait(3)).toThrow(/full/);
    expect(ch.pullNowait()).toBe(1);
    expect([ch.empty, ch.full]).toEqual([false, false]);
    expect(ch.pullNowait()).toBe(2);
    expect([ch.empty, ch.full]).toEqual([true, false]);
    expect(() => ch.pullNowait()).toThrow(/empty/);
  });

  // Peer (buffers.ts): "SlidingBuffer" — after 5 adds to a 2-slot sliding buffer, 4 and 5 remain.
  // Adaptation: a Repeater sliding buffer reports full=false always; a drop-oldest channel
  // reports full when size === capacity (SPEC: full is size === capacity).
  it('drop-oldest capacity 2 after five pushes holds 4 and 5', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4, 5]) ch.pushNowait(v);
    expect(ch.full).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([4, 5]);
    expect(ch.empty).toBe(true);
    expect(ch.tryPull()).toBeUndefined();
  });

  // Peer (buffers.ts): "DroppingBuffer" — after 5 adds to a 2-slot dropping buffer, 1 and 2 remain.
  it('drop-newest capacity 2 after five pushes holds 1 and 2', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3, 4, 5]) expect(ch.tryPush(v)).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
    expect(ch.empty).toBe(true);
  });

  // Peer: buffer constructors reject a zero/negative length. chanasync: drop mode with
  // capacity 0 and negative capacities are RangeError (SPEC Channel<T>).
  it('drop modes need capacity ≥ 1; negative capacity is a RangeError', () => {
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    expect(() => new Channel(-1)).toThrow(RangeError);
  });

  // Peer: "next then push avoids buffer" applied to a dropping buffer: a value pushed while a
  // next() waits is handed over, never dropped (README Ordering: "A drop mode hands a value
  // straight to a parked pull before it would drop anything").
  it('drop-newest hands a value to a parked pull instead of dropping it', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const p = ch.pull();
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    expect(await p).toBe(1);
    expect(ch.pullNowait()).toBe(2);
  });
});

describe('Repeater return() / throw() / early exit ↔ iterator', () => {
  // Peer: "break in for await" — Repeater finishes on break (later next() is done).
  // Adaptation: SPEC Iteration: "Leaving a for await loop early does not close the channel
  // and loses no value." The next loop continues where the first stopped.
  it('break does not close the channel and loses no value', async () => {
    const ch = new Channel<number>(4);
    for (const v of [1, 2, 3, 4]) ch.pushNowait(v);
    const first: number[] = [];
    for await (const v of ch) {
      first.push(v);
      if (v === 3) break;
    }
    expect(first).toEqual([1, 2, 3]);
    expect(ch.closed).toBe(false);
    ch.close();
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect(rest).toEqual([4]);
  });

  // Peer: "throw in for await" — the thrown error propagates; Repeater finishes.
  // Adaptation: the channel stays open (SPEC Iteration), the error propagates.
  it('throwing inside for await propagates and keeps the remaining values', async () => {
    const error = new Error('throw in for await');
    const ch = new Channel<number>(4);
    for (const v of [1, 2, 3, 4]) ch.pushNowait(v);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) {
          seen.push(v);
          if (v === 3) throw error;
        }
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual([1, 2, 3]);
    expect(ch.pullNowait()).toBe(4);
  });

  // Peer: "return method" / "return method before execution" — return(v) resolves
  // { value: v, done: true }.
  it('iterator.return(v) resolves { value: v, done: true }', async () => {
    const ch = new Channel<number>();
    await expect(iter(ch).return!(-1)).resolves.toEqual({ value: -1, done: true });
    await expect(iter(ch).return!()).resolves.toMatchObject({ done: true });
  });

  // Peer: "return method with promise argument" — return(promise) resolves with the promise's
  // value, as every built-in async iterator does (an async generator's return() awaits its
  // argument; so does the async-from-sync iterator). FINDING BR-1 (fixed): chanasync's iterator
  // put the promise itself into the result, { done: true, value: Promise }; README "Iteration"
  // now says return(value) awaits the value, as an async generator's does.
  it('BR-1: iterator.return(promise) resolves with the awaited value', async () => {
    const ch = new Channel<number>();
    const result = await iter(ch).return!(Promise.resolve(-1));
    expect(result).toEqual({ done: true, value: -1 });
  });

  // BR-1, rejected argument: an async generator's return(rejectedPromise) rejects with the
  // reason; chanasync resolved { done: true, value: <rejected promise> }, an unhandled rejection
  // waiting to happen for the caller who does not look at value.
  it('BR-1: iterator.return(rejectedPromise) rejects with the reason, after withdrawing its parked pull', async () => {
    const ch = new Channel<number>();
    const error = new Error('rejected argument');
    const rejected = Promise.reject(error);
    rejected.catch(() => {});
    const it = iter(ch);
    const parked = it.next();
    await expect(it.return!(rejected)).rejects.toBe(error);
    expect(await parked).toEqual({ done: true, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(7)).toBe(false); // unbuffered, and no pull left to take it
  });

  // Peer: "return method with argument and pending next", value already committed: a value
  // handed to a next() before return() is still that next()'s (README Iteration).
  it('a value committed to a pending next() before return() is still delivered to it', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    const pending = it.next();
    ch.pushNowait(1);
    const r = it.return!();
    expect(await pending).toEqual({ done: false, value: 1 });
    expect((await r).done).toBe(true);
  });

  // Peer: "return method" with two consumers — return() on one iterator withdraws only its own
  // parked next(); the other consumer gets the next value (SPEC: each value goes to exactly one).
  it('return() on one iterator leaves another iterator’s parked next() in place', async () => {
    const ch = new Channel<number>();
    const a = iter(ch);
    const b = iter(ch);
    const na = a.next();
    const nb = b.next();
    await a.return!();
    ch.pushNowait(7);
    expect((await na).done).toBe(true);
    expect(await nb).toEqual({ done: false, value: 7 });
  });

  // Peer: "return method with buffer" — Repeater's later next() calls are done and buffered
  // values are discarded. Adaptation: README Iteration: "return() does not close the channel,
  // and the iterator stays usable" — buffered values remain available.
  it('return() keeps the buffered values; the same iterator keeps reading', async () => {
    const ch = new Channel<number>(100);
    for (let i = 1; i < 10; i++) ch.pushNowait(i);
    const it = iter(ch);
    expect((await it.next()).value).toBe(1);
    expect((await it.next()).value).toBe(2);
    await it.return!();
    expect(ch.size).toBe(7);
    expect(await it.next()).toEqual({ done: false, value: 3 });
  });

  // Peer: "return method with buffer after stop with error" — Repeater's return() rejects with
  // the stop error. chanasync: return() resolves done; the reason is for the consumers still
  // reading (README Reference, [Symbol.asyncIterator]).
  it('return() after close(error) resolves done; next() still throws the reason', async () => {
    const error = new Error('stop error');
    const ch = new Channel<number>(4);
    ch.pushNowait(1);
    ch.close(error);
    const it = iter(ch);
    await expect(it.return!()).resolves.toMatchObject({ done: true });
    expect(await it.next()).toEqual({ done: false, value: 1 });
    await expect(it.next()).rejects.toBe(error);
  });

  // Peer: "return method with argument and pending next" — a next() pending when return() is
  // called resolves done, and no value pushed later goes to it (README Iteration).
  it('return() withdraws pending next() calls; later pushes stay in the channel', async () => {
    const ch = new Channel<number>(4);
    const it = iter(ch);
    const n1 = it.next();
    const n2 = it.next();
    const r = it.return!(5);
    expect(await r).toEqual({ done: true, value: 5 });
    expect((await n1).done).toBe(true);
    expect((await n2).done).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(9);
    expect(ch.pullNowait()).toBe(9);
  });

  // Peer: "throw method" and its variants — Repeater's iterator has throw(). Adaptation:
  // chanasync's iterator has no throw() (optional in the AsyncIterator protocol; for await
  // never calls it). The way to end a channel with an error is close(error).
  it('the iterator has no throw(); close(error) is the way to end with an error', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    expect(it.throw).toBeUndefined();
    const pending = it.next();
    const error = new Error('boom');
    ch.close(error);
    await expect(pending).rejects.toBe(error);
  });
});

describe('Repeater result ordering', () => {
  // Peer: "results settle in order" — next() calls made without awaiting settle in call order.
  it('next() calls made up front settle in call order, then done', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    const order: string[] = [];
    const calls = Array.from({ length: 5 }, (_, i) =>
      it.next().then((r) => {
        order.push(`${i}:${r.done ? 'done' : r.value}`);
      }),
    );
    setTimeout(() => ch.pushNowait(1), 1);
    await flush();
    await flush();
    ch.pushNowait(2);
    ch.pushNowait(3);
    ch.close();
    await Promise.all(calls);
    expect(order).toEqual(['0:1', '1:2', '2:3', '3:done', '4:done']);
  });

  // Peer: "results settle in order with buffer".
  it('with a buffer: values then done, in call order', async () => {
    const ch = new Channel<number>(100);
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    ch.close();
    const it = iter(ch);
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => (r.done ? 'done' : r.value))).toEqual([1, 2, 3, 'done', 'done']);
  });

  // Peer: "results settle in order with rejection" — parked next() calls settle in order up
  // to the failure. chanasync: every next() parked at close(error) rejects with the error
  // (there is no "first one rejects, later ones done" rule: see "stop with error" above).
  it('next() calls parked at close(error): the earlier got values, the rest reject with it', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    const settled: string[] = [];
    const error = new Error('mid');
    const calls = Array.from({ length: 4 }, (_, i) =>
      it.next().then(
        (r) => settled.push(`${i}:${r.done ? 'done' : r.value}`),
        (e: unknown) => settled.push(`${i}:${e === error ? 'error' : 'other'}`),
      ),
    );
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close(error);
    await Promise.all(calls);
    expect(settled).toEqual(['0:1', '1:2', '2:error', '3:error']);
  });

  // Peer: "results settle in order with return method and rejection" — next, next, return,
  // next, return called without awaiting. chanasync: return() withdraws this iterator's parked
  // next() calls (all of them, also those made before it) — README Iteration.
  it('next, next, return, next, return: the parked next() calls resolve done', async () => {
    const ch = new Channel<number>();
    const it = iter(ch);
    const r1 = it.next();
    const r2 = it.next();
    const r3 = it.return!(-1);
    const r4 = it.next();
    const r5 = it.return!(-2);
    expect(await r3).toEqual({ done: true, value: -1 });
    expect(await r5).toEqual({ done: true, value: -2 });
    expect((await r1).done).toBe(true);
    expect((await r2).done).toBe(true);
    expect((await r4).done).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});
