/**
 * Audit AC: nothing keeps a Node process alive after the way out of an operation. Each case is
 * a small program run by `node` on the built `dist/`: it must exit by itself, with code 0 and
 * nothing on stderr, well before the timers it made would have fired.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', '..', 'dist');

/** Runs `code` (an ES module; `chanasync` and `port` are in scope as namespaces) in a fresh node. */
function run(
  code: string,
  limitMs = 15_000,
): Promise<{ exit: number | null; stderr: string; stdout: string; ms: number }> {
  const program = `import * as chanasync from ${JSON.stringify(join(dist, 'index.js'))};
import * as port from ${JSON.stringify(join(dist, 'port.js'))};
import * as debug from ${JSON.stringify(join(dist, 'debug.js'))};
${code}`;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (exit) => {
      clearTimeout(timer);
      resolve({ exit, stderr, stdout, ms: Date.now() - started });
    });
  });
}

// Each program ends with a line to stdout: the test checks it ran to its end.
const cases: Record<string, string> = {
  'a closed ticker': `
    const t = chanasync.ticker(20);
    await t.pull(); await t.pull();
    t.close();
    console.log('done');`,
  'a ticker whose signal aborted': `
    const c = new AbortController();
    const t = chanasync.ticker(20, { signal: c.signal });
    await t.pull();
    c.abort();
    console.log('done', t.closed);`,
  'a disposed after (using), never fired': `
    { const t = chanasync.after(600_000); t[Symbol.dispose ?? Symbol.for('Symbol.dispose')](); }
    console.log('done');`,
  'an after longer than 2^31-1 ms, closed': `
    const t = chanasync.after(2 ** 33);
    t.close();
    console.log('done');`,
  'a select that won before its timeout case (the lost after closed by hand)': `
    const data = new chanasync.Channel();
    const timeout = chanasync.after(600_000);
    setTimeout(() => data.push('x'), 10);
    const r = await chanasync.select([chanasync.pull(data), chanasync.pull(timeout)]);
    timeout.close();
    console.log('done', r.index, r.value);`,
  'a select with a long-lived signal and an after on it, won by data, the signal aborted after': `
    const c = new AbortController();
    const data = new chanasync.Channel(1);
    await data.push(1);
    const r = await chanasync.select([chanasync.pull(data), chanasync.pull(chanasync.after(600_000, { signal: c.signal }))], { signal: c.signal });
    c.abort();
    console.log('done', r.value);`,
  'fromEvent closed, pull parked on it failed': `
    const target = new EventTarget();
    const ch = chanasync.fromEvent(target, 'x');
    const p = ch.pull().catch((e) => e.name);
    ch.close();
    console.log('done', await p);`,
  'from(ReadableStream) closed half-way': `
    let n = 0;
    const rs = new ReadableStream({ pull(c) { c.enqueue(n++); } });
    const ch = chanasync.from(rs, { capacity: 2 });
    await ch.pull();
    ch.close();
    console.log('done', rs.locked);`,
  'toReadableStream cancelled while a read waited': `
    const ch = new chanasync.Channel();
    const reader = ch.toReadableStream().getReader();
    const read = reader.read();
    await new Promise((r) => setTimeout(r, 10));
    await reader.cancel();
    console.log('done', ch.stats().waitingPullers, (await read).done);`,
  'merge and broadcast closed': `
    const a = new chanasync.Channel(), b = new chanasync.Channel();
    const m = chanasync.merge(a, b);
    const hub = chanasync.broadcast(m);
    const sub = hub.subscribe();
    a.push(1);
    console.log('got', await sub.pull());
    hub.close(); m.close();
    console.log('done', a.stats().waitingPushers + b.stats().waitingPushers + a.stats().waitingPullers + b.stats().waitingPullers);`,
  'toPort/fromPort over a MessageChannel, closed at both ends': `
    const { MessageChannel } = await import('node:worker_threads');
    const { port1, port2 } = new MessageChannel();
    const rx = port.fromPort(port2, { capacity: 2 });
    const tx = new chanasync.Channel(2);
    const result = port.toPort(tx, port1);
    await tx.pushAll([1, 2]); tx.close();
    const got = []; for await (const v of rx) got.push(v);
    const r = await result;
    port1.close(); port2.close();
    console.log('done', got.join(','), r.sent);`,
  'debug mode enabled then disabled, with a parked pull aborted': `
    debug.enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), intervalMs: 10 });
    const ch = new chanasync.Channel();
    const c = new AbortController();
    const p = ch.pull({ signal: c.signal }).catch((e) => 'aborted');
    c.abort();
    console.log(await p);
    debug.disableDebug();
    console.log('done');`,
  'relayDebug stopped': `
    const worker = new EventTarget(); worker.postMessage = () => {};
    const stop = debug.relayDebug(worker, { listen: new EventTarget(), target: { postMessage() {} } });
    stop();
    console.log('done');`,
};

describe('a Node process exits by itself after every way out', () => {
  for (const [name, code] of Object.entries(cases)) {
    it(name, async () => {
      const result = await run(code);
      expect(result.stderr).toBe('');
      expect(result.exit).toBe(0);
      expect(result.stdout).toMatch(/done/);
      // Well before any timer of the program would have fired (600 s), even on a loaded machine.
      expect(result.ms).toBeLessThan(12_000);
    });
  }
});
