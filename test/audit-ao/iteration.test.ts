import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, track, withTimeout } from './helpers.js';

describe('async iteration', () => {
  it('yields until closed and drained, then ends normally after close()', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  it('ends normally after close(undefined)', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close(undefined);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1]);
  });

  it.each([new Error('r'), null, 0, false, '', 'text'])(
    'throws the reason %s itself after draining',
    async (reason) => {
      const ch = new Channel<number>(2);
      ch.pushNowait(1);
      ch.close(reason);
      const got: number[] = [];
      let thrown: unknown = 'nothing';
      try {
        for await (const v of ch) got.push(v);
      } catch (e) {
        thrown = e;
      }
      expect(got).toEqual([1]);
      expect(thrown).toBe(reason);
    },
  );

  it('a for await parked when close(reason) arrives throws the reason', async () => {
    const ch = new Channel<number>();
    const reason = new Error('producer failed');
    const consumer = (async () => {
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      return got;
    })();
    await ch.push(1);
    await flush();
    ch.close(reason);
    await expect(withTimeout(consumer)).rejects.toBe(reason);
  });

  it('a for await parked when close() arrives ends normally', async () => {
    const ch = new Channel<number>();
    const consumer = (async () => {
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      return got;
    })();
    await ch.push(1);
    await ch.push(2);
    ch.close();
    expect(await withTimeout(consumer)).toEqual([1, 2]);
  });

  it('several concurrent iterators share values: each exactly once', async () => {
    const ch = new Channel<number>(4);
    const seen: number[][] = [[], [], []];
    const workers = seen.map(async (bucket) => {
      for await (const v of ch) {
        bucket.push(v);
        if (v % 7 === 0) await flush();
      }
    });
    for (let i = 0; i < 300; i++) await ch.push(i);
    ch.close();
    await withTimeout(Promise.all(workers));
    const all = seen.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const bucket of seen) expect([...bucket].sort((a, b) => a - b)).toEqual(bucket);
  });

  it('break leaves the channel open and loses no buffered value', async () => {
    const ch = new Channel<number>(5);
    for (const n of [1, 2, 3, 4, 5]) ch.pushNowait(n);
    for await (const n of ch) if (n === 2) break;
    expect(ch.closed).toBe(false);
    expect(await ch.pullMany(10)).toEqual([3, 4, 5]);
  });

  it('break on an unbuffered channel leaves parked pushers for the next consumer', async () => {
    const ch = new Channel<number>();
    const ps = [1, 2, 3].map((v) => ch.push(v));
    for await (const n of ch) if (n === 1) break;
    expect(ch.stats().waitingPushers).toBe(2);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await Promise.all(ps);
  });

  it('throwing out of the loop does not close the channel or lose a value', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    await expect(
      (async () => {
        for await (const _ of ch) throw new Error('x');
      })(),
    ).rejects.toThrow('x');
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(2);
  });

  it('return() while next() is parked resolves it done and the value goes to the next consumer', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const n = it1.next();
    expect(ch.stats().waitingPullers).toBe(1);
    const r = await it1.return?.();
    expect(r?.done).toBe(true);
    expect(await n).toMatchObject({ done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    const other = ch.pull();
    ch.pushNowait(5);
    expect(await other).toBe(5);
    expect(ch.closed).toBe(false);
  });

  it('return() with several parked next() calls withdraws all of them', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const ns = [it1.next(), it1.next(), it1.next()];
    expect(ch.stats().waitingPullers).toBe(3);
    await it1.return?.();
    for (const n of ns) expect(await n).toMatchObject({ done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
  });

  it('return() of one iterator does not withdraw another iterator’s parked next()', async () => {
    const ch = new Channel<number>();
    const a = ch[Symbol.asyncIterator]();
    const b = ch[Symbol.asyncIterator]();
    const na = a.next();
    const nb = track(b.next());
    await a.return?.();
    expect(await na).toMatchObject({ done: true });
    ch.pushNowait(1);
    await flush();
    expect(nb.state).toEqual({ status: 'fulfilled', value: { done: false, value: 1 } });
  });

  it('a value committed to next() before return() is still delivered', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const n = it1.next();
    ch.pushNowait(9);
    await it1.return?.();
    expect(await n).toEqual({ done: false, value: 9 });
  });

  it('the iterator stays usable after return()', async () => {
    const ch = new Channel<number>(2);
    const it1 = ch[Symbol.asyncIterator]();
    await it1.return?.();
    ch.pushNowait(4);
    expect(await it1.next()).toEqual({ done: false, value: 4 });
  });

  it('next() called several times without awaiting gets values in order', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const ns = [it1.next(), it1.next(), it1.next()];
    await ch.pushAll([1, 2, 3]);
    expect((await Promise.all(ns)).map((r) => r.value)).toEqual([1, 2, 3]);
  });

  it('yields undefined values (does not mistake them for the end)', async () => {
    const ch = new Channel<undefined>(3);
    ch.pushNowait(undefined);
    ch.pushNowait(undefined);
    ch.close();
    let count = 0;
    for await (const _ of ch) count++;
    expect(count).toBe(2);
  });

  it('ReadableStream.from(channel) cancel withdraws its pending read and loses nothing', async () => {
    const RS = ReadableStream as unknown as { from?: (x: AsyncIterable<number>) => ReadableStream<number> };
    if (!RS.from) return;
    const ch = new Channel<number>();
    const reader = RS.from(ch).getReader();
    const read = reader.read();
    await flush();
    await reader.cancel();
    await read;
    await flush();
    expect(ch.stats().waitingPullers).toBe(0);
    const p = ch.pull();
    ch.pushNowait(3);
    expect(await p).toBe(3);
  });
});

