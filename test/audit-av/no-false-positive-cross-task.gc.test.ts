import { broadcast, Channel, merge, pull as pullCase, push as pushCase, select } from 'chanasync';
import { enableDebug, snapshot } from 'chanasync/debug';
import { expect, it } from 'vitest';

import { collectUntil, sleep, spyOnWarnEachTest } from './leak-harness.js';

declare const gc: () => void;

const warnCalls = spyOnWarnEachTest();

for (const stacks of [false, true]) {
  it(`operations recorded in one task and completed in a later one are never reported (stacks: ${stacks})`, async () => {
    enableDebug({ stacks });
    const refs: WeakRef<object>[] = [];
    await (async () => {
      // pullMany takes three pushers parked in an earlier task
      const a = new Channel<number>(1, { name: 'x-pullmany' });
      a.tryPush(0);
      const pa = [1, 2, 3].map((v) => a.push(v));
      await sleep(5);
      expect(await a.pullMany(10)).toEqual([0, 1, 2, 3]);
      await Promise.all(pa);
      refs.push(new WeakRef(a));
      // pushAll whose values park in successive tasks, drained slowly
      const b = new Channel<number>(0, { name: 'x-pushall' });
      const pb = b.pushAll([1, 2, 3]);
      for (let i = 0; i < 3; i++) {
        await sleep(3);
        b.tryPull();
      }
      await pb;
      refs.push(new WeakRef(b));
      // a multi-case select parked in an earlier task, won later through tryPush
      const c1 = new Channel<number>(0, { name: 'x-sel1' });
      const c2 = new Channel<number>(0, { name: 'x-sel2' });
      const s = select([pullCase(c1), pushCase(c2, 5)]);
      await sleep(5);
      expect(c2.tryPull()).toBe(5);
      await s;
      refs.push(new WeakRef(c1), new WeakRef(c2));
      // parked pull aborted later
      const d = new Channel<number>(0, { name: 'x-abort' });
      const ac = new AbortController();
      const pd = d.pullMany(2, { signal: ac.signal }).catch(() => {});
      await sleep(5);
      ac.abort();
      await pd;
      refs.push(new WeakRef(d));
      // parked pushAll failed by close later
      const e = new Channel<number>(1, { name: 'x-close' });
      const pe = e.pushAll([1, 2, 3]).catch(() => {});
      await sleep(5);
      e.close();
      await pe;
      refs.push(new WeakRef(e));
      // broadcast: the hub's pull parked in an earlier task, then source closed
      const src = new Channel<number>(0, { name: 'x-bsrc' });
      const hub = broadcast(src);
      const sub = hub.subscribe();
      const ps = sub.pull().catch(() => {});
      await sleep(5);
      src.close();
      await ps;
      refs.push(new WeakRef(src), new WeakRef(sub));
      // broadcast closed while its pull is parked, source stays open (then dropped)
      const src2 = new Channel<number>(0, { name: 'x-bsrc2' });
      const hub2 = broadcast(src2);
      hub2.subscribe();
      await sleep(5);
      hub2.close();
      refs.push(new WeakRef(src2));
      // merge closed by the user while its pumps wait on open inputs
      const m1 = new Channel<number>(0, { name: 'x-m1' });
      const merged = merge(m1);
      const pm = merged.pull().catch(() => {});
      await sleep(5);
      merged.close();
      await pm;
      refs.push(new WeakRef(m1), new WeakRef(merged));
    })();
    expect(await collectUntil(() => refs.every((r) => r.deref() === undefined), 40)).toBe(true);
    await sleep(20);
    gc();
    await sleep(20);
    expect((snapshot().leaked ?? []).map((l) => `${l.kind}:${l.channel.name}`)).toEqual([]);
    expect(warnCalls().length).toBe(0);
  });
}
