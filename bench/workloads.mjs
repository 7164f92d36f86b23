// Throughput workloads, written once against the adapter interface
// (adapters/common.mjs). run.mjs imports this module once per library with a
// `?lib=<name>` query string, so every library gets its own copy of these
// functions and V8's type feedback for one library cannot slow down another.
// Every function returns { sum, count } for the caller to verify.
import { EMPTY } from './adapters/common.mjs';

/** One producer awaiting every push, one consumer awaiting every pull. */
export async function oneToOne(a, { capacity, n }) {
  const ch = a.make(capacity);
  const consumer = consume(a, ch, n);
  for (let i = 0; i < n; i++) await a.push(ch, i);
  return { sum: await consumer, count: n };
}

async function consume(a, ch, n) {
  const unwrap = a.unwrap;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += unwrap(await a.pull(ch));
  return sum;
}

/** `producers` producers push disjoint strided ranges of 0..n-1 to one consumer. */
export async function fanIn(a, { capacity, n, producers }) {
  const ch = a.make(capacity);
  const consumer = consume(a, ch, n);
  const running = [];
  for (let p = 0; p < producers; p++) running.push(produceStrided(a, ch, p, producers, n));
  await Promise.all(running);
  return { sum: await consumer, count: n };
}

async function produceStrided(a, ch, first, step, n) {
  for (let v = first; v < n; v += step) await a.push(ch, v);
}

/** One producer pushes 0..n-1 then one -1 sentinel per consumer. */
export async function fanOut(a, { capacity, n, consumers }) {
  const ch = a.make(capacity);
  const running = [];
  for (let c = 0; c < consumers; c++) running.push(consumeUntilSentinel(a, ch));
  for (let i = 0; i < n; i++) await a.push(ch, i);
  for (let c = 0; c < consumers; c++) await a.push(ch, -1);
  let sum = 0;
  let count = 0;
  for (const part of await Promise.all(running)) {
    sum += part.sum;
    count += part.count;
  }
  return { sum, count };
}

async function consumeUntilSentinel(a, ch) {
  const unwrap = a.unwrap;
  let sum = 0;
  let count = 0;
  for (;;) {
    const v = unwrap(await a.pull(ch));
    if (v < 0) return { sum, count };
    sum += v;
    count++;
  }
}

/**
 * `channels` channels, each fed by its own producer (strided slice of 0..n-1,
 * awaiting every push); one consumer selects over pulls on all of them, n
 * times (a channel whose producer is done stays in the case list; it is just
 * never ready again). Needs adapter.selectPulls / select / selected.
 */
export async function selectFanIn(a, { capacity, n, channels }) {
  const chs = [];
  for (let c = 0; c < channels; c++) chs.push(a.make(capacity));
  const consumer = consumeSelect(a, a.selectPulls(chs), n);
  const running = [];
  for (let p = 0; p < channels; p++) running.push(produceStrided(a, chs[p], p, channels, n));
  await Promise.all(running);
  return { sum: await consumer, count: n };
}

/** oneToOne, but the consumer selects over a single pull case (reused) instead of pulling. */
export async function oneToOneSelect(a, { capacity, n }) {
  const ch = a.make(capacity);
  const consumer = consumeSelect(a, a.selectPulls([ch]), n);
  for (let i = 0; i < n; i++) await a.push(ch, i);
  return { sum: await consumer, count: n };
}

/** `sel` is built once by adapter.selectPulls and reused for every select. */
async function consumeSelect(a, sel, n) {
  const select = a.select;
  const selected = a.selected;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += selected(sel, await select(sel));
  return sum;
}

/**
 * Fill with tryPush until the library reports full, drain with tryPull until
 * it reports empty, repeat. n is rounded up to whole fill/drain cycles. A
 * cycle that does not accept exactly `capacity` values is an error.
 */
export async function nowait(a, { capacity, n }) {
  const ch = a.make(capacity);
  const tryPush = a.tryPush;
  const tryPull = a.tryPull;
  const cycles = Math.ceil(n / capacity);
  let next = 0;
  let sum = 0;
  let count = 0;
  for (let c = 0; c < cycles; c++) {
    const start = next;
    while (tryPush(ch, next)) next++;
    if (next - start !== capacity) {
      throw new Error(`${a.name}: nowait cycle accepted ${next - start} values, expected ${capacity}`);
    }
    for (;;) {
      const v = tryPull(ch);
      if (v === EMPTY) break;
      sum += v;
      count++;
    }
  }
  return { sum, count };
}

/**
 * W7: fanIn's producers (strided slices, each awaiting every push) with one consumer taking
 * batches of up to `max` values (adapter.pullMany) until it has n. Returns the count it got.
 */
