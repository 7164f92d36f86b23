// The module SharedWorker of port.firefox.test.ts; ?mode= chooses what it does for each
// connection: `sums` sends back the running sums of the numbers it receives; `collect`
// receives stream "in" and reports its values and how it ended with a plain `{ report }`.
import { Channel, fromPort, toPort } from '/lib.js';

const mode = new URL(location.href).searchParams.get('mode');

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
  }
});
