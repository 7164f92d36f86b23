// The shared-counter program, one page's part: connects to the SharedWorker, sends its numbers
// on 'add', reads its running sums on 'totals'. `finish` closes the page's stream and waits for
// the worker's answer stream to end; `keepOpen` leaves it running (its page is then closed).
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { listeners, liveIntervals } from '/programs/track.js';

export function connect(page) {
  const worker = new SharedWorker('/programs/shared-worker.js', { type: 'module', name: 'counter' });
  const adds = new Channel(16);
  const sending = toPort(adds, worker.port, { name: 'add' });
  const totals = fromPort(worker.port, { name: 'totals', capacity: 16 });
  const seen = [];
  const reading = (async () => {
    for await (const value of totals) seen.push(value);
  })();
  return {
    port: worker.port,
    /** Sends each of `numbers` and waits for its answer; returns the answers. */
    async send(numbers) {
      const before = seen.length;
      for (const n of numbers) await adds.push({ page, n });
      while (seen.length < before + numbers.length) await new Promise((resolve) => setTimeout(resolve, 5));
      return seen.slice(before);
    },
    /** Closes this page's stream; waits until both directions are over. */
    async finish() {
      adds.close();
      const result = await sending;
      await reading;
      return {
        sent: result.sent,
        undelivered: result.undelivered.length,
        listeners: listeners(worker.port),
        intervals: liveIntervals(),
      };
    },
  };
}
