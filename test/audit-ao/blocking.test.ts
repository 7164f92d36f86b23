import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, settle, track, withTimeout } from './helpers.js';

describe('push and pull', () => {
  it('unbuffered push resolves only after a pull takes the value', async () => {
    const ch = new Channel<string>();
    const p = track(ch.push('x'));
    await flush();
    expect(p.state.status).toBe('pending');
    expect(ch.size).toBe(0);
    expect(await ch.pull()).toBe('x');
    await flush();
    expect(p.state.status).toBe('fulfilled');
  });

  it('carries undefined, null, NaN, 0, false and objects unchanged', async () => {
    const obj = { a: 1 };
    const fn = () => 1;
    const values: unknown[] = [undefined, null, Number.NaN, 0, -0, false, '', obj, fn];
    for (const cap of [0, 1, Infinity]) {
      const ch = new Channel<unknown>(cap);
      const got: unknown[] = [];
      const consumer = (async () => {
        for (let i = 0; i < values.length; i++) got.push(await ch.pull());
      })();
      for (const v of values) await ch.push(v);
      await consumer;
      expect(got).toHaveLength(values.length);
      for (let i = 0; i < values.length; i++) expect(Object.is(got[i], values[i])).toBe(true);
    }
  });

  it('rejects a thenable pushed as a value with TypeError (documented), committing nothing', async () => {
    const ch = new Channel<unknown>(1);
    await expect(ch.push(Promise.resolve(1))).rejects.toThrow(TypeError);
    expect(ch.size).toBe(0);
  });

  it('parked pullers are served FIFO, also with aborts in between', async () => {
    const ch = new Channel<number>();
    const c2 = new AbortController();
    const c4 = new AbortController();
    const p1 = ch.pull();
    const p2 = track(ch.pull({ signal: c2.signal }));
    const p3 = ch.pull();
    const p4 = track(ch.pull({ signal: c4.signal }));
    const p5 = ch.pull();
    c2.abort('a2');
    c4.abort('a4');
    expect(ch.stats().waitingPullers).toBe(3);
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    expect([await p1, await p3, await p5]).toEqual([1, 2, 3]);
    await flush();
    expect(p2.state).toEqual({ status: 'rejected', reason: 'a2' });
    expect(p4.state).toEqual({ status: 'rejected', reason: 'a4' });
  });

  it('parked pushers are served FIFO, also with aborts in between, aborted values never arrive', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(0);
    const cs = [1, 2, 3, 4, 5].map(() => new AbortController());
    const ps = [1, 2, 3, 4, 5].map((v, i) => track(ch.push(v, { signal: cs[i]!.signal })));
    cs[1]!.abort(new Error('two'));
    cs[3]!.abort(new Error('four'));
    expect(ch.stats().waitingPushers).toBe(3);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    expect(got).toEqual([0, 1, 3, 5]);
    expect(ch.size).toBe(0);
    await flush();
    expect(ps.map((p) => p.state.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
  });

  it('a pull on a full buffer moves the oldest parked pusher into the buffer so pushNowait cannot overtake', async () => {
    const ch = new Channel<string>(1);
    ch.pushNowait('a');
    const pb = track(ch.push('b'));
    expect(await ch.pull()).toBe('a');
    expect(ch.size).toBe(1);
    expect(() => ch.pushNowait('c')).toThrow();
    expect(await ch.pull()).toBe('b');
    await flush();
    expect(pb.state.status).toBe('fulfilled');
  });
});

describe('cancellation', () => {
  it('an already aborted signal rejects with its reason even on a closed channel, before anything else', async () => {
    const reason = new Error('stop');
    const ch = new Channel<number>(1);
    ch.pushNowait(7);
    ch.close();
    const signal = AbortSignal.abort(reason);
    await expect(ch.push(1, { signal })).rejects.toBe(reason);
    await expect(ch.pull({ signal })).rejects.toBe(reason);
    await expect(ch.pullMany(3, { signal })).rejects.toBe(reason);
    await expect(ch.pushAll([1], { signal })).rejects.toBe(reason);
    // nothing consumed by the aborted pulls
    expect(ch.pullNowait()).toBe(7);
  });

  it('already aborted signal is checked first even where a value is ready', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    const signal = AbortSignal.abort('r');
    await expect(ch.pull({ signal })).rejects.toBe('r');
    await expect(ch.push(2, { signal })).rejects.toBe('r');
    expect(ch.size).toBe(1);
    const un = new Channel<number>();
    const parkedPull = un.pull();
    await expect(un.push(5, { signal })).rejects.toBe('r');
    expect(un.stats().waitingPullers).toBe(1);
    un.pushNowait(6);
    expect(await parkedPull).toBe(6);
  });

  it('an abort with undefined reason rejects with an AbortError DOMException (platform default)', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pull({ signal: c.signal });
    c.abort();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBe(c.signal.reason);
    expect((e as DOMException).name).toBe('AbortError');
  });

  it('an aborted parked push delivers nothing and leaves no trace', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.push(1, { signal: c.signal });
    expect(ch.stats().waitingPushers).toBe(1);
    c.abort('gone');
    await expect(p).rejects.toBe('gone');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(() => ch.pullNowait()).toThrow();
    const q = ch.pull();
    ch.pushNowait(2);
    expect(await q).toBe(2);
  });

  it('an aborted parked pull consumes nothing and the next value goes to the next pull', async () => {
    const ch = new Channel<number>(0);
    const c = new AbortController();
    const p = ch.pull({ signal: c.signal });
    c.abort('x');
    await expect(p).rejects.toBe('x');
    const next = ch.pull();
    await ch.push(9);
    expect(await next).toBe(9);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('abort after commit changes nothing: the pulled value stays with its caller', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pull({ signal: c.signal });
    ch.pushNowait(3); // commits synchronously to the parked pull
    c.abort('late');
    expect(await p).toBe(3);
  });

  it('abort after a parked push was committed changes nothing', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.push(3, { signal: c.signal });
    expect(ch.pullNowait()).toBe(3);
    c.abort('late');
    await expect(p).resolves.toBeUndefined();
  });

  it('one signal shared by many parked ops cancels them all', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const ps = Array.from({ length: 50 }, () => ch.pull({ signal: c.signal }));
    const qs = Array.from({ length: 50 }, (_, i) => new Channel<number>().push(i, { signal: c.signal }));
    c.abort('all');
    const results = await Promise.allSettled([...ps, ...qs]);
    expect(results.every((r) => r.status === 'rejected' && r.reason === 'all')).toBe(true);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('pushing from inside the abort listener of the same signal does not reach the aborted pull', async () => {
    const ch = new Channel<number>(1);
    const c = new AbortController();
    c.signal.addEventListener('abort', () => {
      ch.pushNowait(1);
    });
    const p = ch.pull({ signal: c.signal });
    c.abort('r');
    await expect(p).rejects.toBe('r');
    expect(ch.pullNowait()).toBe(1);
  });

  it('a push from an abort listener never reaches a pull whose AbortSignal.any signal is already aborted', async () => {
    const ch = new Channel<number>(1);
    const c = new AbortController();
    const combined = AbortSignal.any([c.signal]);
    let combinedAbortedAtPush: boolean | undefined;
    c.signal.addEventListener('abort', () => {
      combinedAbortedAtPush = combined.aborted;
      ch.pushNowait(1);
    });
    const p = settle(ch.pull({ signal: combined }));
    c.abort('r');
    const outcome = await p;
    if (combinedAbortedAtPush) {
      // spec ordering (Node 22+, browsers): the dependent signal is aborted before listeners run
      expect(outcome).toEqual({ status: 'rejected', reason: 'r' });
      expect(ch.pullNowait()).toBe(1);
    } else {
      // Node 20 aborts dependents after the source's listeners: the pull was still live, the
      // value committed to it; either way it is never both lost and never duplicated
      expect(outcome).toEqual({ status: 'fulfilled', value: 1 });
      expect(ch.size).toBe(0);
    }
  });

  it('rejects a non-signal passed as signal with TypeError and parks nothing', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    await expect(ch.pull({ signal: c as never })).rejects.toThrow(TypeError);
    await expect(ch.push(1, { signal: {} as never })).rejects.toThrow(TypeError);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('AbortSignal.timeout cancels a pull on an empty channel', async () => {
    const ch = new Channel<number>();
    const e = await withTimeout(ch.pull({ signal: AbortSignal.timeout(10) }).catch((x: unknown) => x));
    expect((e as DOMException).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('close', () => {
  it('is idempotent and only the first reason counts', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    ch.close('second');
    ch.close();
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as Error).cause).toBe('first');
  });

  it('keeps buffered values readable, then rejects pulls', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('fails every parked pusher; their values are not added to the buffer', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const ps = [ch.push(2), ch.push(3)];
    ch.close(new Error('r'));
    for (const p of ps) {
      const s = await settle(p);
      expect(s.status).toBe('rejected');
      expect((s as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(ch.size).toBe(1);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('fails every parked puller with ChannelClosedError carrying the cause', async () => {
    const ch = new Channel<number>(2);
    const reason = new Error('r');
    const ps = [ch.pull(), ch.pull(), ch.pullMany(5)];
    ch.close(reason);
    for (const p of ps) {
      const e = await (p as Promise<unknown>).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect((e as Error).cause).toBe(reason);
    }
  });

  it('later pushes fail, including on unbuffered channels with parked pullers gone', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
    expect(ch.tryPush(1)).toBe(false);
  });

  it('close from within a then-callback of a committed pull does not affect that value', async () => {
    const ch = new Channel<number>(1);
    const p = ch.pull().then((v) => {
      ch.close();
      return v;
    });
    await ch.push(5);
    expect(await p).toBe(5);
    expect(ch.closed).toBe(true);
  });

  it('close(reason) on a closed-then-drained buffered channel: pull after draining rejects with cause', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close(0);
    expect(await ch.pull()).toBe(1);
    const e = await ch.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(0);
  });
});
