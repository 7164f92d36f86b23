// Audit BR-peers-d: denoland/std async/channel_test.ts ported onto chanasync's Channel.
// Deno's Channel takes `{ capacity }` and names its methods send/receive/trySend/tryReceive;
// chanasync's are push/pull/tryPush/tryPull. Each test names the Deno test it comes from.
import { Channel, ChannelClosedError, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, flush, settle } from './helpers.js';

describe('Deno channel_test: constructor', () => {
  // From "Channel() defaults to unbuffered (capacity 0)".
  it('defaults to unbuffered', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
  });

  // From "Channel() throws for invalid capacity". Adaptation: Deno refuses Infinity; chanasync
  // accepts it (SPEC: "`Infinity` is unbounded"). -1, 1.5, NaN are RangeErrors in both.
  it('rejects -1, 1.5 and NaN with RangeError and accepts Infinity', () => {
    for (const c of [-1, 1.5, Number.NaN]) expect(() => new Channel(c)).toThrow(RangeError);
    expect(new Channel(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Deno channel_test: buffered and unbuffered', () => {
  // From "Channel.receive() returns buffered values in FIFO order" and "ring buffer wraps around".
  it('buffers in FIFO order and wraps around', async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    await ch.push(2);
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(1);
    await ch.push(3);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    expect(ch.size).toBe(0);
  });

  // From "Channel.send() blocks until receive on unbuffered channel" and the receive twin.
  it('rendezvous: push waits for a pull, pull waits for a push', async () => {
    const ch = new Channel<number>();
    let sent = false;
    const sending = ch.push(42).then(() => {
      sent = true;
    });
    await flush();
    expect(sent).toBe(false);
    expect(await ch.pull()).toBe(42);
    await sending;
    expect(sent).toBe(true);

    let received: number | undefined;
    const receiving = ch.pull().then((v) => {
      received = v;
    });
    await flush();
    expect(received).toBeUndefined();
    await ch.push(99);
    await receiving;
    expect(received).toBe(99);
  });

  // From "Channel.send() blocks when buffer is full" and "receive() unblocks senders in FIFO order".
  it('parked pushers are released and delivered in FIFO order', async () => {
    const ch = new Channel<number>(1);
    await ch.push(0);
    const order: number[] = [];
    const ps = [1, 2, 3].map((v) => ch.push(v).then(() => order.push(v)));
    await flush();
    expect(order).toEqual([]);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    await Promise.all(ps);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([1, 2, 3]);
  });

  // From "Channel.send() delivers to waiting receivers in FIFO order".
  it('delivers to parked pullers in FIFO order', async () => {
    const ch = new Channel<number>();
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    await ch.push(10);
    await ch.push(20);
    await ch.push(30);
    expect(await Promise.all(pulls)).toEqual([10, 20, 30]);
  });
});

describe('Deno channel_test: close', () => {
  // From "Channel.close() sets closed to true and is idempotent".
  it('close is idempotent; the first reason counts', async () => {
    const ch = new Channel<number>();
    expect(ch.closed).toBe(false);
    ch.close(new Error('first'));
    ch.close(new Error('second'));
    expect(ch.closed).toBe(true);
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as ChannelClosedError).cause).toEqual(new Error('first'));
  });

  // From "Channel.send() rejects on closed channel" / "close() rejects a pending sender" /
  // "rejects multiple pending senders". Adaptation: Deno's error carries `.value`; chanasync's
  // ChannelClosedError carries `channel` (README Errors) and the value is simply not delivered.
  it('push on a closed channel and parked pushes reject with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const p1 = ch.push(1);
    const p2 = ch.push(2);
    ch.close();
    for (const p of [p1, p2, ch.push(3)]) {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect((e as ChannelClosedError).channel).toBe(ch);
    }
    expect(ch.tryPull()).toBeUndefined();
  });

  // From "Channel.close() rejects multiple pending receivers" and "receive() drains buffered
  // values before rejecting".
  it('drains buffered values before rejecting pulls; parked pulls reject', async () => {
    const parked = new Channel<number>();
    const a = parked.pull();
    const b = parked.pull();
    parked.close();
    await expect(a).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(b).rejects.toBeInstanceOf(ChannelClosedError);

    const ch = new Channel<number>(4);
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // From "Channel.close(reason) causes future receive to reject with reason", "drains buffer then
  // rejects with reason" and "rejects pending receivers with reason". Adaptation: Deno rejects
  // with the reason itself; chanasync's pull rejects with ChannelClosedError whose `cause` is the
  // reason (SPEC pull: "rejects with ChannelClosedError (whose cause is the reason …)").
  it('close(reason): pulls reject with ChannelClosedError carrying the reason as cause', async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    const reason = new Error('upstream failure');
    ch.close(reason);
    expect(await ch.pull()).toBe(1);
    const e = await ch.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(reason);

    const ch2 = new Channel<number>();
    const p1 = ch2.pull();
    const p2 = ch2.pull();
    ch2.close(reason);
    for (const p of [p1, p2]) expect(((await p.catch((x: unknown) => x)) as Error).cause).toBe(reason);
  });

  // From "Channel.close(reason) still rejects pending senders with ChannelClosedError".
  it('close(reason) rejects parked pushes with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const p = ch.push(7);
    ch.close(new Error('reason'));
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // From "Channel.close(undefined) as explicit reason rejects with undefined". Adaptation:
  // chanasync reads close(undefined) as no reason (SPEC Closing: "throws reason after
  // close(reason) with a reason other than undefined"), so iteration ends normally and the
  // error has no cause.
  it('close(undefined) is a close without reason', async () => {
    const ch = new Channel<number>();
    ch.close(undefined);
    const e = await ch.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect('cause' in (e as object)).toBe(false);
    expect(await collect(ch)).toEqual([]);
  });
});

describe('Deno channel_test: trySend / tryReceive', () => {
  // From "trySend() buffers when space available", "returns false when full, closed, or no
  // receiver" and "delivers to waiting receiver".
  it('tryPush commits when possible and returns false otherwise', async () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(true);
    expect(ch.tryPush(3)).toBe(false);
    const closed = new Channel<number>(1);
    closed.close();
    expect(closed.tryPush(1)).toBe(false);
    const unbuffered = new Channel<number>();
    expect(unbuffered.tryPush(1)).toBe(false);
    const waiting = unbuffered.pull();
    expect(unbuffered.tryPush(42)).toBe(true);
    expect(await waiting).toBe(42);
  });

  // From the tryReceive tests. Adaptation: Deno returns { state }; chanasync's tryPull returns the
  // value or undefined (SPEC second map), and pullNowait tells empty from closed by its error.
  it('tryPull / pullNowait: value, empty, drained-then-closed, undefined values', async () => {
    const ch = new Channel<number | undefined>(2);
    expect(ch.tryPull()).toBeUndefined();
    expect(() => ch.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelEmptyError' }));
    await ch.push(undefined);
    await ch.push(1);
    ch.close();
    expect(ch.pullNowait()).toBeUndefined(); // the value undefined, not "nothing"
    expect(ch.tryPull()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    expect(ch.tryPull()).toBeUndefined();
  });

  // From "tryReceive() drains from waiting sender on unbuffered channel" and "promotes blocked
  // sender into buffer".
  it('tryPull takes a parked push and promotes the next parked push into the buffer', async () => {
    const un = new Channel<number>();
    const sending = un.push(7);
    expect(un.tryPull()).toBe(7);
    await sending;

    const ch = new Channel<number>(1);
    await ch.push(1);
    const p = ch.push(2);
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    await p;
    expect(await ch.pull()).toBe(2);
  });
});

describe('Deno channel_test: AbortSignal', () => {
  // From "Channel.send() rejects when signal is already aborted" and the receive twin.
  it('an already aborted signal rejects with its reason and leaves the channel open', async () => {
    const ch = new Channel<number>(1);
    const signal = AbortSignal.abort('stopped');
    await expect(ch.push(42, { signal })).rejects.toBe('stopped');
    await expect(ch.pull({ signal })).rejects.toBe('stopped');
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(0);
  });

  // From "send()/receive() rejects when signal aborts while waiting".
  it('an abort while parked rejects with the reason', async () => {
    const ch = new Channel<number>();
    const c1 = new AbortController();
    const c2 = new AbortController();
    const p = ch.push(42, { signal: c1.signal });
    c1.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    const q = ch.pull({ signal: c2.signal });
    c2.abort(new Error('cancelled too'));
    await expect(q).rejects.toThrow('cancelled too');
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // From "send() ignores signal on immediate delivery", "receive() ignores signal on immediate
  // delivery", "delivers to receiver even with signal attached".
  it('an abort after an immediate commit changes nothing', async () => {
    const ch = new Channel<number>(1);
    const c = new AbortController();
    await ch.push(42, { signal: c.signal });
    c.abort();
    expect(ch.size).toBe(1);
    const c2 = new AbortController();
    expect(await ch.pull({ signal: c2.signal })).toBe(42);
    c2.abort();
  });

  // From "Channel.close() rejects signal-attached sender/receiver with ChannelClosedError".
  it('close() fails signal-attached parked operations with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.push(7, { signal: c.signal });
    const q = new Channel<number>();
    const r = q.pull({ signal: c.signal });
    ch.close();
    q.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(r).rejects.toBeInstanceOf(ChannelClosedError);
    c.abort(); // too late: nothing changes
  });

  // From "send() abort eagerly removes middle sender from deque" and the receive twin, plus
  // "close() does not see previously aborted sender/receiver".
  it('an aborted middle waiter leaves the queue; the others keep FIFO order', async () => {
    const ch = new Channel<number>();
    const p1 = ch.push(1);
    const c2 = new AbortController();
    const p2 = ch.push(2, { signal: c2.signal });
    const p3 = ch.push(3);
    c2.abort(new Error('abort-middle'));
    await expect(p2).rejects.toThrow('abort-middle');
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(3);
    await Promise.all([p1, p3]);

    const r1 = ch.pull();
    const c5 = new AbortController();
    const r2 = ch.pull({ signal: c5.signal });
    const r3 = ch.pull();
    c5.abort(new Error('abort-middle'));
    await expect(r2).rejects.toThrow('abort-middle');
    await ch.push(10);
    await ch.push(30);
    expect(await r1).toBe(10);
    expect(await r3).toBe(30);
    const r4 = ch.pull();
    ch.close();
    await expect(r4).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('Deno channel_test: iteration and streams', () => {
  // From "async iteration drains until closed", "throws on close with reason", "throws reason
  // immediately when no buffer" and "works with concurrent producer".
  it('for await drains, ends after close(), throws the reason after close(reason)', async () => {
    const ch = new Channel<number>(2);
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await ch.push(i);
      ch.close();
    })();
    expect(await collect(ch)).toEqual([0, 1, 2, 3, 4]);
    await producer;

    const failing = new Channel<number>(2);
    await failing.push(1);
    const reason = new Error('fail');
    failing.close(reason);
    const seen: number[] = [];
    const r = await settle(
      (async () => {
        for await (const v of failing) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(r).toEqual({ ok: false, error: reason });
  });

  // From "toReadableStream() yields buffered values then closes", "works with concurrent
  // producer" and "errors on close with reason".
  it('toReadableStream yields values, closes, and errors with the close reason', async () => {
    const ch = new Channel<number>(2);
    void (async () => {
      for (let i = 0; i < 5; i++) await ch.push(i);
      ch.close();
    })();
    expect(await collect(toReadableStream(ch))).toEqual([0, 1, 2, 3, 4]);

    const failing = new Channel<number>(2);
    await failing.push(1);
    failing.close(new Error('fail'));
    const seen: number[] = [];
    const r = await settle(
      (async () => {
        for await (const v of toReadableStream(failing)) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error.message).toBe('fail');
  });

  // From "toReadableStream() cancel closes the channel" / "cancel(reason) forwards reason to
  // close" / "cancel() without reason keeps no-reason close". Adaptation: chanasync's contract
  // is the opposite — "Cancelling the stream stops pulling, consumes nothing more and does not
  // close the channel" (SPEC Interop); `closeOnCancel: true` closes it, without the cancel reason
  // (README Semantic details, Interop).
  it('cancel leaves the channel open; closeOnCancel closes it without the reason', async () => {
    const ch = new Channel<number>(2);
    await toReadableStream(ch).cancel(new Error('stream-cancelled'));
    expect(ch.closed).toBe(false);
    await ch.push(5);
    expect(await ch.pull()).toBe(5);

    await toReadableStream(ch, { closeOnCancel: true }).cancel(new Error('stream-cancelled'));
    expect(ch.closed).toBe(true);
    const e = await ch.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBeUndefined();
  });

  // From "toReadableStream() multiple streams share values FIFO".
  it('two streams over one channel share its values, each exactly once', async () => {
    const ch = new Channel<number>(8);
    for (let i = 0; i < 6; i++) await ch.push(i);
    ch.close();
    const a = toReadableStream(ch).getReader();
    const b = toReadableStream(ch).getReader();
    const got: number[] = [];
    for (;;) {
      const x = await a.read();
      if (x.done) break;
      got.push(x.value);
      const y = await b.read();
      if (y.done) break;
      got.push(y.value);
    }
    expect(got.sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5]);
    await a.cancel();
    await b.cancel();
  });

  // From "Channel[Symbol.dispose]() closes the channel" and the asyncDispose twin.
  it('dispose and asyncDispose close the channel', async () => {
    const a = new Channel<number>();
    a[Symbol.dispose]();
    expect(a.closed).toBe(true);
    const b = new Channel<number>();
    await b[Symbol.asyncDispose]();
    expect(b.closed).toBe(true);
  });
});
