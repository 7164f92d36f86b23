// A fake search backend, local and offline: it filters a word list after a random delay, as a
// slow server would, and honours an AbortSignal the way fetch() does — an aborted request
// stops at once and rejects with the signal's reason.

const WORDS = [
  'abort',
  'abort controller',
  'abort signal',
  'after',
  'async iterator',
  'await',
  'await using',
  'backpressure',
  'broadcast',
  'buffer',
  'buffered channel',
  'cancel',
  'capacity',
  'chan',
  'chanasync',
  'channel',
  'channel closed error',
  'channel empty error',
  'channel full error',
  'close',
  'close reason',
  'commit',
  'concurrency',
  'conflated channel',
  'consumer',
  'csp',
  'deadline',
  'deadlock',
  'debounce',
  'debug mode',
  'default case',
  'drain',
  'drop-newest',
  'drop-oldest',
  'event target',
  'fan-in',
  'fan-out',
  'fetch',
  'for await',
  'from',
  'fromEvent',
  'go',
  'goroutine',
  'inspector',
  'iterable',
  'merge',
  'nil channel',
  'nowait',
  'overflow',
  'parked pull',
  'parked push',
  'pipeline',
  'pointer',
  'producer',
  'promise',
  'pull',
  'pullNowait',
  'push',
  'pushNowait',
  'queue',
  'race',
  'readable stream',
  'rendezvous',
  'select',
  'selectNowait',
  'semaphore',
  'sliding window',
  'snapshot',
  'stack trace',
  'stats',
  'stream',
  'stuck channel',
  'throttle',
  'timeout',
  'toReadableStream',
  'unbuffered channel',
  'waiter',
  'worker',
  'worker pool',
];

/** The latency of one request, in ms: 300–800, so that typing often outruns it. */
export const LATENCY = { min: 300, max: 800 };

/**
 * Resolves with the words containing `query` after a random delay, or rejects with
 * `signal.reason` as soon as `signal` aborts.
 *
 * @param {string} query
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<string[]>}
 */
export function searchBackend(query, { signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const delay = LATENCY.min + Math.random() * (LATENCY.max - LATENCY.min);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      const needle = query.toLowerCase();
      resolve(WORDS.filter((word) => word.toLowerCase().includes(needle)).slice(0, 12));
    }, delay);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
