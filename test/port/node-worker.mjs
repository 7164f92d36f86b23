// A worker_threads worker for test/port.test.ts. It loads chanasync from the bundle the test
// built (workerData.lib) and, by workerData.mode, receives slowly or sends squares back over
// the MessagePort it was given.
import { parentPort, workerData } from 'node:worker_threads';

const { Channel, fromPort, toPort } = await import(workerData.lib);
const { port, mode } = workerData;

if (mode === 'receive-slowly') {
  // Takes one value every 5 ms until terminated.
  const work = fromPort(port, { name: 'work', capacity: 8 });
  for await (const _ of work) await new Promise((resolve) => setTimeout(resolve, 5));
} else if (mode === 'block') {
  // Pulls 4 of the 8 values it holds (which grants 4 credits), blocks its event loop for
  // workerData.blockMs, then reads on and reports every value it got and how the stream ended.
  const work = fromPort(port, { name: 'work', capacity: 8 });
  const received = [];
  for (let i = 0; i < 4; i++) received.push(await work.pull());
  // The credit for those 4 slots was posted in a microtask before this line runs; block in
  // this same task, so the values it lets the page post arrive while the loop is blocked.
  parentPort.postMessage('blocking');
  const until = performance.now() + workerData.blockMs;
  while (performance.now() < until);
  let error = null;
  try {
    for await (const value of work) received.push(value);
  } catch (e) {
    error = e.message;
  }
  parentPort.postMessage({ received, error });
} else if (mode === 'send-squares') {
  const squares = new Channel(16);
  const done = toPort(squares, port, { name: 'squares' });
  for (let i = 0; i < workerData.count; i++) await squares.push(i * i);
  squares.close();
  await done;
  port.close();
}
