// Audit BR-peers-a: behaviour checked by @repeaterjs/repeater's src/test/combinators.ts
// (Repeater.race / merge / zip / latest) and the executor tests of src/test/repeater.ts,
// ported onto chanasync's select, merge, from and drop-oldest channels. No peer code is copied.
import { Channel, ChannelClosedError, from, merge, pull, select, selectNowait } from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function collect<T>(ch: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

describe('Repeater.race ↔ select', () => {
  // Peer: Repeater.race "empty" — race([]) finishes at once. chanasync: select with no case
  // rejects TypeError (SPEC select: "A list with no case left makes select reject with TypeError").
  it('select([]) rejects TypeError; selectNowait([]) is undefined', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([])).toBeUndefined();
  });

  // Peer: "single iterator" — a race of one yields that one's values.
  it('select on one pull case yields that channel’s values in order', async () => {
    const a = new Channel<number>(3);
    for (const v of [1, 2, 3]) a.pushNowait(v);
    const cases = [pull(a)] as const;
    const out: number[] = [];
    for (let i = 0; i < 3; i++) out.push((await select(cases)).value as number);
    expect(out).toEqual([1, 2, 3]);
  });

  // Peer: "Promise.resolve vs hanging generator" / "slow repeater vs fast repeater" — the
  // contender that is ready wins; the hanging one is left alone.
  it('the ready case wins and the other case leaves no trace', async () => {
    const hanging = new Channel<string>();
    const fast = new Channel<number>();
    const s = select([pull(hanging), pull(fast)]);
    expect(hanging.stats().waitingPullers).toBe(1);
    fast.pushNowait(7);
    const r = await s;
    expect(r).toMatchObject({ index: 1, value: 7, ok: true });
    expect(hanging.stats().waitingPullers).toBe(0);
    expect(fast.stats().waitingPullers).toBe(0);
  });

  // Peer: "hanging promise vs delayed promise vs slow repeater vs fast repeater" — the first
  // to produce wins, whichever position it has.
  it('the first channel to receive a value wins among several waiting ones', async () => {
    const chans = [new Channel<number>(), new Channel<number>(), new Channel<number>(), new Channel<number>()];
    const s = select(chans.map((c) => pull(c)));
    setTimeout(() => chans[2]!.pushNowait(42), 1);
    const r = await s;
    expect(r.index).toBe(2);
    expect(r.value).toBe(42);
    for (const c of chans) expect(c.stats().waitingPullers).toBe(0);
  });

  // Peer: "return methods called on all iterators when any finish" — Repeater.race ends when
  // any contender finishes. chanasync: a closed channel makes its pull case fire with
  // ok: false (SPEC select: "ok false only for a pull case that fired because its channel is
  // closed and drained"); the other channels are untouched.
  it('a closed input fires its case with ok:false and leaves the others open', async () => {
    const open = new Channel<number>(1);
    const done = new Channel<number>();
    const s = select([pull(open), pull(done)]);
    done.close();
    const r = await s;
    expect(r).toMatchObject({ index: 1, ok: false, value: undefined });
    expect(open.closed).toBe(false);
    expect(open.stats().waitingPullers).toBe(0);
  });

  // Peer: "one iterator errors" — Repeater.race rejects with the contender's error.
  // Adaptation: a select's pull case on a channel closed with a reason fires with ok:false;
  // the reason is not carried by the select result (SPEC select result shape is
  // { index, channel, value, ok }); a pull on that channel gives ChannelClosedError with cause.
  it('a channel closed with a reason: the case fires ok:false; a pull shows the cause', async () => {
    const error = new Error('race error');
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([pull(a), pull(b)]);
    b.close(error);
    const r = await s;
    expect(r).toMatchObject({ index: 1, ok: false });
    const e = await b.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as ChannelClosedError).cause).toBe(error);
  });

  // Peer: "return methods on all iterators not called when parent iterator return called
  // prematurely" — giving up the race does not touch the contenders. chanasync: aborting a
  // select commits nothing and unregisters from every channel (SPEC select).
  it('an aborted select consumes nothing and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const s = select([pull(a), pull(b)], { signal: ac.signal });
    ac.abort(new Error('gave up'));
    await expect(s).rejects.toThrow('gave up');
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
    expect(a.closed || b.closed).toBe(false);
  });
});

