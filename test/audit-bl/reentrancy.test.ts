/**
 * Audit BL: user code that runs *inside* a broadcast's delivery or a timer's tick — the `aborted`
 * getter of a `Proxy` signal on a parked pull, which chanasync reads when it looks for room — and
 * closes, subscribes, pushes or aborts. Whatever it does: no value taken from the source is lost
 * or duplicated, nothing throws out of the library, and every wait ends.
 */
import { after as afterMs, broadcast, Channel, ChannelClosedError, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainNow } from '../helpers/drain.js';
import { flush, thrown, track } from '../helpers/track.js';
import { trapped } from '../helpers/trapped-signal.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A hub with a capacity-0 subscriber `a` whose parked pull has a trapped signal, and a capacity-1 `b`. */
function setup(sourceCapacity = 4) {
  const source = new Channel<number>(sourceCapacity);
  const hub = broadcast(source);
  const a = hub.subscribe({ capacity: 0 });
  const b = hub.subscribe({ capacity: 1 });
  const controller = new AbortController();
  const trap = trapped(controller.signal);
  const parked = track(a.pull({ signal: trap.proxy }));
  return { source, hub, a, b, controller, trap, parked };
}

describe('user code run while the broadcast looks for room', () => {
  it('hub.close(): the value stays in the source, the parked pull fails, the subscribers end', async () => {
    const { source, hub, a, b, trap, parked } = setup();
    trap.arm(() => hub.close());
    source.pushNowait(1);
    await flush();
    expect(a.closed && b.closed).toBe(true);
    expect(parked.current.status).toBe('rejected');
    expect((parked.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(drainNow(b)).toEqual([]);
    expect(drainNow(source)).toEqual([1]);
    expect(source.stats().waitingPullers).toBe(0);
  });

  it('another subscriber closed: the value reaches the parked pull; the closed one got nothing after it left', async () => {
    const { source, b, trap, parked, hub } = setup();
    trap.arm(() => b.close());
    source.pushNowait(1);
    await flush();
    expect(parked.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(b.closed).toBe(true);
    expect(source.size).toBe(0);
    hub.close();
  });

  it('a new subscriber added by the look gets the value (README: the look reads the signal before the value is taken)', async () => {
    const { source, hub, trap, parked, b } = setup();
    let c: Channel<number> | undefined;
    trap.arm(() => {
      c = hub.subscribe({ capacity: 2 });
    });
    source.pushNowait(1);
    await flush();
    expect(parked.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(b.pullNowait()).toBe(1);
    expect(drainNow(c as Channel<number>)).toEqual([1]);
    hub.close();
  });

  it('the source closed by the look: the push fails as on a closed channel, nothing is delivered, the subscribers end', async () => {
    const { source, a, b, trap, parked } = setup();
    trap.arm(() => source.close());
    const error = thrown(() => source.pushNowait(1));
    expect(error).toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(parked.current.status).toBe('rejected');
    expect(a.closed && b.closed).toBe(true);
    expect(drainNow(b)).toEqual([]);
  });

  it('a re-entrant push into the source from the look: both values arrive, once each, in an order, nothing lost', async () => {
    const { source, b, trap, parked, hub } = setup();
    let inner: unknown;
    trap.arm(() => {
      try {
        source.pushNowait(99);
      } catch (error) {
        inner = error;
      }
    });
    source.pushNowait(1);
    await flush();
    expect(inner).toBeUndefined();
    expect(parked.current.status).toBe('fulfilled');
    const toA = (parked.current as { value: number }).value;
    // Everything that left the source reached b; what is left is in the source, once.
    const fromB = drainNow(b);
    await flush();
    const rest = [...drainNow(b), ...drainNow(source)];
    const seenByB = [...fromB, ...rest];
    expect([...seenByB].sort((x, y) => x - y)).toEqual([1, 99]);
    expect(fromB[0]).toBe(toA);
    hub.close();
  });

  it('the parked pull’s own signal aborted by the look: it rejects with the reason, and the value waits in the source', async () => {
    const { source, controller, trap, parked, b, hub } = setup();
    trap.arm(() => controller.abort('mine'));
    source.pushNowait(1);
    await flush();
    expect(parked.current).toEqual({ status: 'rejected', reason: 'mine' });
    expect(b.size).toBe(0);
    expect(source.size).toBe(1);
    hub.close();
  });

  it('a subscriber whose own signal is the trapped one is closed by the look: it leaves, the value goes to the rest', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const controller = new AbortController();
    const trap = trapped(controller.signal);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 1 });
    const parked = track(a.pull({ signal: trap.proxy }));
    trap.arm(() => a.close());
    source.pushNowait(1);
    await flush();
    expect(parked.current.status).toBe('rejected');
    // a left before the value was taken: it went to b alone, or stayed in the source — never lost.
    const where = [...drainNow(b), ...drainNow(source)];
    expect(where).toEqual([1]);
    hub.close();
  });
});

describe('user code run while a timer delivers', () => {
  it('an after whose tick finds a parked pull that closes the after: the pull settles, no timer left, nothing thrown', async () => {
    vi.useFakeTimers({ now: 0 });
    const timeout = afterMs(10);
    const trap = trapped(new AbortController().signal);
    const parked = track(timeout.pull({ signal: trap.proxy }));
    trap.arm(() => timeout.close());
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    await flush();
    expect(parked.current.status).not.toBe('pending');
    expect(timeout.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a ticker tick whose parked pull pushes into the ticker from the look: one value reaches the pull, the other is buffered or refused — never both lost', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const trap = trapped(new AbortController().signal);
    const parked = track(ticks.pull({ signal: trap.proxy }));
    let innerOk: boolean | undefined;
    trap.arm(() => {
      innerOk = ticks.tryPush(-1);
    });
    vi.advanceTimersByTime(10);
    await flush();
    expect(parked.current.status).toBe('fulfilled');
    const got = (parked.current as { value: number }).value;
    const rest = drainNow(ticks);
    if (innerOk) expect([got, ...rest].sort((x, y) => x - y)).toEqual([-1, 10]);
    else expect(got).toBe(10);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a broadcast of a ticker whose subscriber’s parked pull closes the ticker from the look: the subscribers end, no timer left', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 1 });
    const trap = trapped(new AbortController().signal);
    const parked = track(a.pull({ signal: trap.proxy }));
    trap.arm(() => ticks.close());
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(parked.current.status).not.toBe('pending');
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(true);
    // A tick that left the ticker reached both; else none did.
    const valueA = parked.current.status === 'fulfilled' ? [(parked.current as { value: number }).value] : [];
    expect(drainNow(b)).toEqual(valueA);
  });

  it('an after whose own signal is aborted by user code run during its firing delivers nothing and leaves no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const own = new AbortController();
    const timeout = afterMs(10, { signal: own.signal });
    const trap = trapped(new AbortController().signal);
    const parked = track(timeout.pull({ signal: trap.proxy }));
    trap.arm(() => own.abort('late'));
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    await flush();
    expect(timeout.closed).toBe(true);
    expect(parked.current.status).toBe('rejected');
    expect(timeout.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a ticker whose own signal is aborted by user code run during its tick stays stopped: no timer armed again', async () => {
    vi.useFakeTimers({ now: 0 });
    const own = new AbortController();
    const ticks = ticker(10, { signal: own.signal });
    const trap = trapped(new AbortController().signal);
    const parked = track(ticks.pull({ signal: trap.proxy }));
    trap.arm(() => own.abort('stop'));
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    await flush();
    expect(ticks.closed).toBe(true);
    expect(parked.current.status).not.toBe('pending');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(ticks.size).toBe(0);
  });

  it('user code run during a tick that creates another ticker with the same signal and aborts it: both stopped, no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const own = new AbortController();
    const ticks = ticker(10, { signal: own.signal });
    const trap = trapped(new AbortController().signal);
    let second: Channel<number> | undefined;
    track(ticks.pull({ signal: trap.proxy }));
    trap.arm(() => {
      second = ticker(5, { signal: own.signal });
      own.abort();
    });
    vi.advanceTimersByTime(10);
    await flush();
    expect(ticks.closed).toBe(true);
    expect(second?.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
