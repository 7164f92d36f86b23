// An unbuffered channel, a consumer in a `for await` loop whose every next() parks, and a
// producer that lets it park before each push. One op: a push and the loop's next value.
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const channel = new Channel(0);
async function produce() {
  for (let i = 0; i < rounds; i++) {
    // The consumer's loop body and its next() run first: the push finds its pull parked.
    for (let turn = 0; turn < 4; turn++) await null;
    await channel.push(i);
  }
  channel.close();
}
async function consume() {
  let sum = 0;
  for await (const value of channel) sum += value;
  return sum;
}
const sum = await Promise.all([consume(), produce()]);
if (sum[0] !== (rounds * (rounds - 1)) / 2) throw new Error('iterate: wrong sum');
