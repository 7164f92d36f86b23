// Adapter for culvert: a callback API (put/drain/take) wrapped in promises the
// way a user would. put() always enqueues and returns false when the queue is
// over bufferSize; we then wait for drain. With bufferSize 0 a push therefore
// resolves once its value is taken, i.e. rendezvous.
import makeChannel from 'culvert';
import { identity, RESOLVED } from './common.mjs';

export default {
  name: 'culvert',
  note: 'callback API wrapped in promises; put() never refuses a value, so its limit is soft (the push over the limit waits for drain)',
  make: (capacity) => makeChannel(capacity),
  push(ch, v) {
    if (ch.put(v)) return RESOLVED;
    return new Promise((resolve) => ch.drain(resolve));
  },
  pull: (ch) => new Promise((resolve) => ch.take((_error, item) => resolve(item))),
  unwrap: identity,
  na: {
    nowait: 'put() always enqueues (cannot refuse) and take() cannot be cancelled',
    abort: 'no AbortSignal on pull',
  },
};
