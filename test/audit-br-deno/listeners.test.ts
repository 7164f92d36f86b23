// Audit BR-peers-d: Deno's abortable_test / deadline_test / delay_test all clear their timers and
// check that a settled operation leaves nothing behind. Here: every chanasync helper that takes a
// `signal` removes its abort listener (and timer) once it is done, however it ends.
import { after as afterMs, broadcast, Channel, from, pull, select, ticker, toReadableStream } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortListeners, collect } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('no abort listener or timer outlives its operation', () => {
  // delay_test "delay() handles abort" twin: a ticker closed by hand clears timer and listener.
  it('ticker closed by hand', () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const t = ticker(10, { signal: ac.signal });
    expect([abortListeners(ac.signal), vi.getTimerCount()]).toEqual([1, 1]);
    t.close();
    expect([abortListeners(ac.signal), vi.getTimerCount()]).toEqual([0, 0]);
  });

  // deadline_test "returns fulfilled promise" twin: an after() that fired leaves nothing.
  it('after() that fired', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const t = afterMs(10, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(10);
    expect(t.closed).toBe(true);
    expect(t.size).toBe(1);
    expect([abortListeners(ac.signal), vi.getTimerCount()]).toEqual([0, 0]);
  });

  it('subscriber closed by hand, from() run to its end, streams cancelled or ended', async () => {
    const ac = new AbortController();
    const s = ac.signal;
    broadcast(new Channel<number>()).subscribe({ signal: s }).close();
    expect(abortListeners(s)).toBe(0);
    expect(await collect(from([1, 2], { signal: s }))).toEqual([1, 2]);
    expect(abortListeners(s)).toBe(0);
    await toReadableStream(new Channel<number>(), { signal: s }).cancel();
    expect(abortListeners(s)).toBe(0);
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const st = toReadableStream(c, { signal: s });
    c.close();
    expect(await collect(st)).toEqual([1]);
    expect(abortListeners(s)).toBe(0);
  });

  it('select and pushAll failed by close()', async () => {
    const ac = new AbortController();
    const s = ac.signal;
    const c = new Channel<number>();
    const p = select([pull(c), pull(new Channel<number>())], { signal: s });
    expect(abortListeners(s)).toBe(1);
    c.close();
    expect(await p).toMatchObject({ index: 0, ok: false });
    const d = new Channel<number>();
    const q = d.pushAll([1, 2], { signal: s });
    d.close();
    await expect(q).rejects.toMatchObject({ name: 'ChannelClosedError', pushed: 0 });
    expect(abortListeners(s)).toBe(0);
  });

  // Many operations on one signal add one listener (README Cancellation), as Deno's abortable
  // adds one per call — the difference a loop of timeouts on one controller notices.
  it('eleven parked pulls on one signal add one listener, and an abort rejects them all', async () => {
    const ac = new AbortController();
    const chans = Array.from({ length: 11 }, () => new Channel<number>());
    const ps = chans.map((c) => c.pull({ signal: ac.signal }));
    expect(abortListeners(ac.signal)).toBe(1);
    ac.abort('all');
    for (const p of ps) await expect(p).rejects.toBe('all');
    expect(abortListeners(ac.signal)).toBe(0);
  });
});
