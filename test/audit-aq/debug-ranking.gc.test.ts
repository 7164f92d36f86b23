// Outside conformance test: the SPEC's ranking (leaked first, then stuck, the longest-blocked
// producer first, input waits never stuck), end to end: real debug-mode snapshots fed to the
// DevTools panel's model. Plus leak edge cases around disableDebug. Runs with --expose-gc.
import { after as afterMs, Channel, pull, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import type { FrameInfo } from '../../inspector-extension/src/messages.js';
import { cleared, DEFAULT_VIEW, EMPTY_DATA, rowsOf, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { useQuietDebug } from '../helpers/quiet-debug.js';
import { collectFor, collectUntil, sleep } from './helpers.js';

const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };

const warn = useQuietDebug(disableDebug);

function abandonPush(name: string) {
  const ch = new Channel<number>(0, { name });
  void ch.push(1).catch(() => {});
}

describe('ranking in the inspector', () => {
  it('leaked first, then stuck (blocked producers first, longest blocked first), then waiting for input, then idle', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    const ac = new AbortController();
    const oldPull = new Channel<number>(0, { name: 'old-stuck-pull' });
    const oldPush = new Channel<number>(0, { name: 'old-stuck-push' });
    const ps: Promise<unknown>[] = [oldPull.pull().catch(() => {})];
    await sleep(40);
    ps.push(oldPush.push(1).catch(() => {}));
    await sleep(40);
    const youngPush = new Channel<number>(0, { name: 'young-stuck-push' });
    ps.push(youngPush.push(2).catch(() => {}));
    const timer = afterMs(600_000, { signal: ac.signal });
    const replies = new Channel<number>(0, { name: 'input-select' });
    ps.push(select([pull(replies), pull(timer)], { signal: ac.signal }).catch(() => {}));
    const idle = new Channel<number>(2, { name: 'idle' });
    abandonPush('leaked-push');
    await sleep(20);
    expect(await collectUntil(() => (snapshot().leaked ?? []).length > 0)).toBe(true);

    const snap = snapshot();
    const receivedAt = Date.now();
    const data = withSnapshot(EMPTY_DATA, TOP, snap, receivedAt);
    const rows = rowsOf(data, DEFAULT_VIEW, receivedAt + 60_000).rows;
    const summary = rows.map((r) => `${r.state}:${r.label}`);
    const index = (s: string) => summary.findIndex((x) => x.includes(s));
    expect(summary[0]).toMatch(/^leaked:/);
    expect(rows.find((r) => r.label.includes('old-stuck-pull'))?.state).toBe('stuck');
    expect(rows.find((r) => r.label.includes('old-stuck-push'))?.state).toBe('stuck');
    expect(rows.find((r) => r.label.includes('young-stuck-push'))?.state).toBe('stuck');
    // producers first, the longest-blocked first, then the (older) stuck consumer
    expect(index('old-stuck-push')).toBeLessThan(index('young-stuck-push'));
    expect(index('young-stuck-push')).toBeLessThan(index('old-stuck-pull'));
    // the select on an input channel is waiting for input, after every stuck row
    const inputRows = rows.filter((r) => r.state === 'input');
    expect(inputRows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.state === 'stuck' && r.label.includes('input-select'))).toBe(false);
    const lastStuck = Math.max(...rows.map((r, i) => (r.state === 'stuck' ? i : -1)));
    const firstInput = rows.findIndex((r) => r.state === 'input');
    expect(firstInput).toBeGreaterThan(lastStuck);
    expect(index('idle')).toBeGreaterThan(firstInput);
    ac.abort();
    for (const c of [oldPull, oldPush, youngPush, replies, idle]) c.close();
    await Promise.all(ps);
  });
});

describe('leaks and disableDebug', () => {
  it('an operation parked while debug mode was on is not reported or warned about once debug mode is off', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    abandonPush('parked-then-disabled');
    await sleep(20);
    disableDebug();
    await collectFor(20);
    expect(snapshot().leaked ?? []).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('an operation parked in an earlier session is not reported by a later one', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    abandonPush('earlier-session');
    await sleep(20);
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    await collectFor(20);
    expect(snapshot().leaked ?? []).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('a pushAll and a for-await loop stranded on a collected channel are one leak each', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    (() => {
      const a = new Channel<number>(1, { name: 'pushall-leak' });
      void a.pushAll([1, 2, 3]).catch(() => {});
      const b = new Channel<number>(0, { name: 'loop-leak' });
      void (async () => {
        for await (const _ of b) {
          // never
        }
      })();
    })();
    await sleep(20);
    expect(await collectUntil(() => (snapshot().leaked ?? []).length >= 2)).toBe(true);
    await collectFor(10);
    const leaked = snapshot().leaked ?? [];
    expect(leaked.map((l) => `${l.channel.name}:${l.kind}`).sort()).toEqual(['loop-leak:pull', 'pushall-leak:push']);
  });
});

describe('collection is a change', () => {
  it('a connected inspector gets a new snapshot without a channel once that channel is collected', async () => {
    const posted: { type?: string; channels?: { name: string }[] }[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m as never) }, listen, intervalMs: 20 });
    (() => {
      const c = new Channel<number>(2, { name: 'soon-gone' });
      c.pushNowait(1);
    })();
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    const snaps = () => posted.filter((m) => m.type === 'snapshot');
    expect(snaps()[0]?.channels?.map((c) => c.name)).toContain('soon-gone');
    expect(
      await collectUntil(() => {
        const last = snaps().at(-1);
        return last !== undefined && !(last.channels ?? []).some((c) => c.name === 'soon-gone');
      }),
    ).toBe(true);
  });
});

describe('leaks stay listed in the panel until cleared', () => {
  it('a leak reported once stays a row after later snapshots no longer carry it, until Clear', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    abandonPush('panel-leak');
    await sleep(20);
    expect(await collectUntil(() => (snapshot().leaked ?? []).length > 0)).toBe(true);
    const t = Date.now();
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot(), t);
    clearLeaks(); // the page forgets it: later snapshots carry no leak
    expect(snapshot().leaked ?? []).toEqual([]);
    data = withSnapshot(data, TOP, snapshot(), t + 1000);
    const leakRows = rowsOf(data, DEFAULT_VIEW, t + 2000).rows.filter((r) => r.state === 'leaked');
    expect(leakRows).toHaveLength(1);
    expect(leakRows[0]?.label).toContain('panel-leak');
    const after = rowsOf(cleared(data), DEFAULT_VIEW, t + 2000).rows.filter((r) => r.state === 'leaked');
    expect(after).toEqual([]);
  });
});
