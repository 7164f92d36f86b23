// Abort row: park `count` pulls on one unbuffered channel, each with its own
// AbortController, then abort them in a shuffled (seeded) order. The timed
// section runs from the first abort() until every pull promise has settled.
// Verifies every pull rejected with its signal's reason and that the channel
// still delivers a value to a new puller afterwards (no stale waiters).
// baselineCost() times the same thing with no channel at all, to show how
// much of the cost is Node's AbortController itself.

const settle = () => new Promise((resolve) => setImmediate(resolve));

function shuffledIndices(count, seed) {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let state = seed >>> 0 || 1;
  for (let i = count - 1; i > 0; i--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Returns nanoseconds per abort of a parked pull. */
export async function abortCost(a, count, seed) {
  const ch = a.make(0);
  const ns = await timeAborts(count, seed, (signal) => a.pullWithSignal(ch, signal), a.name);
  const probe = a.pull(ch);
  await a.push(ch, 7);
  if (a.unwrap(await probe) !== 7) throw new Error(`${a.name}: channel broken after aborts`);
  return ns;
}

/**
 * Node's own cost, no channel: a promise rejected by an 'abort' listener.
 * Any abortable pull pays at least this.
 */
export function baselineCost(count, seed) {
  const park = (signal) =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  return timeAborts(count, seed, park, 'baseline');
}

async function timeAborts(count, seed, park, name) {
  const controllers = new Array(count);
  const pulls = new Array(count);
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    controllers[i] = controller;
    pulls[i] = park(controller.signal);
  }
  const order = shuffledIndices(count, seed);
  const settled = Promise.allSettled(pulls);
  await settle();
  globalThis.gc();

  const start = performance.now();
  for (let k = 0; k < count; k++) controllers[order[k]].abort();
  const results = await settled;
  const elapsed = performance.now() - start;

  for (let i = 0; i < count; i++) {
    const r = results[i];
    if (r.status !== 'rejected' || r.reason !== controllers[i].signal.reason) {
      throw new Error(`${name}: aborted pull ${i} did not reject with the signal's reason`);
    }
  }
  return (elapsed * 1e6) / count;
}
