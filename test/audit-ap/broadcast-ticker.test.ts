import { broadcast, Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const micro = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('broadcast', () => {
  it('delivers every value to every subscriber, in order', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    const b = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) await src.push(i);
    expect(await a.pullMany(10)).toEqual([0, 1, 2, 3, 4]);
    expect(await b.pullMany(10)).toEqual([0, 1, 2, 3, 4]);
  });

  it('subscribe() defaults to capacity 1, block', () => {
    const hub = broadcast(new Channel<number>());
    const s = hub.subscribe();
    expect(s.capacity).toBe(1);
    expect(s.stats().overflow).toBe('block');
    hub.close();
  });

  it('with no subscriber it pulls nothing: values wait in the source', async () => {
    const src = new Channel<number>(3);
    src.pushNowait(1);
    src.pushNowait(2);
    const hub = broadcast(src);
    await micro();
    await sleep(5);
    expect(src.size).toBe(2);
    expect(src.stats().waitingPullers).toBe(0);
    const s = hub.subscribe({ capacity: 5 });
    await micro();
    expect(await s.pull()).toBe(1);
    expect(await s.pull()).toBe(2);
    hub.close();
  });

  it('after all subscribers leave, it stops pulling again', async () => {
    const src = new Channel<number>(5);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 5 });
    src.pushNowait(1);
    await micro();
    expect(await s.pull()).toBe(1);
    s.close();
    await micro();
    src.pushNowait(2);
    src.pushNowait(3);
    await micro();
    await sleep(5);
    expect(src.size).toBe(2);
    hub.close();
  });

  it('the slowest block subscriber sets the pace: the source is not read past its room', async () => {
    const src = new Channel<number>(100);
    const hub = broadcast(src);
    const fast = hub.subscribe({ capacity: 100 });
    const slow = hub.subscribe({ capacity: 2 });
    for (let i = 0; i < 10; i++) src.pushNowait(i);
    await micro();
    await sleep(5);
    expect(slow.size).toBe(2);
    expect(fast.size).toBe(2);
    expect(src.size).toBe(8);
    expect(slow.pullNowait()).toBe(0);
    await micro();
    expect(src.size).toBe(7);
    expect(fast.size).toBe(3);
    const fromSlow: number[] = [];
    while (fromSlow.length < 4) fromSlow.push(await slow.pull());
    expect(fromSlow).toEqual([1, 2, 3, 4]);
    hub.close();
    expect(fast.closed).toBe(true);
    expect(await fast.pullMany(100)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(src.size).toBe(3);
  });

  it('subscribers added before any value get identical sequences, with a slow reader', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe();
    const b = hub.subscribe();
    const producer = (async () => {
      for (let i = 0; i < 20; i++) await src.push(i);
      src.close();
    })();
    const readA = (async () => {
      const out: number[] = [];
      for await (const v of a) out.push(v);
      return out;
    })();
    const readB = (async () => {
      const out: number[] = [];
      for await (const v of b) {
        out.push(v);
        if (v % 5 === 0) await sleep(1);
      }
      return out;
    })();
    const [ra, rb] = await Promise.all([readA, readB, producer]);
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(ra).toEqual(all);
    expect(rb).toEqual(all);
  });

  it('a drop-mode subscriber never holds the others back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const log = hub.subscribe({ capacity: 100 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const newest = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    for (let i = 1; i <= 6; i++) await src.push(i);
    expect(latest.pullNowait()).toBe(6);
    expect(await newest.pullMany(10)).toEqual([1, 2]);
    src.close();
    expect(await log.pullMany(10)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('with only drop-mode subscribers, values are taken as they come', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const d = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) src.pushNowait(i);
    await micro();
    expect(src.size).toBe(0);
    expect(d.pullNowait()).toBe(4);
    hub.close();
  });

  it('a subscriber added later receives only values pulled after it subscribed', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    await src.push(1);
    await src.push(2);
    const b = hub.subscribe({ capacity: 10 });
    await src.push(3);
    src.close();
    expect(await a.pullMany(10)).toEqual([1, 2, 3]);
    expect(await b.pullMany(10)).toEqual([3]);
    await micro();
    expect(b.closed).toBe(true);
  });

  it('subscribe during delivery (from a subscriber consumer) gets only later values', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    let late: Channel<number> | undefined;
    const reader = (async () => {
      const out: number[] = [];
      for await (const v of a) {
        out.push(v);
        if (v === 2 && !late) late = hub.subscribe({ capacity: 10 });
      }
      return out;
    })();
    for (let i = 1; i <= 5; i++) await src.push(i);
    await micro();
    src.close();
    expect(await reader).toEqual([1, 2, 3, 4, 5]);
    expect(late).toBeDefined();
    const lateVals: number[] = [];
    for await (const v of late as Channel<number>) lateVals.push(v);
    // subscribed after 2 was delivered: never sees 1 or 2, sees a suffix in order with no gaps, ending at 5
    expect(lateVals.every((v) => v > 2)).toBe(true);
    expect(lateVals[lateVals.length - 1]).toBe(5);
    for (let i = 1; i < lateVals.length; i++) expect(lateVals[i]).toBe((lateVals[i - 1] ?? 0) + 1);
  });

  it('a subscriber leaving by close no longer holds the others back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    const stuck = hub.subscribe({ capacity: 1 });
    await src.push(1); // fills stuck
    let pushed2 = false;
    const p2 = src.push(2).then(() => {
      pushed2 = true;
    });
    await sleep(5);
    expect(pushed2).toBe(false);
    stuck.close();
    await p2;
    expect(await a.pullMany(10)).toEqual([1, 2]);
    // closed subscriber keeps what it had
    expect(stuck.pullNowait()).toBe(1);
    hub.close();
  });

  it('a subscriber leaving by its signal: channel closes normally, buffered values stay, others go on', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const ctl = new AbortController();
    const a = hub.subscribe({ capacity: 10 });
    const s = hub.subscribe({ capacity: 1, signal: ctl.signal });
    await src.push(1);
    ctl.abort(new Error('bye'));
    expect(s.closed).toBe(true);
    await src.push(2);
    await src.push(3);
    const got: number[] = [];
    for await (const v of s) got.push(v); // ends normally
    expect(got).toEqual([1]);
    expect(await a.pullMany(10)).toEqual([1, 2, 3]);
    hub.close();
  });

  it('an already aborted signal gives a closed subscriber that holds nothing back', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    const s = hub.subscribe({ signal: AbortSignal.abort() });
    expect(s.closed).toBe(true);
    await src.push(1);
    await src.push(2);
    expect(await a.pullMany(10)).toEqual([1, 2]);
    hub.close();
  });

  it('source close with reason: every subscriber gets everything, then closes with that reason', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 10 });
    src.pushNowait(1);
    src.pushNowait(2);
    src.pushNowait(3);
    const reason = new Error('done');
    src.close(reason);
    const gotA: number[] = [];
    let errA: unknown;
    try {
      for await (const v of a) gotA.push(v);
    } catch (e) {
      errA = e;
    }
    expect(gotA).toEqual([1, 2, 3]);
    expect(errA).toBe(reason);
    expect(await b.pullMany(10)).toEqual([1, 2, 3]);
    const e = await b.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
  });

  it('source close without reason ends subscriber loops normally', async () => {
    const src = new Channel<string>();
    const hub = broadcast(src);
    const a = hub.subscribe();
    const reader = (async () => {
      const out: string[] = [];
      for await (const v of a) out.push(v);
      return out;
    })();
    await src.push('x');
    await src.push('y');
    src.close();
    expect(await reader).toEqual(['x', 'y']);
  });

  it('subscribe after the source ended returns a closed channel with the reason', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe();
    const reason = new Error('r');
    src.close(reason);
    await micro();
    expect(a.closed).toBe(true);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    const e = await late.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
  });

  it('broadcast.close() closes subscribers (who keep values), leaves source open with its values, idempotent', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    src.pushNowait(1);
    src.pushNowait(2);
    src.pushNowait(3);
    await micro();
    hub.close();
    hub.close();
    expect(a.closed).toBe(true);
    expect(src.closed).toBe(false);
    expect(a.pullNowait()).toBe(1);
    // nothing pulled that was not delivered: 2 and 3 are still in the source
    expect(src.size + 0).toBe(2);
    expect(src.pullNowait()).toBe(2);
    expect(src.stats().waitingPullers).toBe(0);
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
  });

  it('broadcast.close() while parked on an empty source leaves no waiter on the source', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    hub.subscribe();
    await micro();
    hub.close();
    await micro();
    expect(src.stats().waitingPullers).toBe(0);
    expect(src.tryPush(1)).toBe(false);
  });

  it('close is bound and Symbol.dispose closes', () => {
    const hub = broadcast(new Channel<number>());
    const s = hub.subscribe();
    const { close } = hub;
    close();
    expect(s.closed).toBe(true);
    const hub2 = broadcast(new Channel<number>());
    const s2 = hub2.subscribe();
    hub2[Symbol.dispose]();
    expect(s2.closed).toBe(true);
  });

  it('carries undefined, null and NaN values', async () => {
    const src = new Channel<unknown>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 5 });
    await src.push(undefined);
    await src.push(null);
    await src.push(Number.NaN);
    src.close();
    const got = await a.pullMany(5);
    expect(got.length).toBe(3);
    expect(got[0]).toBeUndefined();
    expect(got[1]).toBeNull();
    expect(got[2]).toBeNaN();
  });

  it('a non-channel source is a TypeError; bad subscribe options are refused', () => {
    expect(() => broadcast({} as unknown as Channel<number>)).toThrow(TypeError);
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ overflow: 'nope' as 'block' })).toThrow(TypeError);
    hub.close();
  });

  it('unbuffered subscriber (capacity 0): each value waits for a puller on it', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 0 });
    let done = false;
    const p = src.push(1).then(() => {
      done = true;
    });
    await sleep(5);
    expect(done).toBe(false);
    expect(await a.pull()).toBe(1);
    await p;
    hub.close();
  });

  it('another consumer of the source competes: each value goes to exactly one of them', async () => {
    const src = new Channel<number>(Infinity);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: Infinity });
    const other: number[] = [];
    for (let i = 0; i < 20; i++) src.pushNowait(i);
    while (src.size > 0) {
      const v = src.tryPull();
      if (v !== undefined) other.push(v);
      await Promise.resolve();
    }
    await micro();
    const fromHub = a.size > 0 ? await a.pullMany(100) : [];
    expect([...other, ...fromHub].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    hub.close();
  });
});

