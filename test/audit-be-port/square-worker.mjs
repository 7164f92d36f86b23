// A Node worker thread standing for another JavaScript context: it receives numbers on the
// stream 'jobs' of the port it was given and answers their squares on 'results'. With `slow`, it
// waits a little per job (so that it can be terminated mid-stream).
import { parentPort, workerData } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const { port, slow, capacity } = workerData;
const jobs = fromPort(port, { name: 'jobs', capacity });
const results = new Channel(4);
const sending = toPort(results, port, { name: 'results' });
parentPort.postMessage('ready');
try {
  for await (const n of jobs) {
    if (slow) await new Promise((resolve) => setTimeout(resolve, slow));
    await results.push(n * n);
  }
  results.close();
} catch (error) {
  results.close(error);
}
await sending;
port.close();
