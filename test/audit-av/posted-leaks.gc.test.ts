import { broadcast, Channel } from 'chanasync';
import { clearLeaks, enableDebug } from 'chanasync/debug';
import { expect, it } from 'vitest';

import { collect, sleep, spyOnWarnEachTest } from './leak-harness.js';

const _warnCalls = spyOnWarnEachTest();

it('a connected inspector receives a snapshot listing the leak, and one without it after clearLeaks', async () => {
  const listen = new EventTarget();
  const posted: any[] = [];
  enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
  listen.dispatchEvent(
    new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
  );
  (() => {
    const c = new Channel<number>(0, { name: 'posted-leak' });
    void c.pull().catch(() => {});
  })();
  await sleep(30);
  await collect();
  await sleep(30);
  const snaps = posted.filter((m) => m.type === 'snapshot');
  const last = snaps[snaps.length - 1];
  expect(last.leaked?.map((l: any) => l.channel.name)).toEqual(['posted-leak']);
  expect(last.channels.find((c: any) => c.name === 'posted-leak')).toBeUndefined();
  const n = snaps.length;
  clearLeaks();
  await sleep(40);
  const after = posted.filter((m) => m.type === 'snapshot');
  expect(after.length).toBeGreaterThan(n);
  expect(after[after.length - 1].leaked).toBeUndefined();
  // structured-clone safe
  expect(() => structuredClone(last)).not.toThrow();
});

it('a broadcast whose subscriber (the user) is dropped together with it reports its source pull as leaked only if the source is gone too', async () => {
  enableDebug({ warnLeaks: false });
  const src = new Channel<number>(0, { name: 'live-src' });
  (() => {
    broadcast(src).subscribe();
  })();
  await collect();
  // the source is alive: the hub's pull can still complete (a push would be delivered to a subscriber nobody reads)
  const { snapshot } = await import('chanasync/debug');
  expect(snapshot().leaked).toBeUndefined();
  src.close();
});
