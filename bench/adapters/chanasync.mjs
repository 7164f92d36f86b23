// Adapter for chanasync, loaded from the built ../../dist/index.js (or, in the Chromium and
// workerd bundles and the debug-hook-cost builds, given a module by load()).
// Uses the Channel object directly. nowait (W6) uses `tryPush` / `tryPull` (SPEC "Non-blocking
// and batch operations"; a value of `undefined` means empty, and the workload never pushes
// `undefined`). The `nowait-throwing` row keeps the exception path (pushNowait / pullNowait,
// catching ChannelFullError / ChannelEmptyError), run through its own copy of workloads.mjs
// so the two paths don't share V8 type feedback. batch-fan-in (W7) and pushall-batch use
// `pullMany` / `pushAll`, broadcast-8 uses `broadcast(source).subscribe({ capacity })`. A row
// whose API the loaded build lacks is n/a with that reason (adapter.na, set by load()).
// The row's own copy of workloads.mjs, imported statically: as a dynamic import() it made
// esbuild wrap that copy and what it imports (floor.mjs, which defines EMPTY) in lazy `__esm`
// initializers — in chanasync's Chromium and workerd pages only — and every nowait loop there
// ran ~20% slower: the floor's own W6 in a page of its own went from 168 to 134M/s with this
// adapter bundled beside it, and chanasync's from 140 to 173M/s once the import was static.
import * as throwingWorkloads from '../workloads.mjs?lib=chanasync-throwing';
import { EMPTY, identity } from './common.mjs';

let Channel;
let ChannelFullError;
let ChannelEmptyError;
let selectFn;
let pullCase;
let broadcastFn;

/**
 * Main-table row id, or workload function of a batch-section cell -> [what it needs, test on
 * the module]; it is n/a when the test fails.
 */
const NEEDS = {
  nowait: ['tryPush / tryPull', (mod) => has(mod, 'tryPush') && has(mod, 'tryPull')],
  'batch-fan-in': ['pullMany', (mod) => has(mod, 'pullMany')],
  pushAllBatches: ['pushAll / pullMany', (mod) => has(mod, 'pushAll') && has(mod, 'pullMany')],
  broadcastFanOut: ['broadcast', (mod) => typeof mod.broadcast === 'function'],
};
const has = (mod, method) => typeof mod.Channel.prototype[method] === 'function';

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
    'dist/index.js; nowait uses `tryPush` / `tryPull`; the `nowait, catching` row uses pushNowait / pullNowait and catches ChannelFullError / ChannelEmptyError; ' +
    'select rows: one `[pull(ch), …]` cases array reused for every `(await select(cases)).value`; ' +
    'batch rows: `pullMany(max)`, `pushAll(array)`; broadcast: `broadcast(source).subscribe({ capacity })`',
  /**
   * `mod`: an already imported build of chanasync to use instead of dist/index.js
   * (debug-hook-cost builds, the Chromium and workerd bundles).
   */
  async load(mod) {
    try {
      mod ??= await import(new URL('../../dist/index.js', import.meta.url).href);
      ({
        Channel,
        ChannelFullError,
        ChannelEmptyError,
        select: selectFn,
        pull: pullCase,
        broadcast: broadcastFn,
      } = mod);
      if (typeof Channel !== 'function') return 'dist/index.js has no Channel export';
      adapter.na = {};
      for (const [id, [what, test]] of Object.entries(NEEDS)) {
        if (!test(mod)) adapter.na[id] = `this build of chanasync has no ${what} (not built yet?)`;
      }
      // For the interop rows (bench/interop.mjs); left unset by a build without the helpers.
      if ([mod.from, mod.toReadableStream, mod.merge, mod.broadcast].every((f) => typeof f === 'function')) {
        const { from, toReadableStream, merge, broadcast } = mod;
        adapter.interop = { Channel, from, toReadableStream, merge, broadcast };
      }
    } catch (error) {
      return `not built (${error.code ?? error.message})`;
    }
  },
  make: (capacity) => new Channel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.pull(),
  unwrap: identity,
  tryPush: (ch, v) => ch.tryPush(v),
  tryPull(ch) {
    const v = ch.tryPull();
    return v === undefined ? EMPTY : v;
  },
  pullMany: (ch, max) => ch.pullMany(max),
  pushAll: (ch, values) => ch.pushAll(values),
  broadcast: (source) => broadcastFn(source),
  subscribe: (hub, capacity) => hub.subscribe({ capacity }),
  close: (ch) => ch.close(),
  pullWithSignal: (ch, signal) => ch.pull({ signal }),
  selectPulls: (channels) => channels.map((ch) => pullCase(ch)),
  select: (cases) => selectFn(cases),
  selected: (_cases, result) => result.value,
  /** { Channel, from, toReadableStream, merge, broadcast }, set by load() (interop rows). */
  interop: undefined,
  /** Rows this build cannot run, with the reason; set by load(). */
  na: {},
  custom: {
    'nowait-throwing': (params) => throwingWorkloads.nowait(throwing, params),
  },
};

/** The exception-only nowait path, for the `nowait-throwing` row. */
const throwing = { ...adapter, name: 'chanasync (catching)', tryPush: tryPushCatching, tryPull: tryPullCatching };

export default adapter;
