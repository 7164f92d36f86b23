// The README's page ↔ Worker example, as a web developer writes it without a bundler: a module
// Worker that imports chanasync's dist/ files by path.
import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';

const numbers = fromPort(self, { name: 'numbers', capacity: 64 });
const squares = new Channel(64);
const sending = toPort(squares, self, { name: 'squares' });
let count = 0;
try {
  for await (const n of numbers) {
    count++;
    await squares.push(n * n);
  }
  squares.close();
} catch (error) {
  squares.close(error); // the page's close reason goes back the other way
}
const { sent, undelivered } = await sending;
self.postMessage({ report: { count, sent, undelivered: undelivered.length } });
