// A buffered channel (capacity 64): await a push (into the buffer), then await a pull (from
// it). One op: a push and its pull.
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channel = new Channel(64);
async function run() {
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    await channel.push(i);
    sum += await channel.pull();
  }
  return sum;
}
await run();
