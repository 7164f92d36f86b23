/**
 * Audit AA: the platform-dependent bullets of `chanasync/port` in Firefox (Marionette): a
 * terminated Worker in a pool is found gone and accounted for exactly, close reasons of every
 * kind cross from a Worker to the page, and an undelivered transferred buffer comes back
 * detached.
 *
 * Written from the SPEC ("Channels across contexts") and the README's port reference only.
 */
import { expect, test } from 'vitest';
import { usePortFirefox } from '../helpers/firefox.js';

const env = usePortFirefox();

const open = () => env.firefox.navigate(`http://127.0.0.1:${env.server.port}/page.html`, 'window.ready === true');

/** Page-side helper defined in each run: a module Worker of `code`, which imports chanasync as `lib`. */
const SPAWN = `
const workerErrors = [];
const spawnCode = (code) => {
  const url = URL.createObjectURL(new Blob([\`import * as lib from '\${location.origin}/lib.js';\\n\${code}\`], { type: 'text/javascript' }));
  const w = new Worker(url, { type: 'module' });
  w.addEventListener('error', (e) => workerErrors.push(e.message));
  return w;
};`;

test('a pool of three Workers, one terminated mid-run: found gone, every job accounted for once', async () => {
  await open();
  const out = await env.firefox.run(
    `${SPAWN}
    const { Channel, toPort, fromPort, ChannelError } = window.lib;
    const code = \`
      const { fromPort, toPort, Channel } = lib;
      const jobs = fromPort(self, { name: 'jobs', capacity: 2 });
      const results = new Channel(0);
      const done = toPort(results, self, { name: 'results' });
      for await (const job of jobs) {
        await new Promise((r) => setTimeout(r, 1));
        await results.push(job);
      }
      results.close();
      await done;\`;
    const N = 300;
    const jobs = new Channel(0);
    const workers = [], senders = [], reads = [], got = [[], [], []];
    for (let w = 0; w < 3; w++) {
      const worker = spawnCode(code);
      workers.push(worker);
      senders.push(toPort(jobs, worker, { name: 'jobs' }));
      const input = fromPort(worker, { name: 'results', capacity: 4 });
      reads.push((async () => {
        try { for await (const r of input) got[w].push(r); return null; }
        catch (e) { return { name: e?.name, message: e?.message, isChannelError: e instanceof ChannelError }; }
      })());
    }
    const producer = (async () => { for (let i = 0; i < N; i++) await jobs.push(i); })();
    const deadline = Date.now() + 20000;
    while (got[0].length < 15 && Date.now() < deadline) await sleep(2);
    workers[0].terminate();
    const killedAt = Date.now();
    const dead = await senders[0];
    const detectedAfter = Date.now() - killedAt;
    await producer;
    for (const job of dead.undelivered) await jobs.push(job);
    jobs.close();
    const live = await Promise.all(senders.slice(1));
    const ends = await Promise.all(reads);
    for (const w of workers) w.terminate();
    return { N, dead, detectedAfter, live, ends, got, workerErrors, errors: window.errors };`,
    [],
    50_000,
  );
  expect(out.workerErrors).toEqual([]);
  expect(out.errors).toEqual([]);
  expect(out.detectedAfter).toBeLessThan(15_000);
  expect(out.ends[0]).toMatchObject({ name: 'ChannelError', isChannelError: true });
  expect(out.ends[0].message).toMatch(/gone/i);
  expect(out.ends.slice(1)).toEqual([null, null]);
  const totalSent = out.dead.sent + out.live.reduce((s: number, r: any) => s + r.sent, 0);
  expect(totalSent).toBe(out.N);
  for (const r of out.live) expect(r.undelivered).toEqual([]);
  for (let w = 1; w < 3; w++) expect(out.got[w].length).toBe(out.live[w - 1].sent);
  const done = out.got.flat();
  expect(new Set(done).size).toBe(done.length);
  expect(out.N - done.length).toBe(out.dead.sent - out.got[0].length);
}, 90_000);

