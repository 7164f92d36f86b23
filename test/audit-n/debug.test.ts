/**
 * Audit N: the README's Reference and Semantic details on `chanasync/debug`, read literally.
 *
 * Reference, `relayDebug(worker, { url, target, listen, signal }?)`: "Returns a function that
 * stops it (so does `signal`) … Bad arguments are a `TypeError` naming `relayDebug`." Semantic
 * details: "A signal passed in place of the options … is a `TypeError` at the call (`options is
 * an AbortSignal: pass { signal } instead`) …: read as options it would carry no signal, and the
 * listener or timer would never be released."
 */
import { afterEach, describe, expect, test } from 'vitest';
import { relayDebug } from '../../src/debug/index.js';

/** A stand-in for a `Worker` object that counts its listeners. */
class FakeWorker extends EventTarget {
  listeners = 0;
  postMessage(): void {}
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...args);
  }
}

/** Makes Node's global scope look like a page's: `postMessage` and an `EventTarget`. */
function pretendPage(): () => void {
  const page = new EventTarget();
  const added = {
    postMessage: () => {},
    addEventListener: page.addEventListener.bind(page),
    removeEventListener: page.removeEventListener.bind(page),
  };
  for (const [key, value] of Object.entries(added)) {
    Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  return () => {
    for (const key of Object.keys(added)) delete (globalThis as Record<string, unknown>)[key];
  };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('relayDebug with a signal in place of its options', () => {
  test('relayDebug(worker, signal) in a page is a TypeError naming relayDebug, and relays nothing', () => {
    restore = pretendPage();
    const worker = new FakeWorker();
    const controller = new AbortController();
    expect(() => relayDebug(worker, controller.signal as never)).toThrow(TypeError);
    expect(() => relayDebug(worker, controller.signal as never)).toThrow(
      /^relayDebug\(worker, options\): options is an AbortSignal: pass \{ signal \} instead$/,
    );
    expect(worker.listeners).toBe(0);
  });
});
