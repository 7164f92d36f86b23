// A worker_threads worker for test/programs-port.test.ts: the worker side of the programs,
// written as a user writes it, importing chanasync by its package name (resolved to dist/
// through the package's exports map). What it runs is chosen by workerData.mode; it talks over
// the MessagePort(s) it was given. Before it ends, it reports what it left behind on its ports
// and timers (listeners, live intervals) to the main thread over parentPort.
import { parentPort, workerData } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

// Live setInterval timers of this thread (the port heartbeat is one per running stream).
const liveIntervals = new Set();
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
globalThis.setInterval = (...args) => {
  const id = realSetInterval(...args);
  liveIntervals.add(id);
  return id;
};
globalThis.clearInterval = (id) => {
  liveIntervals.delete(id);
  realClearInterval(id);
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const { mode, port } = workerData;

/** What this thread left behind on `ports`: message/close/messageerror listeners, live intervals. */
function leftovers(...ports) {
  let listeners = 0;
  for (const p of ports) for (const type of ['message', 'close', 'messageerror']) listeners += p.listenerCount(type);
  return { listeners, intervals: liveIntervals.size };
}

if (mode === 'pool') {
  // One port, three named streams: jobs in (a rendezvous: a job is taken only when this worker
  // is free), results and progress out. Each job sums 1..n in `steps` chunks, reporting progress
  // after each chunk.
  const { worker, steps } = workerData;
  const jobs = fromPort(port, { name: 'jobs' });
  const results = new Channel(4);
  const progress = new Channel(4);
  const sendingResults = toPort(results, port, { name: 'results' });
  const sendingProgress = toPort(progress, port, { name: 'progress' });
  let taken = 0;
  for await (const job of jobs) {
    taken++;
    let sum = 0;
    for (let step = 0; step < steps; step++) {
      for (let k = Math.floor((job.n * step) / steps) + 1; k <= Math.floor((job.n * (step + 1)) / steps); k++) sum += k;
      await sleep(job.delay);
      await progress.push({ worker, id: job.id, step: step + 1 });
    }
    await results.push({ worker, id: job.id, sum });
  }
  results.close();
  progress.close();
  const [r, p] = await Promise.all([sendingResults, sendingProgress]);
  parentPort.postMessage({ taken, results: r, progress: p, ...leftovers(port) });
} else if (mode === 'rpc') {
  // Requests in, responses out. A call runs `steps` steps of 10 ms and answers its id with the
  // result; a cancel aborts the call with that id, which answers `cancelled` with the steps it did.
  const requests = fromPort(port, { name: 'requests', capacity: 8 });
  const responses = new Channel(8);
  const sending = toPort(responses, port, { name: 'responses' });
  const running = new Map();
  const calls = [];
  const run = async (request, signal) => {
    let done = 0;
    try {
      for (; done < request.steps; done++) {
        if (signal.aborted) {
          await responses.push({ id: request.id, cancelled: true, stepsDone: done });
          return;
        }
        await sleep(10);
      }
      await responses.push({ id: request.id, value: request.x * request.x });
    } finally {
      running.delete(request.id);
    }
  };
  for await (const request of requests) {
    if (request.type === 'call') {
      const controller = new AbortController();
      running.set(request.id, controller);
      calls.push(run(request, controller.signal));
    } else if (request.type === 'cancel') {
      running.get(request.id)?.abort();
    }
  }
  await Promise.all(calls);
  responses.close();
  const result = await sending;
  parentPort.postMessage({ sent: result.sent, undelivered: result.undelivered.length, ...leftovers(port) });
} else if (mode === 'stage') {
  // A pipeline stage: values from `input` (stream `inName`), through `op`, out to `output`
  // (stream `outName`). Buffers (op 'bytes') are marked, and moved on with `transfer`.
  // `parent`: both streams over parentPort, for a main thread that talks to the Worker object.
  const { inName, outName, op, capacity } = workerData;
  const input = workerData.parent ? parentPort : workerData.input;
  const output = workerData.parent ? parentPort : workerData.output;
  const inbox = fromPort(input, { name: inName, capacity });
  const outbox = new Channel(capacity);
  const sending = toPort(outbox, output, {
    name: outName,
    transfer: op === 'bytes' ? (buffer) => [buffer] : undefined,
  });
  let count = 0;
  let error = null;
  try {
    for await (const value of inbox) {
      count++;
      if (op === 'double') await outbox.push(value * 2);
      else if (op === 'inc') await outbox.push(value + 1);
      else {
        const bytes = new Uint8Array(value);
        bytes[1] = (bytes[1] + 1) % 256; // each stage marks the buffer it passed on
        await outbox.push(value);
      }
    }
    outbox.close();
  } catch (e) {
    error = e?.message;
    outbox.close(e);
  }
  const result = await sending;
  parentPort.postMessage({
    count,
    error,
    sent: result.sent,
    undelivered: result.undelivered.length,
    ...leftovers(input, output),
  });
} else if (mode === 'crash') {
  // Takes jobs one at a time (a rendezvous); answers each with its result; throws (uncaught)
  // while working on job number `crashAt` (counting from 1).
  const jobs = fromPort(port, { name: 'jobs' });
  const results = new Channel(0);
  void toPort(results, port, { name: 'results' });
  let taken = 0;
  for await (const job of jobs) {
    taken++;
    parentPort.postMessage({ took: job });
    if (taken === workerData.crashAt) throw new Error(`worker crashed on job ${job}`);
    await sleep(2);
    await results.push({ job, square: job * job });
  }
  results.close();
} else if (mode === 'block') {
  // Takes jobs one at a time (a rendezvous) and answers each; on job `blockAt` it computes
  // synchronously for `blockMs` — longer than the heartbeat's timeout — then answers it too and
  // reads on. Reports how its streams ended.
  const jobs = fromPort(port, { name: 'jobs' });
  const results = new Channel(4);
  const sending = toPort(results, port, { name: 'results' });
  const taken = [];
  let loopError = null;
  try {
    for await (const job of jobs) {
      taken.push(job);
      if (job === workerData.blockAt) {
        const until = performance.now() + workerData.blockMs;
        while (performance.now() < until);
      } else {
        await sleep(1);
      }
      await results.push({ job, square: job * job });
    }
  } catch (e) {
    loopError = e?.message;
  }
  results.close();
  const result = await sending;
  parentPort.postMessage({ taken, loopError, sent: result.sent, undelivered: result.undelivered, ...leftovers(port) });
} else if (mode === 'compute') {
  // CPU-bound jobs: each computes synchronously for `ms`, then pushes its result. The jobs are
  // buffered (capacity 8), so the loop runs them back to back in one turn of the event loop.
  const jobs = fromPort(port, { name: 'jobs', capacity: 8 });
  const results = new Channel(8);
  const sending = toPort(results, port, { name: 'results' });
  await sleep(50); // let the jobs arrive and wait in the buffer
  for await (const job of jobs) {
    const until = performance.now() + workerData.ms;
    while (performance.now() < until);
    await results.push(job);
  }
  results.close();
  await sending;
  parentPort.postMessage(leftovers(port));
} else if (mode === 'close-inbox') {
  // Takes `take` values, then closes its inbox with a reason: it wants no more.
  const inbox = fromPort(port, { name: 'in', capacity: 4 });
  const taken = [];
  for (let i = 0; i < workerData.take; i++) taken.push(await inbox.pull());
  inbox.close(new Error('inbox full, go away'));
  await sleep(20);
  parentPort.postMessage({ taken, ...leftovers(port) });
} else if (mode === 'reason') {
  // Reads until the page closes; reports what ended the loop.
  const inbox = fromPort(port, { name: 'in', capacity: 4 });
  const values = [];
  let error = null;
  try {
    for await (const value of inbox) values.push(value);
  } catch (e) {
    error = { name: e?.name, message: e?.message, isError: e instanceof Error, isTypeError: e instanceof TypeError };
  }
  await sleep(20);
  parentPort.postMessage({ values, error, ...leftovers(port) });
} else if (mode === 'slow') {
  // Consumes one value every `ms` and tells the main thread, over the same port and before the
  // pull's credit goes out, how many it consumed.
  const inbox = fromPort(port, { name: 'in', capacity: workerData.capacity });
  let consumed = 0;
  for await (const _ of inbox) {
    consumed++;
    port.postMessage({ consumed });
    await sleep(workerData.ms);
  }
  parentPort.postMessage({ consumed, ...leftovers(port) });
} else if (mode === 'replies') {
  // Go's channel of channels: each request carries its own reply port (transferred inside the
  // value); the worker streams `count` answers on it, closes the stream, then the port.
  const requests = fromPort(port, { name: 'requests', capacity: 4 });
  const serving = [];
  for await (const request of requests) {
    serving.push(
      (async () => {
        const answers = new Channel(2);
        const sending = toPort(answers, request.reply, { name: 'reply' });
        for (let i = 0; i < request.count; i++) await answers.push(request.x * i);
        answers.close();
        const result = await sending;
        const { listeners } = leftovers(request.reply);
        request.reply.close();
        return { listeners, sent: result.sent, undelivered: result.undelivered.length };
      })(),
    );
  }
  const replies = await Promise.all(serving);
  parentPort.postMessage({ requests: replies.length, replies, ...leftovers(port) });
}
