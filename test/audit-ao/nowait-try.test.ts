import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, track } from './helpers.js';

describe('pushNowait / pullNowait', () => {
  it('unbuffered pushNowait succeeds exactly when a puller is waiting', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    const p = ch.pull();
    ch.pushNowait(2);
    expect(await p).toBe(2);
    expect(() => ch.pushNowait(3)).toThrow(ChannelFullError);
  });

  it('unbuffered pullNowait succeeds exactly when a pusher is waiting, and resolves that push', async () => {
    const ch = new Channel<number>();
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    const p = track(ch.push(4));
    expect(ch.pullNowait()).toBe(4);
    await flush();
    expect(p.state.status).toBe('fulfilled');
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  it('pullNowait on closed with values returns them, then throws closed (not empty)', () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close();
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('pushNowait on a closed channel throws closed even when full', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close();
    expect(() => ch.pushNowait(2)).toThrow(ChannelClosedError);
  });

  it('pushNowait skips an aborted parked puller', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const p = ch.pull({ signal: c.signal });
    c.abort('x');
    expect(() => ch.pushNowait(1)).toThrow(ChannelFullError);
    await expect(p).rejects.toBe('x');
  });

  it('drop-oldest pushNowait never throws on an open channel and keeps the newest', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4]);
  });

  it('drop-newest pushNowait never throws on an open channel and keeps the oldest', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([0, 1]);
  });

  it('drop modes still throw closed on a closed channel', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      ch.close();
      expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
      await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
      expect(ch.tryPush(1)).toBe(false);
    }
  });

  it('drop modes hand a value straight to a parked puller rather than dropping', async () => {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const ch = new Channel<number>(1, { overflow });
      const p = ch.pull();
      ch.pushNowait(1);
      ch.pushNowait(2);
      ch.pushNowait(3);
      expect(await p).toBe(1);
      expect(ch.pullNowait()).toBe(overflow === 'drop-oldest' ? 3 : 2);
    }
  });

  it('drop-mode push resolves at once even when full', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    await ch.push(1);
    await ch.push(2);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch.pullNowait()).toBe(1);
  });
});

describe('tryPush / tryPull', () => {
  it('tryPush returns true on commit and false when it would wait, never throwing', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.size).toBe(1);
    ch.close();
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.closed).toBe(true);
  });

  it('tryPush on unbuffered succeeds exactly when a puller waits', async () => {
    const ch = new Channel<string>();
    expect(ch.tryPush('a')).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush('b')).toBe(true);
    expect(await p).toBe('b');
    expect(ch.tryPush('c')).toBe(false);
  });

  it('tryPush into a drop mode returns true when full (the policy is the commit)', () => {
    const a = new Channel<number>(1, { overflow: 'drop-oldest' });
    expect([a.tryPush(1), a.tryPush(2)]).toEqual([true, true]);
    expect(a.pullNowait()).toBe(2);
    const b = new Channel<number>(1, { overflow: 'drop-newest' });
    expect([b.tryPush(1), b.tryPush(2)]).toEqual([true, true]);
    expect(b.pullNowait()).toBe(1);
  });

  it('tryPull returns the next value or undefined, never throwing', () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPull()).toBeUndefined();
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBe(2);
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.tryPull()).toBeUndefined();
  });

  it('tryPull on unbuffered takes a parked pusher value and resolves that push', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPull()).toBeUndefined();
    const p = track(ch.push(8));
    expect(ch.tryPull()).toBe(8);
    await flush();
    expect(p.state.status).toBe('fulfilled');
  });

  it('tryPull on a full buffer moves the oldest parked pusher into the buffer', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = track(ch.push(2));
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    await flush();
    expect(p.state.status).toBe('fulfilled');
    expect(ch.tryPull()).toBe(2);
  });

  it('tryPush and tryPull skip aborted waiters', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const a = track(ch.pull({ signal: c.signal }));
    const b = ch.pull();
    c.abort('x');
    expect(ch.tryPush(1)).toBe(true);
    expect(await b).toBe(1);
    await flush();
    expect(a.state).toEqual({ status: 'rejected', reason: 'x' });
  });

  it('tryPush with a thenable throws TypeError (documented misuse)', () => {
    const ch = new Channel<unknown>(1);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    expect(() => ch.tryPush({ then() {} })).toThrow(TypeError);
    expect(ch.size).toBe(0);
  });

  it('tryPull on an unbuffered channel with undefined values needs pullNowait to tell them apart', async () => {
    const ch = new Channel<undefined>();
    const p = ch.push(undefined);
    expect(ch.tryPull()).toBeUndefined();
    await p; // the value was committed even though tryPull returned undefined
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });
});
