// Adapter for chanasync, loaded from the built ../../dist/index.js.
// Uses the Channel object directly. nowait ops check `full` / `empty` first,
// as user code would (`while (!ch.full) ch.pushNowait(v)`); for capacity > 0
// in 'block' mode that is exact (a pull only parks on an empty buffer, a push
// only on a full one). Otherwise (capacity 0, where `full` and `empty` are
// always true) they fall back to catching ChannelFullError / ChannelEmptyError.
// The `nowait-throwing` row keeps the exception-only path, run through its own
// copy of workloads.mjs so the two paths don't share V8 type feedback.
// The debug-hook-cost row imports this module once per build (`?build=<name>`)
// and passes each build's module to load().
import { EMPTY, identity } from './common.mjs';

let Channel;
let ChannelFullError;
let ChannelEmptyError;
let selectFn;
let pullCase;
let throwingWorkloads;

function tryPushCatching(ch, v) {
  try {
    ch.pushNowait(v);
    return true;
  } catch (error) {
    if (error instanceof ChannelFullError) return false;
    throw error;
  }
}

function tryPullCatching(ch) {
  try {
    return ch.pullNowait();
  } catch (error) {
    if (error instanceof ChannelEmptyError) return EMPTY;
    throw error;
  }
}

const adapter = {
  name: 'chanasync',
  note:
    'dist/index.js; nowait checks `ch.full` / `ch.empty` before pushNowait / pullNowait (exact for capacity > 0), ' +
    'catching ChannelFullError / ChannelEmptyError only as fallback (capacity 0); the `nowait, catching` row uses only the catching path; ' +
    'select rows: one `[pull(ch), …]` cases array reused for every `(await select(cases)).value`',
  /** `mod`: an already imported build of chanasync to use instead of dist/index.js (debug-hook-cost). */
  async load(mod) {
    try {
      mod ??= await import(new URL('../../dist/index.js', import.meta.url).href);
      ({ Channel, ChannelFullError, ChannelEmptyError, select: selectFn, pull: pullCase } = mod);
      if (typeof Channel !== 'function') return 'dist/index.js has no Channel export';
      // For the interop rows (bench/interop.mjs); left unset by a build without the helpers.
      if ([mod.from, mod.toReadableStream, mod.merge].every((f) => typeof f === 'function')) {
        adapter.interop = { Channel, from: mod.from, toReadableStream: mod.toReadableStream, merge: mod.merge };
      }
      throwingWorkloads = await import('../workloads.mjs?lib=chanasync-throwing');
    } catch (error) {
      return `not built (${error.code ?? error.message})`;
    }
  },
  make: (capacity) => new Channel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.pull(),
  unwrap: identity,
  tryPush(ch, v) {
    if (ch.full && ch.capacity !== 0) return false;
    return tryPushCatching(ch, v);
  },
  tryPull(ch) {
    if (ch.empty && ch.capacity !== 0) return EMPTY;
    return tryPullCatching(ch);
  },
  pullWithSignal: (ch, signal) => ch.pull({ signal }),
  selectPulls: (channels) => channels.map((ch) => pullCase(ch)),
  select: (cases) => selectFn(cases),
  selected: (_cases, result) => result.value,
  /** { Channel, from, toReadableStream, merge }, set by load() (interop rows). */
  interop: undefined,
  custom: {
    'nowait-throwing': (params) => throwingWorkloads.nowait(throwing, params),
  },
};

/** The exception-only nowait path, for the `nowait-throwing` row. */
const throwing = { ...adapter, name: 'chanasync (catching)', tryPush: tryPushCatching, tryPull: tryPullCatching };

export default adapter;
