// Adapter for ts-chan's Chan. We call setUnsafe(true), the documented switch
// that skips the per-operation macrotask-yield mitigation; without it every
// send/recv waits for setImmediate and the library is far slower.
import { Chan } from 'ts-chan';
import { EMPTY, iteratorValue } from './common.mjs';

export default {
  name: 'ts-chan',
  note: 'Chan with setUnsafe(true) (documented switch that skips the per-operation macrotask yield)',
  make: (capacity) => new Chan(capacity).setUnsafe(true),
  push: (ch, v) => ch.send(v),
  pull: (ch) => ch.recv(),
  unwrap: iteratorValue,
  tryPush: (ch, v) => ch.trySend(v),
  tryPull(ch) {
    const result = ch.tryRecv();
    return result === undefined ? EMPTY : result.value;
  },
  pullWithSignal: (ch, signal) => ch.recv(signal),
  na: {},
};
