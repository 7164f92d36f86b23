import { Channel, ChannelClosedError, fromEvent, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

// README "User code inside an operation": a parked operation's signal `aborted` getter (a Proxy
// trap) runs while another operation commits; "If that code pulls, pushes, closes or aborts on
// the same channel, the operation works with the result". SPEC (push): "Rejects with
// ChannelClosedError if the channel is closed before the value is committed".

/** A signal whose `aborted` getter runs `fn` once, the first time it is read after `arm()`. */
function trapSignal(fn: () => void) {
  let armed = false;
  const signal = new Proxy(new AbortController().signal, {
    get(target, key) {
      if (key === 'aborted' && armed) {
        armed = false;
        fn();
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    signal,
    arm() {
      armed = true;
    },
  };
}

describe('a channel closed by user code during a push commit', () => {
  it('push on a buffered channel rejects with ChannelClosedError and stores nothing', async () => {
    const c = new Channel<string>(1);
    const trap = trapSignal(() => c.close());
    const parked = c.pull({ signal: trap.signal }).catch((e: unknown) => e);
    trap.arm();
    const pushed = await c.push('X').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(await parked).toBeInstanceOf(ChannelClosedError);
    expect(pushed).toBeInstanceOf(ChannelClosedError);
    expect(c.size).toBe(0);
  });

  it('tryPush on a buffered channel returns false and stores nothing', async () => {
    const c = new Channel<string>(1);
    const trap = trapSignal(() => c.close());
    const parked = c.pull({ signal: trap.signal }).catch((e: unknown) => e);
    trap.arm();
    expect(c.tryPush('X')).toBe(false);
    expect(await parked).toBeInstanceOf(ChannelClosedError);
    expect(c.size).toBe(0);
  });

  it('pushNowait on a buffered channel throws ChannelClosedError, not ChannelFullError, and stores nothing', async () => {
    const c = new Channel<string>(1);
    const trap = trapSignal(() => c.close());
    const parked = c.pull({ signal: trap.signal }).catch((e: unknown) => e);
    trap.arm();
    expect(() => c.pushNowait('X')).toThrow(ChannelClosedError);
    expect(await parked).toBeInstanceOf(ChannelClosedError);
    expect(c.size).toBe(0);
  });

  it('pushAll on a buffered channel rejects with ChannelClosedError whose pushed is 0, and stores nothing', async () => {
    const c = new Channel<string>(2);
    const trap = trapSignal(() => c.close());
    const parked = c.pull({ signal: trap.signal }).catch((e: unknown) => e);
    trap.arm();
    const error = await c.pushAll(['X', 'Y']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as { pushed?: number }).pushed).toBe(0);
    expect(await parked).toBeInstanceOf(ChannelClosedError);
    expect(c.size).toBe(0);
  });

  it('select with a push case rejects with ChannelClosedError, as selectNowait throws it', async () => {
    const c1 = new Channel<string>(1);
    const t1 = trapSignal(() => c1.close());
    const p1 = c1.pull({ signal: t1.signal }).catch(() => undefined);
    t1.arm();
    expect(() => selectNowait([push(c1, 'X')])).toThrow(ChannelClosedError);
    expect(c1.size).toBe(0);
    await p1;

    const c2 = new Channel<string>(1);
    const t2 = trapSignal(() => c2.close());
    const p2 = c2.pull({ signal: t2.signal }).catch(() => undefined);
    t2.arm();
    await expect(select([push(c2, 'X')])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(c2.size).toBe(0);
    await p2;
  });

  it('fromEvent: an event whose commit closed the channel is not stored in the closed channel', async () => {
    const target = new EventTarget();
    const c = fromEvent(target, 'e');
    const trap = trapSignal(() => c.close());
    const parked = c.pull({ signal: trap.signal }).catch((e: unknown) => e);
    trap.arm();
    target.dispatchEvent(new Event('e'));
    expect(await parked).toBeInstanceOf(ChannelClosedError);
    expect(c.closed).toBe(true);
    expect(c.size).toBe(0);
  });
});
