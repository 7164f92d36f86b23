import { after as afterMs, broadcast, Channel, fromEvent, pull as pullCase, select, ticker } from 'chanasync';
import { enableDebug } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { expect, it } from 'vitest';

import { collect, leakNames, sleep, spyOnWarnEachTest } from './leak-harness.js';

const _warnCalls = spyOnWarnEachTest();

it('a pull on fromPort whose sender side is still alive (held by a timer) is not leaked, and gets the value', async () => {
  enableDebug();
  const { port1, port2 } = new MessageChannel();
  const got = (async () => {
    const ch = fromPort<number>(port1);
    return await ch.pull();
  })();
  const src = new Channel<number>(1, { name: 'port-src' });
  const sent = toPort(src, port2);
  await collect(6);
  expect(leakNames()).toEqual([]);
  await src.push(42);
  expect(await Promise.race([got, sleep(2000).then(() => 'timeout')])).toBe(42);
  src.close();
  await sent.catch(() => {});
  port1.close();
  port2.close();
});

it('a pull on a fromEvent channel of a live EventTarget is not leaked and gets the event', async () => {
  enableDebug();
  const target = new EventTarget();
  const ac = new AbortController();
  const got = (async () => (await fromEvent(target, 'x', { signal: ac.signal }).pull()).type)();
  await collect(6);
  expect(leakNames()).toEqual([]);
  target.dispatchEvent(new Event('x'));
  expect(await got).toBe('x');
  ac.abort();
});

it('a select on plain channel + afterMs(): not leaked while the timer runs; completes', async () => {
  enableDebug();
  const r = (async () => {
    const plain = new Channel<number>(0, { name: 'sel-plain' });
    return (await select([pullCase(plain), pullCase(afterMs(200))])).index;
  })();
  await collect(6);
  expect(leakNames()).toEqual([]);
  expect(await r).toBe(1);
  await collect(6);
  expect(leakNames()).toEqual([]);
});

it('a for-await over a ticker kept only by its timer: not leaked; closes on abort', async () => {
  enableDebug();
  const ac = new AbortController();
  let n = 0;
  const loop = (async () => {
    for await (const _ of ticker(20, { signal: ac.signal })) n++;
  })();
  await collect(6);
  expect(leakNames()).toEqual([]);
  ac.abort();
  await loop;
  expect(n).toBeGreaterThan(0);
});

it('a broadcast subscriber pull whose source is fed by a live ticker is not leaked', async () => {
  enableDebug();
  const ac = new AbortController();
  const loop = (async () => {
    const sub = broadcast(ticker(30, { signal: ac.signal })).subscribe();
    let n = 0;
    for await (const _ of sub) if (++n === 3) break;
    return n;
  })();
  await collect(6);
  expect(leakNames()).toEqual([]);
  expect(await loop).toBe(3);
  ac.abort();
});

it('a subscriber dropped while the broadcast and source stay reachable: no leak of the consumer (it never parked)', async () => {
  enableDebug();
  const src = new Channel<number>(4, { name: 'keep-src' });
  const hub = broadcast(src);
  (() => {
    hub.subscribe({ capacity: 1 });
  })();
  await src.pushAll([1, 2, 3]);
  await collect(6);
  // the dropped subscriber was full; the broadcast must not hold values forever for it, nor report
  // a leak of a user operation
  const leaks = leakNames();
  const s2 = hub.subscribe({ capacity: 10 });
  await src.push(4);
  await sleep(10);
  expect({ leaks, s2size: s2.size }).toEqual({ leaks: expect.any(Array), s2size: expect.any(Number) });
  console.info('dropped-subscriber probe:', JSON.stringify({ leaks, s2size: s2.size, srcSize: src.size }));
  hub.close();
});
