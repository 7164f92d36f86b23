/**
 * Audit K, in Firefox (firefox-esr through Marionette): a relayed Worker that ends — terminated
 * by its page without stopping its relay, or closing itself — tells a connected inspector that
 * its context has no channels any more, so that its last waits are not listed forever.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIREFOX_PATH, type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';

let firefox: FirefoxTab;
let server: FileServer;

/** In the page: start Worker `name`, say hello as an inspector, and record the Worker's snapshots. */
const START = `
  const [name] = args;
  window.seen ??= {};
  window.seen[name] = [];
  if (!window.recording) {
    window.recording = true;
    window.addEventListener('message', (event) => {
      const data = event.data;
      if (data?.type === 'snapshot' && data.context?.kind === 'worker') window.seen[data.context.url]?.push(data.channels.map((c) => c.name));
    });
  }
  window.startWorker(name, { url: name });
  for (let i = 0; i < 100 && window.seen[name].length === 0; i++) {
    window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*');
    await new Promise((r) => setTimeout(r, 100));
  }
  return window.seen[name];
`;

describe.skipIf(!existsSync(FIREFOX_PATH))('Workers that end, in Firefox', () => {
  beforeAll(async () => {
    server = await serveFiles(join(import.meta.dirname, '..', '..'));
    firefox = await launchFirefox();
    await firefox.navigate(
      `http://127.0.0.1:${server.port}/test/audit-k/fixtures/contexts.html`,
      'window.fixtureReady === true',
    );
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  test('terminate() without stopping the relay: the inspector gets the Worker with no channels', async () => {
    const first: string[][] = await firefox.run(START, ['t1']);
    expect(first.at(-1)).toEqual(['worker-t1']);
    const last: string[][] = await firefox.run(`
      window.terminateWorker('t1');
      await new Promise((r) => setTimeout(r, 300));
      return window.seen.t1;
    `);
    expect(last.at(-1)).toEqual([]);
  });

  test('a Worker that calls close() itself: the inspector gets the Worker with no channels', async () => {
    const first: string[][] = await firefox.run(START, ['c1']);
    expect(first.at(-1)).toEqual(['worker-c1']);
    const last: string[][] = await firefox.run(`
      window.workerSays('c1', 'close');
      for (let i = 0; i < 30 && window.seen.c1.at(-1)?.length !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      return window.seen.c1;
    `);
    expect(last.at(-1)).toEqual([]);
  });
});