describe('Repeater.merge ↔ merge', () => {
  // Peer: Repeater.merge "empty" — merging nothing finishes at once (merge.d.ts: "none gives a
  // closed channel").
  it('merge() with no input is closed and iterates nothing', async () => {
    const m = merge();
    expect(m.closed).toBe(true);
    expect(await collect(m)).toEqual([]);
  });

  // Peer: "single iterator" — merge of one yields its values then finishes.
  it('merge of one channel yields its values then ends', async () => {
    const a = new Channel<number>(3);
    for (const v of [1, 2, 3]) a.pushNowait(v);
    a.close();
    expect(await collect(merge(a))).toEqual([1, 2, 3]);
  });

  // Peer: "generator vs deferred generator" / "promise vs slow repeater vs fast repeater" —
  // every value of every input arrives, each input's order kept, end once all ended.
  it('every value arrives once, each input in order, end after all inputs ended', async () => {
    const a = new Channel<string>();
    const b = new Channel<number>();
    const m = merge(a, b);
    const producer = (async () => {
      await Promise.all([
        (async () => {
          for (const v of ['a', 'b', 'c']) await a.push(v);
          a.close();
        })(),
        (async () => {
          for (const v of [1, 2, 3, 4]) {
            await b.push(v);
            await flush();
          }
          b.close();
        })(),
      ]);
    })();
    const out = await collect(m);
    await producer;
    expect(out.filter((v) => typeof v === 'string')).toEqual(['a', 'b', 'c']);
    expect(out.filter((v) => typeof v === 'number')).toEqual([1, 2, 3, 4]);
  });

  // Peer: "one iterator errors" — the merge rejects with the input's error after the values
  // delivered before it. chanasync: README Interop: "An input closed with a reason closes the
  // merged channel with that reason at once — … the other inputs keep their values."
  it('an input closed with an error ends the merge with it; other inputs keep their values', async () => {
    const error = new Error('merge error');
    const a = new Channel<string>(4);
    const b = new Channel<number>(4);
    const m = merge(a, b);
    for (const v of ['x', 'y', 'z']) a.pushNowait(v);
    await flush();
    b.close(error);
    const got: (string | number)[] = [];
    await expect(
      (async () => {
        for await (const v of m) got.push(v);
      })(),
    ).rejects.toBe(error);
    // whatever the merge took was delivered before the error; the rest is still in `a`
    const rest: string[] = [];
    while (a.size > 0) rest.push(a.pullNowait());
    expect([...got, ...rest]).toEqual(['x', 'y', 'z']);
    expect(a.closed).toBe(false);
  });

  // Peer: "return methods called on all iterators when parent return called" — Repeater.merge
  // returns its inputs. Adaptation: merge.d.ts: "Closing the merged channel stops it reading;
  // the value it had already taken stays readable, and the inputs are left as they are."
  it('closing the merged channel leaves the inputs open with their values', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    for (const v of [1, 2, 3]) a.pushNowait(v);
    const m = merge(a, b);
    m.close();
    const fromMerge = await collect(m);
    expect(a.closed).toBe(false);
    expect(b.closed).toBe(false);
    const left: number[] = [];
    while (a.size > 0) left.push(a.pullNowait());
    expect([...fromMerge, ...left]).toEqual([1, 2, 3]);
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });

  // Peer: "return methods on all iterators not called when parent iterator return called
  // prematurely" — leaving a loop over the merge early touches no input and loses nothing.
  it('break out of a loop over the merge: nothing is lost, inputs untouched', async () => {
    const a = new Channel<number>(5);
    for (const v of [1, 2, 3, 4, 5]) a.pushNowait(v);
    a.close();
    const m = merge(a);
    const first: number[] = [];
    for await (const v of m) {
      first.push(v);
      if (v === 2) break;
    }
    const rest = await collect(m);
    expect([...first, ...rest]).toEqual([1, 2, 3, 4, 5]);
  });

  // Peer: "one iterator errors" at scale, as a property: random interleavings of pushes into
  // three inputs, then closes: the merge delivers every value exactly once, per-input order kept.
  it('property: no loss, no duplicate, per-input FIFO through merge', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()), { maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        async (plan, capacity) => {
          const inputs = [0, 1, 2].map(() => new Channel<[number, number]>(capacity));
          const m = merge(...inputs);
          const consumer = collect(m);
          const counters = [0, 0, 0];
          for (const [which, yieldFirst] of plan) {
            if (yieldFirst) await Promise.resolve();
            await inputs[which]!.push([which, counters[which]!++]);
          }
          for (const c of inputs) c.close();
          const out = await consumer;
          expect(out.length).toBe(plan.length);
          for (const w of [0, 1, 2]) {
            const seq = out.filter(([i]) => i === w).map(([, n]) => n);
            expect(seq).toEqual(Array.from({ length: counters[w]! }, (_, k) => k));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Repeater.zip / Repeater.latest', () => {
  // Peer: Repeater.zip "slow repeater vs fast repeater" — one value of each per step.
  // chanasync has no zip; the equivalent is one pull per input per step, and a channel that
  // ends ends the zip. Checks that parallel pulls on several channels lose nothing.
  it('zip by pulling each input once per step', async () => {
    const a = new Channel<number>();
    const b = new Channel<string>(2);
    void (async () => {
      for (const v of [1, 2, 3]) await a.push(v);
      a.close();
    })();
    void (async () => {
      for (const v of ['x', 'y', 'z', 'w']) await b.push(v);
    })();
    const rows: [number, string][] = [];
    for (;;) {
      const [ra, rb] = await Promise.allSettled([a.pull(), b.pull()]);
      if (ra.status === 'rejected' || rb.status === 'rejected') {
        // the zip ended: the value pulled from b in that step is in rb
        if (rb.status === 'fulfilled') expect(rb.value).toBe('w');
        break;
      }
      rows.push([ra.value, rb.value]);
    }
    expect(rows).toEqual([
      [1, 'x'],
      [2, 'y'],
      [3, 'z'],
    ]);
  });

  // Peer: Repeater.latest "slow repeater vs fast repeater" — only the latest value of a fast
  // producer matters. chanasync: capacity 1, overflow 'drop-oldest' (SPEC: "capacity 1 is a
  // conflated channel, the latest value wins").
  it('a conflated channel (capacity 1, drop-oldest) always holds the latest value', async () => {
    const latest = new Channel<number>(1, { overflow: 'drop-oldest' });
    for (let i = 0; i < 10; i++) await latest.push(i);
    expect(latest.size).toBe(1);
    expect(await latest.pull()).toBe(9);
    const p = latest.pull();
    latest.pushNowait(10);
    latest.pushNowait(11);
    expect(await p).toBe(10);
    expect(latest.pullNowait()).toBe(11);
  });

  // Peer (buffers.ts) SlidingBuffer / DroppingBuffer as a model-based property: random pushes
  // and non-blocking pulls on drop-mode channels agree with a simple sliding/dropping queue.
  it('property: drop-oldest and drop-newest agree with a model queue', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('drop-oldest' as const, 'drop-newest' as const),
        fc.array(fc.option(fc.integer(), { nil: undefined }), { maxLength: 60 }),
        (capacity, overflow, ops) => {
          const ch = new Channel<number>(capacity, { overflow });
          const model: number[] = [];
          for (const op of ops) {
            if (op === undefined) {
              expect(ch.tryPull()).toBe(model.shift());
            } else {
              expect(ch.tryPush(op)).toBe(true);
              if (model.length < capacity) model.push(op);
              else if (overflow === 'drop-oldest') {
                model.shift();
                model.push(op);
              }
            }
            expect(ch.size).toBe(model.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Repeater executor ↔ from(generator)', () => {
  // Peer: "throw error in executor" — the error surfaces at next(). chanasync: a source that
  // throws closes the channel with that error (from.d.ts), after the values it produced.
  it('a generator that throws: the values it produced, then its error', async () => {
    const error = new Error('throw error in executor');
    function* gen() {
      yield 1;
      yield 2;
      throw error;
    }
    const ch = from(gen());
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) seen.push(v);
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual([1, 2]);
  });

  // Peer: "return method" (Repeater runs its stop/cleanup when returned). chanasync: closing
  // the from() channel releases the source: return() on its iterator, so a synchronous
  // generator's finally has run when close() returns (from.d.ts).
  it('closing a from() channel runs the generator’s finally at once', async () => {
    let cleaned = 0;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleaned++;
      }
    }
    const ch = from(gen());
    expect(await ch.pull()).toBe(0);
    ch.close();
    expect(cleaned).toBe(1);
  });

  // Peer: "ignored repeater" — a Repeater executor runs only on the first next(). chanasync's
  // from() is lazy too: with capacity 0 nothing is read before a pull asks (from.d.ts).
  it('from() reads nothing from its source before a pull (capacity 0)', async () => {
    let reads = 0;
    function* gen() {
      for (let i = 0; i < 5; i++) {
        reads++;
        yield i;
      }
    }
    const ch = from(gen());
    await flush();
    expect(reads).toBe(0);
    expect(await ch.pull()).toBe(0);
    await flush();
    expect(reads).toBe(1);
    ch.close();
  });

  // Peer: "break in for await" for an executor-backed iterator — Repeater stops its executor.
  // chanasync: break does not close the from() channel (SPEC Iteration), so the source is not
  // released and the next loop continues.
  it('break over a from() channel keeps the source: the next loop continues', async () => {
    let cleaned = false;
    function* gen() {
      try {
        yield* [1, 2, 3, 4];
      } finally {
        cleaned = true;
      }
    }
    const ch = from(gen());
    for await (const v of ch) if (v === 2) break;
    expect(cleaned).toBe(false);
    expect(await collect(ch)).toEqual([3, 4]);
    expect(cleaned).toBe(true);
  });
});
