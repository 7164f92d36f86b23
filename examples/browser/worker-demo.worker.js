// The Worker of worker-demo.html: counts the primes in blocks of numbers — deliberately
// CPU-heavy — pulling jobs from the page and pushing results back, both through channels.
//
// `fromPort(self, …)` is the receiving end of the page's `toPort(jobs, worker)`: the Worker
// holds at most JOB_CAPACITY jobs that it has not started, and the page's producer waits when
// they are all taken. Results go back the same way, into the page's `fromPort(worker, …)`.
import { enableDebug } from '../../dist/debug.js';
import { Channel } from '../../dist/index.js';
import { fromPort, toPort } from '../../dist/port.js';

/** Jobs the Worker may hold ahead of its work (its channel's capacity: the page's credit). */
const JOB_CAPACITY = 4;

// The page relays this Worker's debug messages to the inspector (relayDebug), so its channels
// show in the page's inspector, tagged with this Worker's URL; with stacks, so their rows say
// where each operation parked.
enableDebug({ stacks: true });

const jobs = fromPort(self, { name: 'jobs', capacity: JOB_CAPACITY });
const results = new Channel(0, { name: 'results' });
const sending = toPort(results, self, { name: 'results' });

/** How many primes lie in [start, start + size): trial division, on purpose slow. */
function countPrimes(start, size) {
  let count = 0;
  for (let n = Math.max(2, start); n < start + size; n++) {
    let prime = n % 2 !== 0 || n === 2;
    for (let d = 3; prime && d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) count++;
  }
  return count;
}

for await (const job of jobs) {
  const started = performance.now();
  const primes = countPrimes(job.start, job.size);
  await results.push({ id: job.id, primes, ms: performance.now() - started });
}
results.close();
await sending;
