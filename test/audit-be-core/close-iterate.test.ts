/**
 * Audit BE-core: `close(reason)`, async iteration, `using` / `await using` (SPEC "Closing",
 * "Iteration and disposal").
 */
import { Channel, ChannelClosedError, type PullChannel, type PushChannel } from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { flush, outcome, rejection, watch } from './helpers.js';

describe('close()', () => {
  it('is idempotent: a later call does nothing, the first reason stays', async () => {
    const ch = new Channel<number>(1);
    const first = new Error('first');
    ch.close(first);
    expect(() => ch.close(new Error('second'))).not.toThrow();
    ch.close();
    const error = (await rejection(ch.pull())) as Error;
    expect(error.cause).toBe(first);
  });

  it('keeps buffered values readable; pulls reject only once drained', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('fails every parked pusher with ChannelClosedError; their values are not added', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(0);
    const parked = [ch.push(1), ch.push(2), ch.push(3)];
    ch.close(new Error('bye'));
    for (const p of parked) {
      const error = (await rejection(p)) as Error;
      expect(error).toBeInstanceOf(ChannelClosedError);
    }
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(0);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('fails every parked puller with ChannelClosedError carrying the reason as cause', async () => {
    const ch = new Channel<number>();
    const reason = { code: 7 };
    const pulls = [ch.pull(), ch.pull()];
    ch.close(reason);
    for (const p of pulls) {
      const error = (await rejection(p)) as Error;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.cause).toBe(reason);
    }
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('unbuffered: a parked pusher is failed by close, and a later pull sees a closed channel', async () => {
    const ch = new Channel<string>();
    const p = ch.push('lost?');
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('pushNowait and tryPush after close: throw ChannelClosedError / return false', () => {
    const ch = new Channel<number>(5);
    ch.close();
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.size).toBe(0);
  });

  it('close with a parked pull whose signal is aborted in the same tick: no hang, one outcome', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = watch(ch.pull({ signal: ac.signal }));
    ac.abort('r');
    ch.close();
    await flush();
    expect(p.current).toEqual({ status: 'rejected', reason: 'r' });
  });
});

describe('for await', () => {
  it('yields buffered values then ends normally after close()', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  it('throws the reason itself (after the buffered values) after close(reason)', async () => {
    const ch = new Channel<number>(3);
    const reason = new Error('failed upstream');
    ch.pushNowait(1);
    ch.close(reason);
    const got: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    );
    expect(got).toEqual([1]);
    expect(error).toBe(reason);
  });

  it('throws a falsy non-undefined reason too (close(null), close(0))', async () => {
    for (const reason of [null, 0, false, '']) {
      const ch = new Channel<number>(1);
      ch.close(reason);
      const error = await rejection(
        (async () => {
          for await (const _ of ch) {
            /* empty */
          }
        })(),
      );
      expect(error).toBe(reason);
    }
  });

  it('ends normally when a parked iteration is woken by close()', async () => {
    const ch = new Channel<number>();
    const loop = (async () => {
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      return got;
    })();
    await ch.push(1);
    await flush();
    ch.close();
    await expect(loop).resolves.toEqual([1]);
  });

  it('several iterators share the values: each goes to exactly one', async () => {
    const ch = new Channel<number>(4);
    const worker = async () => {
      const got: number[] = [];
      for await (const v of ch) {
        got.push(v);
        await new Promise((r) => setTimeout(r, 0));
      }
      return got;
    };
    const workers = [worker(), worker(), worker()];
    for (let i = 0; i < 60; i++) await ch.push(i);
    ch.close();
    const results = await Promise.all(workers);
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1);
    for (const r of results) expect(r).toEqual([...r].sort((a, b) => a - b));
  });

  it('break does not close the channel and loses no value', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    const got: number[] = [];
    for await (const v of ch) {
      got.push(v);
      if (v === 1) break;
    }
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(3);
    for await (const v of ch) {
      got.push(v);
      if (ch.size === 0) break;
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('return and throw out of the loop do not close the channel either', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    const first = await (async () => {
      for await (const v of ch) return v;
    })();
    expect(first).toBe(1);
    await expect(
      (async () => {
        for await (const _ of ch) throw new Error('boom');
      })(),
    ).rejects.toThrow('boom');
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(3);
  });

  it('iterator.return() while next() waits withdraws that pull: no value goes to the consumer that left', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    await flush();
    expect(ch.stats().waitingPullers).toBe(1);
    await it.return?.();
    await expect(pending).resolves.toMatchObject({ done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false); // nobody waits: the value was not swallowed
    expect(ch.closed).toBe(false);
  });
});

describe('disposal', () => {
  it('await using closes the channel at the end of the block', async () => {
    let outer: Channel<number> | undefined;
    {
      await using ch = new Channel<number>(1);
      outer = ch;
      ch.pushNowait(1);
      expect(ch.closed).toBe(false);
    }
    expect(outer.closed).toBe(true);
    expect(outer.pullNowait()).toBe(1); // buffered value survives disposal
  });

  it('using closes the channel at the end of the block, also when it throws', () => {
    let outer: Channel<number> | undefined;
    expect(() => {
      using ch = new Channel<number>(1);
      outer = ch;
      throw new Error('inside');
    }).toThrow('inside');
    expect(outer?.closed).toBe(true);
  });

  it('Symbol.asyncDispose returns a promise and Symbol.dispose closes synchronously', async () => {
    const a = new Channel<number>();
    const r = a[Symbol.asyncDispose]();
    expect(r).toBeInstanceOf(Promise);
    await r;
    expect(a.closed).toBe(true);
    const b = new Channel<number>();
    b[Symbol.dispose]();
    expect(b.closed).toBe(true);
  });

  it('disposal fails parked operations like close()', async () => {
    const ch = new Channel<number>();
    let p!: Promise<number>;
    {
      using c = ch;
      p = c.pull();
    }
    await expect(outcome(p)).resolves.toMatchObject({ status: 'rejected' });
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('directional views', () => {
  it('Channel satisfies PushChannel and PullChannel, which expose the batch and try methods', async () => {
    const ch = new Channel<number>(4);
    const out: PushChannel<number> = ch;
    const inp: PullChannel<number> = ch;
    expectTypeOf(out.tryPush).toBeFunction();
    expectTypeOf(out.pushAll).toBeFunction();
    expectTypeOf(inp.tryPull).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf(inp.pullMany).returns.toEqualTypeOf<Promise<number[]>>();
    expect(out.tryPush(1)).toBe(true);
    await out.pushAll([2, 3]);
    expect(inp.tryPull()).toBe(1);
    expect(await inp.pullMany(5)).toEqual([2, 3]);
    out.close();
    const got: number[] = [];
    for await (const v of inp) got.push(v);
    expect(got).toEqual([]);
  });
});
