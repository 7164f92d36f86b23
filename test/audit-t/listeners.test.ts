/**
 * Audit T: no abort listener is left on a signal once nothing is parked with it — after a
 * commit, a cancel, a close — for every operation that takes a signal, and for the helpers
 * (subscribe, after, ticker) once their channel is closed.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { after as afterMs, broadcast, Channel, pull, push, select, ticker } from '../../src/index.js';
import { settle } from './helpers.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('abort listeners', () => {
  test('one listener however many operations park with a signal; none once they all committed', async () => {
    const ac = new AbortController();
    const { signal } = ac;
    const ch = new Channel<number>();
    const other = new Channel<number>(1);
    other.tryPush(0);
    const ops = [
      ch.pull({ signal }),
      ch.pullMany(3, { signal }),
      select([pull(ch), push(other, 1)], { signal }),
      select([pull(ch)], { signal }),
    ];
    expect(listeners(signal)).toBe(1);
    // The multi-case select's push case on `other` is served first by this pull.
    expect(other.tryPull()).toBe(0);
    for (let i = 0; i < 3; i++) ch.pushNowait(i);
    await Promise.all(ops);
    expect(listeners(signal)).toBe(0);
    const pushes = [ch.push(1, { signal }), ch.pushAll([2, 3], { signal })];
    expect(listeners(signal)).toBe(1);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    expect(await ch.pull()).toBe(3);
    await Promise.all(pushes);
    await settle();
    expect(listeners(signal)).toBe(0);
  });

  test('no listener is left after close fails operations parked with a signal', async () => {
    const { signal } = new AbortController();
    const ch = new Channel<number>();
    const ops = [ch.pull({ signal }), ch.pullMany(2, { signal }), select([pull(ch)], { signal })];
    const full = new Channel<number>(1);
    full.tryPush(0);
    const pushes = [full.push(1, { signal }), full.pushAll([2, 3], { signal }), select([push(full, 4)], { signal })];
    expect(listeners(signal)).toBe(1);
    ch.close();
    full.close();
    await Promise.allSettled([...ops, ...pushes]);
    expect(listeners(signal)).toBe(0);
  });

  test('no listener is left on a signal that aborted', async () => {
    const ac = new AbortController();
    const ch = new Channel<number>();
    const ops = [ch.pull({ signal: ac.signal }), ch.pushAll([1], { signal: ac.signal })];
    ac.abort();
    await Promise.allSettled(ops);
    expect(listeners(ac.signal)).toBe(0);
  });

  test('subscribers, after and ticker leave the signal once closed', async () => {
    const { signal } = new AbortController();
    const hub = broadcast(new Channel<number>());
    const subs = [hub.subscribe({ signal }), hub.subscribe({ signal })];
    const timers = [afterMs(1000, { signal }), ticker(1000, { signal })];
    expect(listeners(signal)).toBe(1);
    for (const sub of subs) sub.close();
    expect(listeners(signal)).toBe(1);
    for (const timer of timers) timer.close();
    expect(listeners(signal)).toBe(0);
  });

  test('a broadcast that ends closes its signal-watched subscribers and leaves no listener', () => {
    const { signal } = new AbortController();
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe({ signal });
    hub.subscribe({ signal, capacity: 0 });
    expect(listeners(signal)).toBe(1);
    source.close();
    expect(listeners(signal)).toBe(0);
  });

  test('an after that fired leaves its signal', async () => {
    const { signal } = new AbortController();
    const ch = afterMs(1, { signal });
    await ch.pull();
    expect(ch.closed).toBe(true);
    expect(listeners(signal)).toBe(0);
  });
});
