// Audit BR-peers-f: behaviour checked by apple/swift-async-algorithms'
// Tests/AsyncAlgorithmsTests/TestChannel.swift and TestThrowingChannel.swift, ported onto
// chanasync's capacity-0 Channel. AsyncChannel.send ≈ push (back-pressured: rendezvous),
// finish() ≈ close(), fail(error) ≈ close(error), Task.cancel() ≈ an AbortSignal aborting.
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { Failure, track, turn, turns } from './util.js';

describe('swift TestChannel / TestThrowingChannel ported', () => {
  // From test_asyncChannel_delivers_elements_when_several_producers_and_several_consumers
  // (and its AsyncThrowingChannel twin).
  it('delivers every element once with several producers and several consumers', async () => {
    const ch = new Channel<number>();
    const sents = Array.from({ length: 10 }, (_, i) => i + 1);
    const pushes = sents.map((v) => ch.push(v));
    const consumers = sents.map(async () => {
      const it = ch[Symbol.asyncIterator]();
      const r = await it.next();
      expect(r.done).toBe(false);
      return r.value as number;
    });
    const got = await Promise.all(consumers);
    await Promise.all(pushes);
    expect(new Set(got)).toEqual(new Set(sents));
    expect(got).toHaveLength(10);
    // chanasync's FIFO rule (SPEC "Parked pushers are served in FIFO order, and so are parked
    // pullers") makes it more than a set: the pushes parked first, each consumer got them in order.
    expect(got).toEqual(sents);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // Same peer test, consumers parked first and producers later.
  it('delivers every element once when consumers park before producers', async () => {
    const ch = new Channel<number>();
    const consumers = Array.from({ length: 10 }, () => ch.pull());
    await turn();
    for (let i = 1; i <= 10; i++) await ch.push(i);
    expect(await Promise.all(consumers)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  // From test_asyncChannel_resumes_producers_and_discards_additional_elements_when_finish_is_called.
  // Difference: Swift resumes the suspended sends normally and lets a later send return at once;
  // chanasync's SPEC says "Every parked pusher rejects with ChannelClosedError; its value is not
  // added" and push "Rejects with ChannelClosedError if the channel is closed".
  it('close() fails the parked pushes, discards their values and refuses later pushes', async () => {
    const ch = new Channel<number>();
    const p1 = track(ch.push(1));
    const p2 = track(ch.push(2));
    await turn();
    expect(ch.stats().waitingPushers).toBe(2);
    ch.close();
    await turn();
    expect(p1.state).toBe('rejected');
    expect(p2.state).toBe('rejected');
    expect(p1.error).toBeInstanceOf(ChannelClosedError);
    expect(p2.error).toBeInstanceOf(ChannelClosedError);
    await expect(ch.push(3)).rejects.toBeInstanceOf(ChannelClosedError);
    const collected: number[] = [];
    for await (const v of ch) collected.push(v);
    expect(collected).toEqual([]);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
  });

  // From test_asyncThrowingChannel_resumes_producers_and_discards_additional_elements_when_fail_is_called.
  it('close(reason) fails the parked pushes; iteration throws the reason and collects nothing', async () => {
    const ch = new Channel<number>();
    const p1 = track(ch.push(1));
    const p2 = track(ch.push(2));
    await turn();
    const failure = new Failure();
    ch.close(failure);
    await turn();
    expect(p1.error).toBeInstanceOf(ChannelClosedError);
    expect(p2.error).toBeInstanceOf(ChannelClosedError);
    await expect(ch.push(3)).rejects.toBeInstanceOf(ChannelClosedError);
    const collected: number[] = [];
    let caught: unknown;
    try {
      for await (const v of ch) collected.push(v);
    } catch (e) {
      caught = e;
    }
    expect(collected).toEqual([]);
    expect(caught).toBe(failure);
  });

  // From test_asyncChannel_resumes_consumers_when_finish_is_called (and the throwing twin):
  // parked iterations end (`done`), and a fresh iterator past the end ends too.
  it('close() ends the parked iterations, and a new iterator past the end is done', async () => {
    const ch = new Channel<number>();
    const n1 = ch[Symbol.asyncIterator]().next();
    const n2 = ch[Symbol.asyncIterator]().next();
    await turn();
    expect(ch.stats().waitingPullers).toBe(2);
    ch.close();
    expect(await n1).toEqual({ done: true, value: undefined });
    expect(await n2).toEqual({ done: true, value: undefined });
    const pastEnd = await ch[Symbol.asyncIterator]().next();
    expect(pastEnd.done).toBe(true);
    // and the plain pull: SPEC "When the channel is closed and its buffer is empty it rejects".
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // From test_asyncThrowingChannel_resumes_consumers_when_fail_is_called.
  it('close(reason) makes every parked iteration throw the reason', async () => {
    const ch = new Channel<number>();
    const n1 = ch[Symbol.asyncIterator]().next();
    const n2 = ch[Symbol.asyncIterator]().next();
    const pl = ch.pull();
    await turn();
    const failure = new Failure();
    ch.close(failure);
    await expect(n1).rejects.toBe(failure);
    await expect(n2).rejects.toBe(failure);
    // A plain pull rejects with ChannelClosedError whose cause is the reason (SPEC).
    const err = await pl.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as ChannelClosedError).cause).toBe(failure);
  });

  // From test_asyncThrowingChannel_resumes_consumer_when_fail_is_called and
  // test_asyncThrowingChannel_resumes_consumer_with_error_when_already_failed. Difference: Swift's
  // iterator throws once, then its next() is nil ("the past failure should not throw"), as a JS
  // async generator would be done after a throw. chanasync's iterator is a view on the channel:
  // every next() pulls, and the README says it "throws the reason after close(reason)" — so the
  // SAME iterator throws the reason again, and so does a new one. Recorded, not a finding.
  it('after close(reason) the same iterator throws the reason on every next()', async () => {
    const ch = new Channel<number>();
    const failure = new Failure();
    ch.close(failure);
    const it = ch[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBe(failure);
    await expect(it.next()).rejects.toBe(failure);
    await expect(ch[Symbol.asyncIterator]().next()).rejects.toBe(failure);
  });

  // AsyncThrowingChannel: a fail() after finish() is ignored (the terminal state is the first).
  // chanasync: "close() is idempotent: only the first call's reason counts" (README).
  it('close() then close(reason): iteration ends normally, the later reason is ignored', async () => {
    const ch = new Channel<number>();
    ch.close();
    ch.close(new Failure());
    const seen: number[] = [];
    for await (const v of ch) seen.push(v);
    expect(seen).toEqual([]);
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as Error).cause).toBeUndefined();
  });

  // From test_asyncChannel_resumes_producer_when_task_is_cancelled: the cancelled first send
  // resumes, and the consumer then receives the SECOND element (the first was not delivered).
  // Difference: Swift's cancelled send returns normally; chanasync's push rejects with
  // signal.reason (SPEC "Rejects with signal.reason if the signal is aborted before the commit").
  it('an aborted parked push leaves no trace; the next consumer gets the other producer’s value', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p1 = track(ch.push(1, { signal: ac.signal }));
    const p2 = track(ch.push(2));
    await turn();
    ac.abort(new Failure());
    await turn();
    expect(p1.state).toBe('rejected');
    expect(p1.error).toBeInstanceOf(Failure);
    expect(ch.stats().waitingPushers).toBe(1);
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 2 });
    await turn();
    expect(p2.state).toBe('fulfilled');
  });

  // From test_asyncChannel_resumes_consumer_when_task_is_cancelled: the cancelled first consumer
  // resumes (Swift: nil; chanasync: rejects with the reason) and the element sent afterwards
  // goes to the second consumer, not to the cancelled one.
  it('an aborted parked pull leaves no trace; the next push goes to the remaining consumer', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const c1 = track(ch.pull({ signal: ac.signal }));
    const c2 = ch.pull();
    await turn();
    ac.abort();
    await turn();
    expect(c1.state).toBe('rejected');
    expect((c1.error as Error).name).toBe('AbortError');
    await ch.push(1);
    expect(await c2).toBe(1);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // Same peer test, through the iterator: an iterator's next() has no signal; its return()
  // withdraws the parked pull (README "Its return() withdraws the pulls its next() calls left
  // parked, which then resolve done") — the closest analogue of cancelling the iterating task.
  it('iterator.return() while next() waits: next() resolves done and a later push skips it', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const n1 = it1.next();
    const c2 = ch.pull();
    await turn();
    await it1.return?.();
    expect(await n1).toEqual({ done: true, value: undefined });
    await ch.push(1);
    expect(await c2).toBe(1);
    expect(ch.closed).toBe(false);
  });

  // A Swift test idea (cancelled send after the element was taken): a signal aborting after the
  // commit changes nothing (SPEC "A value committed to a waiter is never taken back").
  it('an abort after the rendezvous committed changes nothing', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(7, { signal: ac.signal });
    const v = ch.pullNowait();
    ac.abort();
    expect(v).toBe(7);
    await expect(p).resolves.toBeUndefined();
  });

  // Back-pressure of AsyncChannel.send: a send suspends until a consumer takes the element.
  it('push on a capacity-0 channel resolves only once a pull took the value', async () => {
    const ch = new Channel<string>();
    const p = track(ch.push('a'));
    await turns(3);
    expect(p.state).toBe('pending');
    expect(ch.size).toBe(0);
    expect(await ch.pull()).toBe('a');
    await turn();
    expect(p.state).toBe('fulfilled');
  });
});
