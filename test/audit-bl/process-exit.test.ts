/**
 * Audit BL: nothing a closed `ticker`/`after` (or a broadcast over one) leaves behind keeps a Node
 * process alive or throws later (SPEC "Broadcast and ticker": "a channel closed before its timer
 * fires clears the timer: nothing throws later, nothing keeps the process alive"). Each case runs
 * in a child `node` (the library bundled from `src/`) and must exit by itself, with code 0
 * and nothing on stderr, well before the long timers it made would fire.
 */
import { describe, expect, it } from 'vitest';
import { runInNode } from '../helpers/node-script.js';

/** Runs `body` in a fresh `node`, with the library's timers and helpers in scope. */
function runChild(body: string, limitMs = 15_000) {
  return runInNode(
    `import { after, ticker, broadcast, select, pull, merge, Channel } from './src/index.ts';\n${body}\n`,
    limitMs,
  );
}

/** The process must exit on its own, cleanly: the timers it made (a minute or more) would keep it ~forever. */
async function expectCleanExit(body: string): Promise<void> {
  const run = await runChild(body);
  expect(run.stderr).toBe('');
  expect(run.exit).toBe(0);
  expect(run.ms).toBeLessThan(14_000);
}

describe('a closed ticker/after does not keep the process alive, nor throw later', () => {
  it('control: an open ticker does keep the child alive (it is killed)', async () => {
    const run = await runChild('ticker(60_000);', 3_000);
    expect(run.exit).toBeNull();
  });

  it('ticker and after closed by hand, also with delays beyond 2³¹−1 ms and after a first tick', async () => {
    await expectCleanExit(`
      const t = ticker(5);
      await t.pull();
      t.close();
      after(60_000).close();
      after(2 ** 31 + 100).close();
      ticker(2 ** 40).close();
      after(Number.MAX_SAFE_INTEGER).close(new Error('reason'));
    `);
  });

  it('signals: aborted mid-wait, AbortSignal.any, AbortSignal.timeout, already aborted', async () => {
    await expectCleanExit(`
      const c = new AbortController();
      ticker(60_000, { signal: c.signal });
      after(60_000, { signal: AbortSignal.any([c.signal]) });
      after(60_000, { signal: AbortSignal.abort() });
      ticker(60_000, { signal: AbortSignal.abort() });
      const ticks = ticker(5, { signal: AbortSignal.timeout(40) });
      let n = 0;
      for await (const _ of ticks) n++;
      if (n < 1) throw new Error('no tick');
      c.abort();
    `);
  });

  it('the timeout idiom in a loop with `timeout.close()` per iteration, and an after that won', async () => {
    await expectCleanExit(`
      const data = new Channel(1);
      for (let i = 0; i < 100; i++) {
        const timeout = after(60_000);
        data.pushNowait(i);
        const r = await select([pull(data), pull(timeout)]);
        timeout.close();
        if (r.index !== 0) throw new Error('timeout won');
      }
      const r = await select([pull(data), pull(after(1))]);
      if (r.index !== 1) throw new Error('data won');
    `);
  });

  it('a ticker closed in its own for-await body, a broadcast of a ticker whose source is closed, a merge over a ticker', async () => {
    await expectCleanExit(`
      const t = ticker(2);
      let n = 0;
      for await (const _ of t) if (++n === 3) t.close();
      const src = ticker(3);
      const hub = broadcast(src);
      const a = hub.subscribe();
      const b = hub.subscribe({ overflow: 'drop-oldest' });
      await a.pull();
      hub.close();
      src.close();
      const t2 = ticker(2);
      const m = merge(t2, after(5));
      await m.pull();
      t2.close();
      for await (const _ of m) {}
    `);
  });

  it('Symbol.dispose / Symbol.asyncDispose on after and ticker clear their timers', async () => {
    await expectCleanExit(`
      const d = Symbol.dispose ?? Symbol.for('Symbol.dispose');
      const ad = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');
      ticker(60_000)[d]();
      await after(60_000)[ad]();
      const t = ticker(1);
      await t.pull();
      await t[ad]();
    `);
  });

  it('a parked pull on a closed ticker rejects and is handled; nothing else surfaces later', async () => {
    await expectCleanExit(`
      const t = ticker(60_000);
      const p = t.pull().catch((e) => { if (e.name !== 'ChannelClosedError') throw e; });
      setTimeout(() => t.close(), 10);
      await p;
      await new Promise((r) => setTimeout(r, 50));
    `);
  });
});
