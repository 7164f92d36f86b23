// Memory rows: retained heap bytes per idle channel and per parked pull,
// measured as the heapUsed delta across forced full GCs (needs --expose-gc)
// divided by the number of objects. The array that keeps the objects alive is
// allocated before the baseline, so its slots are not counted.

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function heapAfterGc() {
  await settle();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes per idle channel of the given capacity. */
export async function idleChannelBytes(a, capacity, count) {
  const idle = a.idle ?? a.make;
  const keep = new Array(count).fill(null);
  const before = await heapAfterGc();
  for (let i = 0; i < count; i++) keep[i] = idle(capacity);
  const after = await heapAfterGc();
  if (keep[count - 1] === null) throw new Error('unreachable');
  return (after - before) / count;
}

/** Bytes per pull parked on one unbuffered channel; then drops everything. */
export async function parkedPullBytes(a, count) {
  const park = a.park ?? a.pull;
  let ch = a.make(0);
  let keep = new Array(count).fill(null);
  const before = await heapAfterGc();
  for (let i = 0; i < count; i++) keep[i] = park(ch);
  const after = await heapAfterGc();
  a.cleanup?.(ch);
  ch = null;
  keep = null;
  await heapAfterGc();
  return (after - before) / count;
}
