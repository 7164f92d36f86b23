// Many stuck channels and many waiters: what a snapshot keeps and how it says it cut.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { LIMITS } from 'chanasync/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quiet, row, sleep } from './helpers.js';

const open: Channel<unknown>[] = [];
beforeEach(() => enableDebug({ target: { postMessage() {} } }));
afterEach(() => {
  for (const channel of open.splice(0)) channel.close();
  disableDebug();
});
function make<T>(capacity: number, name: string): Channel<T> {
  const channel = new Channel<T>(capacity, { name });
  open.push(channel as Channel<unknown>);
  return channel;
}

describe('budgets', () => {
  it('1200 stuck channels: 1000 listed, the oldest stuck kept, the rest counted in truncated', async () => {
    const first = make<number>(0, 'oldest-stuck');
    quiet(first.pull());
    await sleep(20);
    for (let i = 0; i < 1199; i++) quiet(make<number>(0, `stuck-${i}`).pull());
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels).toHaveLength(LIMITS.channels);
    expect(snap.channels[0]!.name).toBe('oldest-stuck');
    expect(snap.truncated).toEqual({ channels: 200, waiters: 200 });
  });

  it('idle channels are dropped before stuck ones', async () => {
    for (let i = 0; i < 1100; i++) make<number>(1, `idle-${i}`);
    const stuck = make<number>(0, 'the-stuck-one');
    quiet(stuck.push(1));
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels).toHaveLength(LIMITS.channels);
    expect(snap.channels[0]!.name).toBe('the-stuck-one');
    expect(snap.truncated).toEqual({ channels: 101, waiters: 0 });
  });

  it('150 parked pulls on one channel: 100 listed, oldest first, waiting gives the true counts', async () => {
    const ch = make<number>(0, 'crowded');
    for (let i = 0; i < 150; i++) quiet(ch.pull());
    await sleep(0);
    const snap = snapshot();
    const r = row(snap, 'crowded');
    expect(r.pullers).toHaveLength(LIMITS.waiters);
    expect(r.waiting).toEqual({ pushers: 0, pullers: 150 });
    expect(snap.truncated).toEqual({ channels: 0, waiters: 50 });
    // Once 120 of them are served, the cut disappears.
    for (let i = 0; i < 120; i++) ch.pushNowait(i);
    const after = row(snapshot(), 'crowded');
    expect(after.pullers).toHaveLength(30);
    expect(after.waiting).toBeUndefined();
    expect(snapshot().truncated).toBeUndefined();
  });

  it('12,000 waiters in all: at most LIMITS.totalWaiters listed, every channel keeps its oldest', async () => {
    const channels: Channel<number>[] = [];
    for (let c = 0; c < 200; c++) {
      const ch = make<number>(0, `busy-${c}`);
      channels.push(ch);
      for (let i = 0; i < 60; i++) quiet(ch.push(i));
    }
    await sleep(0);
    const snap = snapshot();
    const listed = snap.channels.reduce((n, c) => n + c.pushers.length + c.pullers.length, 0);
    expect(listed).toBe(LIMITS.totalWaiters);
    expect(snap.truncated).toEqual({ channels: 0, waiters: 12_000 - LIMITS.totalWaiters });
    for (const c of snap.channels) {
      expect(c.pushers.length).toBeGreaterThanOrEqual(1);
      if (c.pushers.length < 60) expect(c.waiting).toEqual({ pushers: 60, pullers: 0 });
    }
  });
});
