// Audit BO-port worker: another JavaScript context for chanasync/port over a MessagePort given in
// workerData. Modes:
//  - 'receive': fromPort(port, {name:'in', capacity}) and report every value consumed to the parent
//    ({got: v}), slowly (workerData.slow ms per value).
//  - 'send': toPort of numbers 0..count-1 on 'out', slowly; reports each push resolved.
//  - 'echo': receives on 'in' and sends back v*2 on 'out'.
import { parentPort, workerData } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const { port, mode, capacity = 2, slow = 0, count = 100 } = workerData;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (mode === 'receive') {
  const input = fromPort(port, { name: 'in', capacity });
  parentPort.postMessage({ ready: true });
  try {
    for await (const v of input) {
      parentPort.postMessage({ got: v });
      if (slow) await sleep(slow);
    }
    parentPort.postMessage({ end: true });
  } catch (e) {
    parentPort.postMessage({ error: String(e?.message ?? e) });
  }
} else if (mode === 'send') {
  const out = new Channel(0);
  const sending = toPort(out, port, { name: 'out' });
  parentPort.postMessage({ ready: true });
  for (let i = 0; i < count; i++) {
    await out.push(i);
    parentPort.postMessage({ pushed: i });
    if (slow) await sleep(slow);
  }
  out.close();
  parentPort.postMessage({ result: await sending });
} else if (mode === 'echo') {
  const input = fromPort(port, { name: 'in', capacity });
  const out = new Channel(4);
  const sending = toPort(out, port, { name: 'out' });
  for await (const v of input) await out.push(v * 2);
  out.close();
  await sending;
  port.close();
}

// 'self-echo': the worker's own parentPort (an EventEmitter in Node) is the port, through an
// adapter with postMessage/addEventListener/removeEventListener (README: emitter-style ports that
// hand the listener the data itself are supported).
if (mode === 'self-echo') {
  const adapter = {
    postMessage: (m, t) => parentPort.postMessage(m, t),
    addEventListener: (type, l) => parentPort.on(type, l),
    removeEventListener: (type, l) => parentPort.off(type, l),
  };
  const input = fromPort(adapter, { name: 'in', capacity });
  const out = new Channel(2);
  const sending = toPort(out, adapter, { name: 'out' });
  for await (const v of input) {
    if (slow) await sleep(slow);
    await out.push(v + 1);
  }
  out.close();
  await sending;
}

// 'block': receive on 'in' (capacity), after `blockAfter` values block the event loop for
// `blockMs`, then read on; report everything received and how the stream ended.
if (mode === 'block') {
  const input = fromPort(port, { name: 'in', capacity });
  const received = [];
  let error = null;
  parentPort.postMessage({ ready: true });
  try {
    for await (const v of input) {
      received.push(v);
      if (received.length === workerData.blockAfter) {
        parentPort.postMessage({ blocking: true });
        const until = performance.now() + workerData.blockMs;
        while (performance.now() < until);
      }
      if (slow) await sleep(slow);
    }
  } catch (e) {
    error = String(e?.message ?? e);
  }
  parentPort.postMessage({ received, error });
}
