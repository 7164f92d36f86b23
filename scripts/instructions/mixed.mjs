// Buffered tryPush/tryPull on fresh channels of capacity 128 that carry objects, integers and
// fractions in turn, as one application's channels do: 64 values in, 64 out, 20 times per
// channel. One op: a tryPush or a tryPull (the values' own allocation included). In V8 13 and
// later, a ring whose arrays held doubles paid here twice: the `add`/`take` element accesses
// saw two elements kinds, and each fraction taken out became a new heap number.
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
function cycle(channel, make) {
  let taken = 0;
  for (let r = 0; r < 20; r++) {
    for (let i = 0; i < 64; i++) channel.tryPush(make(i));
    for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) taken++;
  }
  return taken;
}
const object = (i) => ({ i });
const integer = (i) => i;
const fraction = (i) => i + 0.5;
for (let i = 0; i < rounds; i++) {
  cycle(new Channel(128), object);
  cycle(new Channel(128), integer);
  cycle(new Channel(128), fraction);
}
