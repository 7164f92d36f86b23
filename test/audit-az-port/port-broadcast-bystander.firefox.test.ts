/**
 * Auditor AZ — the BroadcastChannel finding of port-broadcast-bystander.test.ts in Firefox ESR
 * (Marionette): the page streams over a `BroadcastChannel` to a module Worker's `fromPort`, a
 * second Worker listens with a `fromPort` of the same name, and the Worker the stream runs on is
 * terminated. Same program as the Chromium file.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIREFOX_PATH, usePortFirefox } from '../helpers/firefox.js';

/** Runs in the page: returns how toPort settled after the running Worker was terminated. */
const PROGRAM = `
const [withBystander, waitMs] = args;
const { Channel, toPort } = window.lib;
const code = \`import * as lib from '\${location.origin}/lib.js';
const ch = lib.fromPort(new BroadcastChannel('az-bc'), { capacity: 2 });
self.postMessage({ report: 'listening' });
for await (const value of ch) self.postMessage({ report: { value } });\`;
const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
const workers = [new Worker(url, { type: 'module' })];
if (withBystander) workers.push(new Worker(url, { type: 'module' }));
await Promise.all(workers.map((worker) => window.nextReport(worker)));
const first = new Promise((resolve) => {
  for (const worker of workers)
    worker.addEventListener('message', (event) => {
      if (event.data?.report?.value !== undefined) resolve(worker);
    });
});
const local = new Channel(Infinity);
for (let i = 0; i < 10; i++) local.pushNowait(i);
const bc = new BroadcastChannel('az-bc');
const done = toPort(local, bc);
const running = await first;
await window.sleep(100);
const died = performance.now();
running.terminate();
let settledAfter = null;
const result = await Promise.race([
  done.then((value) => {
    settledAfter = Math.round(performance.now() - died);
    return { sent: value.sent, undelivered: value.undelivered.length };
  }),
  window.sleep(waitMs).then(() => 'still pending'),
]);
for (const worker of workers) worker.terminate();
local.close();
await Promise.race([done, window.sleep(7000)]);
bc.close();
return { result, settledAfter, leftLocally: local.size };
`;

describe.skipIf(!existsSync(FIREFOX_PATH))(
  'Firefox: toPort over a BroadcastChannel, the Worker it runs on terminated',
  () => {
    const env = usePortFirefox();
    const run = async (withBystander: boolean, waitMs: number) => {
      await env.firefox.navigate(`http://127.0.0.1:${env.server.port}/page.html`, 'window.ready === true');
      return env.firefox.run(PROGRAM, [withBystander, waitMs], 40_000);
    };

    it('probe (holds): with no other receiver of the name, toPort settles by the heartbeat', async () => {
      const out = await run(false, 11_000);
      expect(out.result).not.toBe('still pending');
      expect(out.settledAfter).toBeLessThan(8000); // 5 to 5.5 s, and a loaded machine's late timers
      expect(out.result.sent + out.result.undelivered + out.leftLocally).toBe(10);
    }, 45_000);

    it('toPort settles by the heartbeat when the Worker it runs on is terminated, though another Worker listens with a fromPort of that name', async () => {
      const out = await run(true, 11_000);
      expect(out.result).not.toBe('still pending');
      expect(out.settledAfter).toBeLessThan(8000); // 5 to 5.5 s, and a loaded machine's late timers
    }, 45_000);
  },
);
