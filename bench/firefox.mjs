// Benchmark runner for headless Firefox (for information; no targets are set for it):
// node bench/firefox.mjs [--quick] [--only=…] [--libs=…] [--with=…]
// Debian's /usr/bin/firefox-esr driven through Marionette, Firefox's own automation protocol
// (no geckodriver, no download): a TCP connection carrying `<byte length>:<JSON>` frames,
// commands [0, id, name, params], replies [1, id, error, result]. The suite (bundle.mjs, the
// browser bundle) runs in a blank page; each run is one WebDriver:ExecuteScript that returns
// the promise of __benchInTask(job): the run starts in a task of the page (a MessageChannel
// message; started from Marionette's realm it ran ~6× slower) and is timed inside the page with
// performance.now() (Firefox
// coarsens it to 1 ms without cross-origin isolation, hence twice the Node run size here).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { bundleBench } from './bundle.mjs';
import { log, parseArgs, runRemote, withTimeout } from './remote.mjs';
import { ADAPTERS } from './suite.mjs';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** A Marionette connection: `send(name, params)` resolves with the result or rejects. */
async function marionette(port) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  let hello;
  const helloSeen = new Promise((resolve) => {
    hello = resolve;
  });
  const pending = new Map();
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + length) return;
      const message = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString());
      buffer = buffer.subarray(colon + 1 + length);
      if (!Array.isArray(message)) {
        hello(message);
        continue;
      }
      const [, id, error, result] = message;
      const waiter = pending.get(id);
      pending.delete(id);
      if (error) waiter?.reject(new Error(`${error.error}: ${error.message}`));
      else waiter?.resolve(result);
    }
  });
  await helloSeen;
  let nextId = 1;
  return {
    send(name, params = {}) {
      const id = nextId++;
      const body = Buffer.from(JSON.stringify([0, id, name, params]));
      socket.write(`${body.length}:`);
      socket.write(body);
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close: () => socket.destroy(),
  };
}

/** Starts Firefox with a fresh profile; resolves with { child, port, profile }. */
async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'chanasync-bench-firefox-'));
  writeFileSync(join(profile, 'user.js'), 'user_pref("marionette.port", 0);\n');
  const child = spawn(FIREFOX, ['--headless', '--marionette', '--no-remote', '--profile', profile], {
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 300; i++) {
    try {
      const port = Number(readFileSync(join(profile, 'MarionetteActivePort'), 'utf8'));
      if (port > 0) return { child, port, profile };
    } catch {}
    await sleep(100);
  }
  child.kill('SIGTERM');
  throw new Error('Firefox did not open its Marionette port within 30 s');
}

const argv = process.argv.slice(2);
const args = parseArgs(argv, 'node bench/firefox.mjs');
const names = ADAPTERS.filter((name) => name === 'floor' || !args.libs || args.libs.includes(name));

log('bundling the bench for the browser (esbuild)');
const { code } = await bundleBench('browser', names, args.with);
const { child, port, profile } = await launch();
let exitCode = 1;
let client;
try {
  client = await marionette(port);
  const session = await client.send('WebDriver:NewSession', { capabilities: {} });
  const caps = session.capabilities;
  await client.send('WebDriver:SetTimeouts', { script: 60_000 });
  // The bundle inline in a page of its own (a file: URL in the temporary profile folder).
  const page = join(profile, 'bench.html');
  writeFileSync(
    page,
    `<!doctype html><title>bench</title><script type="module">${code.replaceAll('</script', '<\\/script')}</script>`,
  );
  await client.send('WebDriver:Navigate', { url: pathToFileURL(page).href });
  const win = '(window.wrappedJSObject ?? window)';
  const bench = `${win}.__bench`;
  for (let i = 0; !(await client.send('WebDriver:ExecuteScript', { script: `return !!${bench};` })).value; i++) {
    if (i > 100) throw new Error('the bench module did not load in Firefox');
    await sleep(100);
  }
  const call = async (script, job) => {
    const { value } = await client.send('WebDriver:ExecuteScript', { script, args: job ? [JSON.stringify(job)] : [] });
    return JSON.parse(value);
  };
  const remote = {
    libs: await call(`return ${bench}.init().then((x) => JSON.stringify(x));`),
    runtime: `Firefox ${caps.browserVersion} (SpiderMonkey), headless, Debian's ${FIREFOX} via Marionette`,
    run: (job, timeoutMs) =>
      withTimeout(call(`return ${win}.__benchInTask(arguments[0]);`, job), timeoutMs, `${job.lib} ${job.id}`),
  };
  exitCode = await runRemote({ session: remote, args, command: 'bench/firefox.mjs', argv, scale: 2 });
  await client.send('WebDriver:DeleteSession').catch(() => {});
} finally {
  client?.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = exitCode;