describe('ticker', () => {
  it('is a capacity-1 channel that ticks with Date.now() values, increasing', async () => {
    const t = ticker(5);
    expect(t.capacity).toBe(1);
    const a = await t.pull();
    const b = await t.pull();
    const c = await t.pull();
    t.close();
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect(typeof a).toBe('number');
  });

  it('drops ticks for a slow reader: never more than one buffered', async () => {
    const t = ticker(2);
    await sleep(60);
    expect(t.size).toBe(1);
    expect(t.stats().waitingPushers).toBe(0);
    const v = t.pullNowait();
    expect(typeof v).toBe('number');
    expect(t.size).toBe(0);
    t.close();
  });

  it('ticks never more often than the period (count bound)', async () => {
    const t = ticker(10);
    const start = Date.now();
    let n = 0;
    const stop = start + 120;
    while (Date.now() < stop) {
      await t.pull();
      n++;
    }
    const elapsed = Date.now() - start;
    t.close();
    expect(n).toBeLessThanOrEqual(Math.floor(elapsed / 10) + 1);
    expect(n).toBeGreaterThan(0);
  });

  it('close clears the timer: no more values, nothing throws later', async () => {
    const t = ticker(2);
    await t.pull();
    t.close();
    t.tryPull();
    await sleep(30);
    expect(t.size).toBe(0);
    await expect(t.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('abort clears the timer and closes the channel normally', async () => {
    const ctl = new AbortController();
    const t = ticker(2, { signal: ctl.signal });
    await t.pull();
    ctl.abort(new Error('x'));
    expect(t.closed).toBe(true);
    t.tryPull();
    await sleep(30);
    expect(t.size).toBe(0);
    const vals: number[] = [];
    for await (const v of t) vals.push(v); // ends normally
    expect(vals).toEqual([]);
  });

  it('an already aborted signal gives a closed channel that never ticks', async () => {
    const t = ticker(2, { signal: AbortSignal.abort() });
    expect(t.closed).toBe(true);
    await sleep(20);
    expect(t.size).toBe(0);
  });

  it('a pull parked on the ticker when it closes rejects', async () => {
    const t = ticker(10_000);
    const p = t.pull();
    t.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('bad ms: RangeError for 0, negative, NaN, Infinity; TypeError for non-number', () => {
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => ticker(ms)).toThrow(RangeError);
    }
    expect(() => ticker('10' as unknown as number)).toThrow(TypeError);
    expect(() => ticker(undefined as unknown as number)).toThrow(TypeError);
  });

  it('a period above 2^31-1 ms does not tick at once', async () => {
    const t = ticker(2 ** 31 + 5);
    await sleep(30);
    expect(t.size).toBe(0);
    t.close();
  });

  it('first tick is not before start + ms', async () => {
    const t0 = Date.now();
    const t = ticker(20);
    const v = await t.pull();
    t.close();
    expect(v).toBeGreaterThanOrEqual(t0 + 20 - 2);
  });
});

describe('broadcast: room lost before a value comes (capacity-0 subscribers)', () => {
  // SPEC: "with 'block' subscribers the broadcast takes the next value from source only when
  // every subscriber has room"; Channel: "size (values buffered now; always 0 when unbuffered)".
  it('a capacity-0 subscriber whose only pull was aborted holds the broadcast back: the next value stays in source', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 0 });
    const ctl = new AbortController();
    const p = s.pull({ signal: ctl.signal }).catch(() => 'aborted');
    await sleep(5);
    ctl.abort();
    expect(await p).toBe('aborted');
    await sleep(5);
    src.pushNowait(1);
    await sleep(5);
    expect(s.size).toBe(0); // unbuffered: never holds a value
    expect(src.size).toBe(1); // nobody had room: the value waits in the source
    hub.close();
  });

  it('a capacity-0 subscriber in a select that timed out does not get a value stored beyond its capacity', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const s = hub.subscribe({ capacity: 0 });
    const other = new Channel<string>(1);
    const p = select([pull(s), pull(other)]);
    await sleep(5);
    other.pushNowait('timeout');
    expect((await p).index).toBe(1);
    src.pushNowait(1);
    await sleep(5);
    expect(s.size).toBe(0);
    expect(src.size).toBe(1);
    hub.close();
  });
});

