import { Channel, ChannelClosedError } from 'chanasync';
import { expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('pushAll: a generator that fills the channel itself between values never overfills the buffer', async () => {
  const ch = new Channel<number>(2);
  function* gen() {
    yield 1;
    ch.tryPush(99);
    yield 2;
    yield 3;
  }
  const pa = ch.pushAll(gen());
  expect(ch.size).toBeLessThanOrEqual(2);
  const got: number[] = [];
  while (got.length < 4) got.push(await ch.pull());
  await pa;
  expect(got).toEqual([1, 99, 2, 3]);
});

it('pushAll: a generator that closes the channel mid-way: rejects ChannelClosedError, pushed exact, generator finalized', async () => {
  const ch = new Channel<number>(5);
  let finalized = false;
  function* gen() {
    try {
      yield 1;
      yield 2;
      ch.close('mid');
      yield 3;
      yield 4;
    } finally {
      finalized = true;
    }
  }
  const e = await ch.pushAll(gen()).catch((x) => x);
  expect(e).toBeInstanceOf(ChannelClosedError);
  expect(e.pushed).toBe(2);
  expect(finalized).toBe(true);
  expect(await ch.pullMany(10)).toEqual([1, 2]);
});

it('pushAll: a generator that pulls from the same channel keeps FIFO and loses nothing', async () => {
  const ch = new Channel<number>(1);
  const seen: (number | undefined)[] = [];
  function* gen() {
    yield 1;
    seen.push(ch.tryPull());
    yield 2;
    seen.push(ch.tryPull());
    yield 3;
  }
  await ch.pushAll(gen());
  expect(seen).toEqual([1, 2]);
  expect(ch.tryPull()).toBe(3);
});

it('pushAll: a generator that aborts its own signal mid-way', async () => {
  const ch = new Channel<number>(5);
  const ac = new AbortController();
  const reason = new Error('self');
  function* gen() {
    yield 1;
    ac.abort(reason);
    yield 2;
  }
  const e = await ch.pushAll(gen(), { signal: ac.signal }).catch((x) => x);
  expect(e).toBe(reason);
  expect(e.pushed).toBe(1);
  expect(await ch.pullMany(5)).toEqual([1]);
});

it('for-await break while a pushAll is parked loses no value', async () => {
  const ch = new Channel<number>(0);
  const pa = ch.pushAll([1, 2, 3, 4, 5]);
  const got: number[] = [];
  for await (const v of ch) {
    got.push(v);
    if (got.length === 2) break;
  }
  while (got.length < 5) got.push(...(await ch.pullMany(5)));
  await pa;
  expect(got).toEqual([1, 2, 3, 4, 5]);
});

it('pullMany + two iterators + pushAll: each value to exactly one', async () => {
  const ch = new Channel<number>(3);
  const N = 300;
  const pa = ch.pushAll(Array.from({ length: N }, (_, i) => i)).then(() => ch.close());
  const out: number[][] = [[], [], []];
  await Promise.all([
    (async () => {
      for await (const v of ch) out[0]!.push(v);
    })(),
    (async () => {
      for await (const v of ch) {
        out[1]!.push(v);
        await sleep(0);
      }
    })(),
    (async () => {
      for (;;) {
        try {
          out[2]!.push(...(await ch.pullMany(4)));
        } catch {
          return;
        }
      }
    })(),
  ]);
  await pa;
  expect(out.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  for (const o of out) expect(o).toEqual([...o].sort((a, b) => a - b));
});
