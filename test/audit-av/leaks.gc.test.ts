import {
  after as afterMs,
  broadcast,
  Channel,
  merge,
  pull as pullCase,
  push as pushCase,
  select,
  ticker,
} from 'chanasync';
import { clearLeaks, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';

import { collect, collectUntil, sleep, spyOnWarnEachTest } from './leak-harness.js';

const leaks = (name?: string) => (snapshot().leaked ?? []).filter((l) => name === undefined || l.channel.name === name);

const warnCalls = spyOnWarnEachTest();
const warnsFor = (name: string) => warnCalls().filter((c) => c.join(' ').includes(name));

describe('leaked waiters are reported', () => {
  it('a parked push on a dropped channel: leaked with kind, since, stack, createdAt; one console.warn', async () => {
    enableDebug({ stacks: true });
    const t0 = Date.now();
    (function userCode() {
      const ch = new Channel<number>(0, { name: 'lk-push' });
      void ch.push(1).then(
        () => {},
        () => {},
      );
    })();
    expect(await collectUntil(() => leaks('lk-push').length > 0)).toBe(true);
    const l = leaks('lk-push')[0]!;
    expect(l.kind).toBe('push');
    expect(l.since).toBeGreaterThanOrEqual(t0);
    expect(l.detectedAt).toBeGreaterThanOrEqual(l.since);
    expect(l.channel.capacity).toBe(0);
    expect(typeof l.stack).toBe('string');
    expect(l.stack).toMatch(/leaks\.gc\.test/);
    expect(l.channel.createdAt).toMatch(/leaks\.gc\.test/);
    await collect(3);
    expect(leaks('lk-push').length).toBe(1);
    expect(warnsFor('lk-push').length).toBe(1);
  });
  it('without stacks: still reported, no stack fields', async () => {
    enableDebug();
    (() => {
      const ch = new Channel<number>(Infinity, { name: 'lk-nostack' });
      void ch.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-nostack').length > 0)).toBe(true);
    const l = leaks('lk-nostack')[0]!;
    expect(l.kind).toBe('pull');
    expect(l.channel.capacity).toBe(null);
    expect(l.stack).toBeUndefined();
    expect(warnsFor('lk-nostack').length).toBe(1);
  });
  it('warnLeaks: false turns off console.warn but keeps snapshot entries; clearLeaks forgets them', async () => {
    enableDebug({ warnLeaks: false });
    (() => {
      const ch = new Channel<number>(1, { name: 'lk-quiet' });
      void ch.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-quiet').length > 0)).toBe(true);
    expect(warnsFor('lk-quiet').length).toBe(0);
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
  });
  it('each parked operation is one leak (3 pullers -> 3 leaks, 3 warnings)', async () => {
    enableDebug();
    (() => {
      const ch = new Channel<number>(0, { name: 'lk-three' });
      for (let i = 0; i < 3; i++) void ch.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-three').length >= 3)).toBe(true);
    await collect(2);
    expect(leaks('lk-three').length).toBe(3);
    expect(warnsFor('lk-three').length).toBe(3);
  });
  it('a parked pullMany and a parked pushAll leak', async () => {
    enableDebug();
    (() => {
      const a = new Channel<number>(2, { name: 'lk-pullMany' });
      void a.pullMany(5).catch(() => {});
      const b = new Channel<number>(1, { name: 'lk-pushAll' });
      void b.pushAll([1, 2, 3]).catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-pullMany').length > 0 && leaks('lk-pushAll').length > 0)).toBe(true);
    expect(leaks('lk-pullMany')[0]!.kind).toBe('pull');
    expect(leaks('lk-pushAll').map((l) => l.kind)).toEqual(['push']);
  });
  it('a for-await loop parked on a dropped channel leaks as a pull', async () => {
    enableDebug();
    (() => {
      const ch = new Channel<number>(1, { name: 'lk-iter' });
      void (async () => {
        for await (const _ of ch) {
          /* */
        }
      })();
    })();
    expect(await collectUntil(() => leaks('lk-iter').length > 0)).toBe(true);
    expect(leaks('lk-iter')[0]!.kind).toBe('pull');
  });
  it('a multi-case select is one leak of kind select', async () => {
    enableDebug();
    (() => {
      const a = new Channel<number>(0, { name: 'lk-selA' });
      const b = new Channel<number>(0, { name: 'lk-selB' });
      void select([pullCase(a), pushCase(b, 1)]).catch(() => {});
    })();
    expect(await collectUntil(() => (snapshot().leaked ?? []).some((l) => l.kind === 'select'))).toBe(true);
    await collect(2);
    const sel = (snapshot().leaked ?? []).filter((l) => l.channel.name.startsWith('lk-sel'));
    expect(sel.length).toBe(1);
    expect(sel[0]!.kind).toBe('select');
    expect(sel[0]!.channel.name).toBe('lk-selA');
  });
  it('a long-lived signal does not keep an abandoned channel alive: leak is found', async () => {
    enableDebug();
    const forever = new AbortController();
    (() => {
      const ch = new Channel<number>(0, { name: 'lk-signal' });
      void ch.pull({ signal: forever.signal }).catch(() => {});
      void ch.pushAll([1, 2], { signal: forever.signal }).catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-signal').length >= 1)).toBe(true);
    // the pull and the pushAll match each other? pull takes value 1 -> pushAll parks with 2
    await collect(2);
    expect(leaks('lk-signal').map((l) => l.kind)).toEqual(['push']);
    forever.abort();
  });
  it('a pullMany with AbortSignal.timeout: still reported', async () => {
    enableDebug();
    (() => {
      const ch = new Channel<number>(0, { name: 'lk-timeout' });
      void ch.pullMany(3, { signal: AbortSignal.timeout(60_000) }).catch(() => {});
    })();
    expect(await collectUntil(() => leaks('lk-timeout').length >= 1)).toBe(true);
  });
  it('a broadcast dropped with subscribers and an open source: its source pull is reported', async () => {
    enableDebug();
    (() => {
      const src = new Channel<number>(0, { name: 'lk-bsrc' });
      const hub = broadcast(src);
      hub.subscribe();
    })();
    expect(await collectUntil(() => leaks('lk-bsrc').length >= 1)).toBe(true);
  });
});

describe('no false positives', () => {
  it('committed, aborted and closed operations are never reported after their channel is collected', async () => {
    enableDebug({ stacks: true });
    const refs: WeakRef<object>[] = [];
    await (async () => {
      // committed rendezvous
      const a = new Channel<number>(0, { name: 'fp-commit' });
      const p = a.push(1);
      await a.pull();
      await p;
      refs.push(new WeakRef(a));
      // aborted
      const b = new Channel<number>(0, { name: 'fp-abort' });
      const ac = new AbortController();
      const q = b.pull({ signal: ac.signal }).catch(() => {});
      ac.abort();
      await q;
      refs.push(new WeakRef(b));
      // closed
      const c = new Channel<number>(0, { name: 'fp-close' });
      const r = c.push(1).catch(() => {});
      c.close();
      await r;
      refs.push(new WeakRef(c));
      // tryPull commit of a parked pusher, same tick drop
      const d = new Channel<number>(0, { name: 'fp-trypull' });
      void d.push(1);
      d.tryPull();
      refs.push(new WeakRef(d));
      // tryPush to a parked puller, same tick drop
      const e = new Channel<number>(0, { name: 'fp-trypush' });
      void e.pull();
      e.tryPush(1);
      refs.push(new WeakRef(e));
      // pullMany taking parked pushers in one commit
      const f = new Channel<number>(1, { name: 'fp-pullmany' });
      f.tryPush(0);
      void f.push(1);
      void f.push(2);
      void f.pullMany(10);
      refs.push(new WeakRef(f));
      // pushAll fully committed into a waiting pullMany + buffer
      const g = new Channel<number>(2, { name: 'fp-pushall' });
      void g.pullMany(1);
      void g.pushAll([1, 2, 3]);
      refs.push(new WeakRef(g));
      // abort in the same tick as a commit
      const h = new Channel<number>(0, { name: 'fp-sametick' });
      const ac2 = new AbortController();
      void h.pull({ signal: ac2.signal }).catch(() => {});
      h.tryPush(1);
      ac2.abort();
      refs.push(new WeakRef(h));
      // select that won: losing case on another channel
      const i1 = new Channel<number>(0, { name: 'fp-selwin' });
      const i2 = new Channel<number>(0, { name: 'fp-sellose' });
      const s = select([pullCase(i1), pullCase(i2)]);
      i1.tryPush(1);
      await s;
      refs.push(new WeakRef(i1), new WeakRef(i2));
      // pushAll aborted part-way
      const j = new Channel<number>(1, { name: 'fp-pushall-abort' });
      const ac3 = new AbortController();
      const pj = j.pushAll([1, 2, 3], { signal: ac3.signal }).catch(() => {});
      await sleep(0);
      ac3.abort();
      await pj;
      refs.push(new WeakRef(j));
      // pushAll closed part-way
      const k = new Channel<number>(1, { name: 'fp-pushall-close' });
      const pk = k.pushAll([1, 2, 3]).catch(() => {});
      await sleep(0);
      k.close();
      await pk;
      refs.push(new WeakRef(k));
      // broadcast closed
      const src = new Channel<number>(0, { name: 'fp-bsrc' });
      const hub = broadcast(src);
      const sub = hub.subscribe({ capacity: 0 });
      const pp = src.push(1);
      await sleep(0);
      hub.close();
      src.close();
      await pp.catch(() => {});
      refs.push(new WeakRef(src), new WeakRef(sub));
      // ticker closed with a parked puller rejected
      const t = ticker(5);
      const tp = t.pull();
      t.close();
      await tp.catch(() => {});
      refs.push(new WeakRef(t));
      // for-await loop ended by close
      const m = new Channel<number>(0, { name: 'fp-iter' });
      const loop = (async () => {
        for await (const _ of m) {
          /* */
        }
      })();
      await sleep(0);
      m.close();
      await loop;
      refs.push(new WeakRef(m));
      // merge closed inputs
      const x1 = new Channel<number>(0, { name: 'fp-m1' });
      const x2 = new Channel<number>(0, { name: 'fp-m2' });
      const merged = merge(x1, x2);
      await sleep(0);
      x1.close();
      x2.close();
      for await (const _ of merged) {
        /* */
      }
      refs.push(new WeakRef(x1), new WeakRef(x2), new WeakRef(merged));
    })();
    expect(await collectUntil(() => refs.every((r) => r.deref() === undefined), 60)).toBe(true);
    await collect(3);
    expect(snapshot().leaked ?? []).toEqual([]);
    expect(warnCalls().length).toBe(0);
  });
  it('an afterMs() whose puller got its value is not reported once collected', async () => {
    enableDebug();
    const ref = await (async () => {
      const a = afterMs(5);
      await a.pull();
      return new WeakRef(a);
    })();
    expect(await collectUntil(() => ref.deref() === undefined)).toBe(true);
    expect(snapshot().leaked).toBeUndefined();
  });
});
