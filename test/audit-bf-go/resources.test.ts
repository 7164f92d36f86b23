/**
 * Audit BF (Go lens): timers left in the process (Node's active resources) by the timer
 * channels of ported Go code, and signals aborting while two sides meet on a rendezvous.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from '../../dist/index.js';
import { settled, turn, until } from './util.js';

/** Node's active `Timeout` handles (other test files run in other workers). */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('timers a timer channel holds, and when it lets them go', () => {
  it('after: pending while due; cleared by close, by dispose, by its signal, and gone once fired', async () => {
    const base = timers();
    const a = afterMs(60_000);
    expect(timers()).toBe(base + 1);
    a.close();
    expect(timers()).toBe(base);
    {
      using b = afterMs(60_000);
      expect(b.closed).toBe(false);
      expect(timers()).toBe(base + 1);
    }
    expect(timers()).toBe(base);
    const ctx = new AbortController();
    const c = afterMs(60_000, { signal: ctx.signal });
    ctx.abort();
    expect(c.closed).toBe(true);
    expect(timers()).toBe(base);
    const d = afterMs(1);
    await until(() => d.closed);
    expect(timers()).toBe(base);
    expect(d.size).toBe(1);
  });

  it('a timer channel with a signal leaves the signal when it fires or is closed: no abort listener is left', async () => {
    const ctx = new AbortController();
    const a = afterMs(1, { signal: ctx.signal });
    const t = ticker(60_000, { signal: ctx.signal });
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(1);
    await until(() => a.closed);
    t.close();
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
  });

  it('after beyond 2^31-1 ms: one hop pending, cleared by close', () => {
    const base = timers();
    const a = afterMs(2 ** 31 + 5_000);
    expect(timers()).toBe(base + 1);
    a.close();
    expect(timers()).toBe(base);
  });

  it('ticker: one timer while open, none once closed from inside its own for-await body', async () => {
    const base = timers();
    const t = ticker(2);
    expect(timers()).toBe(base + 1);
    let n = 0;
    for await (const _ of t) if (++n === 3) t.close();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(timers()).toBe(base);
  });

  it('a select loop with a fresh after per iteration and a shared signal: 200 timers pending, none after the abort', async () => {
    const base = timers();
    const data = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 200; i++) data.pushNowait(i);
    const ctx = new AbortController();
    for (let i = 0; i < 200; i++) await select([pull(data), pull(afterMs(60_000, { signal: ctx.signal }))]);
    expect(timers()).toBe(base + 200);
    ctx.abort();
    expect(timers()).toBe(base);
  });
});

describe('a signal aborting while two sides meet on an unbuffered channel', () => {
  it('a select parked on a push whose signal was aborted is not met by a later selectNowait with a pull case', async () => {
    const c = new Channel<string>();
    const ctx = new AbortController();
    let met: unknown = 'not run';
    // a listener added before the select parked runs first in the abort dispatch
    ctx.signal.addEventListener('abort', () => {
      met = selectNowait([pull(c)]);
    });
    const a = select([push(c, 'a')], { signal: ctx.signal });
    const reason = new Error('cancel');
    ctx.abort(reason);
    expect(met).toBeUndefined();
    await expect(a).rejects.toBe(reason);
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a select parked with a pull case whose sender aborted in the same turn keeps waiting and gets the next sender', async () => {
    const c = new Channel<number>();
    const ctx = new AbortController();
    const sent = c.push(1, { signal: ctx.signal });
    ctx.abort();
    await expect(sent).rejects.toHaveProperty('name', 'AbortError');
    const s = select([pull(c)]);
    expect(await settled(s)).toBe(false);
    await c.push(2);
    expect(await s).toMatchObject({ value: 2 });
  });

  it('a select push case rejected by a close while waiting names select push and the channel', async () => {
    const c = new Channel<number>(0, { name: 'results' });
    const s = select([push(c, 1)]);
    await turn();
    c.close();
    const error = await s.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toContain('select push');
    expect((error as Error).message).toContain('"results"');
  });
});
