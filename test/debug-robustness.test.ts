/**
 * Debug mode stays out of the way of the code it watches: turning it off never throws, and a
 * channel subclass behaves the same with it on. Found by the twenty-fourth session's audit:
 * a `listen` target whose `removeEventListener` throws made `disableDebug()` throw — and every
 * later `enableDebug`/`disableDebug` with it, the stale session never cleared — and a subclass
 * whose `name` getter reads a private field threw from its constructor once debug mode was on
 * (the hook runs inside `super()`, before the subclass's fields exist).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel } from '../src/index.js';
import { INSPECTOR_SOURCE } from '../src/protocol.js';

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

/** A duck-typed `listen` target that keeps its listeners and refuses to remove them. */
function stubbornTarget(): { listeners: EventListenerObject[]; target: EventTarget } {
  const listeners: EventListenerObject[] = [];
  const target = {
    addEventListener: (_type: string, listener: EventListenerObject) => listeners.push(listener),
    removeEventListener: () => {
      throw new Error('removeEventListener refused');
    },
  } as unknown as EventTarget;
  return { listeners, target };
}

describe('disableDebug never throws', () => {
  test('with a listen target whose removeEventListener throws, and debug mode can be enabled again', () => {
    const { target: listen } = stubbornTarget();
    enableDebug({ target: { postMessage() {} }, listen });
    expect(() => disableDebug()).not.toThrow();
    expect(() => disableDebug()).not.toThrow(); // off: nothing left to turn off
    // Off: a channel created now is not tracked.
    const untracked = new Channel(0, { name: 'after disable' });
    expect(snapshot().channels).toEqual([]);
    // And on again, with a well-behaved target.
    const posted: unknown[] = [];
    enableDebug({ target: { postMessage: (message: unknown) => posted.push(message) }, listen: new EventTarget() });
    const tracked = new Channel(0, { name: 'after re-enable' });
    expect(snapshot().channels.map((channel) => channel.name)).toEqual(['after re-enable']);
    expect(posted).toEqual([expect.objectContaining({ type: 'announce' })]);
    void untracked;
    void tracked;
  });

  test('the listener it could not remove ignores every later message: no snapshot, no timer', () => {
    vi.useFakeTimers();
    const { listeners, target: listen } = stubbornTarget();
    const posted: unknown[] = [];
    enableDebug({ target: { postMessage: (message: unknown) => posted.push(message) }, listen });
    disableDebug();
    expect(listeners).toHaveLength(1); // still there: its removal threw
    posted.length = 0;
    const hello = new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } });
    (listeners[0] as EventListenerObject).handleEvent(hello);
    expect(posted).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a Channel subclass behaves the same with debug mode on', () => {
  class Labelled<T> extends Channel<T> {
    readonly #label: string;
    constructor(label: string) {
      super(1, { name: `${label} (given)` });
      this.#label = label;
    }
    override get name(): string {
      return this.#label;
    }
  }

  test.each([false, true])('its name getter reads a private field (debug mode on: %s)', (on) => {
    if (on) enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Labelled<number>('jobs');
    expect(channel.name).toBe('jobs');
    channel.pushNowait(1);
    expect(channel.pullNowait()).toBe(1);
    // Debug mode lists it under the name its constructor gave (as `stats()` reports it),
    // without calling the getter from inside `super()`.
    expect(snapshot().channels.map((listed) => [listed.name, listed.size])).toEqual(on ? [['jobs (given)', 0]] : []);
  });
});
