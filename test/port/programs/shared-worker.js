// The SharedWorker of the shared-counter program (shared.js): every page that connects sends
// `{ page, n }` values on stream 'add' and gets back, on stream 'totals', its own running sum and
// the total over all pages. When a page's stream ends — its page closed it, or the page is gone
// (a closed tab says nothing: the heartbeat finds out) — the worker tells every page still
// connected with a plain `{ report }` message, which chanasync ignores.

import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';
import { listeners, liveIntervals } from '/programs/track.js';

let total = 0;
const connected = new Set();

addEventListener('connect', async (event) => {
  const port = event.ports[0];
  connected.add(port);
  const adds = fromPort(port, { name: 'add', capacity: 16 });
  const totals = new Channel(16);
  const sending = toPort(totals, port, { name: 'totals' });
  let page = null;
  let mine = 0;
  let ended = null;
  try {
    for await (const { page: from, n } of adds) {
      page = from;
      mine += n;
      total += n;
      await totals.push({ mine, total });
    }
  } catch (error) {
    ended = `${error?.name}: ${error?.message}`;
  }
  totals.close();
  const { sent, undelivered } = await sending;
  connected.delete(port);
  const report = { page, ended, sent, undelivered: undelivered.length, total, listeners: listeners(port) };
  // Intervals still running: those of the streams of the pages still connected.
  for (const other of connected) other.postMessage({ report: { ...report, intervals: liveIntervals() } });
});
