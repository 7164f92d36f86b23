/**
 * A clock of a test's own for `chanasync/port`'s heartbeat (which reads `performance.now()` and
 * sets timers): fake timers and a `performance.now()` that only the test moves.
 */
import { vi } from 'vitest';

/**
 * Runs `body` on a clock of its own: `advance(ms)` moves it and runs the timers due, in steps
 * of 10 ms; `block(ms)` moves it with no timer run, as a task that computes that long does;
 * `now()` reads it. Real timers and `performance.now` are back once `body` settles.
 */
export async function onOwnClock(
  body: (advance: (ms: number) => Promise<void>, block: (ms: number) => void, now: () => number) => Promise<void>,
): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  let clock = 1000;
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10) {
      clock += 10;
      await vi.advanceTimersByTimeAsync(10);
    }
  };
  try {
    await body(
      advance,
      (ms) => {
        clock += ms;
      },
      () => clock,
    );
  } finally {
    spy.mockRestore();
    vi.useRealTimers();
  }
}
