// Audit BR-peers-b: the behaviour that ts-chan's own test/chan.test.ts checks (joeycumines/ts-chan),
// ported onto chanasync's API. Each test names the ts-chan test it comes from. No ts-chan code is
// used: the tests are written against chanasync's Channel.
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs `fn` and records what it settled with, without letting a rejection go unhandled. */
function track<T>(p: Promise<T>): { state: () => 'pending' | 'fulfilled' | 'rejected'; value: () => unknown } {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  let value: unknown;
  p.then(
    (v) => {
      state = 'fulfilled';
      value = v;
    },
    (e) => {
      state = 'rejected';
      value = e;
    },
  );
  return { state: () => state, value: () => value };
}

describe('ts-chan Chan > constructor', () => {
  // ts-chan: "should initialize a channel with correct capacity and open state"
  it('a buffered channel reports its capacity, an empty buffer and is open', () => {
    const ch = new Channel<number>(5);
    expect(ch.capacity).toBe(5);
    expect(ch.size).toBe(0);
    expect(ch.closed).toBe(false);
    expect(ch.empty).toBe(true);
    expect(ch.full).toBe(false);
  });

  // ts-chan: "should initialize a buffer-less channel if capacity is zero"
  // (ts-chan's `new Chan()` is unbuffered too; chanasync's default capacity is 0 — SPEC.)
  it('capacity 0 and the default are unbuffered: size 0 and always full', () => {
    for (const ch of [new Channel<number>(0), new Channel<number>()]) {
      expect(ch.capacity).toBe(0);
      expect(ch.size).toBe(0);
      expect(ch.full).toBe(true);
    }
  });
});

describe('ts-chan Chan > addReceiver / addSender', () => {
  // ts-chan: addReceiver "should handle buffer data before senders"
  it('a pull takes the buffered value first, then a parked pusher moves in behind it', async () => {
    const ch = new Channel<string>(1);
    await ch.push('buffered');
    const parked = track(ch.push('parked'));
    await tick();
    expect(parked.state()).toBe('pending');
    expect(await ch.pull()).toBe('buffered');
    // README "Ordering": the parked push's value moves into the freed slot at once.
    expect(ch.size).toBe(1);
    await tick();
    expect(parked.state()).toBe('fulfilled');
    expect(ch.pullNowait()).toBe('parked');
  });

  // ts-chan: addReceiver "should handle closed channel" — ts-chan calls back (undefined, false);
  // chanasync's pull rejects with ChannelClosedError (SPEC "Closing"; README "What differs from Go").
  it('a pull on a closed, drained channel rejects with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    expect(ch.tryPull()).toBeUndefined();
  });

  // ts-chan: addReceiver "should receive in fifo order" (three parked senders on an unbuffered chan)
  it("pulls receive parked pushers' values in FIFO order, then would wait", async () => {
    const ch = new Channel<number>();
    const pushes = [0, 1, 2].map((v) => ch.push(v));
    expect(ch.stats().waitingPushers).toBe(3);
    for (let i = 0; i < 3; i++) expect(ch.pullNowait()).toBe(i);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    await Promise.all(pushes);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  // ts-chan: addSender "should add data to the buffer if a receiver is not waiting"
  it('a push with no waiting puller goes to the buffer', async () => {
    const ch = new Channel<string>(1);
    await ch.push('test-data');
    expect(ch.size).toBe(1);
    expect(ch.full).toBe(true);
  });

  // ts-chan: addSender "should throw error when adding to a closed channel" (SendOnClosedChannelError)
  it('a push on a closed channel fails with ChannelClosedError (not a panic: SPEC)', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
  });

  // ts-chan: addSender "should send in fifo order" (three parked receivers)
  it('pushes serve parked pullers in FIFO order, then would wait', async () => {
    const ch = new Channel<number>();
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    expect(ch.stats().waitingPullers).toBe(3);
    for (let i = 0; i < 3; i++) ch.pushNowait(i);
    expect(() => ch.pushNowait(99)).toThrow(ChannelFullError);
    expect(await Promise.all(pulls)).toEqual([0, 1, 2]);
  });
});

