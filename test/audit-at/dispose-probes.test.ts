/** using / await using on broadcast, subscribers and timer channels, with parked operations. */
import { expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, merge, ticker } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

test('using hub: subscribers closed (parked pulls fail), source open with its parked pushAll', async () => {
  const source = new Channel<number>(0);
  let sub!: Channel<number>;
  let parked!: { current: unknown };
  let all!: { current: unknown };
  {
    using hub = broadcast(source);
    sub = hub.subscribe({ capacity: 1 });
    all = track(source.pushAll([1, 2, 3]));
    await flush();
    expect(sub.tryPull()).toBe(1);
    await flush();
    // sub holds 2 now; a second subscriber with a parked pull
    const sub2 = hub.subscribe({ capacity: 0 });
    parked = track(sub2.pull());
    await flush();
  }
  await flush();
  expect(sub.closed).toBe(true);
  expect(source.closed).toBe(false);
  expect((parked.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
  expect(sub.tryPull()).toBe(2);
  expect(all.current).toEqual({ status: 'pending' });
  expect(source.tryPull()).toBe(3);
  await flush();
  expect(all.current).toEqual({ status: 'fulfilled', value: undefined });
});

test('await using a merged channel does not close its inputs; inputs keep their values', async () => {
  const a = new Channel<number>(2);
  const b = new Channel<number>(2);
  {
    await using m = merge(a, b);
    a.tryPush(1);
    a.tryPush(2);
    b.tryPush(3);
    expect(m.tryPull()).toBe(1);
  }
  await flush();
  expect(a.closed || b.closed).toBe(false);
  const left = [a.tryPull(), a.tryPull(), b.tryPull(), b.tryPull()].filter((v) => v !== undefined);
  // merge took one value ahead into its own buffer: that one is in the closed merged channel
  expect(left.length).toBeGreaterThanOrEqual(1);
  expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
});

test('using ticker inside a loop body: every iteration clears its timer', async () => {
  for (let i = 0; i < 50; i++) {
    using t = ticker(1_000_000);
    void t;
  }
  // nothing to observe directly on real timers except that the process is not kept alive;
  // a closed ticker has no waiters and stays closed
  const t = ticker(10);
  t[Symbol.dispose]();
  expect(t.closed).toBe(true);
});
