// The module Worker of the port tests in Chromium and Firefox (port.browser.test.ts,
// port.firefox.test.ts and the scenarios both run, test/helpers/port-scenarios.ts); ?mode=
// chooses what it does. It reports to the page with plain `{ report }` messages (and its own
// failures as `{ fault }`), which the port protocol must ignore. Modes `produce-and-count`,
// `port-stall` and `debug` serve Firefox's own tests.
import * as lib from '/lib.js';

const { Channel, fromPort, toPort } = lib;
const params = new URL(location.href).searchParams;
const mode = params.get('mode');
const report = (value) => postMessage({ report: value });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
addEventListener('unhandledrejection', (event) =>
  postMessage({ fault: `unhandled ${event.reason?.stack ?? event.reason}` }),
);

/** What a closed channel's for-await threw, as plain data (null: it ended without an error). */
async function errorOf(channel) {
  try {
    for await (const _ of channel);
    return null;
  } catch (error) {
    return {
      type: typeof error,
      name: error?.name,
      message: error?.message,
      isError: error instanceof Error,
      isDOMException: error instanceof DOMException,
    };
  }
}

/** The close reason of `?reason=`: an Error subclass, a DOMException, or an object that cannot be cloned. */
const REASONS = {
  error: () => new TypeError('the worker is done'),
  domexception: () => new DOMException('the worker timed out', 'TimeoutError'),
  uncloneable: () => ({ message: 'the worker gave up', retry() {} }),
};

