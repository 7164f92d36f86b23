/**
 * Audit BA-core: crossings of the second map's operations with select, iteration and broadcast,
 * and the clarity of misuse errors. The `it` in "pushAll misuse" fails today (finding BA-1);
 * everything else is a passing probe.
 */
import { after as afterMs, broadcast, Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('batch ops and select', () => {
  it('a batch op passed as a select case is refused with a message that says its operation still waits', async () => {
    const ch = new Channel<number>(1);
    const started = ch.pullMany(3);
    const e = (await select([started as never]).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/promise: its pull or push still waits/);
    ch.tryPush(1);
    expect(await started).toEqual([1]);
  });
  it('pullMany takes a parked select push case value and the select resolves; its other case is withdrawn', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const s = select([push(ch, 7), pull(other)]);
    expect(await ch.pullMany(5)).toEqual([7]);
    expect(await s).toEqual({ index: 0, channel: ch, value: undefined, ok: true });
    expect(other.stats().waitingPullers).toBe(0);
  });
  it('pushAll serves a parked select pull case first, then parks the rest', async () => {
    const ch = new Channel<number>();
    const s = select([pull(ch), pull(new Channel<number>())]);
    const p = ch.pushAll([1, 2]);
    expect((await s).value).toBe(1);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    await p;
  });
});

describe('iteration and select on one channel', () => {
  it('a for await that breaks while a select waits on the same channel: the next value goes to the select', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const loop = (async () => {
      for await (const v of ch) if (v === 1) break;
    })();
    await flush();
    const s = select([pull(ch), pull(other)]);
    await flush();
    await ch.push(1);
    await loop;
    expect(ch.stats().waitingPullers).toBe(1);
    await ch.push(2);
    expect(await s).toEqual({ index: 0, channel: ch, value: 2, ok: true });
    expect([ch.stats().waitingPullers, other.stats().waitingPullers]).toEqual([0, 0]);
  });
  it('ReadableStream.from(channel) cancelled while a select waits: only the stream pull leaves', async () => {
    const ch = new Channel<string>();
    // Node has ReadableStream.from (v20.6); the DOM lib of this TypeScript does not declare it.
    const streamFrom = (ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> }).from;
    const reader = streamFrom(ch).getReader();
    const read = reader.read();
    await flush();
    const s = select([pull(ch), pull(new Channel<string>())]);
    await flush();
    await reader.cancel();
    expect(await read).toEqual({ value: undefined, done: true });
    expect(ch.stats().waitingPullers).toBe(1);
    await ch.push('x');
    expect((await s).value).toBe('x');
  });
  it('capacity-0 subscriber: a breaking loop, a select and a pushAll into the source share the values', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const s0 = hub.subscribe({ capacity: 0 });
    const s1 = hub.subscribe({ capacity: 3 });
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of s0) {
        got.push(v);
        break;
      }
    })();
    await flush();
    const s = select([pull(s0), pull(new Channel<number>())]);
    await flush();
    const producing = src.pushAll([1, 2, 3]);
    await loop;
    got.push((await s).value as number);
    expect(got).toEqual([1, 2]);
    expect(await s0.pull()).toBe(3);
    await producing;
    src.close('end');
    expect(await s1.pullMany(5)).toEqual([1, 2, 3]);
    await expect(s0.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('timer channels in select', () => {
  it('after(0) as a select case fires with a number and closes', async () => {
    const a = afterMs(0);
    const r = await select([pull(a), pull(new Channel<number>())]);
    expect(r.index).toBe(0);
    expect(typeof r.value).toBe('number');
    expect(a.closed).toBe(true);
    expect(selectNowait([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });
});

describe('pushAll misuse', () => {
  // Finding BA-1: the common slips with pushAll — an async generator, a ReadableStream (a fetch
  // body) or another channel, which are async iterables — get only "values is not iterable".
  it('pushAll(asyncIterable) says the values are async and how to push them', async () => {
    async function* lines() {
      yield 'a';
    }
    const ch = new Channel<string>(4);
    for (const values of [lines(), new ReadableStream<string>(), new Channel<string>()]) {
      const e = (await ch.pushAll(values as never).catch((x: unknown) => x)) as Error;
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/async/i);
    }
  });
});
