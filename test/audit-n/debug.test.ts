/**
 * Audit N: the README's Reference and Semantic details on `chanasync/debug`, read literally.
 *
 * Reference, `relayDebug(worker, { url, target, listen, signal }?)`: "Returns a function that
 * stops it (so does `signal`) … Bad arguments are a `TypeError` naming `relayDebug`." Semantic
 * details: "A signal passed in place of the options … is a `TypeError` at the call (`options is
 * an AbortSignal: pass { signal } instead`) …: read as options it would carry no signal, and the
 * listener or timer would never be released."
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, relayDebug } from '../../src/debug/index.js';
import { Channel } from '../../src/index.js';
import { INSPECTOR_SOURCE, type PageToInspectorMessage } from '../../src/protocol.js';

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
  disableDebug();
  vi.useRealTimers();
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

// Semantic details, Debug mode: "Change detection compares each snapshot with the last one
// posted …, so a busy channel whose state is the same at every tick posts nothing. … a second
// `hello` within `intervalMs` does not post twice." Read with Reference, `enableDebug`: "After a
// `hello` …, posts a snapshot at once and then at most one per `intervalMs`": a second `hello`
// (a second inspector, or the panel reopened) gets the current state too — once the interval
// is over, not at once, and then nothing more while nothing changes.
describe('enableDebug: a second hello within intervalMs', () => {
  test('posts no second snapshot at once; the current state follows when the interval ends, then nothing while unchanged', () => {
    vi.useFakeTimers();
    const posted: PageToInspectorMessage[] = [];
    const listen = new EventTarget();
    const hello = () =>
      listen.dispatchEvent(
        new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
      );
    enableDebug({
      target: { postMessage: (message) => posted.push(message as PageToInspectorMessage) },
      listen,
      intervalMs: 100,
    });
    const jobs = new Channel<number>(1, { name: 'jobs' });
    const snapshots = () => posted.filter((message) => message.type === 'snapshot');
    hello();
    vi.advanceTimersByTime(10);
    hello();
    expect(snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(89);
    expect(snapshots()).toHaveLength(1); // never two within intervalMs
    vi.advanceTimersByTime(1);
    expect(snapshots()).toHaveLength(2); // the state again, for whoever said hello second
    expect(snapshots()[1]).toMatchObject({ channels: [{ name: 'jobs' }] });
    vi.advanceTimersByTime(1000);
    expect(snapshots()).toHaveLength(2); // nothing changed since
    jobs.close();
  });
});
