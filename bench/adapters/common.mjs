// Shared helpers for adapters. An adapter is a default-exported object:
//   name                    column name in the results table
//   note                    one line on how the library is driven (printed in the report)
//   load()                  optional async setup; returns a string if the library is unavailable
//   make(capacity)          -> channel handle (the library's own object where possible)
//   push(ch, v)             -> promise/thenable that settles when the push is committed
//   pull(ch)                -> promise/thenable of the library's pull result
//   unwrap(result)          -> the pulled value (identity, or `.value` for iterator results)
//   tryPush(ch, v)          -> boolean                      (nowait workload)
//   tryPull(ch)             -> value or EMPTY               (nowait workload)
//   selectPulls(channels)   -> a select over pulls on `channels`, built once, reused (select rows)
//   select(sel)             -> promise of the library's select result             (select rows)
//   selected(sel, result)   -> the pulled value                                   (select rows)
//   pullWithSignal(ch, s)   -> promise rejecting with s.reason on abort (abort workload)
//   idle(capacity)          -> one idle channel, for the memory row (defaults to make)
//   park(ch)                -> one parked pull to retain, for the memory row (defaults to pull)
//   cleanup(ch)             optional, after the parked-pull memory row
//   custom[workloadId]      optional replacement workload (Effect fibers, js-csp go blocks)
//   na[workloadId]          reason string when the library cannot express a workload
export { EMPTY } from '../floor.mjs';

export const RESOLVED = Promise.resolve();

export const identity = (value) => value;

export const iteratorValue = (result) => result.value;
