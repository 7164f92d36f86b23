// Instrumentation for the browser programs of test/programs-port.browser.test.ts, loaded first in
// every page, frame and worker: counts the `message`, `close` and `messageerror` listeners on
// each target, and the live `setInterval` timers (chanasync/port's heartbeat is one per running
// stream), so that a program can check what it left behind. Patches EventTarget.prototype and
// the timer functions of this context; changes nothing else.
const TYPES = new Set(['message', 'close', 'messageerror']);
/** target → type → listeners added and not removed. */
const live = new WeakMap();
const add = EventTarget.prototype.addEventListener;
const remove = EventTarget.prototype.removeEventListener;

EventTarget.prototype.addEventListener = function (type, listener, options) {
  // `addEventListener(…)` called bare in a worker's module code has no `this`: the global.
  const target = this ?? globalThis;
  if (TYPES.has(type) && listener != null && !(typeof options === 'object' && options?.once)) {
    let byType = live.get(target);
    if (byType === undefined) {
      byType = new Map();
      live.set(target, byType);
    }
    let set = byType.get(type);
    if (set === undefined) {
      set = new Set();
      byType.set(type, set);
    }
    set.add(listener);
  }
  return add.call(target, type, listener, options);
};
EventTarget.prototype.removeEventListener = function (type, listener, options) {
  const target = this ?? globalThis;
  live.get(target)?.get(type)?.delete(listener);
  return remove.call(target, type, listener, options);
};

/** How many message/close/messageerror listeners are on `targets`, in all. */
export function listeners(...targets) {
  let count = 0;
  for (const target of targets) for (const set of live.get(target)?.values() ?? []) count += set.size;
  return count;
}

const intervals = new Set();
const setIntervalReal = globalThis.setInterval;
const clearIntervalReal = globalThis.clearInterval;
globalThis.setInterval = (...args) => {
  const id = setIntervalReal(...args);
  intervals.add(id);
  return id;
};
globalThis.clearInterval = (id) => {
  intervals.delete(id);
  clearIntervalReal(id);
};

/** How many intervals are running in this context. */
export function liveIntervals() {
  return intervals.size;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The next `{ report }` message posted to `target` (a Worker, a port, or window) that `accept`
 * takes; `signal` gives up waiting (the promise then stays pending, its listener removed).
 */
export function nextReport(target, accept = () => true, signal = undefined) {
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.data?.report === undefined || !accept(event.data.report)) return;
      target.removeEventListener('message', listener);
      resolve(event.data.report);
    };
    target.addEventListener('message', listener);
    signal?.addEventListener('abort', () => target.removeEventListener('message', listener), { once: true });
  });
}
