// A module SharedWorker for port.browser.test.ts: for each connection, sums the numbers it
// receives and sends the running sums back.
import { Channel, fromPort, toPort } from '/lib.js';

addEventListener('connect', async (event) => {
  const port = event.ports[0];
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
});
