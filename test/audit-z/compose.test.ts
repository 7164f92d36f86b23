/**
 * Audit Z: features combined the way programs combine them — select over a merge of broadcast
 * subscribers with a timeout, stream round trips with close reasons, pipelines torn down in the
 * middle, selects meeting selects, fairness. Each test accounts for every value and checks that
 * nothing is left parked, listening or ticking.
 */

import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull,
  push,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it } from 'vitest';
import { drain } from '../helpers/drain.js';
import { pendingTimers } from '../helpers/timers.js';

/** A real signal whose `abort` listeners are counted (added minus removed). */
function countedController(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const live = new Set<unknown>();
  Object.defineProperty(signal, 'addEventListener', {
    value: (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
      if (type === 'abort' && !live.has(listener)) {
        live.add(listener);
        count++;
      }
      add(type, listener, options as AddEventListenerOptions);
    },
  });
  Object.defineProperty(signal, 'removeEventListener', {
    value: (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
      if (type === 'abort' && live.delete(listener)) count--;
      remove(type, listener, options as EventListenerOptions);
    },
  });
  // A listener added with `once` leaves on dispatch without removeEventListener. (Not counted.)
  add('abort', () => {
    live.clear();
    count = 0;
  });
  return { controller, signal, listeners: () => count };
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

const restores: (() => void)[] = [];
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

describe('audit Z: select over a merge of broadcast subscribers, with a timeout', () => {
  it('delivers every value once per subscriber, ends with ok: false, and leaves no timer or listener', async () => {
    const timers = pendingTimers();
    restores.push(timers.restore);
    const { controller, signal, listeners } = countedController();
    const source = new Channel<number>(2, { name: 'source' });
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1, signal });
    const b = hub.subscribe({ capacity: 3, signal });
    const merged = merge(a, b);
    const N = 300;
    const producer = (async () => {
      for (let i = 0; i < N; i++) await source.push(i);
      source.close();
    })();
    const got: number[] = [];
    let timeouts = 0;
    for (;;) {
      using timeout = afterMs(1000, { signal });
      const result = await select([pull(merged), pull(timeout)], { signal });
      if (result.index === 1) {
        timeouts++;
        continue;
      }
      if (!result.ok) break;
      got.push(result.value as number);
    }
    await producer;
    expect(timeouts).toBe(0);
    // Each value twice (once per subscriber), each subscriber's values in order.
    const counts = new Map<number, number>();
    for (const v of got) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(counts.size).toBe(N);
    for (const [, n] of counts) expect(n).toBe(2);
    expect([a.closed, b.closed, merged.closed]).toEqual([true, true, true]);
    for (const ch of [source, a, b, merged]) {
      const stats = ch.stats();
      expect([stats.size, stats.waitingPushers, stats.waitingPullers]).toEqual([0, 0, 0]);
    }
    expect(timers.pending()).toBe(0);
    expect(listeners()).toBe(0);
    controller.abort();
  });

  it('aborting the shared signal mid-stream: the loop rejects with the reason, every subscriber closes, nothing stays parked', async () => {
    const timers = pendingTimers();
    restores.push(timers.restore);
    const { controller, signal, listeners } = countedController();
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const a = hub.subscribe({ signal });
    const b = hub.subscribe({ capacity: 2, overflow: 'drop-oldest', signal });
    const merged = merge(a, b);
    const pushed: number[] = [];
    const producer = (async () => {
      for (let i = 0; ; i++) {
        try {
          await source.push(i, { signal });
          pushed.push(i);
        } catch (error) {
          return error;
        }
      }
    })();
    const got: number[] = [];
    const reason = new Error('stop');
    let error: unknown;
    try {
      for (;;) {
        const result = await select([pull(merged), pull(afterMs(1000, { signal }))], { signal });
        if (result.index === 0 && result.ok) got.push(result.value as number);
        if (got.length === 50) controller.abort(reason);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBe(reason);
    expect(await producer).toBe(reason);
    expect([a.closed, b.closed]).toEqual([true, true]);
    await settle();
    // Every value the merge handed out was pulled from the source by the broadcast.
    for (const v of got) expect(pushed).toContain(v);
    for (const ch of [source, a, b, merged]) {
      const stats = ch.stats();
      expect([ch.name, stats.waitingPushers, stats.waitingPullers]).toEqual([ch.name, 0, 0]);
    }
    expect(timers.pending()).toBe(0);
    expect(listeners()).toBe(0);
    merged.close();
    source.close();
  });
});

describe('audit Z: stream round trips', () => {
  it('from(toReadableStream(ch)) keeps order and passes the close reason on', async () => {
    const ch = new Channel<number>(4);
    const reason = new Error('upstream failed');
    const back = from(toReadableStream(ch));
    void (async () => {
      await ch.pushAll([1, 2, 3, 4, 5, 6]);
      ch.close(reason);
    })();
    const { values: got, error } = await drain(back);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(error).toBe(reason);
    expect(back.closed).toBe(true);
    await expect(back.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause: reason });
  });

  it('from(toReadableStream(ch)) ends normally after close()', async () => {
    const ch = new Channel<string>();
    const back = from(toReadableStream(ch), { capacity: 2 });
    void ch.pushAll(['a', 'b', 'c']).then(() => ch.close());
    const got: string[] = [];
    for await (const v of back) got.push(v);
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('toReadableStream(from(toReadableStream(ch))) errors with the reason after the values, with a highWaterMark', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    const reason = { code: 42 };
    const stream = toReadableStream(from(toReadableStream(ch, { highWaterMark: 3 }), { capacity: 2 }), {
      highWaterMark: 2,
    });
    for (let i = 0; i < 10; i++) ch.tryPush(i);
    ch.close(reason);
    const reader = stream.getReader();
    const got: number[] = [];
    let error: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got.push(value);
      }
    } catch (e) {
      error = e;
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(error).toBe(reason);
  });

  it('new Response(toReadableStream(ch)) and pipeThrough(TextDecoderStream) read bytes pushed by a producer', async () => {
    const bytes = new Channel<Uint8Array>(1);
    const encoder = new TextEncoder();
    void (async () => {
      for (const word of ['héllo', ' ', 'wörld', ' ', '✓']) await bytes.push(encoder.encode(word));
      bytes.close();
    })();
    expect(await new Response(toReadableStream(bytes)).text()).toBe('héllo wörld ✓');

    const more = new Channel<Uint8Array>();
    const text = toReadableStream(more).pipeThrough(
      new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>,
    );
    const words = from(text);
    void (async () => {
      // A multi-byte character split across two chunks.
      const check = encoder.encode('✓');
      await more.push(check.slice(0, 1));
      await more.push(check.slice(1));
      await more.push(encoder.encode('!'));
      more.close();
    })();
    let joined = '';
    for await (const chunk of words) joined += chunk;
    expect(joined).toBe('✓!');
  });

  it('ReadableStream.from(channel) cancelled by pipeTo(signal) leaves the next value in the channel', async () => {
    const ch = new Channel<number>();
    const controller = new AbortController();
    const got: number[] = [];
    const sink = new WritableStream<number>({
      write(v) {
        got.push(v);
        if (got.length === 3) controller.abort(new Error('enough'));
      },
    });
    const piping = (ReadableStream as unknown as { from<T>(it: AsyncIterable<T>): ReadableStream<T> })
      .from(ch)
      .pipeTo(sink, { signal: controller.signal });
    for (let i = 1; i <= 3; i++) await ch.push(i);
    await expect(piping).rejects.toThrow('enough');
    await settle();
    expect(ch.stats().waitingPullers).toBe(0);
    // Nothing is waiting on the channel any more: a value pushed now stays for the next consumer.
    expect(ch.tryPush(4)).toBe(false);
    const later = ch.pull();
    expect(ch.tryPush(4)).toBe(true);
    expect(await later).toBe(4);
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('audit Z: a five-stage pipeline torn down by an AbortSignal in the middle', () => {
  it('every value pushed is delivered once or still held, and no listener, waiter or timer is left', async () => {
    const timers = pendingTimers();
    restores.push(timers.restore);
    const { controller, signal, listeners } = countedController();
    const head = new Channel<number>(4, { name: 'head' });
    const s1 = from(head, { signal, capacity: 2, name: 's1' });
    const s2 = from(s1, { signal, name: 's2' });
    const s3 = merge(s2);
    const s4 = from(s3, { signal, capacity: 3, name: 's4' });
    const committed: number[] = [];
    const producer = (async () => {
      for (let i = 0; ; i++) {
        try {
          await head.push(i, { signal });
          committed.push(i);
        } catch (error) {
          return error;
        }
      }
    })();
    const delivered: number[] = [];
    const reason = new Error('torn down');
    let ended: unknown = 'not ended';
    try {
      for await (const v of s4) {
        delivered.push(v);
        if (delivered.length === 100) controller.abort(reason);
      }
      ended = undefined;
    } catch (error) {
      ended = error;
    }
    // Aborting `from`'s signal closes it normally: the loop ends.
    expect(ended).toBeUndefined();
    expect(await producer).toBe(reason);
    await settle();
    // What is still held along the way (closed channels keep their buffers readable).
    const held: number[] = [];
    for (const ch of [s4, s3, s2, s1, head]) {
      for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) held.push(v);
    }
    // Delivered values are in order, and delivered + held is exactly what was committed.
    expect(delivered).toEqual([...delivered].sort((x, y) => x - y));
    expect([...delivered, ...held].sort((x, y) => x - y)).toEqual(committed);
    for (const ch of [head, s1, s2, s3, s4]) {
      const stats = ch.stats();
      expect([ch.name, stats.waitingPushers, stats.waitingPullers]).toEqual([ch.name, 0, 0]);
    }
    expect(listeners()).toBe(0);
    expect(timers.pending()).toBe(0);
    head.close();
  });

  it('await using in the middle of a pipeline: leaving the block closes its stage and the rest drains', async () => {
    const head = new Channel<number>(8, { name: 'head' });
    const tail = new Channel<number>(8, { name: 'tail' });
    for (let i = 0; i < 8; i++) head.tryPush(i);
    const seen: number[] = [];
    {
      await using middle = from(head, { capacity: 2, name: 'middle' });
      for await (const v of middle) {
        seen.push(v);
        await tail.push(v * 10);
        if (seen.length === 3) break;
      }
    }
    // Closing `middle` kept what it had buffered readable; what it had not taken is in `head`.
    const rest: number[] = [];
    for (let v = head.tryPull(); v !== undefined; v = head.tryPull()) rest.push(v);
    expect(seen).toEqual([0, 1, 2]);
    expect(head.stats().waitingPullers).toBe(0);
    expect(rest.every((v) => v > 2)).toBe(true);
    expect(tail.size).toBe(3);
  });
});

describe('audit Z: selects meeting selects, and close while they wait', () => {
  it('two selects with a push and a pull case on one unbuffered channel meet exactly once', async () => {
    for (let trial = 0; trial < 200; trial++) {
      const c = new Channel<string>();
      const first = select([push(c, 'a'), pull(c)]);
      await settle();
      expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
      const second = await select([push(c, 'b'), pull(c)]);
      const one = await first;
      if (second.index === 0) expect(one).toMatchObject({ index: 1, value: 'b', ok: true });
      else expect([second.value, one.index]).toEqual(['a', 0]);
      expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    }
  });

  it('close() fails a select parked with push and pull on the channel, and fires ok: false for selects pulling only', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const e = new Channel<number>();
    const both = select([push(c, 1), pull(c), pull(e)]);
    const pulling = [select([pull(d), pull(e)]), select([pull(e), pull(d)])];
    await settle();
    expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    const reason = new Error('bye');
    c.close(reason);
    d.close();
    await expect(both).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof ChannelClosedError && error.message.includes('select push') && error.cause === reason,
    );
    for (const r of await Promise.all(pulling)) expect(r).toMatchObject({ channel: d, ok: false, value: undefined });
    for (const ch of [c, d, e]) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a value is never taken by two selects: 2000 values, 6 competing select loops, each value seen once', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>();
    const done = new Channel<void>();
    const seen: number[] = [];
    const loops = Array.from({ length: 6 }, async () => {
      for (;;) {
        const r = await select([pull(a), pull(b), pull(done)]);
        if (r.channel === done) return;
        if (r.ok) seen.push(r.value as number);
      }
    });
    const producers = [0, 1].map(async (p) => {
      for (let i = p; i < 2000; i += 2) await (p ? b : a).push(i);
    });
    await Promise.all(producers);
    await until(() => seen.length === 2000, 'every value');
    done.close();
    await Promise.all(loops);
    expect(new Set(seen).size).toBe(2000);
    expect(seen.length).toBe(2000);
  });
});

describe('audit Z: fairness', () => {
  // Chi-square with k-1 degrees of freedom; bounds far above the 1e-6 quantiles (3 dof: 30.7,
  // 1 dof: 23.9), so a fair implementation never fails here.
  const chi = (counts: number[]) => {
    const n = counts.reduce((x, y) => x + y, 0);
    const e = n / counts.length;
    return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
  };

  it('among ready cases (selectNowait and select)', async () => {
    const chans = [0, 1, 2, 3].map(() => new Channel<number>(Number.POSITIVE_INFINITY));
    for (const ch of chans) for (let i = 0; i < 20_000; i++) ch.tryPush(i);
    const cases = chans.map((ch) => pull(ch));
    const nowait = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) (nowait[(selectNowait(cases) as { index: number }).index] as number)++;
    expect(chi(nowait)).toBeLessThan(40);
    const waiting = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) (waiting[(await select(cases)).index] as number)++;
    expect(chi(waiting)).toBeLessThan(40);
    // Values from each channel still come out in order.
    for (const ch of chans) {
      const rest = [];
      for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) rest.push(v);
      expect(rest).toEqual([...rest].sort((x, y) => x - y));
    }
  });

  it('among parked cases on one channel (Go TestPseudoRandomSend)', async () => {
    const c = new Channel<string>();
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) {
      const s = select([push(c, 'A'), push(c, 'B')]);
      const v = await c.pull();
      const r = await s;
      expect(r.index).toBe(v === 'A' ? 0 : 1);
      (counts[r.index] as number)++;
    }
    expect(chi(counts)).toBeLessThan(30);
  });

  it('among parked pull cases on one channel', async () => {
    const c = new Channel<number>();
    const counts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) {
      const s = select([pull(c), pull(c), pull(c)]);
      await c.push(i);
      const r = await s;
      expect(r.value).toBe(i);
      (counts[r.index] as number)++;
    }
    expect(chi(counts)).toBeLessThan(35);
  });
});
