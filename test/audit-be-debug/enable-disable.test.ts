// Enabling and disabling debug mode: SPEC "Debug mode" — off by default, tracks channels created
// after enableDebug, disableDebug stops it (README reference: forgets everything, never throws).
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, find, HELLO, quiet, say, sleep, waitFor } from './helpers.js';

afterEach(() => {
  disableDebug();
});

describe('off by default', () => {
  it('snapshot() before any enableDebug lists no channels (nothing is tracked when off)', () => {
    const ch = new Channel<number>(0, { name: 'before-anything' });
    quiet(ch.pull());
    const snap = snapshot();
    expect(snap.type).toBe('snapshot');
    expect(snap.version).toBe(1);
    expect(snap.channels).toEqual([]);
    ch.close();
  });
});

describe('enableDebug', () => {
  it('tracks channels created after it, not those created before', () => {
    const early = new Channel<number>(0, { name: 'early' });
    enableDebug({ target: fakeTarget() });
    const late = new Channel<number>(0, { name: 'late' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toContain('late');
    expect(names).not.toContain('early');
    void early;
    void late;
  });

  it('works with no arguments in Node (no postMessage, no addEventListener on globalThis)', () => {
    expect(() => enableDebug()).not.toThrow();
    const ch = new Channel<number>(0, { name: 'bare' });
    expect(find(snapshot(), 'bare')).toBeDefined();
    void ch;
  });

  it('works with an empty options object', () => {
    expect(() => enableDebug({})).not.toThrow();
    new Channel<number>(0, { name: 'empty-options' });
    expect(find(snapshot(), 'empty-options')).toBeDefined();
  });

  it('posts an announce to the target synchronously, carrying version 1', () => {
    const target = fakeTarget();
    enableDebug({ target });
    expect(target.messages).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  it('calling it again keeps debug mode on and announces to the new target', () => {
    const first = fakeTarget();
    const second = fakeTarget();
    enableDebug({ target: first });
    enableDebug({ target: second });
    expect(second.messages.filter((m) => m.type === 'announce')).toHaveLength(1);
    const ch = new Channel<number>(0, { name: 'after-second' });
    expect(find(snapshot(), 'after-second')).toBeDefined();
    void ch;
  });

  it('calling it again moves posting to the new target: the old one gets nothing more', async () => {
    const oldListen = new EventTarget();
    const newListen = new EventTarget();
    const oldTarget = fakeTarget();
    const newTarget = fakeTarget();
    enableDebug({ target: oldTarget, listen: oldListen, intervalMs: 10 });
    say(oldListen, HELLO);
    await waitFor(() => oldTarget.snapshots.length > 0, 1000);
    const oldCount = oldTarget.calls.length;
    enableDebug({ target: newTarget, listen: newListen, intervalMs: 10 });
    say(oldListen, HELLO); // the old listener is gone
    say(newListen, HELLO);
    const ch = new Channel<number>(0, { name: 'moved' });
    quiet(ch.pull());
    await waitFor(() => newTarget.snapshots.some((s) => find(s, 'moved')), 1000);
    await sleep(50);
    expect(newTarget.snapshots.some((s) => find(s, 'moved'))).toBe(true);
    // The old target may receive the README's last empty snapshot, never one listing new channels.
    const later = oldTarget.messages.slice(oldCount);
    expect(later.every((m) => m.type !== 'snapshot' || m.channels.length === 0)).toBe(true);
    ch.close();
  });
});

describe('disableDebug', () => {
  it('stops tracking: snapshot() lists no channels afterwards and new channels are not tracked', () => {
    enableDebug({ target: fakeTarget() });
    const tracked = new Channel<number>(0, { name: 'tracked' });
    quiet(tracked.pull());
    expect(snapshot().channels).toHaveLength(1);
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    new Channel<number>(0, { name: 'untracked' });
    expect(snapshot().channels).toEqual([]);
    tracked.close();
  });

  it('forgets tracked channels: enabling again does not list channels from the earlier session', () => {
    enableDebug({ target: fakeTarget() });
    const old = new Channel<number>(0, { name: 'old-session' });
    disableDebug();
    enableDebug({ target: fakeTarget() });
    const fresh = new Channel<number>(0, { name: 'new-session' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toEqual(['new-session']);
    void old;
    void fresh;
  });

  it('never throws, also when debug mode is already off or called twice', () => {
    expect(() => disableDebug()).not.toThrow();
    enableDebug({ target: fakeTarget() });
    expect(() => disableDebug()).not.toThrow();
    expect(() => disableDebug()).not.toThrow();
  });

  it('stops posting: after disableDebug a hello gets no snapshot and channel activity posts nothing', async () => {
    const listen = new EventTarget();
    const target = fakeTarget();
    enableDebug({ target, listen, intervalMs: 10 });
    disableDebug();
    const count = target.calls.length;
    say(listen, HELLO);
    const ch = new Channel<number>(0, { name: 'quiet' });
    quiet(ch.pull());
    await sleep(60);
    expect(target.calls.length).toBe(count);
    ch.close();
  });

  it('a waiter parked while tracked keeps working after disableDebug (values still delivered)', async () => {
    enableDebug({ target: fakeTarget() });
    const ch = new Channel<string>(0, { name: 'survives' });
    const p = ch.pull();
    disableDebug();
    await ch.push('still works');
    await expect(p).resolves.toBe('still works');
  });
});