describe('disposal', () => {
  it('await using closes the channel at block end, buffered values stay', async () => {
    let escaped: Channel<string> | undefined;
    {
      await using ch = new Channel<string>(2);
      ch.pushNowait('x');
      escaped = ch;
      expect(ch.closed).toBe(false);
    }
    expect(escaped.closed).toBe(true);
    expect(escaped.pullNowait()).toBe('x');
    expect(() => escaped.pullNowait()).toThrow(ChannelClosedError);
  });

  it('using closes the channel at block end', () => {
    let escaped: Channel<number> | undefined;
    {
      using ch = new Channel<number>();
      escaped = ch;
    }
    expect(escaped.closed).toBe(true);
  });

  it('disposal fails parked operations like close()', async () => {
    const ch = new Channel<number>();
    const p = ch.pull();
    const q = ch.push(1);
    // the push and the pull rendezvous: use two channels
    expect(await p).toBe(1);
    await q;
    const d = new Channel<number>();
    const r = d.pull();
    await d[Symbol.asyncDispose]();
    await expect(r).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('disposal methods exist under Symbol.asyncDispose and Symbol.dispose and are idempotent', async () => {
    const ch = new Channel<number>();
    const res = ch[Symbol.asyncDispose]();
    expect(res).toBeInstanceOf(Promise);
    await res;
    ch[Symbol.dispose]();
    await ch[Symbol.asyncDispose]();
    expect(ch.closed).toBe(true);
  });

  it('disposal on a channel closed with a reason keeps that reason', async () => {
    const ch = new Channel<number>();
    ch.close('orig');
    await ch[Symbol.asyncDispose]();
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as Error).cause).toBe('orig');
  });

  it('await using with an error thrown in the block still closes', async () => {
    let escaped: Channel<number> | undefined;
    await expect(
      (async () => {
        await using ch = new Channel<number>(1);
        escaped = ch;
        throw new Error('inside');
      })(),
    ).rejects.toThrow('inside');
    expect(escaped?.closed).toBe(true);
  });
});
