// tryPush until full, then tryPull until empty, on a channel of capacity 1024. One op: a
// tryPush or a tryPull. (The loops sit in a function, as hot code does, not at module level.)
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channel = new Channel(1024);
function round() {
  let n = 0;
  while (channel.tryPush(n)) n++;
  let sum = 0;
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) sum += value;
  return sum;
}
for (let i = 0; i < rounds; i++) round();
