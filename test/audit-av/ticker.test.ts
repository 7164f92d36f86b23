import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after as afterMs, ChannelClosedError, pull as pullCase, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

describe('ticker (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is a channel of capacity 1 that receives Date.now() every ms', async () => {
    const t = ticker(100);
    expect(t.capacity).toBe(1);
    expect(t.tryPull()).toBe(undefined);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.tryPull()).toBe(1_000_100);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.tryPull()).toBe(1_000_200);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('does not drift: ticks due at start + k*ms even when callbacks run late', async () => {
    const t = ticker(100);
    const got: number[] = [];
    // simulate late firing: jump time in odd steps
    for (let k = 0; k < 10; k++) {
      await vi.advanceTimersByTimeAsync(100);
      const v = t.tryPull();
      if (v !== undefined) got.push(v);
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, k) => 1_000_000 + (k + 1) * 100));
    t.close();
  });
  it('late timer callback: next tick still on the start+k*ms grid', async () => {
    const t = ticker(100);
    // block the clock: move system time forward 30ms without running timers, then run
    vi.setSystemTime(1_000_130);
    await vi.advanceTimersByTimeAsync(100); // now 1_000_230; first tick fired (late)
    const first = t.tryPull();
    expect(first).toBeDefined();
    await vi.advanceTimersByTimeAsync(300 - 230 + 1_000_000 - 1_000_000);
    // at 1_000_300 a tick is due
    const now = Date.now();
    expect(now).toBe(1_000_300);
    expect(t.tryPull()).toBe(1_000_300);
    t.close();
  });
  it('a tick that finds the buffer full is dropped (slow reader)', async () => {
    const t = ticker(10);
    await vi.advanceTimersByTimeAsync(55);
    expect(t.size).toBe(1);
    expect(t.tryPull()).toBe(1_000_010);
    expect(t.tryPull()).toBe(undefined);
    await vi.advanceTimersByTimeAsync(5);
    expect(t.tryPull()).toBe(1_000_060);
    t.close();
  });
  it('a waiting puller gets the tick', async () => {
    const t = ticker(50);
    const p = t.pull();
    await vi.advanceTimersByTimeAsync(50);
    expect(await p).toBe(1_000_050);
    t.close();
  });
  it('closing clears the timer', async () => {
    const t = ticker(50);
    expect(vi.getTimerCount()).toBe(1);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('closing with a reason: for await throws it; timer cleared', async () => {
    const t = ticker(50);
    await vi.advanceTimersByTimeAsync(50);
    t.close('stop');
    expect(vi.getTimerCount()).toBe(0);
    const got: number[] = [];
    let err: unknown;
    try {
      for await (const v of t) got.push(v);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([1_000_050]);
    expect(err).toBe('stop');
  });
  it('aborting the signal clears the timer and closes the channel', async () => {
    const ac = new AbortController();
    const t = ticker(50, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(50);
    ac.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.closed).toBe(true);
    expect(t.tryPull()).toBe(1_000_050);
  });
  it('an already aborted signal: closed channel, no timer', () => {
    const t = ticker(50, { signal: AbortSignal.abort() });
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
  it.each([0, -1, NaN, Infinity, -Infinity])('ms %s throws RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });
  it('non-number ms throws (TypeError or RangeError)', () => {
    expect(() => ticker('100' as any)).toThrow();
  });
  it('fractional ms is accepted (positive finite)', async () => {
    const t = ticker(0.5);
    await vi.advanceTimersByTimeAsync(2);
    expect(t.size).toBe(1);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('ticker above 2^31-1 ms fires at the right time, not immediately', async () => {
    const big = 2 ** 31 + 1000; // ~24.8 days
    const t = ticker(big);
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1);
    expect(t.size).toBe(0);
    await vi.advanceTimersByTimeAsync(big - (2 ** 31 - 1) - 1);
    expect(t.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.tryPull()).toBe(1_000_000 + big);
    await vi.advanceTimersByTimeAsync(big);
    expect(t.tryPull()).toBe(1_000_000 + 2 * big);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('ticker in a select with a timeout', async () => {
    const t = ticker(30);
    const done = afterMs(100);
    let ticks = 0;
    for (;;) {
      const p = select([pullCase(t), pullCase(done)]);
      await vi.advanceTimersByTimeAsync(30);
      const r = await p;
      if (r.index === 1) break;
      ticks++;
    }
    expect(ticks).toBe(3);
    t.close();
    expect(t.stats().waitingPullers).toBe(0);
  });
});

describe('after (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('delivers Date.now() once after ms then closes', async () => {
    const a = afterMs(100);
    await vi.advanceTimersByTimeAsync(99);
    expect(a.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.tryPull()).toBe(5_100);
    expect(a.closed).toBe(true);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('above 2^31-1 ms: not immediately, exactly at ms', async () => {
    const ms = 2 ** 31 + 5;
    const a = afterMs(ms);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.size).toBe(0);
    await vi.advanceTimersByTimeAsync(ms - 2);
    expect(a.size).toBe(0);
    expect(a.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.tryPull()).toBe(5_000 + ms);
    expect(vi.getTimerCount()).toBe(0);
  });
  it('a very large delay (Number.MAX_SAFE_INTEGER) keeps a chained timer and clears on close', async () => {
    const a = afterMs(Number.MAX_SAFE_INTEGER);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(a.size).toBe(0);
    a.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('closing afterMs() before it fires clears the timer', () => {
    const a = afterMs(1000);
    a.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('closing a large afterMs() part-way through the chain clears the timer', async () => {
    const a = afterMs(2 ** 32);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(vi.getTimerCount()).toBe(1);
    a.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('abort mid-chain on a big ticker clears the timer', async () => {
    const ac = new AbortController();
    ticker(2 ** 32, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(2 ** 31 + 7);
    ac.abort();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('after(0) and afterMs(-5) deliver soon', async () => {
    const a = afterMs(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.tryPull()).toBeTypeOf('number');
  });
});

function runNode(code: string, timeoutMs = 20_000): Promise<{ code: number | null; ms: number; out: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, ms: Date.now() - t0, out });
    });
  });
}

// This checkout's build (a URL: the child imports it by a string in its code).
const IDX = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href;
// `ms` includes a Node start, seconds on a loaded machine: the bound is 10 s, the timers at stake run for ever or 60-100 s.
describe('nothing keeps a Node process alive (real timers)', () => {
  it('closed ticker: process exits', async () => {
    const r = await runNode(`import { ticker } from '${IDX}'; const t = ticker(1000); t.close(); console.log('ok');`);
    expect(r.out).toContain('ok');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });
  it('closed huge after/ticker: process exits, nothing throws later', async () => {
    const r = await runNode(
      `import { after as afterMs, ticker } from '${IDX}'; const a = afterMs(2**31 + 10); const t = ticker(2**33); a.close(); t.close(); setTimeout(()=>console.log('ok'), 50);`,
    );
    expect(r.out).toBe('ok\n');
    expect(r.code).toBe(0);
  });
  it('aborted ticker and after: process exits', async () => {
    const r = await runNode(
      `import { after as afterMs, ticker } from '${IDX}'; const ac = new AbortController(); ticker(100, {signal: ac.signal}); afterMs(100000, {signal: ac.signal}); setTimeout(() => ac.abort(), 150); setTimeout(()=>console.log('ok'), 200);`,
    );
    expect(r.out).toBe('ok\n');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });
  it('broadcast whose subscribers left: process exits', async () => {
    const r = await runNode(
      `import { broadcast, Channel, ticker } from '${IDX}'; const t = ticker(20); const hub = broadcast(t); const s = hub.subscribe(); for await (const v of s) { break; } hub.close(); t.close(); console.log('ok');`,
    );
    expect(r.out).toBe('ok\n');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });
  it('ticker in a select loop with after: process exits when done', async () => {
    // The after(60) starts once 3 ticks came: a loaded machine drops ticks, so 3 in the first 60 ms was a race.
    const r = await runNode(
      `import { after as afterMs, ticker, select, pull } from '${IDX}'; const t = ticker(10); let d = null; let n=0; for(;;){ const r = await select([pull(t), d && pull(d)]); if (r.index===1) break; if (++n===3) d = afterMs(60); } t.close(); console.log(n>=3 ? 'ok' : 'n='+n);`,
    );
    expect(r.out).toBe('ok\n');
    expect(r.code).toBe(0);
  });
  // README (Semantic details): an after() that lost a select keeps Node alive until it fires unless
  // closed (no unref: not a web API). Closing it, as documented, lets the process exit at once.
  it('a select that lost to after(): closing the after channel lets the process exit', async () => {
    const r = await runNode(
      `import { after as afterMs, Channel, select, pull } from '${IDX}'; const c = new Channel(1); c.tryPush(1); const t = afterMs(60000); const r = await select([pull(c), pull(t)]); t.close(); console.log('ok', r.index);`,
    );
    expect(r.out).toBe('ok 0\n');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });
});
