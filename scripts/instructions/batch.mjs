// W7: W3's 64 producers, each awaiting every push into capacity 64, and one consumer taking
// batches with pullMany(64). One op: one value.
const { Channel } = await import(process.argv[2]);
const n = Number(process.argv[3]) * 64;
const channel = new Channel(64);
let sum = 0;
let count = 0;
const consumer = (async () => {
  while (count < n) {
    const values = await channel.pullMany(64);
    for (let i = 0; i < values.length; i++) sum += values[i];
    count += values.length;
  }
})();
const producers = [];
for (let p = 0; p < 64; p++) {
  producers.push(
    (async () => {
      for (let v = p; v < n; v += 64) await channel.push(v);
    })(),
  );
}
await Promise.all(producers);
await consumer;
if (sum !== (n * (n - 1)) / 2) throw new Error(`batch: sum ${sum}`);
