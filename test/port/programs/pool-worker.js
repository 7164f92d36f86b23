// A dedicated Worker of the pool program (pool.js): one port (`self`), three streams — jobs in
// (a rendezvous: a job is taken only when this worker is free), results and progress out. Each
// job sums 1..n in `steps` chunks, with a pause and a progress report after each. Module workers
// get no import map: chanasync is imported by its dist/ path.

import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';
import { listeners, liveIntervals, sleep } from '/programs/track.js';

const params = new URL(location.href).searchParams;
const worker = Number(params.get('worker'));
const steps = Number(params.get('steps'));

const jobs = fromPort(self, { name: 'jobs' });
const results = new Channel(4);
const progress = new Channel(4);
const sendingResults = toPort(results, self, { name: 'results' });
const sendingProgress = toPort(progress, self, { name: 'progress' });
let taken = 0;
for await (const job of jobs) {
  taken++;
  let sum = 0;
  for (let step = 0; step < steps; step++) {
    const from = Math.floor((job.n * step) / steps) + 1;
    const to = Math.floor((job.n * (step + 1)) / steps);
    for (let k = from; k <= to; k++) sum += k;
    await sleep(job.delay);
    await progress.push({ worker, id: job.id, step: step + 1 });
  }
  await results.push({ worker, id: job.id, sum });
}
results.close();
progress.close();
const [r, p] = await Promise.all([sendingResults, sendingProgress]);
postMessage({
  report: { worker, taken, results: r, progress: p, listeners: listeners(self), intervals: liveIntervals() },
});
