// Audit BR-peers-a: behaviour checked by it-pushable's own suite (alanshaw/it-pushable
// test/test.spec.ts, and the older test.js of achingbrain/it-pushable), ported onto chanasync.
// Mapping: pushable() ↔ new Channel(Infinity) (it-pushable buffers without bound and its push
// never waits), push ↔ pushNowait/push, end(err?) ↔ close(reason?), readableLength ↔ size,
// pushableV ↔ pullMany. No peer code is copied; each test names the peer test it comes from.
import { Channel, ChannelClosedError, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of source) out.push(v);
  return out;
}

describe('it-pushable push / end', () => {
  // Peer: "should push input slowly".
  it('values pushed over several timer turns are collected in order', async () => {
    const source = new Channel<number>(Infinity);
    const input = [1, 2, 3];
    input.forEach((v, i) => {
      setTimeout(() => source.pushNowait(v), i);
    });
    setTimeout(() => source.close(), input.length + 1);
    expect(await collect(source)).toEqual(input);
  });

  // Peer: "should buffer input".
  it('values pushed before the consumer starts are buffered', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    setTimeout(() => source.close());
    expect(await collect(source)).toEqual([1, 2, 3]);
  });

  // Peer: "should buffer falsy input" — undefined, null and 0 are values like any other.
  it('falsy values (undefined, null, 0) are delivered as values', async () => {
    const source = new Channel<number | null | undefined>(Infinity);
    const input = [1, 2, 3, undefined, null, 0, 4];
    for (const v of input) source.pushNowait(v);
    source.close();
    expect(await collect(source)).toEqual(input);
  });

  // Peer: "should buffer falsy input", pulled one by one: pullNowait distinguishes a buffered
  // undefined from an empty channel (SPEC tryPull: "a channel that carries undefined uses
  // pullNowait").
  it('a buffered undefined is told apart from empty by pullNowait', () => {
    const source = new Channel<undefined | number>(Infinity);
    source.pushNowait(undefined);
    expect(source.size).toBe(1);
    expect(source.pullNowait()).toBeUndefined();
    expect(() => source.pullNowait()).toThrow(/empty/);
  });

  // Peer: "should buffer some inputs".
  it('bursts and single values in timer turns arrive flattened and in order', async () => {
    const source = new Channel<number>(Infinity);
    const input: (number | number[])[] = [1, [2.1, 2.2, 2.3], 3, 4, 5, [6.1, 6.2, 6.3, 6.4], 7];
    input.forEach((item, i) => {
      setTimeout(() => {
        for (const v of Array.isArray(item) ? item : [item]) source.pushNowait(v);
      }, i);
    });
    setTimeout(() => source.close(), input.length + 1);
    expect(await collect(source)).toEqual(input.flat());
  });

  // Peer: "should allow end before start".
  it('close() before the consumer starts keeps the buffered values', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    source.close();
    expect(await collect(source)).toEqual([1, 2, 3]);
  });

  // Peer: "should end with error immediately" — the collect rejects with the error.
  // chanasync delivers the buffered values first (SPEC Closing: "Values already in the buffer
  // stay readable"), then for await throws the reason itself.
  it('close(error) after buffered pushes: values, then the error itself', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    source.close(new Error('boom'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of source) seen.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1, 2, 3]);
  });

  // Peer: "should end with error in the middle" — end(err) then a later end() (no error):
  // the error stands (SPEC: close is idempotent, only the first call's reason counts).
  it('close(error) in the middle, a later close() changes nothing', async () => {
    const source = new Channel<number>(Infinity);
    setTimeout(() => source.pushNowait(1), 0);
    setTimeout(() => source.close(new Error('boom')), 1);
    setTimeout(() => {
      expect(source.tryPush(3)).toBe(false);
      source.close();
    }, 3);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of source) seen.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(collect(source)).rejects.toThrow('boom');
  });

  // Peer: "should allow end without push".
  it('close() without any push ends the consumer with nothing', async () => {
    const source = new Channel<number>(Infinity);
    source.close();
    expect(await collect(source)).toEqual([]);
  });

  // Peer: "should allow next after end".
  it('next() after close() is done, and stays done', async () => {
    const source = new Channel<number>(Infinity);
    const it = source[Symbol.asyncIterator]();
    source.pushNowait(1);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    source.close();
    expect((await it.next()).done).toBe(true);
    expect((await it.next()).done).toBe(true);
  });

  // Peer: pushing after end (it-pushable ignores it; the value is never yielded).
  // chanasync: a push after close fails loudly (SPEC: ChannelClosedError) and adds nothing.
  it('push after close() rejects, and the value is not delivered', async () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(1);
    source.close();
    await expect(source.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await collect(source)).toEqual([1]);
  });
});

