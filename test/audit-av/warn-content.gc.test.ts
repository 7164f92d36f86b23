import { Channel, pull as pullCase, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { expect, it } from 'vitest';

import { collect, sleep, spyOnWarnEachTest } from './leak-harness.js';

const warnCalls = spyOnWarnEachTest();

function parkAndDrop() {
  const ch = new Channel<number>(2, { name: 'orders' });
  void ch.pullMany(3).catch(() => {});
}

it('the console.warn names the channel, the kind, how long it waited, where it parked and where the channel was created', async () => {
  enableDebug({ stacks: true });
  parkAndDrop();
  await sleep(30);
  await collect();
  const texts = warnCalls().map((c) => c.map(String).join(' '));
  const w = texts.filter((t) => t.includes('orders'));
  expect(w.length).toBe(1);
  expect(w[0]).toMatch(/pull/);
  expect(w[0]).toMatch(/leak/i);
  expect(w[0]).toMatch(/parkAndDrop/); // where it parked
  expect(w[0]).toMatch(/Channel created at:[\s\S]*parkAndDrop/); // where the channel was created
  expect(w[0]).toMatch(/orders/);
});

it('leaks stay listed after their channel is gone until clearLeaks; disableDebug forgets them; kept until cleared', async () => {
  enableDebug({ warnLeaks: false });
  (() => {
    const a = new Channel<number>(0, { name: 'first' });
    void a.pull().catch(() => {});
  })();
  await sleep(5);
  (() => {
    const b = new Channel<number>(0, { name: 'second' });
    void b.push(1).catch(() => {});
  })();
  await collect();
  const l = snapshot().leaked!;
  expect(l.map((x) => x.channel.name).sort()).toEqual(['first', 'second']);
  expect(snapshot().channels.find((c) => c.name === 'first')).toBeUndefined();
  expect(l[0]!.id).not.toBe(l[1]!.id);
  await collect(2);
  expect(snapshot().leaked!.length).toBe(2);
  clearLeaks();
  expect(snapshot().leaked).toBeUndefined();
  (() => {
    const c = new Channel<number>(0, { name: 'third' });
    void c.pull().catch(() => {});
  })();
  await collect();
  expect(snapshot().leaked!.map((x) => x.channel.name)).toEqual(['third']);
  disableDebug();
  expect(snapshot().leaked).toBeUndefined();
  expect(warnCalls().length).toBe(0);
});

it('a select with one dropped channel and one kept channel is not leaked (it can still complete)', async () => {
  enableDebug();
  const kept = new Channel<number>(0, { name: 'kept' });
  const s = (() => {
    const dropped = new Channel<number>(0, { name: 'dropped' });
    return select([pullCase(dropped), pullCase(kept)]);
  })();
  await collect();
  expect(snapshot().leaked).toBeUndefined();
  kept.tryPush(1);
  expect((await s).index).toBe(1);
});

it('a select with a long-lived signal on dropped channels is one leak', async () => {
  enableDebug({ warnLeaks: false });
  const forever = new AbortController();
  (() => {
    const a = new Channel<number>(0, { name: 'sig-a' });
    const b = new Channel<number>(0, { name: 'sig-b' });
    void select([pullCase(a), pullCase(b)], { signal: forever.signal }).catch(() => {});
  })();
  await collect();
  expect((snapshot().leaked ?? []).map((l) => `${l.kind}:${l.channel.name}`)).toEqual(['select:sig-a']);
});

it('an operation parked before enableDebug on a channel created before is never reported', async () => {
  (() => {
    const a = new Channel<number>(0, { name: 'pre' });
    void a.pull().catch(() => {});
  })();
  enableDebug();
  await collect();
  expect(snapshot().leaked).toBeUndefined();
});

it('enableDebug again with warnLeaks false stops warnings for later leaks', async () => {
  enableDebug();
  enableDebug({ warnLeaks: false });
  (() => {
    const a = new Channel<number>(0, { name: 'quiet2' });
    void a.pull().catch(() => {});
  })();
  await collect();
  expect(snapshot().leaked?.length).toBe(1);
  expect(warnCalls().length).toBe(0);
});

// protocol.d.ts (SnapshotMessage.leaked): "Operations that leaked since debug mode was enabled or
// clearLeaks() was last called, oldest first". Leaks detected in the same collection come out in
// finalization order, not by when they parked (`since`).
it('leaked lists the oldest leak first (by since) when several are detected in one collection', async () => {
  enableDebug({ warnLeaks: false });
  for (const name of ['L1', 'L2', 'L3', 'L4', 'L5', 'L6']) {
    (() => {
      const a = new Channel<number>(0, { name });
      void a.pull().catch(() => {});
    })();
    await sleep(3);
  }
  await collect();
  const l = snapshot().leaked!;
  expect(l.length).toBe(6);
  const sinces = l.map((x) => x.since);
  expect(l.map((x) => x.channel.name)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
  expect(sinces).toEqual([...sinces].sort((a, b) => a - b));
});
