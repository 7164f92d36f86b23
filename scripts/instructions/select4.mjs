// W5's shape: four unbuffered channels, each fed by a producer awaiting every push, and one
// consumer selecting over pulls on all four (one cases array, reused). One op: a value
// selected (and its push).
const { Channel, pull, select } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channels = [0, 1, 2, 3].map(() => new Channel(0));
const cases = channels.map((channel) => pull(channel));
async function produce(channel) {
  for (let i = 0; i < rounds / 4; i++) await channel.push(i);
}
async function consume() {
  let sum = 0;
  for (let i = 0; i < rounds; i++) sum += (await select(cases)).value;
  return sum;
}
await Promise.all([...channels.map(produce), consume()]);
