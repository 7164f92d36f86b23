/**
 * The channel's buffer of committed, not yet pulled values: a growable, shrinkable ring.
 *
 * How it works: `slots` is used circularly; `headIndex` is the index of the oldest value and
 * `filled` how many follow it, so adding and taking are O(1) without the O(n)
 * `Array.prototype.shift`. `slots.length` is 0 or a power of two, so indices wrap with
 * `& (length - 1)`. It starts as the shared empty `NO_SLOTS` (an idle channel owns no array),
 * doubles when full, and never grows past the power of two above the channel's capacity,
 * because the channel checks its capacity before adding. (Not allocated up front, as Go's
 * `make(chan T, n)` does: W6 in Chromium ran up to 8% faster so, but an idle
 * `new Channel(128)` then held 1,208 bytes against the 200 the first release's memory target
 * allows.) Taken slots are reset to `undefined` so the buffer keeps no value alive.
 *
 * It gives memory back: once a large ring (`KEEP` slots or more, see `take`) is used to an eighth
 * or less, it halves. After a burst of a million values drains, an unbounded channel holds
 * `KEEP` slots, not a million. A ring of `KEEP` slots or fewer never shrinks, so a
 * channel of capacity up to 1024 that cycles between empty and full never reallocates once
 * grown; a larger one halves as it drains and doubles back as it fills, and since it halves at
 * an eighth (not at half), each copy is paid for by the operations that emptied or filled it.
 *
 * The fields live on the channel itself (no separate object per channel); these functions
 * work on any object that has them.
 */

/** The buffer fields a channel carries. */
export interface Ring<T> {
  /**
   * The slots; length 0 (the shared `NO_SLOTS`, never written) or a power of two. A slot never
   * written holds `null` (see `resize`), a taken one `undefined`; only the `filled` slots from
   * `headIndex` on are ever read.
   */
  slots: (T | undefined)[];
  /** Index of the oldest value (meaningless while `filled === 0`). */
  headIndex: number;
  /** How many values are stored. */
  filled: number;
}

/**
 * The slots of every buffer that never held a value. Never written: `add` grows it first.
 *
 * An array of the same elements kind as the ones `resize` makes (`PACKED_ELEMENTS` in V8 12 and
 * later), not a `[]` literal (`PACKED_SMI_ELEMENTS`): with two kinds, every `slots` access that
 * has seen a new channel is polymorphic. In the nowait loop (W6's shape, channel made in the
 * looping function) that was 70.2 instead of 63.2 instructions per tryPush/tryPull in V8 14.6
 * (with the empty fast path of `tryPull`), 55.1 instead of 58.4 in Node 20. Made from `null`,
 * not `undefined`: see `resize`.
 */
export const NO_SLOTS: never[] = /* @__PURE__ */ [null as never].slice(1);

/** Appends `value` after the newest value. */
export function add<T>(ring: Ring<T>, value: T): void {
  const slots = ring.slots;
  if (ring.filled === slots.length) grow(ring, value);
  else slots[(ring.headIndex + ring.filled++) & (slots.length - 1)] = value;
}

/**
 * {@link add} for a ring whose slots are full: doubles them (at least 8) and appends `value`
 * (after `resize` the oldest value is at index 0, so the newest goes at `filled`).
 */
export function grow<T>(ring: Ring<T>, value: T): true {
  resize(ring, ring.filled * 2 || 8);
  ring.slots[ring.filled++] = value;
  return true;
}

/** Removes and returns the oldest value. Precondition: `filled > 0`. */
export function take<T>(ring: Ring<T>): T {
  // A ring never shrinks below this many slots (8 KiB of pointers): smaller ones are not worth
  // it. A constant of the function, not of the module: only then does a consumer's minifier
  // write the number where it is used (dist/ declares a module's constants with `var`, which
  // minifiers keep) — 9 bytes off `{ Channel }` (minified, gzip -9; scripts/size-bundles.mjs).
  const KEEP = 1024;
  const { slots, headIndex: first } = ring;
  const value = slots[first] as T;
  slots[first] = undefined;
  ring.headIndex = (first + 1) & (slots.length - 1);
  // The size test first: a ring of at most KEEP slots (nearly every ring) costs one comparison.
  const count = --ring.filled;
  if (slots.length > KEEP && count <= slots.length >> 3) resize(ring, slots.length >> 1);
  return value;
}

/** Moves the values, in order, to the start of a new array of `length` slots (≥ `filled`). */
function resize<T>(ring: Ring<T>, length: number): void {
  const { slots, headIndex: first, filled: count } = ring;
  // Filled, so that every ring's slots have one elements kind from the start: a fresh
  // `new Array(length)` holds small integers until `take` first writes `undefined`, and rings of
  // both kinds made the shared `add`/`take` polymorphic — tryPush / tryPull after other channel
  // work cost 67 instructions per op instead of 60 (V8 14.6, scripts/instructions.mjs try-warm).
  // Filled with `null`, not `undefined`: V8 13 and later (Chromium, workerd, Deno; not Node 20)
  // can hold `undefined` in an array of doubles, so `fill(undefined)` made a HOLEY_DOUBLE array,
  // and a channel of numbers converted every value to a double on the way in and back on the
  // way out (a new heap number for each non-integer). `null` makes an array of tagged values in
  // every V8: a value goes through the ring as it is.
  const resized: (T | undefined)[] = new Array(length).fill(null);
  for (let i = 0; i < count; i++) resized[i] = slots[(first + i) & (slots.length - 1)];
  ring.slots = resized;
  ring.headIndex = 0;
}
