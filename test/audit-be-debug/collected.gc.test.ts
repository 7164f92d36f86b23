// "Every channel created afterwards is tracked through a WeakRef (a tracked channel never stays
// alive because of debug mode)": collected channels leave the snapshot, with stacks too, and
// while an inspector is connected.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, fakeTarget, find, HELLO, say, waitFor } from './helpers.js';

const _gc = (globalThis as { gc?: () => void }).gc!;

afterEach(() => {
  disableDebug();
});

function makeMany(n: number, prefix: string): WeakRef<Channel<number>>[] {
  const refs: WeakRef<Channel<number>>[] = [];
  for (let i = 0; i < n; i++) {
    const ch = new Channel<number>(4, { name: `${prefix}${i}` });
    ch.pushNowait(i); // a buffered value, a tracked channel that did something
    refs.push(new WeakRef(ch));
  }
  return refs;
}

describe('debug mode never keeps a channel alive', () => {
  for (const stacks of [false, true]) {
    it(`dropped channels are collected and leave the snapshot (stacks: ${stacks})`, async () => {
      enableDebug({ target: fakeTarget(), stacks });
      const refs = makeMany(50, 'dropped');
      expect(snapshot().channels.length).toBe(50);
      expect(await collect(() => refs.every((r) => r.deref() === undefined))).toBe(true);
      expect(snapshot().channels.filter((c) => c.name.startsWith('dropped'))).toEqual([]);
      expect(snapshot().leaked ?? []).toEqual([]); // nothing was parked: no leaks
    });
  }

  it('a channel closed and dropped is collected and leaves the snapshot', async () => {
    enableDebug({ target: fakeTarget() });
    const ref = (() => {
      const ch = new Channel<number>(1, { name: 'closed-dropped' });
      ch.pushNowait(1);
      ch.close();
      return new WeakRef(ch);
    })();
    expect(find(snapshot(), 'closed-dropped')?.closed).toBe(true);
    expect(await collect(() => ref.deref() === undefined)).toBe(true);
    expect(find(snapshot(), 'closed-dropped')).toBeUndefined();
  });

  it('a connected inspector is sent a snapshot without the collected channels', async () => {
    const target = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 10 });
    const refs = makeMany(5, 'gone');
    say(listen, HELLO);
    expect(await waitFor(() => target.snapshots.some((s) => s.channels.length === 5), 1000)).toBe(true);
    expect(await collect(() => refs.every((r) => r.deref() === undefined))).toBe(true);
    expect(await waitFor(() => target.snapshots.at(-1)!.channels.length === 0, 2000)).toBe(true);
  });

  it('channels still referenced stay listed after a collection', async () => {
    enableDebug({ target: fakeTarget() });
    const kept = new Channel<number>(1, { name: 'kept' });
    const refs = makeMany(10, 'temp');
    expect(await collect(() => refs.every((r) => r.deref() === undefined))).toBe(true);
    expect(snapshot().channels.map((c) => c.name)).toEqual(['kept']);
    void kept;
  });
});
