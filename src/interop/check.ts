/**
 * Argument checks shared by the helpers (`from`, `fromEvent`, `merge`, `toReadableStream`,
 * `after`, `ticker`, `broadcast`): each throws at the call, before anything is created,
 * started or locked, with a message that names the function and the argument —
 * `fromEvent(target, type, options): options.signal must be an AbortSignal, got AbortController`.
 */
import { isSignal } from '../signals.js';

/** A short description of a bad argument for an error message: `null`, `string`, `AbortController`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value.constructor as { name?: string } | undefined)?.name || 'object';
}

/**
 * Checks an options bag: `undefined` or an object whose `signal`, if present, is an
 * `AbortSignal`. Returns the signal.
 *
 * @param call the call as the message shows it, e.g. `after(ms, options)`.
 * @throws {TypeError} for a bag that is not an object, or a `signal` that is not an `AbortSignal`
 *   (the common slip `{ signal: controller }`).
 */
export function checkOptions(call: string, options: { signal?: unknown } | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${call}: options must be an object, got ${describe(options)}`);
  }
  const signal = options.signal;
  if (signal !== undefined && !isSignal(signal)) {
    throw new TypeError(`${call}: options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

/**
 * Checks `options.capacity` and `options.overflow` as the `Channel` constructor would, but
 * with a message that names the call. Returns the capacity (or `fallback` when absent;
 * `fallbackOverflow` is the policy assumed when `overflow` is absent).
 *
 * @throws {TypeError} for a capacity that is not a number or an unknown overflow policy.
 * @throws {RangeError} for a negative, `NaN` or fractional capacity, or a drop policy with
 *   capacity 0.
 */
export function checkCapacity(
  call: string,
  options: { capacity?: unknown; overflow?: unknown } | undefined,
  fallback: number,
  fallbackOverflow = 'block',
): number {
  const capacity = options?.capacity ?? fallback;
  const overflow = options?.overflow ?? fallbackOverflow;
  if (typeof capacity !== 'number') {
    throw new TypeError(`${call}: options.capacity must be a number, got ${describe(capacity)}`);
  }
  if (!(capacity >= 0 && (capacity % 1 === 0 || capacity === Infinity))) {
    throw new RangeError(`${call}: options.capacity must be 0, a positive integer or Infinity, got ${capacity}`);
  }
  if (overflow !== 'block' && overflow !== 'drop-oldest' && overflow !== 'drop-newest') {
    throw new TypeError(
      `${call}: options.overflow must be 'block', 'drop-oldest' or 'drop-newest', got ${String(overflow)}`,
    );
  }
  if (overflow !== 'block' && capacity === 0) {
    throw new RangeError(`${call}: options.overflow '${overflow}' needs a capacity of at least 1`);
  }
  return capacity;
}