export async function batchFanIn(a, { capacity, n, producers, max }) {
  const ch = a.make(capacity);
  const consumer = consumeBatches(a, ch, n, max);
  const running = [];
  for (let p = 0; p < producers; p++) running.push(produceStrided(a, ch, p, producers, n));
  await Promise.all(running);
  return consumer;
}

async function consumeBatches(a, ch, n, max) {
  const pullMany = a.pullMany;
  let sum = 0;
  let count = 0;
  while (count < n) {
    const values = await pullMany(ch, max);
    for (let i = 0; i < values.length; i++) sum += values[i];
    count += values.length;
  }
  return { sum, count };
}

/** 0..n-1 as consecutive arrays of `batch` values (the last one shorter), built one by one. */
function nextBatch(start, batch, n) {
  const end = Math.min(start + batch, n);
  const values = new Array(end - start);
  for (let v = start; v < end; v++) values[v - start] = v;
  return values;
}

/**
 * One producer awaiting adapter.pushAll of 0..n-1 in fresh arrays of `batch` values; one
 * consumer taking batches of up to `batch` (adapter.pullMany).
 */
export async function pushAllBatches(a, { capacity, n, batch }) {
  const ch = a.make(capacity);
  const consumer = consumeBatches(a, ch, n, batch);
  const pushAll = a.pushAll;
  for (let start = 0; start < n; start += batch) await pushAll(ch, nextBatch(start, batch, n));
  return consumer;
}

/**
 * The bare loop of pushAllBatches, no channel and no await: the same arrays built and
 * summed. The limit a batch API can approach. Ignores the adapter.
 */
export async function bareBatches(_a, { n, batch }) {
  let sum = 0;
  let count = 0;
  for (let start = 0; start < n; start += batch) {
    const values = nextBatch(start, batch, n);
    for (let i = 0; i < values.length; i++) sum += values[i];
    count += values.length;
  }
  return { sum, count };
}

/**
 * `subscribers` channels fed by one loop (awaiting each push, channel by channel, value by
 * value), each read by its own consumer. Returns the totals over all consumers.
 */
export async function separateFanOut(a, { capacity, n, subscribers }) {
  const chs = [];
  for (let s = 0; s < subscribers; s++) chs.push(a.make(capacity));
  const running = chs.map((ch) => consume(a, ch, n));
  for (let i = 0; i < n; i++) for (let s = 0; s < subscribers; s++) await a.push(chs[s], i);
  return totals(await Promise.all(running), n);
}

/**
 * One producer awaiting every push into a source channel, broadcast (adapter.broadcast) to
 * `subscribers` subscriber channels of the same capacity, each read by its own consumer; the
 * source is closed at the end, which ends the broadcast.
 */
export async function broadcastFanOut(a, { capacity, n, subscribers }) {
  const source = a.make(capacity);
  const hub = a.broadcast(source);
  const running = [];
  for (let s = 0; s < subscribers; s++) running.push(consume(a, a.subscribe(hub, capacity), n));
  for (let i = 0; i < n; i++) await a.push(source, i);
  const sums = await Promise.all(running);
  a.close(source);
  return totals(sums, n);
}

function totals(sums, n) {
  let sum = 0;
  for (const s of sums) sum += s;
  return { sum, count: sums.length * n };
}

// Promise-only microbenchmarks (the opt-in probe-promises row): what the runtime charges for
// the promise operations a W1 value needs, without any channel. They ignore the adapter.

const RESOLVED = Promise.resolve();

/** `await` of an already resolved promise, n times. */
export async function microAwaitResolved(_a, { n }) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await RESOLVED;
    sum += i;
  }
  return { sum, count: n };
}

/** `await new Promise((resolve) => resolve(i))`, n times. */
export async function microNewPromise(_a, { n }) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await new Promise((resolve) => resolve(i));
  return { sum, count: n };
}

/**
 * W1's hand-off with no channel: the consumer parks on a `new Promise` whose resolve it leaves
 * in a shared slot; the producer resolves it with the next value and awaits a resolved promise
 * (by then the consumer has parked again). One promise, its resolving functions and two
 * awaits per value — what the floor's W1 does, minus its rings.
 */
export async function microHandoff(_a, { n }) {
  const state = { resolve: undefined };
  const consumer = (async () => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += await new Promise((resolve) => {
        state.resolve = resolve;
      });
    }
    return sum;
  })();
  for (let i = 0; i < n; i++) {
    state.resolve(i);
    await RESOLVED;
  }
  return { sum: await consumer, count: n };
}
