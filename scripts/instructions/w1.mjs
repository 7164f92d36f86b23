// W1 as `npm run bench` runs it (bench/workloads.mjs `oneToOne` through an adapter like
// bench/adapters/chanasync.mjs): an unbuffered channel, a producer awaiting each push and a
// consumer awaiting each pull, each call one more function deep than in unbuffered.mjs — which
// moves V8's inlining budget, so a hot path can fit there and not here. One op: a push and its
// pull. A capacity in argv[4] makes it W2 (w2.mjs: 128).
const { Channel } = await import(process.argv[2]);
const rounds = Number(process.argv[3]);
const capacity = Number(process.argv[4] ?? 0);
const a = {
  make: (capacity) => new Channel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.pull(),
  unwrap: (v) => v,
};
async function oneToOne(a, n) {
  const ch = a.make(capacity);
  const consumer = consume(a, ch, n);
  for (let i = 0; i < n; i++) await a.push(ch, i);
  return consumer;
}
async function consume(a, ch, n) {
  const unwrap = a.unwrap;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += unwrap(await a.pull(ch));
  return sum;
}
await oneToOne(a, rounds);
