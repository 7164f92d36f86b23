// A worker_threads worker for test/port.test.ts. It loads chanasync from the bundle the test
// built (workerData.lib) and, by workerData.mode, receives slowly or sends squares back over
// the MessagePort it was given.
import { workerData } from 'node:worker_threads';

const { Channel, fromPort, toPort } = await import(workerData.lib);
const { port, mode } = workerData;

if (mode === 'receive-slowly') {
  // Takes one value every 5 ms until terminated.
  const work = fromPort(port, { name: 'work', capacity: 8 });
  for await (const _ of work) await new Promise((resolve) => setTimeout(resolve, 5));
} else if (mode === 'send-squares') {
  const squares = new Channel(16);
  const done = toPort(squares, port, { name: 'squares' });
  for (let i = 0; i < workerData.count; i++) await squares.push(i * i);
  squares.close();
  await done;
  port.close();
}
