// Bounded snapshots (README: at most LIMITS.channels channels, LIMITS.waiters waiters per queue,
// `truncated`, `waiting`, names cut at LIMITS.name, capacities of 2^53 or more as null) and debug
// mode never getting in the way of the operation that called it (README "Never in the way").
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage, LIMITS } from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, find, HELLO, quiet, say, sleep, waitFor } from './helpers.js';

afterEach(() => {
  disableDebug();
});

describe('bounded snapshots', () => {
  it('lists at most LIMITS.channels channels, keeps the ones with waits, and counts the rest in truncated', () => {
    enableDebug({ target: fakeTarget() });
    const keep: Channel<number>[] = [];
    for (let i = 0; i < LIMITS.channels + 50; i++) keep.push(new Channel<number>(1, { name: `idle${i}` }));
    const waiting = new Channel<number>(0, { name: 'the-one-that-waits' });
    quiet(waiting.pull());
    const snap = snapshot();
    expect(snap.channels).toHaveLength(LIMITS.channels);
    expect(snap.truncated?.channels).toBe(51);
    expect(snap.channels[0]!.name).toBe('the-one-that-waits');
    expect(isPageToInspectorMessage(snap)).toBe(true);
    waiting.close();
  });

  it('lists at most LIMITS.waiters waiters per queue and gives the true lengths in waiting', () => {
    enableDebug({ target: fakeTarget() });
    const ch = new Channel<number>(0, { name: 'crowded' });
    for (let i = 0; i < LIMITS.waiters + 20; i++) quiet(ch.pull());
    const snap = snapshot();
    const c = find(snap, 'crowded')!;
    expect(c.pullers).toHaveLength(LIMITS.waiters);
    expect(c.waiting).toEqual({ pushers: 0, pullers: LIMITS.waiters + 20 });
    expect(snap.truncated?.waiters).toBe(20);
    expect(isPageToInspectorMessage(snap)).toBe(true);
    ch.close();
  });

  it('cuts long names at LIMITS.name characters without splitting a surrogate pair', () => {
    enableDebug({ target: fakeTarget() });
    const long = `${'x'.repeat(LIMITS.name - 1)}😀tail`;
    const ch = new Channel<number>(0, { name: long });
    const name = snapshot().channels[0]!.name;
    expect(name.length).toBeLessThanOrEqual(LIMITS.name);
    expect(name.startsWith('x'.repeat(LIMITS.name - 1))).toBe(true);
    expect(/[\uD800-\uDBFF]$/.test(name)).toBe(false);
    void ch;
  });

  it('lists a capacity of 2^53 or more as null (unbounded), keeping counts exact', () => {
    enableDebug({ target: fakeTarget() });
    new Channel<number>(2 ** 53, { name: 'huge' });
    new Channel<number>(2 ** 53 - 1, { name: 'max-safe' });
    expect(find(snapshot(), 'huge')!.capacity).toBeNull();
    expect(find(snapshot(), 'max-safe')!.capacity).toBe(2 ** 53 - 1);
  });
});

describe('never in the way', () => {
  it('restores Error.stackTraceLimit after capturing stacks', () => {
    const before = Error.stackTraceLimit;
    enableDebug({ target: fakeTarget(), stacks: true });
    const ch = new Channel<number>(0, { name: 'limit' });
    quiet(ch.pull());
    expect(Error.stackTraceLimit).toBe(before);
    ch.close();
  });

  it('an Error.prepareStackTrace that throws does not break operations (stacks become empty)', async () => {
    enableDebug({ target: fakeTarget(), stacks: true });
    const original = Error.prepareStackTrace;
    Error.prepareStackTrace = () => {
      throw new Error('broken prepareStackTrace');
    };
    try {
      const ch = new Channel<number>(0, { name: 'robust' });
      const p = ch.pull();
      const c = find(snapshot(), 'robust')!;
      expect(c.pullers).toHaveLength(1);
      await ch.push(5);
      await expect(p).resolves.toBe(5);
    } finally {
      Error.prepareStackTrace = original;
    }
  });

  it('disableDebug called from inside the target while it receives a snapshot neither throws nor loops', async () => {
    const listen = new EventTarget();
    let snapshotsSeen = 0;
    enableDebug({
      target: {
        postMessage(message: any) {
          if (message.type === 'snapshot') {
            snapshotsSeen++;
            disableDebug();
          }
        },
      },
      listen,
      intervalMs: 10,
    });
    new Channel<number>(1, { name: 're-entrant' }).pushNowait(1);
    say(listen, HELLO);
    await sleep(60);
    expect(snapshotsSeen).toBe(1);
    expect(snapshot().channels).toEqual([]);
  });

  it('an inspector that says bye synchronously while it receives a snapshot gets no more (README)', async () => {
    const listen = new EventTarget();
    const received: any[] = [];
    enableDebug({
      target: {
        postMessage(message: any) {
          received.push(message);
          if (message.type === 'snapshot') say(listen, { source: 'chanasync-inspector', version: 1, type: 'bye' });
        },
      },
      listen,
      intervalMs: 10,
    });
    say(listen, HELLO);
    await waitFor(() => received.some((m) => m.type === 'snapshot'), 1000);
    const ch = new Channel<number>(0, { name: 'after-sync-bye' });
    quiet(ch.pull());
    await sleep(60);
    expect(received.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    ch.close();
  });

  it('a plain Event named "message" (no data) on listen is ignored without error', async () => {
    const target = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 10 });
    expect(() => listen.dispatchEvent(new Event('message'))).not.toThrow();
    await sleep(30);
    expect(target.snapshots).toEqual([]);
  });
});
