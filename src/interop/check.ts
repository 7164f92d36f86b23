/**
 * Argument checks shared by the helpers (`from`, `fromEvent`, `toReadableStream`, `after`,
 * `ticker`, `broadcast`): each throws at the call, before anything is started or locked, with
 * a message that names the function and the argument —
 * `fromEvent(target, type, options): options.signal must be an AbortSignal, got AbortController`.
 */
import { isSignal } from '../signals.js';
import { describe } from './describe.js';

export { describe };

/**
 * Checks an options bag: `undefined` or an object whose `signal`, if present, is an
 * `AbortSignal`. Returns the signal.
 *
 * @param call the call as the message shows it, e.g. `after(ms, options)`.
 * @throws {TypeError} for a bag that is not an object, a `signal` that is not an `AbortSignal`
 *   (the common slip `{ signal: controller }`), or a bag that is an `AbortSignal` itself (the
 *   slip `fromEvent(target, type, signal)`).
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
  // `fromEvent(button, 'click', signal)`: a signal in place of the options would be an options
  // bag without a signal, silently never aborting (the listener or timer would stay forever).
  if (signal === undefined && isSignal(options)) {
    throw new TypeError(`${call}: options is an AbortSignal: pass { signal } instead`);
  }
  return signal;
}

/**
 * Defines `value` as the member `key` of the class `type` — static, or with `instance` on its
 * prototype; writable, configurable and not enumerable, as a class member is — and returns
 * `result`. Called behind a pure annotation from the binding of the function it attaches
 * (`from`, `toReadableStream`), so that a bundler drops the member together with the function
 * when nothing imports it, and a bundle that imports only `Channel` stays free of the helpers.
 * (Its arguments are plain names and function expressions: a bundler keeps a pure call whose
 * arguments might have side effects, such as a property read.)
 */
export function member<F>(type: { prototype: object }, key: string, value: unknown, result: F, instance?: boolean): F {
  Object.defineProperty(instance ? type.prototype : type, key, { value, writable: true, configurable: true });
  // Both functions read as `key` in stack traces and `.name` (the implementations have names of
  // their own, since the exported bindings take theirs).
  for (const f of [value, result]) Object.defineProperty(f, 'name', { value: key });
  return result;
}
