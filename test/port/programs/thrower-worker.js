// A dedicated Worker whose job loop throws on job `crashAt` (thrower.js). With ?tidy=1 it closes
// its streams with the error on the way out (so the error crosses over to the page); without,
// the error just leaves the loop — the worker stays alive, its streams open. Either way the
// error is uncaught: the page's Worker gets an `error` event.

import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';
import { listeners, liveIntervals } from '/programs/track.js';

const params = new URL(location.href).searchParams;
const crashAt = Number(params.get('crashAt') ?? -1);
const tidy = params.get('tidy') === '1';

const jobs = fromPort(self, { name: 'jobs', capacity: 4 });
const results = new Channel(0);
const sending = toPort(results, self, { name: 'results' });
try {
  for await (const job of jobs) {
    if (job === crashAt) throw new Error(`job ${job} is poisoned`);
    await results.push({ job, square: job * job });
  }
  results.close();
  await sending;
  postMessage({ report: { listeners: listeners(self), intervals: liveIntervals() } });
} catch (error) {
  if (tidy) {
    jobs.close(error);
    results.close(error);
  }
  throw error;
}
