/**
 * F2: one select with a push case into a broadcast's source and a pull case on a capacity-0
 * subscriber of that broadcast. The select's own pull case is the subscriber's only room; the
 * broadcast takes the select's own pushed value, the push case wins, the pull case is withdrawn,
 * and the value is stored in the unbuffered subscriber (size 1).
 */
import { expect, test } from 'vitest';
import { broadcast, Channel, pull, push, select } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

test('select([push(source, v), pull(sub)]) on a capacity-0 subscriber', async () => {
  const source = new Channel<string>(0);
  const hub = broadcast(source);
  const sub = hub.subscribe({ capacity: 0 });
  const s = track(select([push(source, 'mine'), pull(sub)]));
  await flush();
  // What happens: the push case fires although nobody but this select was ready to take the value.
  expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 0 } });
  // The unbuffered subscriber holds the select's own value (size 1, capacity 0). Documented in
  // README (commit 61b0eed, after this audit reported it) as a room lost during delivery.
  expect({ capacity: sub.capacity, size: sub.size }).toEqual({ capacity: 0, size: 1 });
  expect(await sub.pull()).toBe('mine');
  expect(sub.size).toBe(0);
});
