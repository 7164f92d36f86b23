/**
 * F3: a broadcast whose source is another broadcast's subscriber (a fan-out tree) does not close
 * its subscribers when its source ends while none of them has room: the downstream hub's pull
 * on the middle channel is gone (a source with a feeder), so the middle channel's close never
 * reaches it. The leaf learns of the end when a consumer parks a pull on it or frees room in
 * it — the README's decision (Semantic details, broadcast: "A source fed by a feeder of its
 * own"), as for a `from` source. These tests pin that decision.
 */
import { expect, test } from 'vitest';
import { broadcast, Channel } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

function tree() {
  const src = new Channel<number>(0);
  const hub1 = broadcast(src);
  const mid = hub1.subscribe({ capacity: 0 });
  const hub2 = broadcast(mid);
  const leaf = hub2.subscribe({ capacity: 0 }); // no pull parked: no room
  return { src, mid, leaf };
}

test('source closed: the middle subscriber closes at once; the leaf, with no room, when a pull parks on it', async () => {
  const { src, mid, leaf } = tree();
  await flush();
  src.close('end');
  await flush();
  expect(mid.closed).toBe(true);
  expect(leaf.closed).toBe(false); // documented: no room, so the broadcast is not waiting on `mid`
  const pulled = track(leaf.pull());
  await flush();
  expect((pulled.current as { reason: { cause: unknown } }).reason.cause).toBe('end');
  expect(leaf.closed).toBe(true);
});

test('same with a buffered leaf that is full', async () => {
  const src = new Channel<number>(0);
  const hub1 = broadcast(src);
  const mid = hub1.subscribe({ capacity: 0 });
  const hub2 = broadcast(mid);
  const leaf = hub2.subscribe({ capacity: 1 });
  const p = track(src.push(1));
  await flush();
  expect(p.current.status).toBe('fulfilled');
  expect(leaf.size).toBe(1); // full
  src.close('end');
  await flush();
  expect(mid.closed).toBe(true);
  expect(leaf.closed).toBe(false); // documented: full, so the broadcast is not waiting on `mid`
  expect(leaf.tryPull()).toBe(1); // frees room: the broadcast looks, and ends
  expect(leaf.closed).toBe(true);
});

test('for comparison: a parked pull on the leaf does learn of the end', async () => {
  const { src, leaf } = tree();
  await flush();
  src.close('end');
  await flush();
  const p = track(leaf.pull());
  await flush();
  expect((p.current as { reason: { cause: unknown } }).reason.cause).toBe('end');
  expect(leaf.closed).toBe(true);
});

test('a consumer that polls an empty unbuffered leaf with tryPull() and closed does not see the end (documented: wait with a pull)', async () => {
  const { src, leaf } = tree();
  await flush();
  src.close('end');
  for (let spins = 0; spins < 20; spins++) {
    expect(leaf.tryPull()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 0));
  }
  expect(leaf.closed).toBe(false);
});
