/**
 * The channel's buffer of committed, not yet pulled values: a growable ring.
 *
 * How it works: `slots` is used circularly; `first` is the index of the oldest value and
 * `count` how many follow it, so adding and taking are O(1) without the O(n)
 * `Array.prototype.shift`. `slots.length` is 0 or a power of two, so indices wrap with
 * `& (length - 1)`. It starts as the shared empty `NO_SLOTS` (an idle channel owns no array),
 * doubles when full, and never grows past the power of two above the channel's capacity,
 * because the channel checks its capacity before adding. Taken slots are reset to `undefined`
 * so the buffer keeps no value alive.
 *
 * The fields live on the channel itself (no separate object per channel); these functions
 * work on any object that has them.
 */

/** The buffer fields a channel carries. */
export interface Ring<T> {
  /** The slots; length 0 (the shared `NO_SLOTS`, never written) or a power of two. */
  slots: (T | undefined)[];
  /** Index of the oldest value (meaningless while `count === 0`). */
  first: number;
  /** How many values are stored. */
  count: number;
}

/** The slots of every buffer that never held a value. Never written: `add` grows it first. */
export const NO_SLOTS: never[] = [];

/** Appends `value` after the newest value. */
export function add<T>(ring: Ring<T>, value: T): void {
  let slots = ring.slots;
  if (ring.count === slots.length) {
    // Full: double the slots (at least 8), copying the values in order to the start.
    const grown: (T | undefined)[] = new Array(slots.length * 2 || 8);
    for (let i = 0; i < ring.count; i++) grown[i] = slots[(ring.first + i) & (slots.length - 1)];
    ring.slots = slots = grown;
    ring.first = 0;
  }
  slots[(ring.first + ring.count++) & (slots.length - 1)] = value;
}

/** Removes and returns the oldest value. Precondition: `count > 0`. */
export function take<T>(ring: Ring<T>): T {
  const { slots, first } = ring;
  const value = slots[first] as T;
  slots[first] = undefined;
  ring.first = (first + 1) & (slots.length - 1);
  ring.count--;
  return value;
}
