// Probes that held (documenting what was checked): batch operations, iteration, selects and
// broadcast subscribers as debug snapshots show them, with stacks pointing at user code.
import { afterEach, expect, it } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { broadcast, Channel, pull, select } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
afterEach(() => disableDebug());

it('parked pushAll, pullMany, for-await, select and subscriber pulls are listed with stats() counts and user stacks', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
  const batchIn = new Channel<number>(1, { name: 'batchIn' });
  const batchOut = new Channel<number>(0, { name: 'batchOut' });
  const iter = new Channel<number>(0, { name: 'iter' });
  const a = new Channel<number>(0, { name: 'a' });
  const b = new Channel<number>(0, { name: 'b' });
  const source = new Channel<number>(0, { name: 'source' });
  const hub = broadcast(source);
  const sub = hub.subscribe();
  const settled = [
    batchIn.pushAll([1, 2, 3]).catch(() => {}),
    batchOut.pullMany(4).catch(() => {}),
    (async () => {
      for await (const _ of iter) {
      }
    })().catch(() => {}),
    select([pull(a), pull(b)]).catch(() => {}),
    sub.pull().catch(() => {}),
  ];
  await sleep(5);
  const channels = snapshot().channels;
  const all = [batchIn, batchOut, iter, a, b, sub];
  for (const channel of all) {
    const row = channels.find((c) => c.name === channel.name);
    const stats = channel.stats();
    expect(row?.size).toBe(stats.size);
    expect(row?.pushers.length).toBe(stats.waitingPushers);
    expect(row?.pullers.length).toBe(stats.waitingPullers);
    for (const waiter of [...(row?.pushers ?? []), ...(row?.pullers ?? [])]) {
      expect(waiter.stack?.split('\n')[0]).toMatch(/holds\.test\.ts/);
    }
  }
  const selectIds = channels.filter((c) => c.name === 'a' || c.name === 'b').map((c) => c.pullers[0]?.select);
  expect(selectIds[0]).toBeDefined();
  expect(selectIds[0]).toBe(selectIds[1]);
  hub.close();
  for (const channel of [batchIn, batchOut, iter, a, b, source]) channel.close();
  await Promise.all(settled);
});
