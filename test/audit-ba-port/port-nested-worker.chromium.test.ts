/**
 * Auditor BA — a Worker terminated mid-stream with values buffered, whose nested Worker relays
 * the stream on (lens 4): page → A → nested B, A terminated (B dies with it).
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/** A: receives "jobs" (capacity 4), relays them to a nested B; forwards B's reports. */
const RELAY = `
const nested = new Worker(URL.createObjectURL(new Blob([NESTED], { type: 'text/javascript' })), { type: 'module' });
nested.addEventListener('message', (event) => {
  if (event.data?.report !== undefined) self.postMessage({ report: event.data.report });
});
const input = lib.fromPort(self, { name: 'jobs', capacity: 4 });
lib.toPort(input, nested, { name: 'jobs' });
`;

/** B: receives "jobs" (capacity 2) slowly, reporting each value. */
const NESTED = (libUrl: string) => `
import * as lib from '${libUrl}';
for await (const value of lib.fromPort(self, { name: 'jobs', capacity: 2 })) {
  self.postMessage({ report: value });
  await new Promise((resolve) => setTimeout(resolve, 5));
}
`;

describe('Chromium: a relaying Worker terminated mid-stream, its nested Worker with it', () => {
  it('probe: the page’s toPort settles by the heartbeat, every value pulled accounted for once, in order', async () => {
    const page = await pages.open();
    const out = await page.evaluate(
      async ({ relay, nested }) => {
        const { Channel, toPort } = window.lib;
        const code = `const NESTED = ${JSON.stringify(nested.replace('LIB', `${location.origin}/lib.js`))};\n${relay}`;
        const { worker, errors } = window.spawnScript(code);
        const seen: number[] = [];
        const tenth = new Promise<void>((resolve) =>
          worker.addEventListener('message', (event) => {
            if (typeof event.data?.report !== 'number') return;
            seen.push(event.data.report);
            if (seen.length === 10) resolve();
          }),
        );
        const local = new Channel(Infinity);
        for (let i = 0; i < 50; i++) local.pushNowait(i);
        const sending = toPort(local, worker, { name: 'jobs' });
        await tenth;
        worker.terminate();
        const at = performance.now();
        const result = await Promise.race([sending, window.sleep(11_000).then(() => 'pending')]);
        const after = Math.round(performance.now() - at);
        const left: number[] = [];
        while (local.size > 0) left.push(local.tryPull());
        return { result, after, left, seen, errors };
      },
      { relay: RELAY, nested: NESTED('LIB') },
    );
    expect(out.errors).toEqual([]);
    expect(out.result).not.toBe('pending');
    const result = out.result as { sent: number; undelivered: number[] };
    expect(out.after).toBeLessThan(8000); // 5 to 5.5 s, and a loaded machine's late timers
    expect([...Array(result.sent).keys(), ...result.undelivered, ...out.left]).toEqual([...Array(50).keys()]);
    expect(out.seen).toEqual([...Array(out.seen.length).keys()]);
    expect(out.seen.length).toBeLessThanOrEqual(result.sent);
  }, 30_000);
});
