// A select of two pull cases (it parks on both each time) against a producer awaiting each
// push into the first channel. One op: a push and the select that takes it.
const { Channel, pull, select } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const a = new Channel(0);
const b = new Channel(0);
const cases = [pull(a), pull(b)];
async function produce() {
  for (let i = 0; i < rounds; i++) await a.push(i);
}
async function consume() {
  let sum = 0;
  for (let i = 0; i < rounds; i++) sum += (await select(cases)).value;
  return sum;
}
await Promise.all([produce(), consume()]);
