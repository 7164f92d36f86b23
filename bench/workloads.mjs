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
