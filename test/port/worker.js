// A module Worker for port.browser.test.ts: what it does is chosen by ?mode=. It reports to the
// page with plain `{ report }` messages, which the port protocol must ignore.
import { Channel, fromPort, toPort } from '/lib.js';

const mode = new URL(location.href).searchParams.get('mode');
const report = (value) => postMessage({ report: value });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorOf(channel) {
  try {
    for await (const _ of channel);
    return null;
  } catch (error) {
    return { name: error?.name, message: error?.message, isError: error instanceof Error };
  }
}

if (mode === 'squares') {
  // Pulls numbers from the page, sends their squares back, closes when the input closes.
  const numbers = fromPort(self, { name: 'in', capacity: 1024 });
  const squares = new Channel(1024);
  const done = toPort(squares, self, { name: 'out' });
  for await (const n of numbers) await squares.push(n * n);
  squares.close();
  await done;
} else if (mode === 'hold') {
  // Receives into a buffer of 16 and pulls only when told to; reports the buffer's size.
  const capacity = Number(new URL(location.href).searchParams.get('capacity'));
  const held = fromPort(self, { name: 'in', capacity });
  addEventListener('message', async (event) => {
    if (event.data?.command === 'size') report(held.size);
    if (event.data?.command === 'pull') report(await held.pull());
  });
  report('listening');
} else if (mode === 'close-after-3') {
  const input = fromPort(self, { name: 'in', capacity: 8 });
  const taken = [await input.pull(), await input.pull(), await input.pull()];
  input.close();
  report(taken);
} else if (mode === 'slow') {
  const input = fromPort(self, { name: 'in', capacity: 8 });
  report('listening');
  for await (const _ of input) await sleep(5);
} else if (mode === 'stall') {
  // Holds 8 values; told to stall, pulls 4 (which grants 4 credits), then blocks its event loop
  // for good, so the 4 values posted for those credits are never committed.
  const input = fromPort(self, { name: 'in', capacity: 8 });
  addEventListener('message', async (event) => {
    if (event.data?.command !== 'stall') return;
    for (let i = 0; i < 4; i++) await input.pull();
    // The 4 credits went out in a microtask queued by the 4th pull; block in this same task, so
    // that the values posted for them can never be committed (a timer here would let them in).
    for (let i = 0; i < 10; i++) await null;
    report('stalled');
    for (;;);
  });
  report('listening');
} else if (mode === 'reason') {
  // Reports how the page's close arrived.
  report(await errorOf(fromPort(self, { name: 'in', capacity: 4 })));
} else if (mode === 'close-with-reason') {
  // Sends three values, then closes with a TypeError (cloneable) or with an uncloneable reason.
  const out = new Channel(4);
  const done = toPort(out, self, { name: 'out' });
  for (const value of [1, 2, 3]) await out.push(value);
  const uncloneable = new URL(location.href).searchParams.get('uncloneable') === '1';
  out.close(uncloneable ? { message: 'the worker gave up', retry() {} } : new TypeError('the worker is done'));
  await done;
} else if (mode === 'bytes') {
  // Sums the bytes of the ArrayBuffers it receives.
  let bytes = 0;
  let count = 0;
  for await (const buffer of fromPort(self, { name: 'in', capacity: 8 })) {
    bytes += buffer.byteLength;
    count++;
  }
  report({ bytes, count });
} else if (mode === 'junk') {
  // Posts foreign and malformed messages to the page around a real stream.
  const junk = [
    'hello',
    { source: 'chanasync-port' },
    {
      source: 'chanasync-port',
      version: 1,
      type: 'credit',
      name: 'out',
      session: 'forged',
      granted: 1e9,
      committed: 0,
    },
    { source: 'chanasync-port', version: 1, type: 'values', name: 'out', session: 'forged', values: [-1] },
    {
      source: 'chanasync-port',
      version: 1,
      type: 'end',
      name: 'out',
      session: 'forged',
      abort: true,
      reason: 'forged',
    },
    { source: 'chanasync-port', version: 1, type: 'values', name: 'out', session: 7, values: [-1] },
  ];
  for (const message of junk) postMessage(message);
  const out = new Channel(2);
  const done = toPort(out, self, { name: 'out' });
  for (let i = 0; i < 10; i++) {
    await out.push(i);
    for (const message of junk) postMessage(message);
  }
  out.close();
  await done;
} else if (mode === 'port') {
  // Receives a MessagePort from the page and echoes values through it.
  addEventListener('message', async (event) => {
    const port = event.ports[0];
    if (port === undefined) return;
    const input = fromPort(port, { name: 'in', capacity: 16 });
    const output = new Channel(16);
    const done = toPort(output, port, { name: 'out' });
    for await (const value of input) await output.push(`echo ${value}`);
    output.close();
    await done;
  });
  report('listening');
}