if (mode === 'squares') {
  // Pulls numbers from the page, sends their squares back, closes when the input closes.
  const numbers = fromPort(self, { name: 'in', capacity: 1024 });
  const squares = new Channel(1024);
  const done = toPort(squares, self, { name: 'out' });
  for await (const n of numbers) await squares.push(n * n);
  squares.close();
  await done;
} else if (mode === 'hold') {
  // Receives into a buffer of ?capacity= and pulls only when told to; reports the buffer's size.
  const held = fromPort(self, { name: 'in', capacity: Number(params.get('capacity')) });
  addEventListener('message', async (event) => {
    if (event.data?.command === 'size') report(held.size);
    if (event.data?.command === 'pull') report(await held.pull());
  });
  report('listening');
} else if (mode === 'watch') {
  // A slow consumer of ?count= values with a buffer of ?capacity=, which watches every message
  // that reaches this context: after each, the values that arrived and were not consumed yet
  // (buffered here, or not committed yet) must not exceed the capacity. Reports the most seen.
  const capacity = Number(params.get('capacity'));
  const count = Number(params.get('count'));
  let arrived = 0;
  let consumed = 0;
  let most = 0;
  let mostBuffered = 0;
  addEventListener('message', (event) => {
    if (event.data?.type === 'values' && event.data.name === 'in') arrived += event.data.values.length;
    most = Math.max(most, arrived - consumed);
  });
  const input = fromPort(self, { name: 'in', capacity });
  // First let the page fill the buffer (up to 5 s): "fills up to it" then holds on a loaded
  // machine too, where a producer slower than this consumer never got ahead (most: 15).
  for (let t = 0; t < 250 && input.size < capacity; t++) await sleep(20);
  for (let i = 0; i < count; i++) {
    mostBuffered = Math.max(mostBuffered, input.size);
    const value = await input.pull();
    if (value !== i) throw new Error(`got ${value} for ${i}`);
    consumed++;
    if (i % 8 === 0) await sleep(2);
  }
  input.close();
  report({ most, mostBuffered, arrived, consumed });
} else if (mode === 'reason-in') {
  // Reports how the page's close arrived.
  report(await errorOf(fromPort(self, { name: 'in', capacity: 4 })));
} else if (mode === 'reason-out') {
  // Sends three values, then closes with the reason of ?reason=.
  const out = new Channel(4);
  const done = toPort(out, self, { name: 'out' });
  for (const value of [1, 2, 3]) await out.push(value);
  out.close(REASONS[params.get('reason')]());
  await done;
} else if (mode === 'close-after-3') {
  // Takes three values, then closes its receiving channel.
  const input = fromPort(self, { name: 'in', capacity: 8 });
  const taken = [await input.pull(), await input.pull(), await input.pull()];
  input.close();
  report(taken);
} else if (mode === 'stall') {
  // Holds 8 values; told to stall, pulls 4 (which grants 4 credits), then blocks its event loop
  // for good, so the 4 values posted for those credits are never committed.
  const input = fromPort(self, { name: 'in', capacity: 8 });
  addEventListener('message', async (event) => {
    if (event.data?.command !== 'stall') return;
    for (let i = 0; i < 4; i++) await input.pull();
    // The 4 credits go out in a microtask queued by the 4th pull; block in this same task, so
    // that the values posted for them can never be committed.
    for (let i = 0; i < 10; i++) await null;
    report('stalled');
    for (;;);
  });
  report('listening');
} else if (mode === 'produce') {
  // Sends 0, 1, 2, … for as long as it lives.
  const out = new Channel(16);
  void toPort(out, self, { name: 'out' });
  for (let i = 0; ; i++) await out.push(i);
} else if (mode === 'produce-and-count') {
  // Sends 0, 1, 2, … until its stream ends, then reports what toPort says and how many it pulled.
  const out = new Channel(0);
  let pushed = 0;
  const done = toPort(out, self, { name: 'out' });
  void (async () => {
    for (let i = 0; ; i++) {
      await out.push(i);
      pushed++;
    }
  })().catch(() => {});
  const { sent, undelivered } = await done;
  report({ sent, undelivered, pulled: pushed });
  out.close();
} else if (mode === 'bytes') {
  // Sums the bytes of the ArrayBuffers it receives.
  let bytes = 0;
  let count = 0;
  for await (const buffer of fromPort(self, { name: 'in', capacity: 8 })) {
    if (!(buffer instanceof ArrayBuffer)) throw new Error(`got ${buffer}`);
    bytes += buffer.byteLength;
    count++;
  }
  report({ bytes, count });
} else if (mode === 'collect') {
  // Receives stream "in" and reports its values once it ends.
  const values = [];
  for await (const value of fromPort(self, { name: 'in', capacity: 2 })) values.push(value);
  report(values);
} else if (mode === 'junk') {
  // Posts foreign and malformed messages (and forged ones of another session) around a real stream.
  const junk = [
    'hello',
    null,
    { source: 'chanasync-port' },
    { source: 'chanasync-port', version: 2, type: 'values', name: 'out', session: 's', values: [-1] },
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
    { source: 'chanasync-port', version: 1, type: 'closed', name: 'out', session: 'forged', committed: -1 },
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
  // Receives a MessagePort from the page and echoes stream "in" as stream "out" through it.
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
} else if (mode === 'port-stall') {
  // Receives a MessagePort; once its 4 slots are full, pulls 2 (which grants 2 credits), then
  // blocks its event loop for good, so the 2 values posted for them are never committed.
  addEventListener('message', async (event) => {
    const port = event.ports[0];
    if (port === undefined) return;
    const input = fromPort(port, { name: 'in', capacity: 4 });
    while (input.size < 4) await sleep(5);
    await input.pull();
    await input.pull();
    for (let i = 0; i < 10; i++) await null;
    report('stalled');
    for (;;);
  });
  report('listening');
} else if (mode === 'debug') {
  // Debug mode in the worker (with stacks if ?stacks=1): a fromPort channel whose pull waits,
  // and a channel with a stuck push. (Only Firefox's /lib.js bundles debug mode.)
  lib.enableDebug({ stacks: params.get('stacks') === '1' });
  const jobs = fromPort(self, { name: 'jobs', capacity: 4 });
  const results = new Channel(0, { name: 'worker results' });
  function waitForJob() {
    jobs.pull().catch(() => {});
  }
  waitForJob();
  results.push('never pulled').catch(() => {});
  report('listening');
}
