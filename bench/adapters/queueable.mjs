// Adapter for queueable's Channel: push(v) returns a promise that resolves when
// the value is pulled, and next() returns an iterator result. Its `limit` is a
// drop-oldest bound, not back-pressure, so only the unbuffered workload fits.
import { Channel } from 'queueable';
import { iteratorValue } from './common.mjs';

const noBoundedBuffer = 'no blocking bounded buffer (push resolves only when pulled; limit drops oldest)';

export default {
  name: 'queueable',
  note: 'Channel(): push() resolves when the value is pulled',
  make: () => new Channel(),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.next(),
  unwrap: iteratorValue,
  na: {
    '1:1-cap128': noBoundedBuffer,
    'fan-in': noBoundedBuffer,
    'fan-out': noBoundedBuffer,
    nowait: 'no synchronous push/pull',
    abort: 'no AbortSignal on pull',
  },
};
