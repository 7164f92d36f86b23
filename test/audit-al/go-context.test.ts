/**
 * Go's src/context/context_test.go (golang/go, the tests of x_test.go / context_test.go),
 * ported to chanasync's cancellation: an AbortSignal plays context.Context's Done/Err/Cause for
 * every operation (`push`/`pull`/`select`/`pullMany`/`pushAll` with `{ signal }`, `after`/
 * `ticker` with a signal). WithCancel ≈ AbortController, a child context ≈ AbortSignal.any,
 * WithTimeout/WithDeadline ≈ AbortSignal.timeout, context.Cause ≈ signal.reason.
 */
import { getEventListeners } from 'node:events';
import { after as afterMs, Channel, ChannelClosedError, pull, push, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { SLACK, sleep, state } from './util.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

/** One parked operation of each kind on `signal`, on fresh channels. */
function parkAll(signal: AbortSignal) {
  const a = new Channel<number>();
  const b = new Channel<number>(1);
  b.pushNowait(0); // full: a push parks
  const c = new Channel<number>();
  const d = new Channel<number>();
  const e = new Channel<number>();
  const f = new Channel<number>();
  const ops = [
    a.pull({ signal }),
    b.push(1, { signal }),
    select([pull(c), push(d, 1)], { signal }),
    e.pullMany(3, { signal }),
    f.pushAll([1, 2, 3], { signal }),
  ];
  for (const op of ops) op.catch(() => {});
  return { ops, channels: [a, b, c, d, e, f] };
}

describe('src/context/context_test.go', () => {
  // TestBackground / TestTODO: the never-cancelled context. An operation without a signal never
  // rejects for cancellation; a signal that never aborts leaves it pending too.
  it('TestBackground (no signal: never cancelled)', async () => {
    const ch = new Channel<number>();
    const p = ch.pull();
    const q = ch.pull({ signal: new AbortController().signal });
    expect(await state(p)).toBe('pending');
    expect(await state(q)).toBe('pending');
    await ch.push(1);
    await ch.push(2);
    expect([await p, await q]).toEqual([1, 2]);
  });

  // TestWithCancel: cancelling a parent cancels its children (c1 → o, c2, c3); Err is Canceled.
  it('TestWithCancel (abort propagates to AbortSignal.any children)', async () => {
    const c1 = new AbortController();
    const c2 = AbortSignal.any([c1.signal]);
    const c3 = AbortSignal.any([c2]);
    const parked = [c1.signal, c2, c3].map((signal) => parkAll(signal));
    for (const { ops } of parked) for (const op of ops) expect(await state(op)).toBe('pending');
    const reason = new Error('canceled');
    c1.abort(reason);
    for (const { ops, channels } of parked) {
      for (const op of ops) await expect(op).rejects.toBe(reason);
      for (const ch of channels) {
        expect(ch.stats().waitingPullers).toBe(0);
        expect(ch.stats().waitingPushers).toBe(0);
      }
    }
  });

  // TestParentFinishesChild: cancelling the parent ends children's operations, and removes them.
  it('TestParentFinishesChild', async () => {
    const parent = new AbortController();
    const child1 = AbortSignal.any([parent.signal]);
    const child2 = AbortSignal.any([child1]);
    const ch = new Channel<number>();
    const p1 = ch.pull({ signal: child1 });
    const p2 = ch.pull({ signal: child2 });
    const p0 = ch.pull({ signal: parent.signal });
    expect(ch.stats().waitingPullers).toBe(3);
    parent.abort();
    for (const p of [p0, p1, p2]) await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(listeners(child1)).toBe(0);
    expect(listeners(child2)).toBe(0);
  });

  // TestChildFinishesFirst: cancelling a child leaves the parent's operations alone.
  it('TestChildFinishesFirst', async () => {
    const parent = new AbortController();
    const child = new AbortController();
    const both = AbortSignal.any([parent.signal, child.signal]);
    const ch = new Channel<number>();
    const pc = ch.pull({ signal: both });
    const pp = ch.pull({ signal: parent.signal });
    child.abort('child done');
    await expect(pc).rejects.toBe('child done');
    expect(await state(pp)).toBe('pending');
    await ch.push(7);
    expect(await pp).toBe(7);
    expect(listeners(parent.signal)).toBe(0);
  });

  // TestCancelRemoves: a cancelled child is removed from its parent (no growth). Here: every
  // operation that leaves (commit or abort) removes its share of the signal's one listener.
  it('TestCancelRemoves (no listener left once operations leave)', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const ch = new Channel<number>();
    const pulls = Array.from({ length: 50 }, () => ch.pull({ signal }));
    expect(listeners(signal)).toBe(1); // one listener, however many operations
    for (let i = 0; i < 50; i++) await ch.push(i);
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(listeners(signal)).toBe(0);
    // The same through select, pullMany, pushAll, after and ticker.
    const c2 = new Channel<number>(4);
    const sel = select([pull(c2)], { signal });
    const many = c2.pullMany(2, { signal });
    const all = c2.pushAll([1, 2, 3, 4, 5, 6], { signal });
    const timer = afterMs(10, { signal });
    const tick = ticker(5, { signal });
    expect(listeners(signal)).toBe(1);
    await sel;
    await many;
    await c2.pullMany(10);
    await all;
    await timer.pull();
    tick.close();
    expect(listeners(signal)).toBe(0);
  });

  // TestWithCancelCanceledParent: a child of a cancelled parent is cancelled at once. An
  // already aborted signal is checked first, before the channel's state (even closed, even ready).
  it('TestWithCancelCanceledParent (already aborted: checked first, even on a closed or ready channel)', async () => {
    const parent = new AbortController();
    const reason = new Error('parent canceled');
    parent.abort(reason);
    const child = AbortSignal.any([parent.signal]);
    expect(child.aborted).toBe(true);
    expect(child.reason).toBe(reason);
    const ready = new Channel<number>(2);
    ready.pushNowait(1);
    const closed = new Channel<number>();
    closed.close();
    for (const signal of [parent.signal, child]) {
      await expect(ready.pull({ signal })).rejects.toBe(reason);
      await expect(ready.push(2, { signal })).rejects.toBe(reason);
      await expect(ready.pullMany(5, { signal })).rejects.toBe(reason);
      await expect(ready.pushAll([3], { signal })).rejects.toBe(reason);
      await expect(select([pull(ready)], { signal })).rejects.toBe(reason);
      await expect(closed.pull({ signal })).rejects.toBe(reason);
      await expect(closed.push(1, { signal })).rejects.toBe(reason);
      await expect(select([push(closed, 1)], { signal })).rejects.toBe(reason);
      expect(afterMs(10, { signal }).closed).toBe(true);
      expect(ticker(10, { signal }).closed).toBe(true);
    }
    expect(ready.size).toBe(1);
    expect(ready.tryPull()).toBe(1);
    expect(listeners(parent.signal)).toBe(0);
  });

  // ctx.Err() first: an already aborted signal wins over every other answer a select could
  // give — a closed push case, no case at all, even malformed cases (README: checked first,
  // before anything else).
  it('TestWithCancelCanceledParent (select: the reason before any other error)', async () => {
    const signal = AbortSignal.abort('R');
    const closed = new Channel<number>();
    closed.close();
    await expect(select([push(closed, 1)], { signal })).rejects.toBe('R');
    await expect(select([], { signal })).rejects.toBe('R');
    await expect(select([null, undefined], { signal })).rejects.toBe('R');
    await expect(select([{} as never], { signal })).rejects.toBe('R');
    await expect(select([push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
  });

  // TestWithCancelSimultaneouslyCanceledParent: the parent is cancelled while the child is made.
  it('TestWithCancelSimultaneouslyCanceledParent', async () => {
    const parent = new AbortController();
    const ch = new Channel<number>();
    queueMicrotask(() => parent.abort('now'));
    const child = AbortSignal.any([parent.signal]);
    const p = ch.pull({ signal: child });
    await expect(p).rejects.toBe('now');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // TestDeadline / WithDeadline: the operation is cancelled with DeadlineExceeded, not before.
  it('TestDeadline (AbortSignal.timeout ends a pull with a TimeoutError)', async () => {
    const start = Date.now();
    const ch = new Channel<number>();
    const error = await ch.pull({ signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect(Date.now() - start).toBeGreaterThanOrEqual(45); // Node's own timer; lenient by its granularity
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // TestTimeout: same through select, push, pullMany and pushAll.
  it('TestTimeout (select, push, pullMany, pushAll)', async () => {
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const empty = new Channel<number>();
    const ops = [
      select([pull(empty), push(full, 1)], { signal: AbortSignal.timeout(20) }),
      full.push(1, { signal: AbortSignal.timeout(20) }),
      empty.pullMany(2, { signal: AbortSignal.timeout(20) }),
      full.pushAll([1, 2], { signal: AbortSignal.timeout(20) }),
    ];
    for (const op of ops) await expect(op).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(full.size).toBe(1);
    expect(full.stats().waitingPushers).toBe(0);
    expect(empty.stats().waitingPullers).toBe(0);
  });

  // TestCanceledTimeout: a timeout context cancelled before its deadline reports Canceled.
  it('TestCanceledTimeout (cancel before the deadline: the cancel reason wins)', async () => {
    const controller = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(SLACK), controller.signal]);
    const ch = new Channel<number>();
    const p = ch.pull({ signal });
    await sleep(10);
    controller.abort(new Error('canceled'));
    await expect(p).rejects.toThrow('canceled');
  });

  // WithDeadline in the past: Go cancels at once. AbortSignal.timeout(0) aborts on a later
  // timer turn, not at creation: the operation parks, then rejects.
  it('WithDeadline in the past (AbortSignal.timeout(0) aborts on a later turn)', async () => {
    const ch = new Channel<number>(1);
    const signal = AbortSignal.timeout(0);
    expect(signal.aborted).toBe(false);
    const p = ch.pull({ signal });
    await expect(p).rejects.toMatchObject({ name: 'TimeoutError' });
    // A value pushed before the timer turn would have been taken: the deadline is not "already past".
    const signal2 = AbortSignal.timeout(0);
    const q = ch.pull({ signal: signal2 });
    ch.pushNowait(5);
    expect(await q).toBe(5);
  });

  // TestDeadlineExceededSupportsTimeout: DeadlineExceeded's Timeout() is true ≈ name 'TimeoutError'.
  it('TestDeadlineExceededSupportsTimeout', async () => {
    const e = await new Channel().pull({ signal: AbortSignal.timeout(1) }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'TimeoutError' });
    const f = await new Channel().pull({ signal: AbortSignal.abort() }).catch((x: unknown) => x);
    expect(f).toMatchObject({ name: 'AbortError' });
  });

  // TestCause: WithCancelCause's cause is what context.Cause returns, for the context and its
  // children; chanasync rejects with signal.reason itself (identity), also for primitives.
  it('TestCause (the reason, by identity, for every operation and every child)', async () => {
    for (const cause of [new Error('cause'), 'a string', 42, { custom: true }, Object.freeze({ frozen: 1 }), null]) {
      const controller = new AbortController();
      const child = AbortSignal.any([controller.signal]);
      const parked = [parkAll(controller.signal), parkAll(child)];
      controller.abort(cause);
      for (const { ops } of parked) for (const op of ops) await expect(op).rejects.toBe(cause);
    }
  });

  // TestCause: cancel() without a cause gives Canceled as the cause ≈ abort() gives an AbortError.
  it('TestCause (abort() without a reason: AbortError)', async () => {
    const controller = new AbortController();
    const { ops } = parkAll(controller.signal);
    controller.abort();
    for (const op of ops) await expect(op).rejects.toMatchObject({ name: 'AbortError' });
    expect(controller.signal.reason).toBeInstanceOf(DOMException);
  });

  // TestCause: the first cancel's cause wins; a later cancel changes nothing.
  it('TestCause (the first cause wins)', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const p = ch.pull({ signal: controller.signal });
    controller.abort('first');
    controller.abort('second');
    await expect(p).rejects.toBe('first');
  });

  // WithTimeoutCause: a deadline with a custom cause ≈ an AbortController aborted by a timer.
  it('WithTimeoutCause (a timer that aborts with a chosen reason)', async () => {
    const controller = new AbortController();
    const cause = new Error('too slow');
    const timer = afterMs(20, { signal: controller.signal });
    void timer.pull().then(
      () => controller.abort(cause),
      () => {},
    );
    await expect(new Channel<number>().pull({ signal: controller.signal })).rejects.toBe(cause);
  });

  // pushAll part-way: the reason carries `pushed` (how many were committed), when it can.
  it('TestCause (pushAll part-way: the reason says how many were pushed)', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>(2);
    const all = ch.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await sleep(5);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(all).rejects.toBe(reason);
    expect((reason as Error & { pushed: number }).pushed).toBe(2);
    await expect(ch.pullMany(10)).resolves.toEqual([1, 2]);
    // A primitive reason is the rejection as is (it can carry no count).
    const c2 = new AbortController();
    const ch2 = new Channel<number>(1);
    const all2 = ch2.pushAll([1, 2], { signal: c2.signal });
    await sleep(5);
    c2.abort('stop');
    await expect(all2).rejects.toBe('stop');
    expect(ch2.tryPull()).toBe(1);
  });

  // Cancellation racing a ready value: Go's select { case v := <-ch: case <-ctx.Done(): } picks
  // at random when both are ready. chanasync's select with { signal } checks the signal first:
  // an aborted signal always wins and no value is consumed.
  it('select with a ctx.Done() case: the signal is checked first, nothing consumed', async () => {
    const controller = new AbortController();
    controller.abort('done');
    const ch = new Channel<number>(100);
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    for (let i = 0; i < 100; i++) await expect(select([pull(ch)], { signal: controller.signal })).rejects.toBe('done');
    expect(ch.size).toBe(100);
    // With a parked pusher (unbuffered) as the ready value too.
    const unbuffered = new Channel<number>();
    const pusher = unbuffered.push(1);
    await expect(select([pull(unbuffered)], { signal: controller.signal })).rejects.toBe('done');
    await expect(unbuffered.pull({ signal: controller.signal })).rejects.toBe('done');
    expect(await unbuffered.pull()).toBe(1);
    await pusher;
  });

  // Cancellation racing a value in the same synchronous run: a value committed before the
  // abort is the caller's; an abort before the value makes the pull reject and the value stay.
  it('cancellation racing a ready value: whichever commits first wins, nothing lost', async () => {
    const ch = new Channel<number>();
    const c1 = new AbortController();
    const p1 = ch.pull({ signal: c1.signal });
    expect(ch.tryPush(1)).toBe(true);
    c1.abort('late');
    expect(await p1).toBe(1);
    const c2 = new AbortController();
    const p2 = ch.pull({ signal: c2.signal });
    c2.abort('early');
    expect(ch.tryPush(2)).toBe(false);
    await expect(p2).rejects.toBe('early');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // A value pushed by an earlier abort listener of the same signal (Go: a goroutine woken by
  // ctx.Done() sends while the receiver is being cancelled): the receiver is already cancelled,
  // so the value is not handed to it — it stays with the sender.
  it('a value pushed from an earlier abort listener does not go to an operation of that signal', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const sel = new Channel<number>();
    let pushed: boolean | undefined;
    let pushedSel: boolean | undefined;
    controller.signal.addEventListener('abort', () => {
      pushed = ch.tryPush(1);
      pushedSel = sel.tryPush(2);
    });
    const p = ch.pull({ signal: controller.signal });
    const s = select([pull(sel)], { signal: controller.signal });
    controller.abort('bye');
    await expect(p).rejects.toBe('bye');
    await expect(s).rejects.toBe('bye');
    expect(pushed).toBe(false);
    expect(pushedSel).toBe(false);
  });

  // TestInterlockedCancels: cancelling ctx1 cancels ctx2 from ctx1's Done; ctx2's work stops.
  it('TestInterlockedCancels', async () => {
    const c1 = new AbortController();
    const c2 = new AbortController();
    c1.signal.addEventListener('abort', () => c2.abort('via c1'));
    const ch = new Channel<number>();
    const p = ch.pull({ signal: c2.signal });
    c1.abort();
    await expect(p).rejects.toBe('via c1');
  });

  // TestLayersCancel / TestLayersTimeout: many layers of derived contexts.
  it('TestLayersCancel / TestLayersTimeout (100 layers of AbortSignal.any)', async () => {
    const root = new AbortController();
    let signal = root.signal;
    const layers: AbortSignal[] = [];
    for (let i = 0; i < 100; i++) {
      signal = AbortSignal.any([signal, new AbortController().signal]);
      layers.push(signal);
    }
    const ch = new Channel<number>();
    const ops = layers.map((s) => ch.pull({ signal: s }));
    const deep = ch.pull({ signal: AbortSignal.any([signal, AbortSignal.timeout(20)]) });
    await expect(deep).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(ch.stats().waitingPullers).toBe(100);
    root.abort('root');
    for (const op of ops) await expect(op).rejects.toBe('root');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // TestCustomContextPropagation: a user-implemented Context works as a parent. Here a signal
  // of the user's own (duck-typed: aborted, reason, add/removeEventListener) works as a signal.
  it('TestCustomContextPropagation (a duck-typed signal)', async () => {
    class MySignal extends EventTarget {
      aborted = false;
      reason: unknown = undefined;
      throwIfAborted() {
        if (this.aborted) throw this.reason;
      }
      cancel(reason: unknown) {
        this.aborted = true;
        this.reason = reason;
        this.dispatchEvent(new Event('abort'));
      }
    }
    const mine = new MySignal();
    const signal = mine as unknown as AbortSignal;
    const ch = new Channel<number>();
    const p = ch.pull({ signal });
    const s = select([pull(ch)], { signal });
    const timer = afterMs(SLACK, { signal });
    mine.cancel('custom');
    await expect(p).rejects.toBe('custom');
    await expect(s).rejects.toBe('custom');
    expect(timer.closed).toBe(true);
    await expect(ch.pull({ signal })).rejects.toBe('custom');
  });

  // TestWithoutCancel: a context that ignores its parent's cancel. No AbortSignal helper does
  // that: an operation given a different (or no) signal is simply unaffected by the other's abort.
  it('TestWithoutCancel (an operation with another signal is unaffected)', async () => {
    const parent = new AbortController();
    const ch = new Channel<number>();
    const bound = ch.pull({ signal: parent.signal });
    const free = ch.pull();
    parent.abort('x');
    await expect(bound).rejects.toBe('x');
    await ch.push(3);
    expect(await free).toBe(3);
  });

  // TestAfterFuncCalledAfterCancel (context.AfterFunc): work scheduled on a context runs when it
  // is done. The nearest: an `after` or `ticker` with that signal is closed when it aborts.
  it('TestAfterFuncCalledAfterCancel (after/ticker with a signal close when it aborts)', async () => {
    const controller = new AbortController();
    const timer = afterMs(SLACK, { signal: controller.signal });
    const ticks = ticker(SLACK, { signal: controller.signal });
    const waiting = [timer.pull(), ticks.pull()];
    controller.abort('gone');
    expect(timer.closed).toBe(true);
    expect(ticks.closed).toBe(true);
    // A pull without the signal sees a closed channel; with it, the reason (README).
    for (const w of waiting) await expect(w).rejects.toBeInstanceOf(ChannelClosedError);
    expect(listeners(controller.signal)).toBe(0);
  });

  // The README: a select with { signal } waiting on after(ms, { signal }) of the same signal
  // rejects with the reason, not with the after case firing ok: false.
  it('a select and its after case sharing one signal: the reason, not ok: false', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const data = new Channel<number>();
    const p = select([pull(data), pull(afterMs(SLACK, { signal }))], { signal });
    const q = afterMs(SLACK, { signal }).pull({ signal });
    controller.abort('stop');
    await expect(p).rejects.toBe('stop');
    await expect(q).rejects.toBe('stop');
    expect(data.stats().waitingPullers).toBe(0);
  });

  // WithTimeout as a ticker's context: a for await over ticker(ms, { signal: AbortSignal.timeout })
  // ends normally when the deadline passes (the channel is closed without a reason).
  it('a ticker with an AbortSignal.timeout: for await ends normally at the deadline', async () => {
    let n = 0;
    const start = Date.now();
    for await (const _ of ticker(5, { signal: AbortSignal.timeout(60) })) n++;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual((Date.now() - start) / 5 + 1); // never more ticks than periods
  });

  // A pull on a ticker with the ticker's own signal: the reason, not ChannelClosedError (README).
  it('a pull with the signal of the ticker it waits on rejects with the reason', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const ticks = ticker(SLACK, { signal });
    const withSignal = ticks.pull({ signal });
    const without = ticks.pull();
    controller.abort('halt');
    await expect(withSignal).rejects.toBe('halt');
    await expect(without).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // TestAfterFuncNotCalledAfterStop: stop (close) the after before the context is done; the
  // abort then does nothing to it, and it leaves the signal.
  it('TestAfterFuncNotCalledAfterStop (a closed after leaves its signal)', () => {
    const controller = new AbortController();
    const timer = afterMs(SLACK, { signal: controller.signal });
    expect(listeners(controller.signal)).toBe(1);
    timer.close();
    expect(listeners(controller.signal)).toBe(0);
    controller.abort();
    expect(timer.tryPull()).toBeUndefined();
  });

  // WithTimeout as a timer's signal: an after whose signal times out first closes without a value.
  it('after with an AbortSignal.timeout that expires first: closed, no value', async () => {
    const timer = afterMs(SLACK, { signal: AbortSignal.timeout(20) });
    const r = await select([pull(timer)]);
    expect(r).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  // A signal aborting after the after fired changes nothing: its value stays readable.
  it('a signal that aborts after the timer fired: the value stays', async () => {
    const controller = new AbortController();
    const timer = afterMs(5, { signal: controller.signal });
    while (timer.size === 0) await sleep(2);
    expect(listeners(controller.signal)).toBe(0);
    controller.abort();
    expect(typeof timer.tryPull()).toBe('number');
  });

  // Many operations on one context (a component's one signal): one listener, all rejected.
  it('one signal for 2000 parked operations on 1000 channels: one listener, all cancelled', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const chans = Array.from({ length: 1000 }, () => new Channel<number>());
    const ops = chans.flatMap((ch) => [ch.pull({ signal }), ch.push(1, { signal })]);
    // The pull and the push on one channel met: half of them committed.
    await Promise.resolve();
    expect(listeners(signal)).toBeLessThanOrEqual(1);
    controller.abort('all');
    const results = await Promise.allSettled(ops);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBe('all');
    expect(listeners(signal)).toBe(0);
  });

  // An operation with an unaborted signal that commits leaves no trace on the signal, and a
  // later abort does not reach it.
  it('an operation that committed is not cancelled by a later abort', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const p = ch.pull({ signal: controller.signal });
    await ch.push(9);
    controller.abort();
    expect(await p).toBe(9);
  });

  // Cancelling a parked pullMany takes nothing; a pushAll stops part-way with its count.
  it('pullMany cancelled takes nothing; later values stay', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>(3);
    const many = ch.pullMany(3, { signal: controller.signal });
    controller.abort('no');
    await expect(many).rejects.toBe('no');
    ch.pushNowait(1);
    expect(ch.size).toBe(1);
  });

  // The signal option must be a signal: a context passed where options go is a TypeError.
  it('a signal passed as the options (Go positional ctx) is a TypeError', async () => {
    const signal = new AbortController().signal;
    const ch = new Channel<number>();
    await expect(ch.pull(signal as never)).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(1, signal as never)).rejects.toBeInstanceOf(TypeError);
    await expect(ch.pull({ signal: new AbortController() as never })).rejects.toBeInstanceOf(TypeError);
    expect(() => afterMs(1, { signal: {} as never })).toThrow(TypeError);
    expect(() => ticker(1, { signal: 'x' as never })).toThrow(TypeError);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});
