/**
 * When the panel repaints: at most once per animation frame, or — when frames don't come (a
 * hidden panel gets none; a busy machine gives them late) — {@link FALLBACK_MS} after it was
 * asked, whichever comes first. Whichever comes first cancels the other.
 *
 * Each is cancelled with its own function: `cancelAnimationFrame` for the frame request,
 * `clearTimeout` for the timer. Frame-request handles and timer handles are two separate
 * counters that both start at 1, so a frame's handle given to `clearTimeout` cancels whatever
 * timer has that number — in the panel, early on, the interval that ages the waits (the panel
 * then froze every age until the page next posted something, and a wait past the threshold
 * stayed "waiting"), the keepalive interval, or a reconnection.
 */

/** How long a repaint waits for an animation frame before it happens without one. */
export const FALLBACK_MS = 100;

/** The browser functions the scheduler uses (the window's by default; a fake in tests). */
export interface FrameClock {
  requestAnimationFrame(callback: () => void): number;
  cancelAnimationFrame(handle: number): void;
  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(handle: ReturnType<typeof setTimeout>): void;
}

/**
 * A function that asks for one call of `paint` soon (see the file's top); asking again before
 * it ran changes nothing.
 */
export function repaintScheduler(paint: () => void, clock: FrameClock = globalThis): () => void {
  let scheduled = false;
  const run = () => {
    scheduled = false;
    paint();
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    const frame = clock.requestAnimationFrame(() => {
      clock.clearTimeout(timer);
      run();
    });
    const timer = clock.setTimeout(() => {
      clock.cancelAnimationFrame(frame);
      run();
    }, FALLBACK_MS);
  };
}
