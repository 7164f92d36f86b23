// A whole Node program (programs-port.test.ts runs it as a process of its own): the main thread
// streams numbers to a worker thread, which sends them back incremented, over one MessageChannel.
// It neither closes its port nor terminates the worker: once the streams end, nothing of
// chanasync may keep either thread alive, so the process exits by itself.
import { MessageChannel, Worker } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const { port1, port2 } = new MessageChannel();
new Worker(new URL('./node-worker.mjs', import.meta.url), {
  workerData: { mode: 'stage', input: port2, output: port2, inName: 'n', outName: 'm', op: 'inc', capacity: 16 },
  transferList: [port2],
});
const numbers = new Channel(16);
const sending = toPort(numbers, port1, { name: 'n' });
const incremented = fromPort(port1, { name: 'm', capacity: 16 });
void (async () => {
  for (let i = 0; i < 1000; i++) await numbers.push(i);
  numbers.close();
})();
let sum = 0;
for await (const value of incremented) sum += value;
const { sent, undelivered } = await sending;
console.log(JSON.stringify({ sum, sent, undelivered: undelivered.length }));
