import { after as afterMs, Channel, pull as pullCase, push as pushCase, select, ticker } from 'chanasync';
import { expect, it, vi } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("pullMany takes a select's push case; that select's pull case on the same channel is withdrawn", async () => {
  const ch = new Channel<number>(0);
  const s = select([pushCase(ch, 1), pullCase(ch)]);
  expect(await ch.pullMany(5)).toEqual([1]);
  expect((await s).index).toBe(0);
  expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  expect(ch.tryPush(2)).toBe(false);
});

it("pushAll feeds a select's pull case; its push case on the same channel never delivers", async () => {
  const ch = new Channel<number>(0);
  const s = select([pullCase(ch), pushCase(ch, 9)]);
  const pa = ch.pushAll([1, 2]);
  const r = await s;
  expect([r.index, r.value]).toEqual([0, 1]);
  await sleep(0);
  expect(ch.tryPull()).toBe(2);
  await pa;
  expect(ch.tryPull()).toBe(undefined);
});

it('pullMany(n) with a parked select on the same channel via two cases and plain pushers: FIFO and no self-match', async () => {
  const ch = new Channel<number>(1);
  ch.tryPush(0);
  const p1 = ch.push(1);
  // the pull case can proceed at once (0 is buffered): the select takes 0, and 1 moves into the buffer
  const s = select([pushCase(ch, 2), pullCase(ch)]);
  const p3 = ch.push(3);
  expect(await ch.pullMany(10)).toEqual([1, 3]);
  await Promise.all([p1, p3]);
  const r = await s;
  expect([r.index, r.value]).toEqual([1, 0]);
  expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
});

it('using a ticker clears its timer at the end of the block (fake timers)', async () => {
  vi.useFakeTimers();
  try {
    {
      using t = ticker(10);
      await vi.advanceTimersByTimeAsync(10);
      expect(t.size).toBe(1);
    }
    expect(vi.getTimerCount()).toBe(0);
    {
      await using a = afterMs(1000);
      void a;
    }
    expect(vi.getTimerCount()).toBe(0);
  } finally {
    vi.useRealTimers();
  }
});
