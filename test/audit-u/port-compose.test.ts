/**
 * Audit u: `toPort` reading channels the library made — `from` over an endless generator (the
 * receiver's credit must bound what is read from it), `merge`, a broadcast subscriber — and
 * `merge` over `fromPort` channels (credit from parked merge pulls).
 */
import { expect, test } from 'vitest';
import { broadcast } from '../../src/broadcast.js';
import { Channel } from '../../src/channel.js';
import { from } from '../../src/interop/from.js';
import { merge } from '../../src/interop/merge.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { drain, pair, range, sleep } from './helpers.js';

test('from(endless generator) → toPort → capacity 3: the generator is read only as far as credit and from’s buffer allow', async () => {
  const [a, b] = pair();
  let reads = 0;
  function* endless() {
    for (let i = 0; ; i++) {
      reads++;
      yield i;
    }
  }
  const local = from(endless(), { capacity: 2 });
  const remote = fromPort<number>(b, { capacity: 3 });
  const done = toPort(local, a);
  const got: number[] = [];
  for (let i = 0; i < 50; i++) got.push(await remote.pull());
  await sleep(50);
  expect(got).toEqual(range(0, 50));
  // 50 taken, at most 3 in flight or buffered remotely, 2 in from's buffer, one read in hand.
  expect(reads).toBeLessThanOrEqual(50 + 3 + 2 + 1);
  remote.close();
  const result = await done;
  const buffered: number[] = [];
  for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) buffered.push(v);
  expect([...got, ...buffered, ...result.undelivered]).toEqual(range(0, result.sent + result.undelivered.length));
  const readsAtEnd = reads;
  await sleep(50);
  expect(reads).toBe(readsAtEnd); // nothing more read after the stream ended
  local.close();
});

test('merge of two local channels → toPort: every value once, each input in order', async () => {
  const [a, b] = pair();
  const x = new Channel<string>(2);
  const y = new Channel<string>(0);
  const merged = merge(x, y);
  const remote = fromPort<string>(b, { capacity: 2 });
  const done = toPort(merged, a);
  const px = (async () => {
    for (let i = 0; i < 50; i++) await x.push(`x${i}`);
    x.close();
  })();
  const py = (async () => {
    for (let i = 0; i < 50; i++) await y.push(`y${i}`);
    y.close();
  })();
  const got = await drain(remote);
  await Promise.all([px, py]);
  expect(got.error).toBeUndefined();
  expect(got.values.filter((v) => v[0] === 'x')).toEqual(range(0, 50).map((i) => `x${i}`));
  expect(got.values.filter((v) => v[0] === 'y')).toEqual(range(0, 50).map((i) => `y${i}`));
  expect(await done).toEqual({ sent: 100, undelivered: [] });
});

test('merge over two capacity-0 fromPort channels: the merged consumer gets every value once, in order per stream', async () => {
  const [a1, b1] = pair();
  const [a2, b2] = pair();
  const l1 = new Channel<number>(0);
  const l2 = new Channel<number>(0);
  const r1 = fromPort<number>(b1);
  const r2 = fromPort<number>(b2);
  const d1 = toPort(l1, a1);
  const d2 = toPort(l2, a2);
  const p1 = (async () => {
    for (let i = 0; i < 60; i++) await l1.push(i);
    l1.close();
  })();
  const p2 = (async () => {
    for (let i = 100; i < 160; i++) await l2.push(i);
    l2.close();
  })();
  const merged = merge(r1, r2);
  const got = await drain(merged);
  await Promise.all([p1, p2]);
  expect(got.values.filter((v) => v < 100)).toEqual(range(0, 60));
  expect(got.values.filter((v) => v >= 100)).toEqual(range(100, 160));
  expect(await d1).toEqual({ sent: 60, undelivered: [] });
  expect(await d2).toEqual({ sent: 60, undelivered: [] });
});

test('a broadcast subscriber → toPort: the slow remote consumer sets the pace; nothing lost', async () => {
  const [a, b] = pair();
  const source = new Channel<number>(0);
  const hub = broadcast(source);
  const sub = hub.subscribe({ capacity: 1 });
  const other = hub.subscribe({ capacity: 100 });
  const remote = fromPort<number>(b, { capacity: 2 });
  const done = toPort(sub, a);
  const producer = (async () => {
    for (let i = 0; i < 80; i++) await source.push(i);
    source.close('fin');
  })();
  const got: number[] = [];
  let error: unknown;
  try {
    for await (const v of remote) {
      got.push(v);
      if (v % 10 === 0) await sleep(1);
    }
  } catch (e) {
    error = e;
  }
  await producer;
  expect(got).toEqual(range(0, 80));
  expect(error).toBe('fin');
  expect((await drain(other)).values).toEqual(range(0, 80));
  expect(await done).toEqual({ sent: 80, undelivered: [] });
});

test('an echo: the far side sends its fromPort channel straight back under the same name, over the same port', async () => {
  const [a, b] = pair();
  // Far side: receive on 'x', send what arrives back on 'x'.
  const inbound = fromPort<number>(b, { name: 'x', capacity: 2 });
  const echoing = toPort(inbound, b, { name: 'x' });
  // Near side.
  const local = new Channel<number>(0);
  const sending = toPort(local, a, { name: 'x' });
  const back = fromPort<number>(a, { name: 'x', capacity: 3 });
  const producer = (async () => {
    for (let i = 0; i < 300; i++) await local.push(i);
    local.close('bye');
  })();
  const got = await drain(back);
  await producer;
  expect(got.values).toEqual(range(0, 300));
  expect(got.error).toBe('bye');
  expect(await sending).toEqual({ sent: 300, undelivered: [] });
  expect(await echoing).toEqual({ sent: 300, undelivered: [] });
});
