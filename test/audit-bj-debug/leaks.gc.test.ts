// SPEC "second map: stuck, idle and leaked": leaked waiters found by the garbage collector.
import { Channel, pull, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { quiet, sleep } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc!;
async function collectUntil(done: () => boolean, rounds = 30): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await sleep(0);
    gc();
    await sleep(1);
    if (done()) return true;
  }
  return done();
}

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

function abandon(name: string, kind: 'push' | 'pull' | 'select'): void {
  const c = new Channel<number>(0, { name });
  if (kind === 'push') quiet(c.push(1));
  else if (kind === 'pull') quiet(c.pull());
  else {
    const other = new Channel<number>(0, { name: `${name}-other` });
    quiet(select([pull(c), pull(other)]));
  }
}

describe('leaked operations', () => {
  it('an abandoned channel with a parked pull and a parked push is reported as two leaks with their kinds', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    abandon('lost-pull', 'pull');
    abandon('lost-push', 'push');
    const ok = await collectUntil(() => (snapshot().leaked ?? []).length >= 2);
    expect(ok).toBe(true);
    const leaks = snapshot().leaked!;
    const byName = Object.fromEntries(leaks.map((l) => [l.channel.name, l]));
    expect(byName['lost-pull']?.kind).toBe('pull');
    expect(byName['lost-push']?.kind).toBe('push');
    expect(byName['lost-push']?.channel.capacity).toBe(0);
    expect(typeof byName['lost-push']?.since).toBe('number');
  });

  it('one console.warn per leak by default, none with warnLeaks: false', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ target: { postMessage() {} } });
    abandon('warned', 'pull');
    expect(await collectUntil(() => (snapshot().leaked ?? []).length >= 1)).toBe(true);
    expect(warn.mock.calls.filter((call) => String(call[0]).includes('warned')).length).toBe(1);
    disableDebug();
    warn.mockClear();
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    abandon('silent', 'pull');
    expect(await collectUntil(() => (snapshot().leaked ?? []).length >= 1)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('no false positive: a committed, aborted or closed-out operation on a collected channel is never reported', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    await (async () => {
      const c = new Channel<number>(0, { name: 'committed' });
      const p = c.push(1);
      await c.pull();
      await p;
      const d = new Channel<number>(0, { name: 'aborted' });
      const ac = new AbortController();
      const q = quiet(d.pull({ signal: ac.signal }));
      ac.abort();
      await q.catch(() => {});
      const e = new Channel<number>(0, { name: 'closed' });
      const r = quiet(e.push(1));
      e.close();
      await r.catch(() => {});
    })();
    abandon('marker', 'pull');
    expect(await collectUntil(() => (snapshot().leaked ?? []).some((l) => l.channel.name === 'marker'))).toBe(true);
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(1);
    }
    const names = (snapshot().leaked ?? []).map((l) => l.channel.name);
    expect(names).toEqual(['marker']);
  });

  it('a select over two abandoned channels is reported once', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    abandon('sel', 'select');
    await collectUntil(() => (snapshot().leaked ?? []).length >= 2, 20);
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(1);
    }
    const leaks = snapshot().leaked ?? [];
    expect(leaks.length).toBe(1);
    expect(leaks[0]!.kind).toBe('select');
  });

  it('clearLeaks forgets the leaks found so far; later snapshots carry only new ones', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    abandon('first', 'pull');
    expect(await collectUntil(() => (snapshot().leaked ?? []).length >= 1)).toBe(true);
    clearLeaks();
    expect(snapshot().leaked ?? []).toEqual([]);
    abandon('second', 'push');
    expect(await collectUntil(() => (snapshot().leaked ?? []).length >= 1)).toBe(true);
    expect((snapshot().leaked ?? []).map((l) => l.channel.name)).toEqual(['second']);
  });

  it('a parked pull with a long-lived signal does not keep its abandoned channel alive', async () => {
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    const longLived = new AbortController();
    (() => {
      const c = new Channel<number>(0, { name: 'behind-signal' });
      quiet(c.pull({ signal: longLived.signal }));
    })();
    expect(await collectUntil(() => (snapshot().leaked ?? []).some((l) => l.channel.name === 'behind-signal'))).toBe(
      true,
    );
    expect(longLived.signal.aborted).toBe(false);
  });
});

describe('leaks reach a connected inspector', () => {
  it('a leak found while an inspector is connected is posted in a snapshot, with stacks when stacks: true', async () => {
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({
      target: { postMessage: (m: unknown) => posted.push(m) },
      listen,
      intervalMs: 5,
      stacks: true,
      warnLeaks: false,
    });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    abandon('posted-leak', 'push');
    const found = () =>
      posted.some((m) => m?.type === 'snapshot' && (m.leaked ?? []).some((l: any) => l.channel.name === 'posted-leak'));
    expect(await collectUntil(found, 40)).toBe(true);
    await sleep(20);
    const leak = posted
      .filter((m) => m?.type === 'snapshot')
      .flatMap((m) => m.leaked ?? [])
      .find((l: any) => l.channel.name === 'posted-leak');
    expect(leak.kind).toBe('push');
    expect(typeof leak.stack).toBe('string');
    expect(typeof leak.channel.createdAt).toBe('string');
  });
});
