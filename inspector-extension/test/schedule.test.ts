/**
 * The panel's repaint scheduler (panel/schedule.ts), on a fake clock whose frame requests and
 * timers are numbered as a browser numbers them: two counters, each from 1.
 */
import { describe, expect, test } from 'vitest';
import { FALLBACK_MS, type FrameClock, repaintScheduler } from '../src/panel/schedule.js';

/** A browser's timers and frame requests, driven by hand. */
class FakeClock implements FrameClock {
  now = 0;
  private nextTimer = 1;
  private nextFrame = 1;
  /** Pending timers and intervals by handle. */
  readonly timers = new Map<number, { at: number; every: number | undefined; callback: () => void }>();
  /** Pending frame requests by handle. */
  readonly frames = new Map<number, () => void>();

  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
    const handle = this.nextTimer++;
    this.timers.set(handle, { at: this.now + ms, every: undefined, callback });
    return handle as unknown as ReturnType<typeof setTimeout>;
  }
  setInterval(callback: () => void, ms: number): number {
    const handle = this.nextTimer++;
    this.timers.set(handle, { at: this.now + ms, every: ms, callback });
    return handle;
  }
  /** As in browsers, it cancels an interval too. */
  clearTimeout(handle: ReturnType<typeof setTimeout>): void {
    this.timers.delete(handle as unknown as number);
  }
  requestAnimationFrame(callback: () => void): number {
    const handle = this.nextFrame++;
    this.frames.set(handle, callback);
    return handle;
  }
  cancelAnimationFrame(handle: number): void {
    this.frames.delete(handle);
  }

  /** Runs the timers due until `ms` from now, in order (no animation frame comes meanwhile). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; every: number | undefined; callback: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      const [handle, timer] = next;
      this.now = timer.at;
      if (timer.every === undefined) this.timers.delete(handle);
      else timer.at += timer.every;
      timer.callback();
    }
    this.now = end;
  }

  /** An animation frame: runs the frame requests pending now, in order, but those cancelled meanwhile. */
  frame(): void {
    for (const handle of [...this.frames.keys()]) {
      const callback = this.frames.get(handle);
      this.frames.delete(handle);
      callback?.();
    }
  }
}

describe('the panel repaints', () => {
  test('without animation frames, after FALLBACK_MS — and the interval that ages waits goes on', () => {
    const clock = new FakeClock();
    let paints = 0;
    const schedule = repaintScheduler(() => paints++, clock);
    // As panel/index.ts starts: a keepalive interval and the interval that ages the waits
    // (timers 1 and 2), then repaints asked for by messages, with no frame coming (a busy
    // machine, or a hidden panel). Frame requests 1 and 2 used to be "cleared" with
    // clearTimeout, which stopped both intervals: ages froze until the page next posted.
    let keepalives = 0;
    clock.setInterval(() => keepalives++, 20_000);
    clock.setInterval(schedule, 500);
    for (let i = 0; i < 3; i++) {
      schedule();
      clock.advance(FALLBACK_MS);
    }
    expect(paints).toBe(3);
    expect(clock.frames.size).toBe(0); // each paint cancelled its own frame request
    clock.advance(10_000);
    expect(paints).toBe(3 + 20); // one per tick of the 500 ms interval
    clock.advance(30_000);
    expect(keepalives).toBe(2);
  });

  test('on an animation frame, once, and the fallback timer is cancelled — no other', () => {
    const clock = new FakeClock();
    let paints = 0;
    const schedule = repaintScheduler(() => paints++, clock);
    clock.setTimeout(() => {}, 60_000);
    clock.setTimeout(() => {}, 60_000);
    schedule(); // frame request 1, timer 3
    schedule(); // asked again before the frame: still one paint
    // Other frame requests of the page, the second numbered as the scheduler's timer: both run.
    let others = 0;
    clock.requestAnimationFrame(() => others++);
    clock.requestAnimationFrame(() => others++);
    clock.frame();
    expect([paints, others]).toEqual([1, 2]);
    expect([...clock.timers.keys()]).toEqual([1, 2]); // its own timer cancelled, no other
    clock.advance(FALLBACK_MS * 2);
    expect(paints).toBe(1);
  });
});