describe('ts-chan Chan > close', () => {
  // ts-chan: "should close the channel and notify receivers"
  it('close fails a parked puller with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const p = ch.pull();
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // ts-chan: "should close the channel and notify senders"
  it('close fails a parked pusher with ChannelClosedError and its value is not delivered', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // ts-chan: "should throw CloseOfClosedChannelError when closing a closed channel" — chanasync's
  // close is idempotent and only the first reason counts (SPEC "Closing"; README "Close").
  it('closing twice does nothing; the first reason stays', async () => {
    const ch = new Channel<number>();
    const first = new Error('first');
    ch.close(first);
    expect(() => ch.close(new Error('second'))).not.toThrow();
    const err = await ch.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as ChannelClosedError).cause).toBe(first);
  });

  // ts-chan: "complete buffer filling on close" — in ts-chan, senders staged behind a full buffer are
  // moved into the buffer on close before the rest are discarded. In chanasync a freed slot is refilled
  // from the parked pushers at once (README "Ordering"), so at close the buffer is already full and
  // every still-parked pusher fails (SPEC: "Every parked pusher rejects with ChannelClosedError").
  it('buffer of 4 with 6 parked pushers: pulls refill the buffer in order; close keeps the buffer and fails the rest', async () => {
    const ch = new Channel<number>(4);
    const pushes = Array.from({ length: 10 }, (_, i) => track(ch.push(i)));
    await tick();
    expect(ch.size).toBe(4);
    expect(ch.stats().waitingPushers).toBe(6);
    expect(ch.pullNowait()).toBe(0);
    expect(ch.pullNowait()).toBe(1);
    expect(ch.size).toBe(4);
    expect(ch.stats().waitingPushers).toBe(4);
    ch.close();
    expect(ch.size).toBe(4);
    await tick();
    const states = pushes.map((p) => p.state());
    expect(states).toEqual([...Array(6).fill('fulfilled'), ...Array(4).fill('rejected')]);
    for (const p of pushes.slice(6)) expect(p.value()).toBeInstanceOf(ChannelClosedError);
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect(rest).toEqual([2, 3, 4, 5]);
  });
});

describe('ts-chan Chan > removeReceiver / removeSender', () => {
  // ts-chan: removeReceiver "should remove a specified receiver callback" — in chanasync a pull is
  // withdrawn with its signal; it then hears nothing from close.
  it('an aborted pull is withdrawn: close does not touch it and a later value is not lost', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(ch.stats().waitingPullers).toBe(0);
    await ch.push(7);
    expect(ch.pullNowait()).toBe(7);
    ch.close();
  });

  // ts-chan: removeSender "should remove a specified sender callback"
  it('an aborted push is withdrawn: its value never arrives', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    ac.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });
});

