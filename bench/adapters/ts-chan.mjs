// Adapter for ts-chan's Chan. We call setUnsafe(true), the documented switch
// that skips the per-operation macrotask-yield mitigation; without it every
// send/recv waits for setImmediate and the library is far slower.
// Select rows: one Select instance over recv() cases, built once and reused
// for every wait() (the loop idiom of its README; a case may be used in one
// Select only), also with setUnsafe(true); the value is read with
// select.recv(select.cases[i]). (Calling poll() before wait() to skip the
// async wait() when a case is ready measured ~40% slower, so plain wait().)
import { Chan, recv, Select } from 'ts-chan';
import { EMPTY, iteratorValue } from './common.mjs';

export default {
  name: 'ts-chan',
  note:
    'Chan with setUnsafe(true) (documented switch that skips the per-operation macrotask yield); ' +
    'select rows: one reused `new Select(channels.map(recv)).setUnsafe(true)`, `await select.wait()` then `select.recv(select.cases[i]).value`',
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
  selectPulls: (channels) => new Select(channels.map((ch) => recv(ch))).setUnsafe(true),
  select: (sel) => sel.wait(),
  selected: (sel, index) => sel.recv(sel.cases[index]).value,
  na: {},
};
