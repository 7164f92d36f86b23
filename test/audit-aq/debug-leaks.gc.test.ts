// Outside conformance tests: debug mode's WeakRef rule and leaked waiters (SPEC second map,
// "Leaked waiters"), run with --expose-gc.
import { after as afterMs, Channel, pull, push, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { useQuietDebug } from '../helpers/quiet-debug.js';
import { collectFor, collectUntil, sleep } from './helpers.js';

const names = () => snapshot().channels.map((c) => c.name);
type Leak = NonNullable<ReturnType<typeof snapshot>['leaked']>[number];
const leaks = (): readonly Leak[] => snapshot().leaked ?? [];

const warn = useQuietDebug(disableDebug);

function target() {
  return { postMessage() {} };
}

// Each of these creates a channel in its own frame so that nothing on the test's stack holds it.
function abandonPull(name: string, signal?: AbortSignal) {
  const ch = new Channel<number>(0, { name });
  void ch.pull(signal ? { signal } : undefined).catch(() => {});
}
function abandonPush(name: string) {
  const ch = new Channel<number>(0, { name });
  void ch.push(1).catch(() => {});
}
function abandonIdle(name: string) {
  const ch = new Channel<number>(4, { name });
  ch.pushNowait(1);
}

describe('WeakRef rule', () => {
  it('a dropped channel disappears from snapshot() once collected (debug mode does not keep it alive)', async () => {
    enableDebug({ target: target(), listen: new EventTarget() });
    abandonIdle('dropped-idle');
    const kept = new Channel<number>(0, { name: 'kept-alive' });
    expect(names()).toContain('dropped-idle');
    expect(await collectUntil(() => !names().includes('dropped-idle'))).toBe(true);
    expect(names()).toContain('kept-alive');
    // an idle channel is not a leak
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
    kept.close();
  });

  it('a tracked channel is really collectable (WeakRef check via FinalizationRegistry)', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), stacks: true });
    let collected = false;
    const registry = new FinalizationRegistry(() => {
      collected = true;
    });
    (() => {
      const ch = new Channel<number>(0, { name: 'fr' });
      registry.register(ch, 0);
      void ch.pull().catch(() => {});
    })();
    expect(await collectUntil(() => collected)).toBe(true);
  });
});

