/**
 * Audit B, in Firefox (SpiderMonkey's `name@url:line:col` frames): debug mode's stacks start at
 * the application's function when chanasync's code is split the way Vite's dev server
 * pre-bundles it (`node_modules/.vite/deps/`: an entry file each, the core in a shared chunk).
 * See debug-stacks.test.ts for V8.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';
import { viteDeps } from './vite-deps.js';

const root = join(import.meta.dirname, '..', '..');
let server: FileServer;
let firefox: FirefoxTab;

const APP = `
import { Channel, after, pull, select } from '/node_modules/.vite/deps/chanasync.js?v=0a1b2c3d';
import { enableDebug, disableDebug, snapshot } from '/node_modules/.vite/deps/chanasync_debug.js?v=0a1b2c3d';
import { fromPort } from '/node_modules/.vite/deps/chanasync_port.js?v=0a1b2c3d';
function makeChannel(name) { return new Channel(0, { name }); }
function parkPull(channel) { channel.pull().catch(() => {}); }
function parkSelect(channel) { select([pull(channel), pull(after(60000))]).catch(() => {}); }
function receive(port) { return fromPort(port, { name: 'remote' }); }
export function parkAll() {
  enableDebug({ target: { postMessage() {} }, stacks: true });
  const plain = makeChannel('plain');
  parkPull(plain);
  const selected = makeChannel('selected');
  parkSelect(selected);
  const { port1, port2 } = new MessageChannel();
  const remote = receive(port2);
  const first = (stack) => (stack ?? '').split('\\n')[0];
  const report = Object.fromEntries(snapshot().channels.map((channel) => [channel.name, {
    created: first(channel.createdAt),
    parked: [...channel.pushers, ...channel.pullers].map((waiter) => first(waiter.stack)),
  }]));
  for (const channel of [plain, selected, remote]) channel.close();
  port1.close();
  disableDebug();
  return report;
}`;

beforeAll(async () => {
  const deps = await viteDeps('/node_modules/.vite/deps', false);
  const files = new Map<string, string>([
    ['/page.html', '<!doctype html><meta charset="utf-8"><title>vite layout</title>'],
    ['/app.js', APP],
  ]);
  for (const file of deps.outputFiles ?? []) files.set(file.path, file.text);
  server = await serveFiles(join(root, 'test', 'audit-b'), files);
  firefox = await launchFirefox();
}, 60_000);

afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('split the way Vite pre-bundles dependencies, every stack starts at the application’s function in Firefox', async () => {
  await firefox.navigate(`http://127.0.0.1:${server.port}/page.html`);
  const report = await firefox.run(`const app = await import('/app.js'); return app.parkAll();`);
  const at = (name: string) =>
    expect.stringMatching(new RegExp(`^${name}@http://127\\.0\\.0\\.1:\\d+/app\\.js:\\d+:\\d+$`));
  expect(report).toEqual({
    plain: { created: at('makeChannel'), parked: [at('parkPull')] },
    selected: { created: at('makeChannel'), parked: [at('parkSelect')] },
    'after(60000)': { created: at('parkSelect'), parked: [at('parkSelect')] },
    remote: { created: at('receive'), parked: [] },
  });
});
