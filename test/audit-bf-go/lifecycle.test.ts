/**
 * Audit BF (Go lens): what a ported Go program leaves behind in a Node process. A Go program
 * exits when main returns; a Node script exits when nothing is pending. Each script here runs
 * in a fresh `node` importing dist/index.js: it must exit by itself (code 0), not be kept
 * alive by a timer the idiom should have released, and not exit early (code 13: a top-level
 * await that never settled) while a timer it waits on is still due.
 */
import { describe, expect, it } from 'vitest';
import { runScript } from './util.js';

/** A limit far below the 60 s timers the scripts leave behind, far above a node start-up. */
const LIMIT = 12_000;

describe('timers of a for-select loop with a timeout case', () => {
  it('lost after() timers sharing one signal: aborting it when the loop ends lets the process exit, with one abort listener throughout', async () => {
    const run = await runScript(
      `
      import { getEventListeners } from 'node:events';
      import { Channel, after, pull, select } from 'CHAN';
      const data = new Channel(Infinity);
      for (let i = 0; i < 300; i++) data.pushNowait(i);
      const ctx = new AbortController();
      let most = 0;
      for (let i = 0; i < 300; i++) {
        const r = await select([pull(data), pull(after(60_000, { signal: ctx.signal }))]);
        if (r.index !== 0) throw new Error('timeout won');
        most = Math.max(most, getEventListeners(ctx.signal, 'abort').length);
      }
      ctx.abort();
      console.log('done', most);
      `,
      LIMIT,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('done 1');
  });

  it('lost after() timers closed as each iteration ends (Go 1.23 Stop): the process exits', async () => {
    const run = await runScript(
      `
      import { Channel, after, pull, select } from 'CHAN';
      const data = new Channel(Infinity);
      for (let i = 0; i < 300; i++) data.pushNowait(i);
      for (let i = 0; i < 300; i++) {
        const timeout = after(60_000);
        try {
          await select([pull(data), pull(timeout)]);
        } finally {
          timeout[Symbol.dispose]();
        }
      }
      console.log('done');
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('done');
  });

  it('a lost after() left alone keeps the process alive until it fires (documented: close it, or give it a signal)', async () => {
    const run = await runScript(
      `
      import { Channel, after, pull, select } from 'CHAN';
      const data = new Channel(1);
      data.pushNowait(1);
      await select([pull(data), pull(after(60_000))]);
      console.log('main returned');
      `,
      4_000,
    );
    expect(run.stdout.trim()).toBe('main returned');
    expect(run.code).toBeNull();
  });

  it('a timeout select that nothing else feeds waits for its timer (no early exit with code 13) and reports the timeout', async () => {
    const run = await runScript(
      `
      import { Channel, after, pull, select } from 'CHAN';
      const data = new Channel();
      const r = await select([pull(data), pull(after(100))]);
      console.log(r.index === 1 && r.ok ? 'timeout' : 'other');
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('timeout');
  });

  it('after() beyond 2^31-1 ms neither fires at once nor warns: a 200 ms after wins the race, and closing the long one lets the process exit', async () => {
    const run = await runScript(
      `
      import { after, pull, select } from 'CHAN';
      const long = after(2 ** 31 + 10_000);
      const r = await select([pull(long), pull(after(200))]);
      long.close();
      console.log(r.index);
      `,
      LIMIT,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('1');
  });

  it('an after() beyond 2^31-1 ms that nobody closes keeps the process alive (it is a pending timer, as in Go)', async () => {
    const run = await runScript(
      `
      import { after } from 'CHAN';
      const t = after(2 ** 31 + 10_000);
      const v = await t.pull();
      console.log('fired early', v);
      `,
      3_000,
    );
    expect(run.stdout).toBe('');
    expect(run.code).toBeNull();
  });
});

describe('ticker-driven pollers', () => {
  it('a for-await over a ticker left with break and then closed lets the process exit', async () => {
    const run = await runScript(
      `
      import { ticker } from 'CHAN';
      const t = ticker(5);
      let n = 0;
      for await (const _ of t) if (++n === 3) break;
      t.close();
      console.log('polled', n);
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('polled 3');
  });

  it('a poller select on a ticker and a done channel closed by after(): returns, closes the ticker, and the process exits', async () => {
    const run = await runScript(
      `
      import { Channel, after, pull, select, ticker } from 'CHAN';
      const done = new Channel();
      (async () => { await after(60).pull(); done.close(); })();
      const t = ticker(7);
      let polls = 0;
      for (;;) {
        const r = await select([pull(t), pull(done)]);
        if (r.index === 1) break;
        polls++;
      }
      t.close();
      console.log('stopped', polls > 0);
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('stopped true');
  });

  it('a ticker stopped through its signal (context cancel) lets the process exit', async () => {
    const run = await runScript(
      `
      import { ticker } from 'CHAN';
      const ctx = new AbortController();
      const t = ticker(5, { signal: ctx.signal });
      let n = 0;
      for await (const _ of t) if (++n === 3) ctx.abort();
      console.log('ended', n >= 3);
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('ended true');
  });
});

describe('goroutines, main and deadlocks', () => {
  it('a producer blocked on a rendezvous that main never reads does not keep the process alive once main returns (Go: main returning ends the program)', async () => {
    const run = await runScript(
      `
      import { Channel } from 'CHAN';
      const c = new Channel();
      (async () => { for (let i = 0; ; i++) await c.push(i); })();
      console.log(await c.pull(), await c.pull());
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('0 1');
  });

  it('a pipeline whose stages wait on after() timers runs to the end before the process exits', async () => {
    const run = await runScript(
      `
      import { Channel, after, merge } from 'CHAN';
      const jobs = Channel.from([1, 2, 3, 4, 5, 6]);
      const outs = [0, 1, 2].map(() => {
        const out = new Channel();
        (async () => {
          try {
            for await (const j of jobs) { await after(10 * j).pull(); await out.push(j * j); }
          } finally { out.close(); }
        })();
        return out;
      });
      let sum = 0;
      for await (const v of merge(...outs)) sum += v;
      console.log(sum);
      `,
      LIMIT,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('91');
  });

  it('all goroutines asleep (main waits on a channel nothing feeds) ends the process with code 13, as the FAQ says', async () => {
    const run = await runScript(
      `
      import { Channel } from 'CHAN';
      const c = new Channel();
      await c.pull();
      `,
      LIMIT,
    );
    expect(run.code).toBe(13);
  });

  it('many helpers and operations on one shared context: no MaxListenersExceededWarning, and cancelling it lets the process exit', async () => {
    const run = await runScript(
      `
      import { Channel, after, broadcast, from, fromEvent, pull, select, ticker, toReadableStream } from 'CHAN';
      const ctx = new AbortController();
      const { signal } = ctx;
      const pending = [];
      const src = new Channel();
      const hub = broadcast(src);
      for (let i = 0; i < 30; i++) {
        const c = new Channel();
        pending.push(c.pull({ signal }).catch(() => {}));
        pending.push(c.pullMany(2, { signal }).catch(() => {}));
        pending.push(new Channel().push(1, { signal }).catch(() => {}));
        pending.push(new Channel().pushAll([1, 2], { signal }).catch(() => {}));
        pending.push(select([pull(c), pull(after(60_000, { signal }))], { signal }).catch(() => {}));
        ticker(60_000, { signal });
        fromEvent(new EventTarget(), 'x', { signal });
        from((async function* () { yield 1; await new Promise(() => {}); })(), { signal });
        hub.subscribe({ signal });
        toReadableStream(new Channel(), { signal }).getReader().read().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 20));
      ctx.abort();
      await Promise.all(pending);
      console.log('cancelled');
      `,
      LIMIT,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('cancelled');
  });
});
