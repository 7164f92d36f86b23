// The shape the fan-in harnesses share (W3's and W7's): 64 producers, each awaiting every push
// of its strided slice of 0..n-1 into `channel`, and one consumer started first.

/**
 * Runs the producers into `channel` with the consumer `consume()` (started first), which
 * resolves with the sum of what it took; throws (naming the harness) unless that is 0+…+(n-1).
 */
export async function fanIn(harness, channel, n, consume) {
  const consumer = consume();
  const producers = [];
  for (let p = 0; p < 64; p++) {
    producers.push(
      (async () => {
        for (let v = p; v < n; v += 64) await channel.push(v);
      })(),
    );
  }
  await Promise.all(producers);
  const sum = await consumer;
  if (sum !== (n * (n - 1)) / 2) throw new Error(`${harness}: sum ${sum}`);
}

/** A consumer that takes batches with `take()` until it has `n` values; resolves with their sum. */
export async function consumeBatches(take, n) {
  let sum = 0;
  let count = 0;
  while (count < n) {
    const values = await take();
    for (let i = 0; i < values.length; i++) sum += values[i];
    count += values.length;
  }
  return sum;
}
