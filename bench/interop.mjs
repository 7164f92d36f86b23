// Interop workloads: chanasync's web-platform helpers (toReadableStream, from,
// merge) against web streams doing the same job natively. run.mjs imports this
// module once per library (`?lib=chanasync`, `?lib=web-streams`), like
// workloads.mjs, so the two sides do not share V8 type feedback for this code
// (Node's own web-streams implementation is shared by both, unavoidably).
// Producers await every push / write; every function returns { sum, count }
// of what the consumer(s) received, for run.mjs to verify.

/**
 * chanasync round trip: values 0..n-1 pushed (awaited) into a Channel, which
 * is turned into a ReadableStream (`toReadableStream`, default highWaterMark 0)
 * and back into a channel (`from(stream, { capacity })`); the consumer
 * iterates that channel with `for await` until it closes (the producer closes
 * the source channel after its last push, and the close travels through).
 * `api` is chanasync's module ({ Channel, from, toReadableStream }).
 */
export async function chanasyncRoundTrip(api, { capacity, n }) {
  const source = new api.Channel(capacity);
  const out = api.from(api.toReadableStream(source), { capacity });
  const producer = produceAndClose(source, 0, 1, n);
  const received = await iterateAll(out);
  await producer;
  return received;
}

async function produceAndClose(ch, first, step, n) {
  for (let v = first; v < n; v += step) await ch.push(v);
  ch.close();
}

/**
 * chanasync merge: `producers` channels of `capacity`, each fed by its own
 * producer (strided slice of 0..n-1, awaiting every push, closing its channel
 * at the end); one consumer iterates `merge(...channels)` with `for await`
 * until it closes (once every input is closed and drained).
 */
export async function chanasyncMerge(api, { capacity, n, producers }) {
  const inputs = [];
  for (let p = 0; p < producers; p++) inputs.push(new api.Channel(capacity));
  const merged = api.merge(...inputs);
  const running = [];
  for (let p = 0; p < producers; p++) running.push(produceAndClose(inputs[p], p, producers, n));
  const received = await iterateAll(merged);
  await Promise.all(running);
  return received;
}

/**
 * chanasync tee: the producer awaits pushes of 0..n-1 into a Channel of `capacity` and closes
 * it; `broadcast(source)` delivers every value to two `subscribe({ capacity })` channels, each
 * iterated to its end by its own consumer. Returns the totals of both (count 2n).
 */
export async function chanasyncTee(api, { capacity, n }) {
  const source = new api.Channel(capacity);
  const hub = api.broadcast(source);
  const branches = [hub.subscribe({ capacity }), hub.subscribe({ capacity })];
  const consumers = Promise.all(branches.map(iterateAll));
  await produceAndClose(source, 0, 1, n);
  const [ra, rb] = await consumers;
  return { sum: ra.sum + rb.sum, count: ra.count + rb.count };
}

/** Iterates `ch` with `for await` until it closes: the { sum, count } of what it received. */
async function iterateAll(ch) {
  let sum = 0;
  let count = 0;
  for await (const v of ch) {
    sum += v;
    count++;
  }
  return { sum, count };
}

/** An identity TransformStream: writable highWaterMark 1, readable highWaterMark `capacity`. */
const identity = (capacity) => new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: capacity });

/** Writes a strided slice of 0..n-1 through `writer`, awaiting every write, then closes it. */
async function writeAndClose(writer, first, step, n) {
  for (let v = first; v < n; v += step) await writer.write(v);
  await writer.close();
}

/** Reads `readable` to its end. */
async function readAll(readable) {
  const reader = readable.getReader();
  let sum = 0;
  let count = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { sum, count };
    sum += value;
    count++;
  }
}

/**
 * Web-streams round trip, the same shape natively: the producer awaits
 * `writer.write(i)` into an identity TransformStream (readable highWaterMark
 * `capacity`), whose readable is `pipeThrough` a second identity
 * TransformStream (same strategies), i.e. `pipeTo` into its writable; the
 * consumer reads the second readable until done.
 */
export async function webRoundTrip({ capacity, n }) {
  const first = identity(capacity);
  const out = first.readable.pipeThrough(identity(capacity));
  const consumer = readAll(out);
  await writeAndClose(first.writable.getWriter(), 0, 1, n);
  return consumer;
}

/**
 * Web-streams merge (there is no native one): `producers` identity
 * TransformStreams (readable highWaterMark `capacity`), each fed by its own
 * producer like chanasyncMerge; each source's readable is read by its own
 * forwarding loop that awaits `write` on one shared writer of an output
 * identity TransformStream (readable highWaterMark 0: like merge, it holds
 * nothing ahead of a read). The shared writer is closed once every forwarder
 * is done; the consumer reads the output until done.
 */
export async function webMerge({ capacity, n, producers }) {
  const output = new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: 0 });
  const shared = output.writable.getWriter();
  const consumer = readAll(output.readable);
  const running = [];
  const forwarders = [];
  for (let p = 0; p < producers; p++) {
    const source = identity(capacity);
    running.push(writeAndClose(source.writable.getWriter(), p, producers, n));
    forwarders.push(forward(source.readable.getReader(), shared));
  }
  await Promise.all(forwarders);
  await shared.close();
  await Promise.all(running);
  return consumer;
}

async function forward(reader, writer) {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    await writer.write(value);
  }
}

/**
 * Web-streams tee: the producer awaits writes of 0..n-1 into an identity
 * TransformStream (readable highWaterMark `capacity`) whose readable is
 * `tee()`d; both branches are read to their end concurrently. Returns the
 * totals of both branches (count 2n).
 */
export async function webTee({ capacity, n }) {
  const source = identity(capacity);
  const [a, b] = source.readable.tee();
  const consumers = Promise.all([readAll(a), readAll(b)]);
  await writeAndClose(source.writable.getWriter(), 0, 1, n);
  const [ra, rb] = await consumers;
  return { sum: ra.sum + rb.sum, count: ra.count + rb.count };
}
