// An unbuffered channel, a producer awaiting each push and a consumer awaiting each pull, in
// lockstep. One op: a push and its pull.
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channel = new Channel(0);
async function produce() {
  for (let i = 0; i < rounds; i++) await channel.push(i);
}
async function consume() {
  let sum = 0;
  for (let i = 0; i < rounds; i++) sum += await channel.pull();
  return sum;
}
await Promise.all([produce(), consume()]);
