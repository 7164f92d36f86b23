import { Channel } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, expect, it } from 'vitest';

declare const gc: () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterEach(() => disableDebug());

it('after disableDebug, an operation parked on a tracked channel that is then dropped still rejects when its signal aborts', async () => {
  enableDebug({ warnLeaks: false });
  const ac = new AbortController();
  const p = (() => {
    const ch = new Channel<number>(0, { name: 'given-back' });
    return ch.pullMany(3, { signal: ac.signal }).then(
      () => 'resolved',
      (e) => `rejected:${e}`,
    );
  })();
  await sleep(5);
  disableDebug();
  for (let i = 0; i < 6; i++) {
    await sleep(10);
    gc();
  }
  ac.abort('bye');
  expect(await Promise.race([p, sleep(500).then(() => 'hung')])).toBe('rejected:bye');
});

it('with debug never enabled, a dropped channel operation with a signal still rejects on abort', async () => {
  const ac = new AbortController();
  const p = (() => {
    const ch = new Channel<number>(1);
    return ch.pushAll([1, 2, 3], { signal: ac.signal }).then(
      () => 'resolved',
      (e) => `rejected:${e} pushed=${(e as { pushed?: number }).pushed}`,
    );
  })();
  for (let i = 0; i < 6; i++) {
    await sleep(10);
    gc();
  }
  ac.abort('bye');
  expect(await Promise.race([p, sleep(500).then(() => 'hung')])).toBe('rejected:bye pushed=undefined');
});