describe('broadcast: re-entrancy during delivery', () => {
  // User code runs during a commit when a parked operation's signal has an `aborted` getter
  // (README "User code inside an operation"). Once the source's value comes, the signal of `a`'s
  // pull is read twice: when the broadcast looks for room (before it takes the value) and when
  // it delivers to `a`. This subscribes to the broadcast at the `nth` of those reads.
  async function subscribeAtRead(nth: 1 | 2) {
    const src = new Channel<string>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 0 });
    let added: Channel<string> | undefined;
    let armed = false;
    let reads = 0;
    const ctl = new AbortController();
    const signal = new Proxy(ctl.signal, {
      get(t, k) {
        if (k === 'aborted' && armed && !added && ++reads === nth) added = hub.subscribe({ capacity: 5 });
        const v = Reflect.get(t, k, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const p = a.pull({ signal });
    await sleep(5);
    armed = true;
    await src.push('v1');
    return { hub, pulled: await p, added };
  }

  it('a subscriber added by user code that runs during a delivery does not receive the value being delivered', async () => {
    const { hub, pulled, added: late } = await subscribeAtRead(2);
    expect(pulled).toBe('v1');
    expect(late).toBeDefined();
    expect(late?.size).toBe(0);
    hub.close();
  });

  it('a subscriber added by user code that runs while the broadcast looks for room, before it takes the value, receives it', async () => {
    const { hub, pulled, added: early } = await subscribeAtRead(1);
    expect(pulled).toBe('v1');
    expect(early?.pullNowait()).toBe('v1'); // it subscribed before the value was pulled
    hub.close();
  });
});

describe('broadcast: more', () => {
  it('select over two subscribers of the same broadcast takes one value and the other subscriber keeps it', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    const p = select([pull(a), pull(b)]);
    await sleep(5);
    await src.push(1);
    const r = await p;
    expect(r.value).toBe(1);
    const other = r.index === 0 ? b : a;
    expect(other.pullNowait()).toBe(1);
    hub.close();
  });

  it('a broadcast of a subscriber (chain) passes values and the close reason along', async () => {
    const src = new Channel<number>();
    const h1 = broadcast(src);
    const s1 = h1.subscribe();
    const h2 = broadcast(s1);
    const s2 = h2.subscribe({ capacity: 5 });
    await src.push(1);
    await src.push(2);
    src.close('end');
    const got: unknown[] = [];
    try {
      for await (const v of s2) got.push(v);
    } catch (e) {
      got.push(`E:${e}`);
    }
    expect(got).toEqual([1, 2, 'E:end']);
  });

  it('broadcast.close() while the source has parked pushers takes none of them', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    await src.push(1); // a full
    const p2 = src.push(2);
    await sleep(5);
    hub.close();
    expect(a.closed).toBe(true);
    expect(await src.pull()).toBe(2);
    await p2;
    expect(a.pullNowait()).toBe(1);
    expect(() => a.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('ticker: more', () => {
  it('leaving a for await with break does not close it; close does', async () => {
    const t = ticker(2);
    let n = 0;
    for await (const _ of t) if (++n === 2) break;
    expect(t.closed).toBe(false);
    t.close();
    expect(t.closed).toBe(true);
  });

  it('a ticker in a select with a ready channel leaves no waiter on the ticker', async () => {
    const t = ticker(1000);
    const c = new Channel<number>(1);
    c.pushNowait(1);
    expect((await select([pull(t), pull(c)])).index).toBe(1);
    expect(t.stats().waitingPullers).toBe(0);
    t.close();
  });
});

describe('broadcast: unbuffered source', () => {
  it('with no subscriber a parked push on the source stays parked; the first subscriber takes it', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    let done = false;
    const p = src.push(1).then(() => {
      done = true;
    });
    await sleep(5);
    expect(done).toBe(false);
    expect(src.stats().waitingPushers).toBe(1);
    const s = hub.subscribe();
    await p;
    expect(s.pullNowait()).toBe(1);
    hub.close();
  });
});
