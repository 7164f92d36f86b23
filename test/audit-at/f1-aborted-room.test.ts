/**
 * F1: a broadcast counts a parked pull whose signal is already aborted (but not yet cancelled,
 * because the abort listener is still running) as room, and takes a value from the source for
 * it. The value ends up stored in a capacity-0 subscriber (size 1 on an unbuffered channel) and
 * the producer's push resolves although no consumer took it.
 */
import { expect, test } from 'vitest';
import { broadcast, Channel } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

test('one signal for a subscriber and a pull on another subscriber: abort takes a value for the aborted pull', async () => {
  const source = new Channel<string>(0);
  const hub = broadcast(source);
  const controller = new AbortController();
  const a = hub.subscribe({ capacity: 0 }); // reader A, no signal
  const _b = hub.subscribe({ capacity: 0, signal: controller.signal }); // leaves on abort
  const p1 = track(source.push('v1'));
  const p2 = track(source.push('v2'));
  const pullA = track(a.pull());
  const pullA2 = track(a.pull({ signal: controller.signal }));
  await flush();
  expect(p1.current.status).toBe('pending'); // b has no room
  controller.abort('stop');
  await flush();
  expect(pullA.current).toEqual({ status: 'fulfilled', value: 'v1' });
  expect(pullA2.current).toEqual({ status: 'rejected', reason: 'stop' });
  // Nobody is waiting on `a` any more and it is unbuffered: v2 must still be in the source.
  expect({ size: a.size, capacity: a.capacity }).toEqual({ size: 0, capacity: 0 });
  expect(p2.current.status).toBe('pending');
});

test('same with a buffered subscriber: value taken beyond capacity', async () => {
  const source = new Channel<string>(4);
  const hub = broadcast(source);
  const controller = new AbortController();
  const a = hub.subscribe({ capacity: 1 });
  hub.subscribe({ capacity: 0, signal: controller.signal });
  source.pushAll(['v1', 'v2', 'v3']);
  a.tryPull(); // nothing yet: b has no room
  const pullA = track(a.pull({ signal: controller.signal }));
  await flush();
  controller.abort('stop');
  await flush();
  expect(pullA.current).toEqual({ status: 'rejected', reason: 'stop' });
  // a (capacity 1) may hold at most one value now.
  expect(a.size).toBeLessThanOrEqual(1);
  expect(source.size).toBeGreaterThanOrEqual(2);
});
