/**
 * Whole Node processes running the timeout-in-a-loop idiom and friends: does the process exit
 * once the work is done, or does a timer keep it alive?
 */
import { describe, expect, test } from 'vitest';
import { runInNode } from '../helpers/node-script.js';

describe('a Node script that is done exits', () => {
  test('10,000 selects against after(60 s, { signal }) and one abort when done: exit 0 at once, every value summed', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { after, Channel, pull, select } from './src/index.ts';
      const data = new Channel(Infinity);
      for (let i = 0; i < 10_000; i++) data.tryPush(i);
      const done = new AbortController();
      let sum = 0;
      for (let i = 0; i < 10_000; i++) {
        const r = await select([pull(data), pull(after(60_000, { signal: done.signal }))]);
        if (r.index !== 0) throw new Error('timed out');
        sum += r.value;
      }
      done.abort();
      console.error('sum', sum);
    `);
    expect(stderr.trim()).toBe('sum 49995000');
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });

  test('the same loop with `using timeout = after(ms)` per iteration exits at once', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { after, Channel, pull, select } from './src/index.ts';
      const data = new Channel(Infinity);
      for (let i = 0; i < 1_000; i++) data.tryPush(i);
      let n = 0;
      for (let i = 0; i < 1_000; i++) {
        using timeout = after(60_000);
        const r = await select([pull(data), pull(timeout)]);
        n += r.index === 0 ? 1 : 0;
      }
      console.error('n', n);
    `);
    expect(stderr.trim()).toBe('n 1000');
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });

  test('documented: an after(ms) that lost its select and was left open keeps the process alive until it fires (Go before 1.23)', async () => {
    const { exit, ms } = await runInNode(`
      import { after, Channel, pull, select } from './src/index.ts';
      const data = new Channel(1);
      data.tryPush(1);
      await select([pull(data), pull(after(1_500))]);
    `);
    expect(exit).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1_400);
  });

  test('a produce-style from(async generator) left with break and closed by `await using` runs the finally before the code after the block, and exits at once', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { from } from './src/index.ts';
      async function* ticks() {
        try {
          for (let i = 0; ; i++) {
            await new Promise((r) => setTimeout(r, 1));
            yield i;
          }
        } finally {
          console.error('finally');
        }
      }
      {
        await using values = from(ticks());
        for await (const v of values) if (v === 3) break;
      }
      console.error('after block');
    `);
    expect(stderr.trim().split('\n')).toEqual(['finally', 'after block']);
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });

  test('a heartbeat ticker closed with `using` and a fromEvent channel closed by its signal leave nothing to keep the process alive', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { fromEvent, pull, select, ticker } from './src/index.ts';
      const target = new EventTarget();
      const stop = new AbortController();
      const events = fromEvent(target, 'job', { capacity: 8, signal: stop.signal });
      let beats = 0;
      let jobs = 0;
      setTimeout(() => { for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('job')); }, 5);
      {
        using heartbeat = ticker(10);
        for (;;) {
          const r = await select([pull(events), pull(heartbeat)]);
          if (r.index === 0 && !r.ok) break;
          if (r.index === 0) jobs++; else beats++;
          // Stopped once both have been seen (a fixed 60 ms saw one beat on a loaded machine).
          if (jobs === 3 && beats >= 2) stop.abort();
        }
      }
      console.error(jobs, beats >= 2);
    `);
    expect(stderr.trim()).toBe('3 true');
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });
});
