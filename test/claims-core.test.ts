/**
 * The documentation is a contract too (sixth audit, core): each test pins one behaviour that
 * the README (usage sections, Reference tables, Semantic details, FAQ) or the TSDoc of the core
 * exports promises, in the claim's own words — the error class and message, the count, the
 * order, "at once" against "later". Grouped by README section; the comment above each group
 * quotes the first words of the README line it checks. Imports go through the package, as a
 * user's do ('chanasync' → dist/; `npm run build` first).
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, test, vi } from 'vitest';

/** Resolves after `ms` (a macrotask boundary). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets every pending microtask run (a few hops: wake-ups and rejections take two). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** The settled state of `promise` once pending microtasks ran. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'resolved';
    },
    () => {
      result = 'rejected';
    },
  );
  await flush();
  return result;
}

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The error `run` throws. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// Reference, "### `after`…" row and Semantic details (Select), "`after(ms)` with `ms` ≤ 0 —
// negative too…": the decision of this round.
describe('after(ms) with a delay that has passed', () => {
  test('after(-50) fires at once, as after(0) does: one timestamp, then closed', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const timer = afterMs(-50);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(0);
    expect(timer.closed).toBe(true);
    expect(timer.pullNowait()).toBe(1_000);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after(deadline - Date.now()) with a deadline in the past wins a select against an empty channel', async () => {
    const deadline = Date.now() - 1_000;
    const replies = new Channel<string>();
    const result = await select([pull(replies), pull(afterMs(deadline - Date.now()))]);
    expect(result.index).toBe(1);
    expect(replies.stats().waitingPullers).toBe(0);
  });

  test('a negative delay is not delivered synchronously: the value arrives on the next timer turn', () => {
    vi.useFakeTimers();
    const timer = afterMs(-1);
    expect(timer.tryPull()).toBeUndefined();
    expect(timer.closed).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
  });

  test('after with a negative delay is named after the delay given', () => {
    expect(afterMs(-5).name).toBe('after(-5)');
  });

  test('after with a negative delay and an aborted signal is closed and delivers nothing', async () => {
    const timer = afterMs(-5, { signal: AbortSignal.abort() });
    await sleep(5);
    expect(timer.closed).toBe(true);
    expect(timer.tryPull()).toBeUndefined();
  });

  test('closing an after(-1) before its timer turn clears the timer', () => {
    vi.useFakeTimers();
    const timer = afterMs(-1);
    timer.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each([Number.NaN, Infinity, -Infinity])('after(%s) is a RangeError saying ms must be a finite number', (ms) => {
    const error = thrown(() => afterMs(ms));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(`after(ms): ms must be a finite number, got ${ms}`);
  });

  test('after(Infinity) starts no timer', () => {
    vi.useFakeTimers();
    expect(() => afterMs(Infinity)).toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker keeps the rule of the SPEC: a negative period is a RangeError', () => {
    expect(() => ticker(-1)).toThrow(RangeError);
    expect(() => ticker(0)).toThrow(RangeError);
    expect(() => ticker(Infinity)).toThrow(RangeError);
  });
});
