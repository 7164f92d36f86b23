import { broadcast, Channel } from 'chanasync';
import { expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('broadcast of a lazy Channel.from source: nothing read with no subscriber, everything to every subscriber, no read-ahead beyond room', async () => {
  let produced = 0;
  function* gen() {
    for (let i = 0; i < 10; i++) {
      produced++;
      yield i;
    }
  }
  const src = Channel.from(gen(), { capacity: 0 });
  const hub = broadcast(src);
  await sleep(5);
  expect(produced).toBe(0);
  const a = hub.subscribe({ capacity: 2 });
  const b = hub.subscribe({ capacity: 1 });
  await sleep(5);
  expect(produced).toBeLessThanOrEqual(2);
  const ra: number[] = [];
  const rb: number[] = [];
  await Promise.all([
    (async () => {
      for await (const v of a) ra.push(v);
    })(),
    (async () => {
      for await (const v of b) {
        rb.push(v);
        await sleep(1);
      }
    })(),
  ]);
  expect(ra).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(rb).toEqual(ra);
});

it('broadcast.close() of a Channel.from source leaves the source open and unread beyond what was delivered', async () => {
  let produced = 0;
  let finalized = false;
  function* gen() {
    try {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    } finally {
      finalized = true;
    }
  }
  const src = Channel.from(gen(), { capacity: 0 });
  const hub = broadcast(src);
  const a = hub.subscribe({ capacity: 3 });
  await sleep(5);
  hub.close();
  await sleep(5);
  const got: number[] = [];
  for await (const v of a) got.push(v);
  expect(got).toEqual([0, 1, 2]);
  expect(src.closed).toBe(false);
  expect(finalized).toBe(false);
  // the source continues where the broadcast stopped: nothing was pulled and lost
  expect(await src.pull()).toBe(3);
  expect(produced).toBeLessThanOrEqual(5);
  src.close();
  await sleep(0);
});
