// Audit BR-peers-d: denoland/std async/tee_test.ts and @thi.ng/csp tests "mult", "broadcast" and
// "pubsub", ported onto chanasync's `broadcast(source).subscribe()`. Deno's tee(iterable, n) makes
// n branches up front; a chanasync broadcast hands values to the subscribers present when each
// value is pulled (SPEC Broadcast: "receives every value pulled after it subscribed").
import { broadcast, Channel, ChannelClosedError, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { abortListeners, collect, flush, gen123, settle, tick } from './helpers.js';

describe('Deno tee_test via broadcast', () => {
  // From "tee() handles 2 branches".
  it('two subscribers each receive the whole source', async () => {
    const hub = broadcast(from(gen123()));
    const a = hub.subscribe();
    const b = hub.subscribe();
    expect(await Promise.all([collect(a), collect(b)])).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  // From "tee() handles 3 branches with immediate consumption".
  it('three subscribers with immediate consumption', async () => {
    const hub = broadcast(from(gen123()));
    const subs = [hub.subscribe(), hub.subscribe(), hub.subscribe()];
    expect(await Promise.all(subs.map(collect))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  // From "tee() handles 3 branches with delayed consumption": the slowest 'block' subscriber sets
  // the pace (SPEC Broadcast, Backpressure), so nothing is lost while nobody reads.
  it('three subscribers with delayed consumption lose nothing', async () => {
    const hub = broadcast(from(gen123()));
    const subs = [hub.subscribe(), hub.subscribe(), hub.subscribe()];
    await tick();
    expect(subs.map((s) => s.size)).toEqual([1, 1, 1]);
    expect(await Promise.all(subs.map(collect))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  // From "tee() handles concurrent next() calls": four next() at once on one branch resolve
  // 1, 2, 3, done — in call order.
  it('concurrent next() calls on a subscriber resolve in order, then done', async () => {
    const hub = broadcast(from(gen123()));
    const it = hub.subscribe()[Symbol.asyncIterator]();
    expect(await Promise.all([it.next(), it.next(), it.next(), it.next()])).toEqual([
      { value: 1, done: false },
      { value: 2, done: false },
      { value: 3, done: false },
      { value: undefined, done: true },
    ]);
  });

  // tee's branches keep the source's error; chanasync: "every subscriber channel is closed (with
  // the same reason)" (SPEC Broadcast).
  it('a failing source ends every subscriber with its reason, after the values before it', async () => {
    const hub = broadcast(
      from(
        (async function* () {
          yield 1;
          throw new Error('boom');
        })(),
      ),
    );
    const subs = [hub.subscribe(), hub.subscribe()];
    const results = await Promise.all(
      subs.map(async (s) => {
        const seen: number[] = [];
        const r = await settle(
          (async () => {
            for await (const v of s) seen.push(v);
          })(),
        );
        return { seen, error: (r as { error?: Error }).error?.message };
      }),
    );
    expect(results).toEqual([
      { seen: [1], error: 'boom' },
      { seen: [1], error: 'boom' },
    ]);
  });
});

describe('thi.ng/csp mult / broadcast / pubsub via broadcast', () => {
  // From csp "mult": subscribe twice, write 1, 2, 3, close.
  it('mult: every subscriber gets every value, then ends', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = collect(hub.subscribe());
    const s2 = collect(hub.subscribe());
    await source.push(1);
    await source.push(2);
    await source.push(3);
    source.close();
    expect(await Promise.all([s1, s2])).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  // From csp "broadcast": a value already in a target (b.write(10) before) comes first. With
  // chanasync, a subscriber is an ordinary channel: a value pushed into it is read with the
  // broadcast's values, in commit order. csp reads a value written before broadcast() started
  // (a.write(1)); chanasync's broadcast also takes values waiting in the source once a
  // subscriber exists (README: "With no subscriber it pulls nothing: values wait in source").
  it('csp broadcast: a value waiting in the source before subscribe reaches the first subscriber', async () => {
    const source = new Channel<number>(4);
    await source.push(1);
    const hub = broadcast(source);
    await flush();
    expect(source.size).toBe(1); // no subscriber: nothing pulled
    const b = hub.subscribe({ capacity: 4 });
    await source.push(2);
    source.close();
    expect(await collect(b)).toEqual([1, 2]);
  });

  // From csp "pubsub": topics. chanasync has no topic router; each subscriber filters. Checks that
  // a filtering subscriber loop gets its topic's values in order and ends.
  it('pubsub by filtering subscribers', async () => {
    const source = new Channel<[string, number]>();
    const hub = broadcast(source);
    const topic = async (name: string) => {
      const out: [string, number][] = [];
      for await (const m of hub.subscribe()) if (m[0] === name) out.push(m);
      return out;
    };
    const a = topic('a');
    const b = topic('b');
    for (const m of [
      ['a', 1],
      ['b', 10],
      ['a', 2],
      ['c', 3],
    ] as [string, number][])
      await source.push(m);
    source.close();
    expect(await Promise.all([a, b])).toEqual([
      [
        ['a', 1],
        ['a', 2],
      ],
      [['b', 10]],
    ]);
  });

  // broadcast.close(): subscribers closed, nothing more taken from the source (SPEC Broadcast).
  it('broadcast.close() closes the subscribers and leaves the rest in the source', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const s = hub.subscribe();
    await source.push(1);
    await source.push(2);
    await flush();
    hub.close();
    expect(s.closed).toBe(true);
    const got = await collect(s);
    expect(got).toEqual([1]);
    expect(source.tryPull()).toBe(2);
  });
});

describe('subscriber iterator protocol and signals', () => {
  // Deno abortable_test "closes the source iterator when the consumer stops early", applied to a
  // subscriber: leaving a loop does not unsubscribe (README Broadcast: "Leaving a for await over a
  // subscriber … does not unsubscribe"); its return() withdraws a pending next() and loses nothing.
  it('return() during a pending next() on a subscriber loses no value', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe();
    const it = sub[Symbol.asyncIterator]();
    const pending = it.next();
    await flush();
    expect(await it.return?.()).toEqual({ done: true, value: undefined });
    expect(await pending).toEqual({ done: true, value: undefined });
    await source.push(5);
    expect(await sub.pull()).toBe(5);
  });

  // Deno abortable_test "handles aborted signal after delay", applied to subscribe({ signal }):
  // the abort closes the subscriber normally (README: "A subscriber's signal aborting closes the
  // subscriber channel (normally)"), and the signal's listener goes with it.
  it('subscribe({ signal }): abort ends the subscriber normally and removes the listener', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const ac = new AbortController();
    const sub = hub.subscribe({ signal: ac.signal });
    const loop = collect(sub);
    await source.push(1);
    expect(abortListeners(ac.signal)).toBe(1);
    ac.abort(new Error('stop'));
    expect(await loop).toEqual([1]);
    expect(abortListeners(ac.signal)).toBe(0);
    // The hub has no subscriber left: the next value waits in the source.
    const p = source.push(2);
    await flush();
    expect(source.stats().waitingPushers).toBe(1);
    expect(source.tryPull()).toBe(2);
    await p;
  });

  // Deno abortable_test "handles already aborted signal": an already aborted subscribe gives a
  // closed subscriber and takes nothing.
  it('subscribe with an already aborted signal takes nothing from the source', async () => {
    const source = new Channel<number>(2);
    await source.push(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: AbortSignal.abort() });
    await flush();
    expect(sub.closed).toBe(true);
    expect(await collect(sub)).toEqual([]);
    expect(source.size).toBe(1);
    expect(abortListeners(AbortSignal.abort())).toBe(0);
  });

  // Drop-mode subscriber never holds a 'block' one back (SPEC Broadcast).
  it('a drop-oldest subscriber keeps the latest while a block subscriber keeps all', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const all = collect(hub.subscribe());
    for (let i = 1; i <= 4; i++) await source.push(i);
    source.close();
    expect(await all).toEqual([1, 2, 3, 4]);
    expect(await collect(slow)).toEqual([4]);
  });

  it('subscribe() after the source ended returns a channel closed with its reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const first = hub.subscribe();
    source.close(new Error('done'));
    await expect(first.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const late = hub.subscribe();
    const e = await late.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toEqual(new Error('done'));
  });
});
