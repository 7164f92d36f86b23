/**
 * Auditor BA — the two window-port findings of this folder in Firefox ESR (Marionette): a
 * `fromPort` on an iframe removed before its sender paired, and a bubbling `close` DOM event in
 * the page. Same programs as the Chromium files.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIREFOX_PATH, usePortFirefox } from '../helpers/firefox.js';

const UNPAIRED = `
const frame = await window.frameOn('127.0.0.1', 'origin=' + encodeURIComponent(location.origin));
const results = window.lib.fromPort(frame.contentWindow, { name: 'results', origin: location.origin });
frame.remove();
const outcome = await Promise.race([
  window.drain(results),
  window.sleep(3000).then(() => 'still open 3 s after the frame was removed'),
]);
results.close();
return outcome;
`;

const CLOSE_EVENT = `
const { Channel, toPort } = window.lib;
const frame = await window.frameOn('127.0.0.1', 'origin=' + encodeURIComponent(location.origin));
const report = window.nextReport(window);
const local = new Channel(0);
const sending = toPort(local, frame.contentWindow, { name: 'in' });
for (let i = 0; i < 5; i++) await local.push(i);
document.body.dispatchEvent(new Event('close', { bubbles: true }));
const more = (async () => {
  for (let i = 5; i < 10; i++) await local.push(i);
})();
const state = await Promise.race([
  sending.then((r) => ({ settledEarly: r })),
  more.then(() => 'all pushed'),
  window.sleep(2000).then(() => 'timeout'),
]);
local.close();
const result = await Promise.race([sending, window.sleep(6000).then(() => 'pending')]);
const got = await Promise.race([report, window.sleep(6000).then(() => 'no report')]);
return { state, result, got };
`;

describe.skipIf(!existsSync(FIREFOX_PATH))('Firefox: window ports', () => {
  const env = usePortFirefox();
  const run = async (program: string) => {
    await env.firefox.navigate(`http://127.0.0.1:${env.server.port}/page.html`, 'window.ready === true');
    return env.firefox.run(program, [], 30_000);
  };

  it('a fromPort on an iframe removed before its toPort started closes as gone', async () => {
    const out = await run(UNPAIRED);
    // Observed: 'still open 3 s after the frame was removed'.
    expect(out).toMatchObject({ values: [], error: { name: 'ChannelError' } });
  }, 40_000);

  it('a bubbling close DOM event in the page does not end a toPort streaming to an iframe', async () => {
    const out = await run(CLOSE_EVENT);
    expect(out).toMatchObject({ state: 'all pushed' });
    expect(out).toMatchObject({ result: { sent: 10, undelivered: [] } });
  }, 40_000);
});
