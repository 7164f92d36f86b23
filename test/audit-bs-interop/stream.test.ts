import { Channel, ChannelClosedError, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { microtasks, tick, track, until } from './util.js';

describe('toReadableStream', () => {
  it('the instance spelling is the same function; all values in order, then done', async () => {
    const ch = new Channel<number>(8);
    const stream = ch.toReadableStream();
    await ch.pushAll([1, 2, 3]);
    ch.close();
    const got: number[] = [];
    for await (const v of stream) got.push(v);
    expect(got).toEqual([1, 2, 3]);
  });

  it('default highWaterMark 0: pulls nothing until a read, one value per read; desiredSize 0', async () => {
    const ch = new Channel<number>(8);
    await ch.pushAll([1, 2, 3]);
    const stream = toReadableStream(ch);
    await tick();
    expect(ch.size).toBe(3);
    const reader = stream.getReader();
    expect((await reader.read()).value).toBe(1);
    await tick();
    expect(ch.size).toBe(2);
    expect((await reader.read()).value).toBe(2);
    await tick();
    expect(ch.size).toBe(1);
    reader.releaseLock();
    await stream.cancel();
    expect(ch.closed).toBe(false);
    expect(ch.pullNowait()).toBe(3);
  });

  it('highWaterMark N reads exactly N ahead (the stream fills to its desiredSize, no further)', async () => {
    const ch = new Channel<number>(8);
    const s0 = toReadableStream(ch);
    const s3 = toReadableStream(ch, { highWaterMark: 3 });
    // ReadableStream has no public desiredSize; observe through read-ahead instead
    await ch.pushAll([1, 2, 3, 4, 5]);
    await until(() => ch.size === 2, 'hwm 3 reads ahead exactly 3');
    await tick();
    expect(ch.size).toBe(2);
    const r = s3.getReader();
    expect((await r.read()).value).toBe(1);
    await until(() => ch.size === 1, 'refill one');
    r.releaseLock();
    await s3.cancel();
    await s0.cancel();
    expect(ch.closed).toBe(false);
  });

  it('a slow stream consumer holds the producer (backpressure through pipeTo)', async () => {
    const ch = new Channel<number>(2);
    const written: number[] = [];
    let releaseWrite!: () => void;
    let gate = new Promise<void>((r) => (releaseWrite = r));
    const sink = new WritableStream<number>(
      {
        async write(v) {
          written.push(v);
          await gate;
        },
      },
      { highWaterMark: 1 },
    );
    const piping = toReadableStream(ch).pipeTo(sink);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await ch.push(i);
        pushed++;
      }
      ch.close();
    })();
    await until(() => written.length === 1, 'first write');
    for (let i = 0; i < 5; i++) await tick();
    // sink blocked: producer can be at most capacity + the pipe's small read-ahead ahead
    expect(pushed).toBeLessThan(8);
    const stalled = pushed;
    for (let i = 0; i < 5; i++) await tick();
    expect(pushed).toBe(stalled);
    // release the sink for good
    releaseWrite();
    gate = Promise.resolve();
    await producer;
    await piping;
    expect(written).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('closes when the channel is closed and drained', async () => {
    const ch = new Channel<string>(2);
    const reader = toReadableStream(ch).getReader();
    const r = track(reader.read());
    await ch.push('a');
    await until(() => r.state !== 'pending', 'read a');
    expect(r.value).toEqual({ value: 'a', done: false });
    ch.close();
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  it('close(reason): errors the stream with the reason, only after every value was read', async () => {
    const ch = new Channel<number>(4);
    const reason = new Error('upstream failed');
    const stream = toReadableStream(ch, { highWaterMark: 4 });
    await ch.pushAll([1, 2, 3]);
    await until(() => ch.size === 0, 'stream read ahead');
    ch.close(reason);
    const reader = stream.getReader();
    const got: number[] = [];
    let err: unknown;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        got.push(value);
      }
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1, 2, 3]);
    expect(err).toBe(reason);
  });

  it('cancel withdraws a waiting read: nothing consumed, channel left open, later values stay in the channel', async () => {
    const ch = new Channel<number>();
    const stream = toReadableStream(ch);
    const reader = stream.getReader();
    const read = track(reader.read());
    await tick();
    expect(ch.stats().waitingPullers).toBe(1);
    await reader.cancel('bye');
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
    expect(read.value).toEqual({ value: undefined, done: true });
    expect(ch.tryPush(7)).toBe(false); // nobody waiting any more
    const p = ch.push(8);
    expect(await ch.pull()).toBe(8);
    await p;
    ch.close();
  });

  it('cancel after a value was committed to the pending read: the read still gets it', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const read = reader.read();
    await tick();
    ch.pushNowait(5); // commits to the stream's pull
    const cancelled = reader.cancel();
    expect(await read).toEqual({ value: 5, done: false });
    await cancelled;
  });

  it('closeOnCancel: cancelling closes the channel; the producer push rejects ChannelClosedError', async () => {
    const ch = new Channel<number>(1);
    const stream = toReadableStream(ch, { closeOnCancel: true });
    await ch.push(1);
    const producer = ch.push(2);
    await stream.cancel(new Error('client left'));
    expect(ch.closed).toBe(true);
    await expect(producer).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1); // what was buffered stays readable
  });

  it('signal abort withdraws the pull and closes the stream normally; an already aborted signal starts it closed', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const reader = toReadableStream(ch, { signal: ac.signal }).getReader();
    const read = track(reader.read());
    await tick();
    expect(ch.stats().waitingPullers).toBe(1);
    ac.abort();
    await until(() => read.state !== 'pending', 'read ended');
    expect(read.value).toEqual({ value: undefined, done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);

    const r2 = toReadableStream(ch, { signal: AbortSignal.abort() }).getReader();
    expect(await r2.read()).toEqual({ value: undefined, done: true });
    expect(ch.stats().waitingPullers).toBe(0);
    ch.close();
  });

  it('pipeTo with an aborted signal does not strand a value', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const sink = new WritableStream<number>();
    const piping = toReadableStream(ch).pipeTo(sink, { signal: ac.signal });
    await tick();
    ac.abort(new Error('stop'));
    await expect(piping).rejects.toThrow('stop');
    await until(() => ch.stats().waitingPullers === 0, 'pull withdrawn');
    expect(ch.tryPush(1)).toBe(false);
    ch.close();
  });

  it('two streams over one channel: each value goes to exactly one', async () => {
    const ch = new Channel<number>(4);
    const a = toReadableStream(ch).getReader();
    const b = toReadableStream(ch).getReader();
    const got: number[] = [];
    const drain = async (r: ReadableStreamDefaultReader<number>) => {
      for (;;) {
        const { value, done } = await r.read();
        if (done) return;
        got.push(value);
        await tick();
      }
    };
    const ds = Promise.all([drain(a), drain(b)]);
    await ch.pushAll(Array.from({ length: 30 }, (_, i) => i));
    ch.close();
    await ds;
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('bad arguments throw at the call, naming toReadableStream', () => {
    const ch = new Channel<number>();
    expect(() => toReadableStream(ch, { highWaterMark: -1 })).toThrow(RangeError);
    expect(() => toReadableStream(ch, { highWaterMark: Infinity })).toThrow(RangeError);
    expect(() => toReadableStream(ch, { highWaterMark: -1 })).toThrow(/toReadableStream/);
    expect(() => toReadableStream({} as never)).toThrow(TypeError);
    expect(() => toReadableStream(ch, { closeOnCancel: 'yes' as never })).toThrow(TypeError);
    expect(ch.stats().waitingPullers).toBe(0);
    ch.close();
  });

  it('round trip through Response: bytes arrive whole and in order', async () => {
    const ch = new Channel<Uint8Array>(2);
    const res = new Response(toReadableStream(ch));
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await ch.push(new TextEncoder().encode(`${i},`));
      ch.close();
    })();
    const text = await res.text();
    await producer;
    expect(text).toBe(Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
    await microtasks();
  });
});
