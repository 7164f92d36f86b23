/** Broadcast of a subscriber (a chain of two hubs) with capacity-0 links, after the F1 fix. */
import { expect, test } from 'vitest';
import { broadcast, Channel, merge } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

test('two hubs chained through a capacity-0 subscriber: a stuck leaf holds the source back, a pull lets one value through', async () => {
  const src = new Channel<number>(0);
  const hub1 = broadcast(src);
  const mid = hub1.subscribe({ capacity: 0 });
  const hub2 = broadcast(mid);
  const leaf = hub2.subscribe({ capacity: 0 });
  const p1 = track(src.push(1));
  const p2 = track(src.push(2));
  await flush();
  expect(p1.current.status).toBe('pending');
  expect(mid.size).toBe(0);
  const got = track(leaf.pull());
  await flush();
  expect(got.current).toEqual({ status: 'fulfilled', value: 1 });
  expect(p1.current.status).toBe('fulfilled');
  expect(p2.current.status).toBe('pending');
  expect([mid.size, leaf.size]).toEqual([0, 0]);
  const got2 = track(leaf.pullMany(5));
  await flush();
  expect(got2.current).toEqual({ status: 'fulfilled', value: [2] });
  src.close('end');
  await flush();
  await expect(leaf.pull()).rejects.toMatchObject({ cause: 'end' }); // a parked pull learns of it
  expect([mid.closed, leaf.closed]).toEqual([true, true]);
});

test('chain with a shared signal: leaf pull and mid subscription share one controller', async () => {
  const src = new Channel<number>(0);
  const hub1 = broadcast(src);
  const c = new AbortController();
  const other = hub1.subscribe({ capacity: 0 });
  const mid = hub1.subscribe({ capacity: 0, signal: c.signal });
  const hub2 = broadcast(mid);
  const leaf = hub2.subscribe({ capacity: 0 });
  const o1 = track(other.pull());
  const o2 = track(other.pull({ signal: c.signal }));
  const l1 = track(leaf.pull({ signal: c.signal }));
  const p1 = track(src.push(1));
  const p2 = track(src.push(2));
  await flush();
  // all three have room: 1 goes to other (o1) and through mid to leaf (l1)
  expect(o1.current).toEqual({ status: 'fulfilled', value: 1 });
  expect(l1.current).toEqual({ status: 'fulfilled', value: 1 });
  c.abort('R');
  await flush();
  expect(o2.current).toEqual({ status: 'rejected', reason: 'R' });
  expect(mid.closed).toBe(true);
  expect(other.size).toBe(0);
  expect(p1.current.status).toBe('fulfilled');
  expect(p2.current.status).toBe('pending');
  // mid closed normally and drained; the leaf has no room, so hub2 learns of it when a pull
  // parks on the leaf (the README's decision for a source fed by a feeder: F3).
  expect(leaf.closed).toBe(false);
  const last = track(leaf.pull());
  await flush();
  expect(last.current.status).toBe('rejected');
  expect(leaf.closed).toBe(true);
});

test('merge of two subscribers of one broadcast gets every value twice, in order per input', async () => {
  const src = new Channel<number>(0);
  const hub = broadcast(src);
  const a = hub.subscribe({ capacity: 1 });
  const b = hub.subscribe({ capacity: 1 });
  const m = merge(a, b);
  const done = src.pushAll([1, 2, 3]).then(() => src.close());
  const got: number[] = [];
  for await (const v of m) got.push(v);
  await done;
  expect(got.filter((v) => v === 1).length).toBe(2);
  expect(got.length).toBe(6);
});
