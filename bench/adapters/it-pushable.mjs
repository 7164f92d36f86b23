// Adapter for it-pushable: push() is synchronous and unbounded, and the only
// back-pressure is onEmpty(). Capacity n is emulated the idiomatic way: after
// a push that leaves n or more values queued, wait for onEmpty(). That is
// coarser than a real bounded buffer (it waits for a full drain).
import { pushable } from 'it-pushable';
import { iteratorValue, RESOLVED } from './common.mjs';

export default {
  name: 'it-pushable',
  note: 'capacity emulated: a push that leaves ≥ capacity values queued waits for onEmpty() (a full drain)',
  make: (capacity) => ({ source: pushable({ objectMode: true }), capacity }),
  push(ch, v) {
    const source = ch.source;
    source.push(v);
    return source.readableLength >= ch.capacity ? source.onEmpty() : RESOLVED;
  },
  pull: (ch) => ch.source.next(),
  unwrap: iteratorValue,
  idle: () => pushable({ objectMode: true }),
  na: {
    '1:1-unbuffered': 'no rendezvous: push is synchronous',
    'fan-out': 'single consumer only (a second concurrent next() replaces the first)',
    nowait: 'no synchronous pull',
    abort: 'no AbortSignal on pull',
    'mem-parked': 'only one pending next() at a time',
  },
};
