import { Channel, ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, track } from './helpers.js';

describe('constructor and getters', () => {
  it('defaults to an unbuffered, blocking, unnamed channel', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.closed).toBe(false);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.name).toBeUndefined();
    expect(ch.stats()).toEqual({
      name: undefined,
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  it.each([-1, Number.NaN, 1.5, -Infinity, -0.5])('rejects capacity %s with RangeError', (capacity) => {
    expect(() => new Channel(capacity)).toThrow(RangeError);
  });

  it.each(['1', null, {}, 1n, true])('rejects non-number capacity %s with TypeError', (capacity) => {
    expect(() => new Channel(capacity as never)).toThrow(TypeError);
  });

  it('accepts Infinity as unbounded and never becomes full', async () => {
    const ch = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(10_000);
    expect(ch.full).toBe(false);
    expect(ch.capacity).toBe(Infinity);
    expect(await ch.pull()).toBe(0);
  });

  it.each(['drop-oldest', 'drop-newest'] as const)('refuses %s with capacity 0 (RangeError)', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow })).toThrow(RangeError);
  });

  it('refuses an unknown overflow policy', () => {
    expect(() => new Channel(1, { overflow: 'drop' as never })).toThrow(TypeError);
  });

  it('getters track size/full/empty as values come and go', () => {
    const ch = new Channel<string>(2, { name: 'g' });
    expect([ch.size, ch.full, ch.empty]).toEqual([0, false, true]);
    ch.pushNowait('a');
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
    ch.pushNowait('b');
    expect([ch.size, ch.full, ch.empty]).toEqual([2, true, false]);
    ch.close();
    expect([ch.size, ch.full, ch.empty, ch.closed]).toEqual([2, true, false, true]);
    ch.pullNowait();
    ch.pullNowait();
    expect([ch.size, ch.full, ch.empty]).toEqual([0, false, true]);
    expect(ch.name).toBe('g');
  });

  it('getters are read-only', () => {
    const ch = new Channel<number>(1);
    expect(() => {
      (ch as unknown as { size: number }).size = 5;
    }).toThrow(TypeError);
    expect(ch.size).toBe(0);
  });

  it('stats() counts parked pushers and pullers and is a snapshot copy', async () => {
    const ch = new Channel<number>(1, { name: 'st', overflow: 'block' });
    const s0 = ch.stats();
    ch.pushNowait(1);
    const p1 = track(ch.push(2));
    const p2 = track(ch.push(3));
    expect(ch.stats()).toEqual({
      name: 'st',
      capacity: 1,
      size: 1,
      closed: false,
      overflow: 'block',
      waitingPushers: 2,
      waitingPullers: 0,
    });
    expect(s0.size).toBe(0);
    expect(await ch.pull()).toBe(1);
    expect(ch.stats().waitingPushers).toBe(1);
    await flush();
    expect(p1.state.status).toBe('fulfilled');
    expect(p2.state.status).toBe('pending');
    ch.close();
    await flush();
    expect(ch.stats()).toMatchObject({ closed: true, waitingPushers: 0, size: 1 });

    const un = new Channel<number>();
    const pulls = [track(un.pull()), track(un.pull()), track(un.pull())];
    expect(un.stats().waitingPullers).toBe(3);
    un.close();
    await flush();
    expect(un.stats().waitingPullers).toBe(0);
    expect(pulls.every((p) => p.state.status === 'rejected')).toBe(true);
  });

  it('stats() reports the overflow policy', () => {
    expect(new Channel(2, { overflow: 'drop-oldest' }).stats().overflow).toBe('drop-oldest');
    expect(new Channel(2, { overflow: 'drop-newest' }).stats().overflow).toBe('drop-newest');
  });
});

describe('errors', () => {
  it('error classes form the documented hierarchy with their names', () => {
    const ch = new Channel<number>(1, { name: 'errs' });
    ch.pushNowait(1);
    let full: unknown;
    try {
      ch.pushNowait(2);
    } catch (e) {
      full = e;
    }
    expect(full).toBeInstanceOf(ChannelFullError);
    expect(full).toBeInstanceOf(ChannelError);
    expect(full).toBeInstanceOf(Error);
    expect((full as Error).name).toBe('ChannelFullError');
    expect((full as ChannelFullError).channel).toBe(ch);
    expect((full as Error).message).toContain('errs');
    expect((full as Error).message).toContain('pushNowait');

    ch.pullNowait();
    let empty: unknown;
    try {
      ch.pullNowait();
    } catch (e) {
      empty = e;
    }
    expect(empty).toBeInstanceOf(ChannelEmptyError);
    expect(empty).toBeInstanceOf(ChannelError);
    expect((empty as Error).name).toBe('ChannelEmptyError');
    expect((empty as Error).message).toContain('errs');
    expect((empty as Error).message).toContain('pullNowait');
    expect((empty as ChannelEmptyError).channel).toBe(ch);

    ch.close();
    let closed: unknown;
    try {
      ch.pullNowait();
    } catch (e) {
      closed = e;
    }
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect((closed as Error).name).toBe('ChannelClosedError');
    expect((closed as Error).message).toContain('errs');
    expect((closed as ChannelClosedError).channel).toBe(ch);
  });

  it('each error names the operation that failed', async () => {
    const ch = new Channel<number>(1, { name: 'ops' });
    ch.close();
    const msg = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(await msg(() => ch.push(1))).toMatch(/^push\b/);
    expect(await msg(() => ch.pull())).toMatch(/^pull\b/);
    expect(await msg(() => ch.pushNowait(1))).toMatch(/^pushNowait\b/);
    expect(await msg(() => ch.pullNowait())).toMatch(/^pullNowait\b/);
    expect(await msg(() => ch.pullMany(3))).toMatch(/^pullMany\b/);
    expect(await msg(() => ch.pushAll([1]))).toMatch(/^pushAll\b/);
    for (const m of [await msg(() => ch.push(1)), await msg(() => ch.pullMany(3))]) expect(m).toContain('"ops"');
  });

  it('an unnamed channel still produces a sensible message', () => {
    const ch = new Channel<number>();
    try {
      ch.pullNowait();
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/pullNowait/);
      expect((e as Error).message).not.toContain('undefined');
    }
  });

  it('a closed error carries the close reason as cause, and none without a reason', async () => {
    const reason = new Error('boom');
    const a = new Channel<number>();
    a.close(reason);
    const e1 = await a.pull().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ChannelClosedError);
    expect((e1 as Error).cause).toBe(reason);
    const b = new Channel<number>();
    b.close();
    const e2 = await b.pull().catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ChannelClosedError);
    expect('cause' in (e2 as object)).toBe(false);
  });

  it('errors thrown by closed pushes also carry the cause', async () => {
    const reason = { code: 42 };
    const ch = new Channel<number>(1);
    ch.close(reason);
    const e = await ch.push(1).catch((x: unknown) => x);
    expect((e as Error).cause).toBe(reason);
    try {
      ch.pushNowait(1);
    } catch (x) {
      expect((x as Error).cause).toBe(reason);
    }
  });
});
