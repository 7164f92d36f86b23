// W3's shape with the hand-written floor (bench/floor.mjs), the base of W7's ratio: 64
// producers, each awaiting every push into capacity 64, one consumer awaiting each pull.
// One op: one value. (The bundle argument is unused: this is the floor, not chanasync.)
const { FloorChannel } = await import(new URL('../../bench/floor.mjs', import.meta.url).href);
const n = Number(process.argv[3]) * 64;
const channel = new FloorChannel(64);
let sum = 0;
const consumer = (async () => {
  for (let i = 0; i < n; i++) sum += await channel.pull();
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
if (sum !== (n * (n - 1)) / 2) throw new Error(`fanin-floor: sum ${sum}`);
