/**
 * Audit E: `chanasync/port` wired to a service worker as a page would first try it. A
 * `ServiceWorker` (`registration.active`, `navigator.serviceWorker.controller`) has
 * `postMessage` and `addEventListener`, so it passes for a `PortLike` — but its answers arrive
 * on `navigator.serviceWorker`, never on it, so a stream over it would wait for ever without a
 * word. Both calls refuse it with a `TypeError` that says what to do instead, and the way they
 * point to — a `MessageChannel` port handed to the service worker — carries a stream. A
 * `SharedWorker`, a `MessageChannel` or an iframe element given in place of a port is told what
 * to give instead.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openStaticPage } from '../helpers/static-page.js';

const root = join(import.meta.dirname, '..', '..');
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chanasync-audit-e-sw-'));
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  // The service worker answers a MessageChannel port it is handed with a stream of squares.
  writeFileSync(
    join(dir, 'sw.js'),
    `import { Channel } from './dist/index.js';
import { fromPort, toPort } from './dist/port.js';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  const port = event.ports[0];
  const numbers = fromPort(port, { name: 'numbers', capacity: 4 });
  const squares = new Channel(4);
  const sending = toPort(squares, port, { name: 'squares' });
  event.waitUntil((async () => {
    for await (const n of numbers) await squares.push(n * n);
    squares.close();
    await sending;
  })());
});
`,
  );
  writeFileSync(join(dir, 'shared.js'), '');
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><pre id="out"></pre><script type="module">
import { Channel } from './dist/index.js';
import { fromPort, toPort } from './dist/port.js';
const out = {};
try {
  const registration = await navigator.serviceWorker.register('./sw.js', { type: 'module' });
  await navigator.serviceWorker.ready;
  const worker = registration.active;
  out.isServiceWorker = worker instanceof ServiceWorker;
  try {
    fromPort(worker);
    out.fromPort = 'no error';
  } catch (error) {
    out.fromPort = { name: error.name, message: error.message };
  }
  const local = new Channel(1);
  const refused = await Promise.race([
    toPort(local, worker).then(() => 'resolved', (error) => ({ name: error.name, message: error.message })),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000)),
  ]);
  out.toPort = refused;
  // A SharedWorker object in place of its port: the error says to give its port.
  const shared = new SharedWorker('./shared.js');
  try {
    fromPort(shared);
    out.sharedFromPort = 'no error';
  } catch (error) {
    out.sharedFromPort = { name: error.name, message: error.message };
  }
  out.sharedToPort = await toPort(local, shared).then(() => 'resolved', (error) => ({ name: error.name, message: error.message }));
  // A MessageChannel, and an iframe element, in place of a port: the error says what to give.
  const frame = document.createElement('iframe');
  document.body.append(frame);
  for (const [label, wrong] of [['channel', new MessageChannel()], ['frame', frame]]) {
    try {
      fromPort(wrong);
      out[label + 'FromPort'] = 'no error';
    } catch (error) {
      out[label + 'FromPort'] = { name: error.name, message: error.message };
    }
    out[label + 'ToPort'] = await toPort(local, wrong).then(() => 'resolved', (error) => ({ name: error.name, message: error.message }));
  }
  frame.remove();
  // The way the message points to: a MessageChannel port handed to the service worker.
  const { port1, port2 } = new MessageChannel();
  worker.postMessage(null, [port2]);
  const numbers = new Channel(4);
  const sending = toPort(numbers, port1, { name: 'numbers' });
  const squares = fromPort(port1, { name: 'squares', capacity: 4 });
  void (async () => {
    for (let i = 0; i < 20; i++) await numbers.push(i);
    numbers.close();
  })();
  const got = [];
  for await (const square of squares) got.push(square);
  out.squares = got;
  out.sent = (await sending).sent;
} catch (error) {
  out.error = String(error && error.stack || error);
}
document.getElementById('out').textContent = JSON.stringify(out);
</script></body></html>`,
  );
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('toPort and fromPort refuse a ServiceWorker with a TypeError pointing to a MessageChannel port, which then carries the stream; a SharedWorker, a MessageChannel or an iframe element given for a port is told what to give', async () => {
  const { out, problems } = await openStaticPage(dir);
  expect(problems).toEqual([]);
  const result = out as Record<string, any>;
  expect(result.error).toBeUndefined();
  expect(result.isServiceWorker).toBe(true);
  expect(result.fromPort).toEqual({
    name: 'TypeError',
    message: expect.stringMatching(/^fromPort\(.*ServiceWorker.*MessageChannel/),
  });
  expect(result.toPort).toEqual({
    name: 'TypeError',
    message: expect.stringMatching(/^toPort\(.*ServiceWorker.*MessageChannel/),
  });
  for (const call of ['fromPort', 'toPort']) {
    expect(result[`shared${call[0]!.toUpperCase()}${call.slice(1)}`]).toEqual({
      name: 'TypeError',
      message: expect.stringMatching(
        new RegExp(`^${call}\\(.*port has no postMessage \\(a SharedWorker\\? Give its port: sharedWorker\\.port\\)$`),
      ),
    });
  }
  for (const call of ['fromPort', 'toPort']) {
    const key = `${call[0]!.toUpperCase()}${call.slice(1)}`;
    expect(result[`channel${key}`]).toEqual({
      name: 'TypeError',
      message: `${call}(${call === 'toPort' ? 'channel, port, options' : 'port, options'}): port has no postMessage (a MessageChannel? Give one of its ports here, the other to the other side)`,
    });
    expect(result[`frame${key}`]).toEqual({
      name: 'TypeError',
      message: `${call}(${call === 'toPort' ? 'channel, port, options' : 'port, options'}): port has no postMessage (an iframe element? Give its contentWindow)`,
    });
  }
  expect(result.squares).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
  expect(result.sent).toBe(20);
}, 60_000);
