// A short console demo of producers and consumers (`npm run demo:console`): three producers
// push jobs into a small buffered channel, two workers pull them, backpressure keeps the
// producers at most `capacity` jobs ahead, and close() ends the workers' loops once the buffer
// drains.
import { Channel } from '../dist/index.js';

const jobs = new Channel(2, { name: 'jobs' });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function producer(name, count) {
  for (let i = 1; i <= count; i++) {
    const job = `${name}-${i}`;
    await jobs.push(job); // waits while the buffer is full: backpressure
    console.log(`${name.padEnd(6)} pushed ${job.padEnd(9)} buffer ${jobs.size}/${jobs.capacity}`);
  }
}

async function worker(name) {
  let done = 0;
  for await (const job of jobs) {
    await sleep(15); // pretend to work
    console.log(`${' '.repeat(34)}${name} finished ${job}`);
    done++;
  }
  return done;
}

const workers = [worker('worker A'), worker('worker B')];
await Promise.all([producer('alpha', 3), producer('beta', 3), producer('gamma', 3)]);
console.log(`all pushed; closing with ${jobs.size} jobs still buffered: they stay readable`);
jobs.close();
const counts = await Promise.all(workers);
console.log(`done: ${counts.join(' + ')} = ${counts.reduce((a, b) => a + b)} jobs, none lost`);

// A pull that gives up after 50 ms consumes nothing and leaves no waiter behind. (In Node,
// AbortSignal.timeout's timer does not keep the process alive, so this demo uses a plain one.)
const quiet = new Channel(0, { name: 'quiet' });
const controller = new AbortController();
setTimeout(() => controller.abort(new Error('gave up after 50 ms')), 50);
try {
  await quiet.pull({ signal: controller.signal });
} catch (error) {
  console.log(`pull on "quiet": ${error.message}; waiters left: ${quiet.stats().waitingPullers}`);
}
