import { Channel, pull as pullCase, select } from 'chanasync';
import { expect, it } from 'vitest';

it('drop-oldest pushAll with two parked pullers: each gets one in order, the buffer keeps the last', async () => {
  const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
  const a = ch.pull();
  const b = ch.pull();
  await ch.pushAll([1, 2, 3, 4]);
  expect([await a, await b]).toEqual([1, 2]);
  expect(ch.tryPull()).toBe(4);
});

it('drop-newest pushAll with a parked puller: first to the puller, next fills the buffer, the rest dropped', async () => {
  const ch = new Channel<number>(2, { overflow: 'drop-newest' });
  const a = ch.pull();
  await ch.pushAll([1, 2, 3, 4, 5]);
  expect(await a).toBe(1);
  expect(await ch.pullMany(10)).toEqual([2, 3]);
});

it('drop-oldest pushAll with a parked select pull: the select gets the first value only', async () => {
  const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
  const other = new Channel<number>();
  const s = select([pullCase(ch), pullCase(other)]);
  await ch.pushAll([1, 2, 3]);
  const r = await s;
  expect([r.index, r.value]).toEqual([0, 1]);
  expect(ch.tryPull()).toBe(3);
  expect(other.stats().waitingPullers).toBe(0);
});

it('drop modes: pushAll on a closed channel rejects with pushed 0; closing mid-way by a generator gives the exact count', async () => {
  for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
    const ch = new Channel<number>(1, { overflow });
    function* gen() {
      yield 1;
      yield 2;
      ch.close();
      yield 3;
    }
    const e = await ch.pushAll(gen()).catch((x) => x);
    expect({ overflow, pushed: e.pushed, name: e.name }).toEqual({ overflow, pushed: 2, name: 'ChannelClosedError' });
    expect(ch.tryPull()).toBe(overflow === 'drop-oldest' ? 2 : 1);
  }
});

it('drop-oldest: pullMany takes the current window and tryPull then answers undefined', async () => {
  const ch = new Channel<number>(3, { overflow: 'drop-oldest' });
  for (let i = 0; i < 10; i++) expect(ch.tryPush(i)).toBe(true);
  expect(await ch.pullMany(2)).toEqual([7, 8]);
  expect(ch.tryPull()).toBe(9);
  expect(ch.tryPull()).toBe(undefined);
});

it('drop-newest tryPush/pushAll never wait and stats never count pushers', async () => {
  const ch = new Channel<number>(1, { overflow: 'drop-newest' });
  await ch.pushAll(Array.from({ length: 100 }, (_, i) => i));
  expect(ch.stats().waitingPushers).toBe(0);
  expect(ch.tryPull()).toBe(0);
});