describe('ts-chan Chan > multiple senders and receivers, capacities', () => {
  // ts-chan: "should handle multiple senders and receivers correctly"
  it('5 buffered values are received in order by 5 pulls', async () => {
    const ch = new Channel<string>(5);
    const sent = ['a', 'b', 'c', 'd', 'e'];
    for (const v of sent) ch.pushNowait(v);
    const got = await Promise.all(sent.map(() => ch.pull()));
    expect(got).toEqual(sent);
  });

  // ts-chan: "should handle edge case where channel is full"
  it('a second push on a full capacity-1 channel waits; the first value comes out first', async () => {
    const ch = new Channel<string>(1);
    await ch.push('test1');
    const second = track(ch.push('test2'));
    await tick();
    expect(second.state()).toBe('pending');
    expect(ch.size).toBe(1);
    expect(await ch.pull()).toBe('test1');
    await tick();
    expect(second.state()).toBe('fulfilled');
    expect(await ch.pull()).toBe('test2');
  });

  // ts-chan: "should handle edge case where channel is empty"
  it('a pull parked on an empty buffered channel fails on close', async () => {
    const ch = new Channel<number>(1);
    const p = ch.pull();
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // ts-chan: "Concurrency behavior > should handle concurrent senders and receivers"
  it('1000 pushes and pulls scheduled from separate macrotasks all complete, nothing lost', async () => {
    const ch = new Channel<number>(1000);
    const pushes: Promise<void>[] = [];
    const pulls: Promise<number>[] = [];
    await new Promise<void>((resolve) => {
      let left = 1000;
      for (let i = 0; i < 1000; i++) {
        setTimeout(() => {
          pushes.push(ch.push(i));
          pulls.push(ch.pull());
          if (--left === 0) resolve();
        }, 0);
      }
    });
    await Promise.all(pushes);
    const got = await Promise.all(pulls);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('ts-chan Chan > trySend / tryRecv', () => {
  // ts-chan: trySend "should send a value successfully" / "should not send when channel is full"
  it('tryPush succeeds while there is room, then returns false', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.pullNowait()).toBe(1);
  });

  // ts-chan: trySend "should throw an error when sending on a closed channel" — chanasync's tryPush
  // never throws for a closed channel (SPEC: "returns false — never throws"); pushNowait throws.
  it('on a closed channel tryPush returns false and pushNowait throws ChannelClosedError', () => {
    const ch = new Channel<number>();
    ch.close();
    expect(ch.tryPush(1)).toBe(false);
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
  });

  // ts-chan: tryRecv "should receive a value successfully" / "should not return a value when empty"
  // / "should return done when the channel is closed" — chanasync: tryPull gives undefined for both
  // empty and closed; `closed` (or pullNowait) tells them apart (SPEC tryPull).
  it('tryPull returns the value, then undefined when empty and when closed; pullNowait tells which', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    ch.close();
    expect(ch.tryPull()).toBeUndefined();
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('ts-chan Chan > send / recv with signals', () => {
  // ts-chan: send "should send a value successfully" / "should return a promise" / "should reject
  // when the channel is closed"
  it('push returns a promise that resolves on commit and rejects on a closed channel', async () => {
    const ch = new Channel<number>(1);
    const p = ch.push(1);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).resolves.toBeUndefined();
    ch.close();
    await expect(ch.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // ts-chan: send "bulk sends abort signal"
  it('5 pushes parked with one signal: 2 taken, the abort fails the other 3 with the reason and leaves no waiter', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const log: unknown[] = [];
    const all = [0, 1, 2, 3, 4].map((j) =>
      ch.push(j, { signal: ac.signal }).then(
        () => log.push([j, 'ok']),
        (e: unknown) => log.push([j, `error: ${String(e)}`]),
      ),
    );
    await tick();
    expect(ch.stats().waitingPushers).toBe(5);
    expect(ch.pullNowait()).toBe(0);
    expect(ch.stats().waitingPushers).toBe(4);
    expect(ch.pullNowait()).toBe(1);
    expect(ch.stats().waitingPushers).toBe(3);
    expect(ch.tryPush(55)).toBe(false);
    ac.abort('some abort reason');
    expect(ch.stats().waitingPushers).toBe(0);
    await Promise.all(all);
    expect(log).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'error: some abort reason'],
      [3, 'error: some abort reason'],
      [4, 'error: some abort reason'],
    ]);
  });

  // ts-chan: send "bulk sends close channel"
  it('3 parked pushes all fail with ChannelClosedError on close, in order, leaving no waiter', async () => {
    const ch = new Channel<number>(0, { name: 'bulk' });
    const log: unknown[] = [];
    const all = [0, 1, 2].map((j) =>
      ch.push(j).catch((e: unknown) => log.push([j, (e as Error).name, (e as Error).message])),
    );
    await tick();
    expect(ch.stats().waitingPushers).toBe(3);
    ch.close();
    expect(ch.stats().waitingPushers).toBe(0);
    await Promise.all(all);
    expect(log.map((l) => (l as unknown[])[0])).toEqual([0, 1, 2]);
    for (const l of log as [number, string, string][]) {
      expect(l[1]).toBe('ChannelClosedError');
      // SPEC "Errors": the message names the channel and the operation.
      expect(l[2]).toContain('bulk');
      expect(l[2]).toContain('push');
    }
  });

  // ts-chan: send "dodgy abort signal remove listener impl case 1" — ts-chan surfaces the
  // removeEventListener error through tryRecv and the send. chanasync ignores it: "A signal whose
  // removeEventListener throws does not disturb a commit: the error is ignored … the value goes to
  // the operation that took it and the other side settles" (README, Cancellation).
  it('a duck-typed signal whose removeEventListener throws does not disturb the commit', async () => {
    const ch = new Channel<number>();
    const listeners: ((...args: unknown[]) => unknown)[] = [];
    let removes = 0;
    const signal = {
      aborted: false,
      reason: undefined,
      addEventListener: (_type: string, fn: (...args: unknown[]) => unknown) => {
        listeners.push(fn);
      },
      removeEventListener: () => {
        removes++;
        throw new Error('some error');
      },
      throwIfAborted() {},
    } as unknown as AbortSignal;
    const p = ch.push(123, { signal });
    expect(listeners.length).toBe(1);
    await tick();
    expect(ch.stats().waitingPushers).toBe(1);
    expect(() => ch.pullNowait()).not.toThrow();
    expect(ch.stats().waitingPushers).toBe(0);
    await expect(p).resolves.toBeUndefined();
    expect(removes).toBeLessThanOrEqual(1);
  });

  // ts-chan: send "dodgy abort signal remove listener impl case 2" — ts-chan's listener, called by
  // hand, cancels the send. chanasync: "an abort event dispatched by hand on a signal that is not
  // aborted cancels nothing: signal.aborted is what counts" (README, Cancellation).
  it("a duck-typed signal's listener called by hand cancels only once the signal reports aborted", async () => {
    const ch = new Channel<number>();
    const listeners: ((...args: unknown[]) => unknown)[] = [];
    const state = { aborted: false, reason: undefined as unknown };
    const signal = {
      get aborted() {
        return state.aborted;
      },
      get reason() {
        return state.reason;
      },
      addEventListener: (_type: string, fn: (...args: unknown[]) => unknown) => {
        listeners.push(fn);
      },
      removeEventListener: () => {
        throw new Error('some error');
      },
      throwIfAborted() {},
    } as unknown as AbortSignal;
    const p = track(ch.push(123, { signal }));
    await tick();
    listeners[0]?.({ type: 'abort' });
    await tick();
    expect(p.state()).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    state.aborted = true;
    state.reason = 'by hand';
    listeners[0]?.({ type: 'abort' });
    await tick();
    expect(ch.stats().waitingPushers).toBe(0);
    expect(p.state()).toBe('rejected');
    expect(p.value()).toBe('by hand');
    expect(ch.tryPull()).toBeUndefined();
  });

  // ts-chan: recv "bulk receives abort signal"
  it('6 pulls parked with one signal: 2 served by tryPush, the abort fails the other 4 and leaves no waiter', async () => {
    const ch = new Channel<string>();
    const ac = new AbortController();
    const log: unknown[] = [];
    const all = [0, 1, 2, 3, 4, 5].map((j) =>
      ch.pull({ signal: ac.signal }).then(
        (v) => log.push([j, v]),
        (e: unknown) => log.push([j, `error: ${String(e)}`]),
      ),
    );
    await tick();
    expect(ch.stats().waitingPullers).toBe(6);
    expect(ch.tryPush('a')).toBe(true);
    expect(ch.stats().waitingPullers).toBe(5);
    expect(ch.tryPush('b')).toBe(true);
    expect(ch.stats().waitingPullers).toBe(4);
    expect(ch.tryPull()).toBeUndefined();
    ac.abort('some abort reason');
    expect(ch.stats().waitingPullers).toBe(0);
    await Promise.all(all);
    expect(log).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'error: some abort reason'],
      [3, 'error: some abort reason'],
      [4, 'error: some abort reason'],
      [5, 'error: some abort reason'],
    ]);
    // the aborted pulls consumed nothing: a later value is still there for a new puller
    const later = ch.pull();
    expect(ch.tryPush('c')).toBe(true);
    await expect(later).resolves.toBe('c');
  });

  // ts-chan: recv "bulk receives close channel with defaults" — ts-chan resolves {done, value: default};
  // chanasync rejects every parked pull with ChannelClosedError (SPEC "Closing"), cause = reason.
  it('3 parked pulls all fail with ChannelClosedError on close(reason), each with that cause', async () => {
    const ch = new Channel<string>();
    const reason = new Error('shutdown');
    const all = [ch.pull(), ch.pull(), ch.pull()].map((p) => p.catch((e: unknown) => e));
    await tick();
    expect(ch.stats().waitingPullers).toBe(3);
    ch.close(reason);
    expect(ch.stats().waitingPullers).toBe(0);
    for (const e of await Promise.all(all)) {
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect((e as ChannelClosedError).cause).toBe(reason);
    }
  });
});

describe('ts-chan ChanIterator / ChanAsyncIterator', () => {
  // ts-chan: ChanIterator "receives all values correctly when you send asynchronously no buffer"
  // (a sync iterator over parked senders). chanasync has no sync iterator; pullNowait drains the
  // parked pushers in order.
  it('parked pushers on an unbuffered channel are drained by pullNowait in order', async () => {
    const ch = new Channel<number>();
    const pushes = [0, 1, 2, 3, 4].map((i) => ch.push(i));
    const out: number[] = [];
    for (;;) {
      const r = ch.tryPull();
      if (r === undefined) break;
      out.push(r);
    }
    expect(out).toEqual([0, 1, 2, 3, 4]);
    ch.close();
    await Promise.all(pushes);
  });

  // ts-chan: ChanAsyncIterator "receives all values correctly when you send then close"
  it('for await receives every value of a producer that then closes', async () => {
    const ch = new Channel<number>();
    const out: number[] = [];
    await Promise.all([
      (async () => {
        for (let i = 0; i < 5; i++) await ch.push(i);
        ch.close();
      })(),
      (async () => {
        for await (const v of ch) out.push(v);
      })(),
    ]);
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  // ts-chan: ChanAsyncIterator "unblocks on return"
  it('return() on an iterator whose next() is parked resolves that next() done and does not close the channel', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    const iter = ch[Symbol.asyncIterator]();
    const values: number[] = [];
    const loop = (async () => {
      for (;;) {
        const r = await iter.next();
        if (r.done) break;
        values.push(r.value);
      }
    })();
    while (ch.size > 0) await tick();
    await tick();
    expect(ch.stats().waitingPullers).toBe(1);
    await iter.return?.();
    await loop;
    expect(values).toEqual([0, 1, 2, 3, 4]);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
    // no value pushed afterwards goes to the consumer that left (README "Iteration")
    ch.pushNowait(9);
    expect(ch.pullNowait()).toBe(9);
  });

  // ts-chan: ChanAsyncIterator "unblocks on throw for async iterator" — leaving a for-await by a
  // throw does not close the channel and loses no value (SPEC "Iteration").
  it('a throw out of a for await loop leaves the remaining values in the channel', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    const values: number[] = [];
    const expected = new Error('some error');
    await expect(
      (async () => {
        for await (const v of ch) {
          values.push(v);
          if (v === 2) throw expected;
        }
      })(),
    ).rejects.toBe(expected);
    expect(values).toEqual([0, 1, 2]);
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(2);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4]);
  });

  // ts-chan: ChanIterator "iterate on buffered channel synchronously" — several iterators of one
  // channel, values refilled while iterating, close inside the loop ends it after the buffer drains.
  it('close() inside a for await loop ends it only after the values already buffered', async () => {
    const ch = new Channel<number>(5);
    for (let i = 3; i < 8; i++) ch.pushNowait(i);
    const out: number[] = [];
    for await (const v of ch) {
      out.push(v);
      if (v === 5) ch.close();
    }
    expect(out).toEqual([3, 4, 5, 6, 7]);
  });

  // ts-chan: ChanIterator — `iter !== chan[Symbol.iterator]()`: each call gives a new iterator; two
  // iterators share the values (SPEC: "each value goes to exactly one of them").
  it('two iterators of one channel are distinct and split the values', async () => {
    const ch = new Channel<number>(4);
    const a = ch[Symbol.asyncIterator]();
    const b = ch[Symbol.asyncIterator]();
    expect(a).not.toBe(b);
    for (let i = 0; i < 4; i++) ch.pushNowait(i);
    const got = [await a.next(), await b.next(), await a.next(), await b.next()].map((r) => r.value);
    expect(got).toEqual([0, 1, 2, 3]);
  });
});
