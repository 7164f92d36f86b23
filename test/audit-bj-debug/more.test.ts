// More SPEC/README promises of chanasync/debug: reconnection, throttling under fake time,
// tracking scope, relayDebug argument checks.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BYE, HELLO, quiet, recorder, sleep } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  disableDebug();
});

describe('connection', () => {
  it('an inspector that says bye and then hello again gets a snapshot at once, though nothing changed', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'steady' });
    r.say(HELLO);
    await sleep(30);
    r.say(BYE);
    await sleep(30);
    const n = r.snapshots().length;
    r.say(HELLO);
    await sleep(0);
    expect(r.snapshots().length).toBe(n + 1);
    expect(
      r
        .snapshots()
        .at(-1)
        .channels.some((ch: any) => ch.name === 'steady'),
    ).toBe(true);
    c.close();
  });

  it('a second hello while connected does not break throttling or duplicate the stream', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'dup' });
    r.say(HELLO);
    r.say(HELLO);
    await sleep(60);
    const n = r.snapshots().length;
    await sleep(60);
    expect(r.snapshots().length).toBe(n);
    c.close();
  });

  it('snapshots posted to an inspector carry an increasing seq', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 5 });
    const c = new Channel<number>(10, { name: 'seq' });
    r.say(HELLO);
    for (let i = 0; i < 4; i++) {
      await sleep(20);
      c.pushNowait(i);
    }
    await sleep(30);
    const seqs = r.snapshots().map((s: any) => s.seq);
    expect(seqs.length).toBeGreaterThan(2);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  });
});

describe('throttling (fake time)', () => {
  it('at most one snapshot per intervalMs while the program changes channels constantly', async () => {
    vi.useFakeTimers();
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 250 });
    const c = new Channel<number>(Infinity, { name: 'busy' });
    r.say(HELLO);
    for (let t = 0; t < 1000; t++) {
      c.pushNowait(t);
      await vi.advanceTimersByTimeAsync(1);
    }
    // 1 at hello, then at most one per 250 ms over 1000 ms.
    expect(r.snapshots().length).toBeLessThanOrEqual(1 + 4 + 1);
    expect(r.snapshots().length).toBeGreaterThanOrEqual(3);
  });
});

describe('tracking scope', () => {
  it('a channel created before enableDebug is not tracked', () => {
    const before = new Channel<number>(0, { name: 'before' });
    enableDebug({ target: { postMessage() {} } });
    const after = new Channel<number>(0, { name: 'after' });
    const names = snapshot().channels.map((ch) => ch.name);
    expect(names).toContain('after');
    expect(names).not.toContain('before');
    before.close();
    after.close();
  });

  it('waiters of one queue are listed oldest first', async () => {
    enableDebug({ target: { postMessage() {} } });
    const c = new Channel<number>(0, { name: 'queue' });
    quiet(c.pull());
    await sleep(5);
    quiet(c.pull());
    await sleep(5);
    quiet(c.pull());
    const since = snapshot()
      .channels.find((ch) => ch.name === 'queue')!
      .pullers.map((w) => w.since);
    expect(since.length).toBe(3);
    expect([...since].sort((x, y) => x - y)).toEqual(since);
    c.close();
  });

  it('a channel with input not a boolean is a TypeError', () => {
    expect(() => new Channel<number>(0, { input: 'yes' as any })).toThrow(TypeError);
  });
});

describe('relayDebug arguments', () => {
  it('bad arguments are a TypeError naming relayDebug', () => {
    expect(() => relayDebug(null as any)).toThrow(/relayDebug/);
    expect(() => relayDebug({} as any)).toThrow(TypeError);
  });

  it('an AbortSignal given in place of the options is a TypeError that says to pass { signal }', () => {
    const { port1 } = new MessageChannel();
    try {
      expect(() => relayDebug(port1 as any, new AbortController().signal as any)).toThrow(/\{ signal \}/);
    } finally {
      port1.close();
    }
  });
});

describe('message shape', () => {
  it('every posted message carries source chanasync and version 1, and is structured-clone safe with stacks', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: r.listen, intervalMs: 5, stacks: true });
    const c = new Channel<number>(2, { name: 'shape', overflow: 'drop-oldest' });
    quiet(new Channel<number>(0, { name: 'parked' }).pull());
    r.say(HELLO);
    c.pushNowait(1);
    await sleep(30);
    disableDebug();
    expect(r.posted.length).toBeGreaterThanOrEqual(3);
    for (const m of r.posted) {
      expect(m.source).toBe('chanasync');
      expect(m.version).toBe(1);
      expect(() => structuredClone(m)).not.toThrow();
    }
    const row = r.snapshots()[0].channels.find((ch: any) => ch.name === 'shape');
    expect(row.overflow).toBe('drop-oldest');
    expect(row.capacity).toBe(2);
  });

  it('with stacks: true, createdAt and a waiter stack point at the user code that made them', () => {
    enableDebug({ target: { postMessage() {} }, stacks: true });
    const c = new Channel<number>(0, { name: 'where' });
    quiet(c.pull());
    const row = snapshot().channels.find((ch) => ch.name === 'where')!;
    expect(row.createdAt).toContain('more.test.ts');
    expect(row.pullers[0]!.stack).toContain('more.test.ts');
    c.close();
  });
});
