import { after as afterMs, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

// SPEC: "`after(ms)` and `ticker(ms)` accept delays above 2³¹−1 ms correctly (chaining
// timers)". Real time cannot reach them: fake timers (README: timer channels made under fake
// timers follow the fake clock).
const MAX = 2 ** 31 - 1;

afterEach(() => {
  vi.useRealTimers();
});

describe('timers beyond 2^31-1 ms (fake clock)', () => {
  it('after(2^31 + 1000) fires once, not before its delay, then closes', async () => {
    vi.useFakeTimers({ now: 0 });
    const ch = afterMs(MAX + 1001);
    await vi.advanceTimersByTimeAsync(MAX);
    expect(ch.size).toBe(0);
    expect(ch.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(ch.size).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(ch.size).toBe(1);
    expect(ch.closed).toBe(true);
    expect(ch.pullNowait()).toBeGreaterThanOrEqual(MAX + 1001);
  });

  it('ticker(2^31 + 5) ticks at start + k·ms', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(MAX + 6);
    await vi.advanceTimersByTimeAsync(MAX);
    expect(t.size).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(t.size).toBe(1);
    const first = t.pullNowait();
    expect(first).toBeGreaterThanOrEqual(MAX + 6);
    await vi.advanceTimersByTimeAsync(MAX + 6);
    expect(t.size).toBe(1);
    const second = t.pullNowait();
    expect(second).toBeGreaterThanOrEqual(2 * (MAX + 6));
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ticker does not drift and drops ticks for a slow reader (fake clock)', async () => {
    vi.useFakeTimers({ now: 1000 });
    const t = ticker(10);
    await vi.advanceTimersByTimeAsync(55); // ticks due at 1010..1050: only one kept
    expect(t.size).toBe(1);
    expect(t.pullNowait()).toBe(1010);
    await vi.advanceTimersByTimeAsync(5); // 1060
    expect(t.pullNowait()).toBe(1060);
    await vi.advanceTimersByTimeAsync(10); // 1070
    expect(t.pullNowait()).toBe(1070);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closing an after or a ticker leaves no timer behind', async () => {
    vi.useFakeTimers({ now: 0 });
    const a = afterMs(MAX + 50);
    const t = ticker(MAX + 50);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    a.close();
    t.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2 * MAX + 200);
    expect(a.size + t.size).toBe(0);
  });

  it('aborting the signal of an after or a ticker leaves no timer behind', () => {
    vi.useFakeTimers({ now: 0 });
    const ctl = new AbortController();
    afterMs(1000, { signal: ctl.signal });
    ticker(1000, { signal: ctl.signal });
    expect(vi.getTimerCount()).toBe(2);
    ctl.abort();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a ticker closed by user code that runs during its own tick leaves no timer behind', async () => {
    // README "User code inside an operation": a parked operation's signal getter runs during a
    // commit, and "nothing parks on a channel that closed meanwhile"; SPEC: closing a ticker
    // clears its timer.
    vi.useFakeTimers({ now: 0 });
    const t = ticker(5);
    let armed = false;
    const ctl = new AbortController();
    const signal = new Proxy(ctl.signal, {
      get(target, key) {
        if (key === 'aborted' && armed) t.close();
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const p = t.pull({ signal }).catch((e: unknown) => e);
    armed = true;
    await vi.advanceTimersByTimeAsync(5);
    await p;
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
