// The module SharedWorker of the port tests in Chromium and Firefox; ?mode= chooses what it does
// for each connection: `sums` sends back the running sums of the numbers it receives; `collect`
// receives stream "in" and reports its values and how it ended with a plain `{ report }`;
// `hold` keeps receiving stream "in" of each connection and tells a watching one when
// another's stream ends (`collect` and `hold` serve Firefox's own tests).
import { Channel, fromPort, toPort } from '/lib.js';

const mode = new URL(location.href).searchParams.get('mode');
/** For mode `hold`: each connection's receiving stream, and how it ended. */
const held = [];

addEventListener('connect', async (event) => {
  const port = event.ports[0];
  if (mode === 'sums') {
    const numbers = fromPort(port, { name: 'numbers', capacity: 64 });
    const sums = new Channel(64);
    const done = toPort(sums, port, { name: 'sums' });
    let sum = 0;
    for await (const n of numbers) {
      sum += n;
      await sums.push(sum);
    }
    sums.close();
    await done;
  } else if (mode === 'collect') {
    const values = [];
    let error = null;
    try {
      for await (const value of fromPort(port, { name: 'in', capacity: 8 })) values.push(value);
    } catch (e) {
      error = { name: e?.name, message: e?.message };
    }
    port.postMessage({ report: { values, error } });
  } else if (mode === 'hold') {
    // A connection that says `watch` is told, once, when a stream of another connection ends
    // (its tab went away), and how; every other connection feeds stream "in", held here.
    port.addEventListener('message', (message) => {
      if (message.data?.command !== 'watch') return;
      void Promise.race(held).then((ended) => port.postMessage({ report: ended }));
    });
    port.start();
    const input = fromPort(port, { name: 'in', capacity: 4 });
    held.push(
      (async () => {
        let count = 0;
        try {
          for await (const _ of input) count++;
          return { count, error: null };
        } catch (e) {
          return { count, error: { name: e?.name, message: e?.message } };
        }
      })(),
    );
  }
});
