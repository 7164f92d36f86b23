import { after as afterMs, broadcast, Channel, ChannelClosedError, pull as pullCase, select } from 'chanasync';
import { expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('subscribe(null) and subscribe({ capacity: undefined }) give the defaults', () => {
  const hub = broadcast(new Channel<number>());
  for (const s of [hub.subscribe(null as any), hub.subscribe({ capacity: undefined })]) {
    expect(s.capacity).toBe(1);
    expect(s.stats().overflow).toBe('block');
  }
  hub.close();
});

it('a stalled subscriber with AbortSignal.timeout leaves on time and the others continue', async () => {
  const src = new Channel<number>(10);
  const hub = broadcast(src);
  const stalled = hub.subscribe({ capacity: 1, signal: AbortSignal.timeout(30) });
  const live = hub.subscribe({ capacity: 1 });
  await src.pushAll([1, 2, 3, 4]);
  const got: number[] = [];
  const t0 = Date.now();
  while (got.length < 4) got.push(await live.pull());
  expect(got).toEqual([1, 2, 3, 4]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(20);
  expect(stalled.closed).toBe(true);
  expect(stalled.tryPull()).toBe(1);
  hub.close();
});

it('a capacity-0 subscriber read through a select with a timeout: no value lost when the timeout wins', async () => {
  const src = new Channel<number>(10);
  const hub = broadcast(src);
  const sub = hub.subscribe({ capacity: 0 });
  const got: number[] = [];
  let timeouts = 0;
  const prod = (async () => {
    for (let i = 0; i < 20; i++) {
      await src.push(i);
      if (i % 5 === 0) await sleep(15);
    }
    src.close();
  })();
  for (;;) {
    const r = await select([pullCase(sub), pullCase(afterMs(5))]);
    if (r.index === 1) {
      timeouts++;
      continue;
    }
    if (!r.ok) break;
    got.push(r.value as number);
  }
  await prod;
  expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(timeouts).toBeGreaterThan(0);
});

it('closing the source with a reason while a block subscriber is full: subscriber closed at once, keeps its value, then the reason', async () => {
  const src = new Channel<number>(0);
  const hub = broadcast(src);
  const sub = hub.subscribe({ capacity: 1 });
  await src.push(1);
  await sleep(0);
  const p = src.push(2).catch((e) => e);
  await sleep(0);
  src.close(new Error('boom'));
  expect(await p).toBeInstanceOf(ChannelClosedError);
  await sleep(0);
  expect(sub.closed).toBe(true);
  expect(await sub.pull()).toBe(1);
  const e = await sub.pull().catch((x) => x);
  expect(e.cause?.message).toBe('boom');
});

it('subscribers created in a loop and closed: source not drained by a hub with no subscribers', async () => {
  const src = new Channel<number>(100);
  const hub = broadcast(src);
  for (let i = 0; i < 50; i++) {
    const s = hub.subscribe();
    src.tryPush(i);
    await sleep(0);
    expect(await s.pull()).toBe(i);
    s.close();
  }
  src.tryPush(999);
  await sleep(0);
  expect(src.tryPull()).toBe(999);
});
