// A CPU-bound Worker with a progress stream (the long-turn program of
// programs-port.browser.test.ts): one job, computed synchronously in `chunks` chunks of `ms`
// each, pushing its progress after each chunk — into a buffered channel, so no push waits and
// the whole job runs in one turn of the event loop.

import { Channel } from '/dist/index.js';
import { toPort } from '/dist/port.js';
import { listeners, liveIntervals } from '/programs/track.js';

const params = new URL(location.href).searchParams;
const chunks = Number(params.get('chunks'));
const ms = Number(params.get('ms'));
const progress = new Channel(chunks);
const sending = toPort(progress, self, { name: 'progress' });
const onStart = async (event) => {
  // The port also carries chanasync's own messages (a `ready`, a `credit`…): wait for ours.
  if (event.data !== 'start') return;
  removeEventListener('message', onStart);
  // The job starts once the stream runs: toPort pulls only with the page's credit, so a pull
  // of it waiting here means paired. (A CI run clicked "start" 300 ms after the Worker was made,
  // before it had paired: the updates waited in the buffer and arrived in one burst.)
  while (progress.stats().waitingPullers === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  for (let chunk = 1; chunk <= chunks; chunk++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    await progress.push(chunk);
  }
  progress.close();
  await sending;
  postMessage({ report: { listeners: listeners(self), intervals: liveIntervals() } });
};
addEventListener('message', onStart);
