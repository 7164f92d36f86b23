import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));
const micro = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

async function drain<T>(ch: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

describe('broadcast', () => {
  it('delivers every value to every subscriber in order', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const a = hub.subscribe();
    const b = hub.subscribe({ capacity: 10 });
    const da = drain(a),
      db = drain(b);
    await src.pushAll([1, 2, 3, 4, 5, 6]);
    src.close();
    expect((await da).values).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await db).values).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('subscribe() default is capacity 1, block', () => {
    const hub = broadcast(new Channel<number>());
    const s = hub.subscribe();
    expect(s.capacity).toBe(1);
    expect(s.stats().overflow).toBe('block');
  });
  it('with no subscriber pulls nothing: values wait in source', async () => {
    const src = new Channel<number>(3);
    broadcast(src);
    src.tryPush(1);
    src.tryPush(2);
    await tick();
    expect(src.size).toBe(2);
    expect(src.tryPull()).toBe(1);
  });
  it('after the last subscriber leaves, pulls nothing more', async () => {
    const src = new Channel<number>(3);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 5 });
    src.tryPush(1);
    await tick();
    expect(s.tryPull()).toBe(1);
    s.close();
    await tick();
    src.tryPush(2);
    await tick();
    expect(src.size).toBe(1);
    expect(src.stats().waitingPullers).toBe(0);
  });
  it('a late subscriber receives only values pulled after it subscribed', async () => {
    const src = new Channel<number>(3);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    await src.push(1);
    await tick();
    const b = hub.subscribe({ capacity: 10 });
    await src.push(2);
    await tick();
    src.close();
    expect((await drain(a)).values).toEqual([1, 2]);
    expect((await drain(b)).values).toEqual([2]);
  });
  it('backpressure: the slowest block subscriber sets the pace', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 100 });
    const slow = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2, 3, 4, 5]);
    await tick();
    // slow holds 1, so at most 1 (+ possibly the one in flight) was pulled
    expect(slow.size).toBe(1);
    expect(fast.size).toBeLessThanOrEqual(2);
    expect(src.size + fast.size).toBe(5);
    expect(await slow.pull()).toBe(1);
    await tick();
    expect(await slow.pull()).toBe(2);
    await tick();
    expect(fast.size).toBeLessThanOrEqual(3);
  });
  it('a drop-oldest subscriber never holds the others back', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 100 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3, 4, 5]);
    await tick();
    expect(fast.size).toBe(5);
    expect(latest.tryPull()).toBe(5);
  });
  it('a drop-newest subscriber keeps the first values, never blocks', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 100 });
    const first = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    await src.pushAll([1, 2, 3, 4, 5]);
    await tick();
    expect(fast.size).toBe(5);
    expect(await first.pullMany(5)).toEqual([1, 2]);
  });
  it('only drop subscribers: drains the source', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(src.size).toBe(0);
    expect(s.tryPull()).toBe(3);
  });
  it('a subscriber leaves when its signal aborts: its channel is closed, others continue', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const ac = new AbortController();
    const a = hub.subscribe({ capacity: 1, signal: ac.signal });
    const b = hub.subscribe({ capacity: 10 });
    await src.pushAll([1, 2, 3]);
    await tick();
    ac.abort();
    expect(a.closed).toBe(true);
    await tick();
    expect(a.tryPull()).toBe(1); // keeps what it received
    src.close();
    expect((await drain(b)).values).toEqual([1, 2, 3]);
  });
  it('subscribe with an already aborted signal returns a closed channel and pulls nothing', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ signal: AbortSignal.abort() });
    expect(a.closed).toBe(true);
    src.tryPush(1);
    await tick();
    expect(src.size).toBe(1);
  });
  it('a blocked slow subscriber closing unblocks the others', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 100 });
    const slow = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2, 3, 4]);
    await tick();
    slow.close();
    await tick();
    expect(fast.size).toBe(4);
  });
  it('source close with a reason closes every subscriber with the same reason after everything', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    const reason = new Error('upstream');
    await src.pushAll([1, 2, 3]);
    src.close(reason);
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    expect(ra.values).toEqual([1, 2, 3]);
    expect(rb.values).toEqual([1, 2, 3]);
    expect(ra.error).toBe(reason);
    expect(rb.error).toBe(reason);
    const e = await a.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
  });
  it('source closed without reason: subscribers end normally', async () => {
    const src = new Channel<number>(1);
    const hub = broadcast(src);
    const a = hub.subscribe();
    const d = drain(a);
    await src.push(1);
    src.close();
    expect(await d).toEqual({ values: [1] });
  });
  it('subscribe after source closed and drained returns a closed channel', async () => {
    const src = new Channel<number>(1);
    const hub = broadcast(src);
    const a = hub.subscribe();
    src.close('r');
    await tick();
    expect(a.closed).toBe(true);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
  });
  it('subscribe when source is already closed before any subscriber: closed with the reason', async () => {
    const src = new Channel<number>(1);
    src.close('gone');
    const hub = broadcast(src);
    const a = hub.subscribe();
    await tick();
    expect(a.closed).toBe(true);
    const e = await a.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('gone');
  });
  it('source closed with buffered values and no subscriber: first subscriber gets them', async () => {
    const src = new Channel<number>(3);
    const hub = broadcast(src);
    src.tryPush(1);
    src.tryPush(2);
    src.close();
    await tick();
    const a = hub.subscribe({ capacity: 5 });
    expect((await drain(a)).values).toEqual([1, 2]);
  });
  it('broadcast.close() stops pulling, closes subscribers, source stays open with its values', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2, 3]);
    await tick();
    hub.close();
    expect(a.closed).toBe(true);
    expect(src.closed).toBe(false);
    expect(a.tryPull()).toBe(1);
    expect(a.tryPull()).toBe(undefined);
    expect([src.tryPull(), src.tryPull(), src.tryPull()]).toEqual([2, 3, undefined]);
    expect(src.stats().waitingPullers).toBe(0);
    hub.close();
    expect(hub.subscribe().closed).toBe(true);
  });
  it('no value pulled that is not delivered to every subscriber present (unbuffered source, pushers parked)', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 2 });
    const pushes = [1, 2, 3, 4].map((v) =>
      src.push(v).then(
        () => v,
        () => -v,
      ),
    );
    await tick();
    hub.close();
    const res = await Promise.race([Promise.all(pushes), tick().then(() => 'pending')]);
    const av = (await drain(a)).values;
    const bv = (await drain(b)).values;
    // every value a pusher saw committed must be in both subscribers (both are 'block')
    const committed: number[] = [];
    for (const p of pushes) {
      const r = await Promise.race([p, tick().then(() => 0)]);
      if (r > 0) committed.push(r);
    }
    expect(av).toEqual(committed);
    expect(bv.slice(0, committed.length)).toEqual(committed);
    void res;
    src.close();
  });
  it('a subscriber that closes itself in the same tick as a delivery: others unaffected', async () => {
    const src = new Channel<number>(5);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 5 });
    const b = hub.subscribe({ capacity: 5 });
    src.tryPush(1);
    b.close();
    src.tryPush(2);
    src.close();
    expect((await drain(a)).values).toEqual([1, 2]);
  });
  it('broadcast of a source with another consumer competing: each value to exactly one side', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 100 });
    const other: number[] = [];
    const c = (async () => {
      for await (const v of src) other.push(v);
    })();
    for (let i = 0; i < 20; i++) await src.push(i);
    src.close();
    await c;
    const av = (await drain(a)).values;
    expect([...av, ...other].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
  it('using hub: disposed closes subscribers', () => {
    const src = new Channel<number>(1);
    let s: Channel<number>;
    {
      using hub = broadcast(src);
      s = hub.subscribe();
    }
    expect(s.closed).toBe(true);
    expect(src.closed).toBe(false);
  });
  it('subscribe option validation', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => hub.subscribe({ overflow: 'nope' as any })).toThrow(TypeError);
  });
  it('capacity 0 block subscriber works as rendezvous (slowest sets pace)', async () => {
    const src = new Channel<number>(5);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 10 });
    await src.pushAll([1, 2, 3]);
    await tick();
    expect(b.size).toBe(0);
    expect(await a.pull()).toBe(1);
    expect(await a.pull()).toBe(2);
    expect(await a.pull()).toBe(3);
    await tick();
    expect(await b.pullMany(10)).toEqual([1, 2, 3]);
  });
  it('capacity Infinity subscriber', async () => {
    const src = new Channel<number>(Infinity);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: Infinity });
    for (let i = 0; i < 1000; i++) src.tryPush(i);
    await tick();
    expect(a.size).toBe(1000);
  });
  it('carries undefined values', async () => {
    const src = new Channel<undefined>(3);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 3 });
    src.tryPush(undefined);
    src.tryPush(undefined);
    src.close();
    expect((await drain(a)).values).toEqual([undefined, undefined]);
  });
  it('broadcast of a ticker-like producer: pushing with pushAll and pulling with pullMany on subscriber', async () => {
    const src = new Channel<number>(2);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 3 });
    const vals = Array.from({ length: 50 }, (_, i) => i);
    const pa = src.pushAll(vals).then(() => src.close());
    const got: number[] = [];
    for (;;) {
      try {
        got.push(...(await a.pullMany(4)));
      } catch {
        break;
      }
    }
    await pa;
    expect(got).toEqual(vals);
  });
  it('broadcast of a closed-and-drained source: no waiter left on source', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe();
    await micro();
    expect(src.stats().waitingPullers).toBeLessThanOrEqual(1);
    a.close();
    await micro();
    expect(src.stats().waitingPullers).toBe(0);
  });
  it('two broadcasts of the same source: values split, none lost', async () => {
    const src = new Channel<number>(4);
    const h1 = broadcast(src),
      h2 = broadcast(src);
    const a = h1.subscribe({ capacity: 100 }),
      b = h2.subscribe({ capacity: 100 });
    await src.pushAll([1, 2, 3, 4, 5, 6]);
    src.close();
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    expect([...ra.values, ...rb.values].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('broadcast of a subscriber (chained)', async () => {
    const src = new Channel<number>(2);
    const h1 = broadcast(src);
    const mid = h1.subscribe({ capacity: 2 });
    const h2 = broadcast(mid);
    const x = h2.subscribe({ capacity: 10 }),
      y = h2.subscribe({ capacity: 10 });
    await src.pushAll([1, 2, 3]);
    src.close('end');
    const [rx, ry] = await Promise.all([drain(x), drain(y)]);
    expect(rx).toEqual({ values: [1, 2, 3], error: 'end' });
    expect(ry).toEqual({ values: [1, 2, 3], error: 'end' });
  });
});