test('close reasons cross from a Worker to the page with their kind; undelivered buffers come back detached', async () => {
  await open();
  const out = await env.firefox.run(
    `${SPAWN}
    const { fromPort, ChannelClosedError } = window.lib;
    const code = \`
      const { toPort, Channel } = lib;
      const reasons = {
        a: new TypeError('ta'),
        b: new DOMException('dm', 'AbortError'),
        c: { code: 7 },
        d: { message: 'unclone-me', fn() {} },
      };
      const results = {};
      await Promise.all(Object.keys(reasons).map(async (n) => {
        const ch = new Channel(4);
        const done = toPort(ch, self, { name: n });
        for (let i = 0; i < 10; i++) await ch.push(i);
        ch.close(reasons[n]);
        results[n] = await done;
      }));
      // A stream whose receiver closes while a transferred buffer is on its way.
      const t = new Channel(8);
      const bufs = [];
      for (let i = 0; i < 6; i++) { bufs.push(new ArrayBuffer(16)); await t.push({ i, buf: bufs[i] }); }
      const tr = await toPort(t, self, { name: 't', transfer: (v) => [v.buf] });
      self.postMessage({ report: { results, t: { sent: tr.sent, undelivered: tr.undelivered.map((v) => ({ i: v.i, len: v.buf.byteLength })) } } });\`;
    const w = spawnCode(code);
    const report = nextReport(w);
    const describe = (e) => ({ name: e?.name, message: e?.message, isError: e instanceof Error, isDOMException: e instanceof DOMException, keys: e && typeof e === 'object' ? Object.keys(e) : null });
    const ends = {};
    await Promise.all(['a', 'b', 'c', 'd'].map(async (n) => {
      const input = fromPort(w, { name: n, capacity: 2 });
      const values = [];
      try { for await (const v of input) values.push(v); ends[n] = { values, reason: null }; }
      catch (e) { ends[n] = { values, reason: describe(e instanceof ChannelClosedError ? e.cause : e) }; }
    }));
    // The abort trick: a listener added before fromPort's runs first and aborts the pull that
    // asked for the value as soon as the value arrives, so it waits uncommitted; then close.
    let armed = false;
    const controller = new AbortController();
    w.addEventListener('message', ({ data }) => { if (armed && data?.type === 'values' && data.name === 't') controller.abort(); });
    const t = fromPort(w, { name: 't', capacity: 0 });
    const tGot = [await t.pull(), await t.pull()].map((v) => ({ i: v.i, len: v.buf.byteLength }));
    armed = true;
    const late = await t.pull({ signal: controller.signal }).then(() => 'resolved', (e) => e?.name);
    t.close();
    const r = await report;
    w.terminate();
    return { ends, tGot, late, r, workerErrors, errors: window.errors };`,
    [],
    40_000,
  );
  expect(out.workerErrors).toEqual([]);
  expect(out.errors).toEqual([]);
  const ten = Array.from({ length: 10 }, (_, i) => i);
  for (const n of ['a', 'b', 'c', 'd']) {
    expect(out.ends[n].values).toEqual(ten);
    expect(out.r.results[n]).toEqual({ sent: 10, undelivered: [] });
  }
  expect(out.ends.a.reason).toMatchObject({ name: 'TypeError', message: 'ta', isError: true });
  expect(out.ends.b.reason).toMatchObject({ name: 'AbortError', message: 'dm', isDOMException: true });
  expect(out.ends.c.reason).toMatchObject({ isError: false, keys: ['code'] });
  expect(out.ends.d.reason).toMatchObject({ isError: true });
  expect(out.ends.d.reason.message).toContain('unclone-me');
  expect(out.tGot).toEqual([
    { i: 0, len: 16 },
    { i: 1, len: 16 },
  ]);
  expect(out.late).toBe('AbortError');
  expect(out.r.t.sent).toBe(2);
  expect(out.r.t.undelivered[0]).toEqual({ i: 2, len: 0 });
  expect(out.r.t.undelivered.map((v: any) => v.i)).toEqual([2, 3, 4, 5].slice(0, out.r.t.undelivered.length));
}, 60_000);
