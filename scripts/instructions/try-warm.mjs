// tryPush until full, then tryPull until empty on a channel of capacity 1024, as try.mjs does,
// but after the channel code saw other work first — unbuffered and buffered channels, parked
// pushes and pulls, tryPush on full channels — as in a real app. One op: a tryPush or a tryPull.
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
async function pollute() {
  for (const make of [(i) => i]) {
    for (const cap of [0, 1, 16, 128]) {
      const ch = new Channel(cap);
      const consumer = (async () => {
        for (let i = 0; i < 300; i++) await ch.pull();
      })();
      for (let i = 0; i < 300; i++) await ch.push(make(i));
      await consumer;
      const b = new Channel(cap === 0 ? 1 : cap);
      for (let i = 0; i < 50; i++) {
        if (!b.tryPush(make(i))) break;
      }
      while (b.tryPull() !== undefined) {}
    }
  }
}
await pollute();
const channel = new Channel(1024);
function round() {
  let n = 0;
  while (channel.tryPush(n)) n++;
  let sum = 0;
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) sum += value;
  return sum;
}
for (let i = 0; i < rounds; i++) round();
