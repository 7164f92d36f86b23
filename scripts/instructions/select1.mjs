// A one-case select (`[pull(channel)]`, one reused array) against a producer awaiting each
// push into an unbuffered channel: compare with `unbuffered` (the same with a plain pull).
// One op: a push and the select that takes it.
const { Channel, pull, select } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channel = new Channel(0);
const cases = [pull(channel)];
async function produce() {
  for (let i = 0; i < rounds; i++) await channel.push(i);
}
async function consume() {
  let sum = 0;
  for (let i = 0; i < rounds; i++) sum += (await select(cases)).value;
  return sum;
}
await Promise.all([produce(), consume()]);
