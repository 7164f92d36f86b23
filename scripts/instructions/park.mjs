// The least a W7-shaped value can cost, with no channel at all: 64 producers, each awaiting a
// promise that is parked in a plain array with its value, and one consumer that takes the
// values of all 64 parked producers at once and resolves them. In W7 every push finds the
// buffer full (64 producers, capacity 64, each awaiting its push) and parks, so this is the
// bound for any channel there: W7's ratio to the floor can be at most
// fanin-floor ÷ park. One op: one value. (The bundle argument is unused.)
const n = Number(process.argv[3]) * 64;
let parked = []; // value, resolve, value, resolve, …
let wake;
let sum = 0;
let count = 0;
function push(value) {
  return new Promise((resolve) => {
    parked.push(value, resolve);
    if (wake !== undefined && parked.length === 128) {
      const resume = wake;
      wake = undefined;
      resume();
    }
  });
}
const consumer = (async () => {
  while (count < n) {
    if (parked.length < 128) {
      await new Promise((resolve) => {
        wake = resolve;
      });
    }
    const batch = parked;
    parked = [];
    for (let i = 0; i < batch.length; i += 2) {
      sum += batch[i];
      batch[i + 1]();
    }
    count += batch.length / 2;
  }
})();
const producers = [];
for (let p = 0; p < 64; p++) {
  producers.push(
    (async () => {
      for (let v = p; v < n; v += 64) await push(v);
    })(),
  );
}
await Promise.all(producers);
await consumer;
if (sum !== (n * (n - 1)) / 2) throw new Error(`park: sum ${sum}`);