describe('it-pushable onEnd / return / throw', () => {
  // Peer: "should call onEnd", "… if passed in options object", "… even if not piped",
  // "… with error". Adaptation: chanasync has no onEnd callback (not in SPEC/README); the
  // producer side sees `closed`, and the consumer sees the end of iteration or the reason.
  it('closed tells the end; the consumer sees the end or the error', async () => {
    const source = new Channel<number>(Infinity);
    expect(source.closed).toBe(false);
    source.close(new Error('boom'));
    expect(source.closed).toBe(true);
    expect(source.stats().closed).toBe(true);
    await expect(collect(source)).rejects.toThrow('boom');
  });

  // Peer: "should call onEnd on return before end" — it-pushable ends when the consumer
  // breaks. Adaptation: SPEC Iteration: leaving a loop early does not close the channel and
  // loses no value; the producer's later values stay for the next consumer.
  it('break after two values leaves the channel open; later values are kept', async () => {
    const source = new Channel<number>(Infinity);
    const input = [1, 2, 3, 4, 5];
    input.forEach((v, i) => {
      setTimeout(() => source.pushNowait(v), i);
    });
    setTimeout(() => source.close(), input.length + 1);
    const output: number[] = [];
    for await (const v of source) {
      output.push(v);
      if (output.length === 2) break;
    }
    expect(output).toEqual([1, 2]);
    expect(source.closed).toBe(false);
    expect(await collect(source)).toEqual([3, 4, 5]);
  });

  // Peer: "should call onEnd by calling return" / "should call onEnd once" — after return(),
  // it-pushable is finished and a further next() is done. Adaptation: README Iteration:
  // "return() does not close the channel, and the iterator stays usable".
  it('return() then next(): the iterator keeps reading the channel', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    const it = source[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    expect((await it.return!()).done).toBe(true);
    expect(await it.next()).toEqual({ done: false, value: 2 });
    expect(source.closed).toBe(false);
  });

  // Peer: "should call onEnd by calling throw" — it-pushable's throw(err) ends it with err.
  // Adaptation: the channel iterator has no throw() (optional in the protocol); close(err) is
  // the equivalent, and the consumer sees err after the buffered values.
  it('no iterator throw(); close(err) ends consumers with err after the buffered values', async () => {
    const source = new Channel<number>(Infinity);
    const it = source[Symbol.asyncIterator]();
    expect(it.throw).toBeUndefined();
    source.pushNowait(1);
    source.close(new Error('boom'));
    expect(await it.next()).toEqual({ done: false, value: 1 });
    await expect(it.next()).rejects.toThrow('boom');
  });
});

describe('it-pushable readableLength ↔ size', () => {
  // Peer: "should support readableLength for objects".
  it('size counts buffered values as they come and go', async () => {
    const source = new Channel<number>(Infinity);
    expect(source.size).toBe(0);
    await source.push(1);
    expect(source.size).toBe(1);
    await source.push(1);
    expect(source.size).toBe(2);
    await source.pull();
    expect(source.size).toBe(1);
    await source[Symbol.asyncIterator]().next();
    expect(source.size).toBe(0);
    expect(source.stats().size).toBe(0);
  });

  // Peer: "should support readableLength for bytes" — it-pushable counts bytes in byte mode.
  // Adaptation: chanasync's size counts values (README Properties: "How many values are
  // buffered now"); a Uint8Array is one value whatever its length.
  it('size counts values, not bytes', () => {
    const source = new Channel<Uint8Array>(Infinity);
    source.pushNowait(Uint8Array.from([1, 2]));
    source.pushNowait(Uint8Array.from([3, 4, 5]));
    expect(source.size).toBe(2);
    expect(source.pullNowait()).toEqual(Uint8Array.from([1, 2]));
    expect(source.size).toBe(1);
  });

  // Peer: readableLength with a consumer waiting — a value handed to a waiting next() never
  // counts as buffered; on an unbuffered channel a waiting push is in stats, not in size.
  it('values handed to waiting pulls are not counted; unbuffered pushes show in stats', async () => {
    const buffered = new Channel<number>(Infinity);
    const p = buffered.pull();
    buffered.pushNowait(1);
    expect(buffered.size).toBe(0);
    expect(await p).toBe(1);

    const unbuffered = new Channel<number>();
    const push = unbuffered.push(1);
    expect(unbuffered.size).toBe(0);
    expect(unbuffered.stats().waitingPushers).toBe(1);
    expect(await unbuffered.pull()).toBe(1);
    await push;
    expect(unbuffered.stats().waitingPushers).toBe(0);
  });
});

