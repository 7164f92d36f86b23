import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, it } from 'vitest';

declare const gc: () => void;
const collect = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
};
afterEach(() => disableDebug());

it('debug mode never keeps a dropped channel alive (with stacks, parked waiters, a connected inspector)', async () => {
  const listen = new EventTarget();
  const posted: unknown[] = [];
  enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, stacks: true, intervalMs: 5 });
  listen.dispatchEvent(
    new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
  );
  let refs: WeakRef<object>[] = [];
  (() => {
    for (let i = 0; i < 20; i++) {
      const ch = new Channel<number>(i % 3, { name: `gc${i}` });
      if (i % 2) void ch.pull().catch(() => {});
      if (i % 5 === 0) void select([pull(ch)]).catch(() => {});
      refs.push(new WeakRef(ch));
    }
  })();
  await new Promise((r) => setTimeout(r, 30));
  expect(snapshot().channels.filter((c) => c.name?.startsWith('gc')).length).toBe(20);
  await collect();
  expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  expect(snapshot().channels.filter((c) => c.name?.startsWith('gc')).length).toBe(0);
  refs = [];
});
