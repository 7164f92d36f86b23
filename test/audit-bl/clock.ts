/**
 * A hand-driven clock for `ticker`/`after`: replaces the global `setTimeout`, `clearTimeout` and
 * `Date.now` (timer channels capture the first two when they are made) so a test fires each
 * timer itself, with whatever `Date.now()` it wants at that moment — late, early, set back —
 * and sees every delay the library asked for.
 */
export interface Pending {
  id: number;
  delay: number;
  fn: () => void;
}

export interface HandClock {
  /** The timers set and neither fired nor cleared, oldest first. */
  readonly pending: Pending[];
  /** Every delay asked for, in order. */
  readonly delays: number[];
  /** What `Date.now()` returns now. */
  now: number;
  /** When set, the next `setTimeout` throws it (a platform's timer quota) and clears it. */
  refuse?: unknown;
  /** Fires the oldest pending timer with `Date.now()` set to `at` (default: unchanged). */
  fire(at?: number): void;
  restore(): void;
}

export function handClock(start = 1_700_000_000_000): HandClock {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const realNow = Date.now;
  let next = 1;
  const clock: HandClock = {
    pending: [],
    delays: [],
    now: start,
    fire(at?: number) {
      const timer = clock.pending.shift();
      if (!timer) throw new Error('no pending timer');
      if (at !== undefined) clock.now = at;
      timer.fn();
    },
    restore() {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
      Date.now = realNow;
    },
  };
  globalThis.setTimeout = ((fn: () => void, delay = 0) => {
    if (clock.refuse !== undefined) {
      const error = clock.refuse;
      clock.refuse = undefined;
      throw error;
    }
    const timer = { id: next++, delay, fn };
    clock.pending.push(timer);
    clock.delays.push(delay);
    return timer.id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number | undefined) => {
    const i = clock.pending.findIndex((t) => t.id === id);
    if (i >= 0) clock.pending.splice(i, 1);
  }) as unknown as typeof clearTimeout;
  Date.now = () => clock.now;
  return clock;
}