describe('leaked waiters', () => {
  it('a pull parked on a collected channel is reported once as leaked, with kind, since and channel', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: true });
    const t0 = Date.now();
    abandonPull('leaky-pull');
    await sleep(20); // let end-of-task recording happen
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    const ls = leaks();
    expect(ls).toHaveLength(1);
    const l = ls[0] as Leak;
    expect(l.kind).toBe('pull');
    expect(typeof l.since).toBe('number');
    expect(l.since).toBeGreaterThan(t0 - 5000);
    expect(l.since).toBeLessThanOrEqual(Date.now());
    expect(l.channel.name).toBe('leaky-pull');
    expect(l.channel.capacity).toBe(0);
    expect(names()).not.toContain('leaky-pull');
    // once: more collections and snapshots add nothing
    await collectFor(10);
    expect(leaks()).toHaveLength(1);
    expect(leaks()[0]?.id).toBe(l.id);
    expect(warn()).toHaveBeenCalledTimes(1);
    expect(String(warn().mock.calls[0]?.[0])).toContain('leaky-pull');
  });

  it('one console.warn per leak; warnLeaks: false turns warnings off but leaks still show in snapshots', async () => {
    enableDebug({ target: target(), listen: new EventTarget() });
    abandonPull('w1');
    abandonPush('w2');
    await sleep(20);
    expect(await collectUntil(() => leaks().length >= 2)).toBe(true);
    await collectFor(5);
    expect(
      leaks()
        .map((l) => l.kind)
        .sort(),
    ).toEqual(['pull', 'push']);
    expect(warn()).toHaveBeenCalledTimes(2);

    warn().mockClear();
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    abandonPull('silent');
    await sleep(20);
    expect(await collectUntil(() => leaks().length >= 1)).toBe(true);
    expect(leaks().map((l) => l.channel.name)).toEqual(['silent']);
    await collectFor(5);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('with stacks: true a leak carries where it parked and where its channel was created', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), stacks: true, warnLeaks: false });
    abandonPush('stacked-leak');
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    const l = leaks()[0] as Leak;
    expect(l.kind).toBe('push');
    expect(typeof l.stack).toBe('string');
    expect(l.stack).toContain('abandonPush');
    expect(typeof l.channel.createdAt).toBe('string');
    expect(l.channel.createdAt).toContain('abandonPush');
  });

  it('a select whose channels are all collected is one leak of kind select', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    (() => {
      const a = new Channel<number>(0, { name: 'sel-a' });
      const b = new Channel<number>(0, { name: 'sel-b' });
      void select([pull(a), push(b, 1)]).catch(() => {});
    })();
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    await collectFor(10);
    const ls = leaks();
    expect(ls).toHaveLength(1);
    expect(ls[0]?.kind).toBe('select');
  });

  it('no false positive: committed, aborted and close-failed operations are never reported', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: true });
    await (async () => {
      const a = new Channel<number>(0, { name: 'committed' });
      const p = a.pull();
      await sleep(5); // a later task: the park is recorded
      a.pushNowait(1);
      await p;
      const b = new Channel<number>(0, { name: 'aborted' });
      const ac = new AbortController();
      const q = b.pull({ signal: ac.signal }).catch(() => {});
      await sleep(5);
      ac.abort();
      await q;
      const c = new Channel<number>(0, { name: 'closed' });
      const r = c.push(1).catch(() => {});
      await sleep(5);
      c.close();
      await r;
      const d = new Channel<number>(0, { name: 'sel-won' });
      const e = new Channel<number>(0, { name: 'sel-lost' });
      const s = select([pull(d), pull(e)]);
      await sleep(5);
      d.pushNowait(2);
      await s;
      // same-task commit (never recorded at end of task)
      const f = new Channel<number>(0, { name: 'same-task' });
      const fp = f.pull();
      f.pushNowait(3);
      await fp;
    })();
    const all = ['committed', 'aborted', 'closed', 'sel-won', 'sel-lost', 'same-task'];
    expect(await collectUntil(() => !names().some((n) => all.includes(n)))).toBe(true);
    await collectFor(10);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('a long-lived signal does not keep an abandoned channel alive: its parked pull is reported as leaked', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    const longLived = new AbortController(); // held for the whole test
    abandonPull('behind-signal', longLived.signal);
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => l.channel.name)).toEqual(['behind-signal']);
    expect(names()).not.toContain('behind-signal');
    expect(longLived.signal.aborted).toBe(false);
  });

  it('an input channel left parked (after with a pending timer) is not treated as garbage while its timer holds it', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    const ac = new AbortController();
    (() => {
      const t = afterMs(60_000, { signal: ac.signal });
      void t.pull().catch(() => {});
    })();
    await collectFor(10);
    // the timer still references the channel: no leak, the channel is still listed
    expect(leaks()).toEqual([]);
    expect(snapshot().channels.some((c) => c.input)).toBe(true);
    ac.abort();
  });

  it('clearLeaks() forgets the leaks found so far; later ones still show', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    abandonPull('first-leak');
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    clearLeaks();
    expect(snapshot().leaked ?? []).toEqual([]);
    abandonPull('second-leak');
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => l.channel.name)).toEqual(['second-leak']);
  });

  it('leaks are posted to a connected inspector, and disableDebug() forgets them', async () => {
    const posted: { type?: string; leaked?: Leak[] }[] = [];
    const listen = new EventTarget();
    enableDebug({
      target: { postMessage: (m: unknown) => posted.push(m as never) },
      listen,
      intervalMs: 20,
      warnLeaks: false,
    });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    abandonPull('posted-leak');
    await sleep(20);
    expect(
      await collectUntil(() =>
        posted.some((m) => m.type === 'snapshot' && (m.leaked ?? []).some((l) => l.channel.name === 'posted-leak')),
      ),
    ).toBe(true);
    disableDebug();
    expect(snapshot().leaked ?? []).toEqual([]);
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    expect(snapshot().leaked ?? []).toEqual([]);
  });

  it('leak ids and channel ids are not reused across enableDebug sessions', async () => {
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    abandonPull('s1');
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    const first = leaks()[0] as Leak;
    enableDebug({ target: target(), listen: new EventTarget(), warnLeaks: false });
    abandonPull('s2');
    await sleep(20);
    expect(await collectUntil(() => leaks().length > 0)).toBe(true);
    const second = leaks()[0] as Leak;
    expect(second.id).not.toBe(first.id);
    expect(second.channel.id).not.toBe(first.channel.id);
  });

  it('with debug mode off, a pull abandoned with a signal still rejects when the signal aborts after collection', async () => {
    const ac = new AbortController();
    let settled: unknown = 'pending';
    (() => {
      const ch = new Channel<number>(0);
      ch.pull({ signal: ac.signal }).then(
        () => {
          settled = 'resolved';
        },
        (e) => {
          settled = e;
        },
      );
    })();
    await collectFor(10);
    ac.abort('late');
    await sleep(10);
    expect(settled).toBe('late');
  });
});