describe('it-pushable aborting ↔ signals', () => {
  // Peer: "should allow aborting the awaiting of a push" — the push rejects with the abort.
  // chanasync: SPEC push: "Rejects with signal.reason if the signal is aborted before the
  // commit; the value is then not delivered and the parked operation leaves no trace."
  it('an aborted push rejects with the reason and delivers nothing', async () => {
    const source = new Channel<number>();
    const ac = new AbortController();
    const reason = Object.assign(new Error('took ages'), { code: 'TOOK_AGES' });
    const p = source.push(5, { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 1);
    await expect(p).rejects.toHaveProperty('code', 'TOOK_AGES');
    expect(source.stats().waitingPushers).toBe(0);
    expect(source.tryPull()).toBeUndefined();
  });

  // Peer: same test with AbortSignal.timeout — the platform's TimeoutError is the reason.
  it('AbortSignal.timeout on a parked push rejects with the TimeoutError', async () => {
    const source = new Channel<number>();
    const e = await source.push(5, { signal: AbortSignal.timeout(2) }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('TimeoutError');
    expect(source.stats().waitingPushers).toBe(0);
  });

  // Peer: "should allow aborting the awaiting of an end" — it-pushable's end() can wait for
  // the buffer to drain. Adaptation: close() is synchronous and never waits (SPEC Closing);
  // the buffered value stays readable.
  it('close() with a value buffered returns at once; the value stays readable', async () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(5);
    expect(source.close()).toBeUndefined();
    expect(await collect(source)).toEqual([5]);
  });
});

describe('it-pushable pushableV (writev) ↔ pullMany', () => {
  // Peer: "should support writev" — synchronous pushes are read as one array.
  it('pullMany takes everything pushed so far as one array', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    expect(await source.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([1, 2, 3]);
  });

  // Peer: "should always yield arrays when using writev" — every read is an array, even when
  // the consumer waited. Adaptation: a parked pullMany is served by the next push with that
  // one value (README Batches: FIFO among parked pulls forbids holding a value back).
  it('pullMany always yields arrays; a parked one gets the first value alone', async () => {
    const source = new Channel<number>(Infinity);
    const first = source.pullMany(10);
    setTimeout(() => {
      for (const v of [1, 2, 3]) source.pushNowait(v);
      source.close();
    });
    const batches: number[][] = [await first];
    for (;;) {
      try {
        batches.push(await source.pullMany(10));
      } catch (e) {
        expect(e).toBeInstanceOf(ChannelClosedError);
        break;
      }
    }
    for (const b of batches) expect(Array.isArray(b)).toBe(true);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  // Peer: "should support writev and end with error" — it-pushableV rejects with the error.
  // Adaptation: the batch of buffered values comes first; then pullMany rejects like pull,
  // with ChannelClosedError whose cause is the reason (SPEC pullMany / pull).
  it('pullMany after close(error): the batch first, then ChannelClosedError with the cause', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    const error = new Error('boom');
    source.close(error);
    expect(await source.pullMany(100)).toEqual([1, 2, 3]);
    const e = await source.pullMany(100).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as ChannelClosedError).cause).toBe(error);
  });
});

describe('it-pushable piped into a stream ↔ toReadableStream', () => {
  // Peer: the suite pipes every pushable into a consumer (it-pipe). The web-platform pipe is a
  // ReadableStream: toReadableStream(channel) delivers the values, closes after close().
  it('toReadableStream delivers the values and closes', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    source.close();
    const reader = toReadableStream(source).getReader();
    const out: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
    expect(out).toEqual([1, 2, 3]);
  });

  // Peer: "should end with error immediately" through a pipe: the stream errors with the
  // reason once the values before it were read (SPEC Interop toReadableStream).
  it('toReadableStream errors with the close reason after the values', async () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(1);
    const error = new Error('boom');
    source.close(error);
    const reader = toReadableStream(source).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await expect(reader.read()).rejects.toBe(error);
  });

  // Peer: "should call onEnd on return before end" through a pipe: cancelling the stream
  // consumes nothing more and does not close the channel (SPEC Interop toReadableStream).
  it('cancelling the stream leaves the channel open with its values', async () => {
    const source = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) source.pushNowait(v);
    const reader = toReadableStream(source).getReader();
    expect((await reader.read()).value).toBe(1);
    await reader.cancel();
    await flush();
    expect(source.closed).toBe(false);
    expect(source.size).toBe(2);
    expect(source.stats().waitingPullers).toBe(0);
  });
});
