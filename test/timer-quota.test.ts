/**
 * `after` and `ticker` when `setTimeout` refuses a timer — workerd allows 10,000 active timers
 * per request and throws a `QuotaExceededError` beyond: the error reaches the caller, and the
 * channel is closed with it, so nothing is left waiting for a timer that will never fire and
 * no watch stays on the signal. In Node (and the pages) `setTimeout` is stubbed to refuse the
 * way workerd does; in the `workerd-core` project the last test exhausts workerd's real quota.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { after as afterMs, ChannelClosedError, pull, select, ticker } from '../src/index.js';
import { inWorkerd } from './helpers/runtime.js';
import { countListeners, rejection } from './helpers/track.js';

/** What workerd throws. */
const quota = () =>
  new DOMException('You have exceeded the number of active timeouts you may set.', 'QuotaExceededError');

describe('timer channels when setTimeout refuses a timer', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  test.each([
    ['after', (signal: AbortSignal) => afterMs(10, { signal })],
    ['ticker', (signal: AbortSignal) => ticker(10, { signal })],
  ])('%s throws the platform’s error at the call and leaves no abort listener on its signal', (_, make) => {
    const refused = quota();
    vi.stubGlobal('setTimeout', () => {
      throw refused;
    });
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    expect(() => make(controller.signal)).toThrow(refused);
    expect(listeners.live).toBe(0);
  });

  test('a ticker whose next timer is refused closes with that error as the cause: a waiting pull rejects instead of hanging', async () => {
    const refused = quota();
    const callbacks: (() => void)[] = [];
    vi.stubGlobal('setTimeout', (callback: () => void) => {
      if (callbacks.length) throw refused;
      callbacks.push(callback);
      return 1;
    });
    vi.stubGlobal('clearTimeout', () => {});
    const ticks = ticker(5);
    const pulled = ticks.pull();
    const waiting = ticks.pull();
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10); // the tick is due
    expect(() => callbacks[0]?.()).toThrow(refused); // as a timer callback throws: reported by the platform
    vi.restoreAllMocks();
    expect(typeof (await pulled)).toBe('number'); // the tick that fired was delivered
    const error = await rejection(waiting);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(refused);
    expect(ticks.closed).toBe(true);
  });

  test.runIf(inWorkerd)(
    'workerd: after() beyond 10,000 active timers throws QuotaExceededError, and closing the others frees the quota',
    async () => {
      const timers = [];
      let refusal: unknown;
      for (let i = 0; i < 10_001 && refusal === undefined; i++) {
        try {
          timers.push(afterMs(60_000));
        } catch (error) {
          refusal = error;
        }
      }
      expect((refusal as DOMException | undefined)?.name).toBe('QuotaExceededError');
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      expect(() => afterMs(10, { signal: controller.signal })).toThrow(/timeouts/);
      expect(listeners.live).toBe(0);
      for (const timer of timers) timer.close(); // clears their timers
      const result = await select([pull(afterMs(1))]);
      expect(result.ok).toBe(true);
    },
  );
});
