// @vitest-environment happy-dom

import { Channel, fromEvent, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => disableDebug());

describe('fromEvent on DOM elements', () => {
  it('clicks on a button arrive as Event objects, latest wins by default', async () => {
    const btn = document.createElement('button');
    document.body.append(btn);
    const ch = fromEvent(btn, 'click');
    btn.click();
    btn.click();
    const e = await ch.pull();
    expect(e.type).toBe('click');
    expect(ch.size).toBe(0);
    ch.close();
    btn.click();
    expect(ch.size).toBe(0);
  });
  it('capacity 3 block keeps every event in order', async () => {
    const input = document.createElement('input');
    const ch = fromEvent(input, 'custom', { capacity: 3, overflow: 'block' });
    for (let i = 0; i < 5; i++) input.dispatchEvent(new CustomEvent('custom', { detail: i }));
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(((await ch.pull()) as CustomEvent).detail);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    ch.close();
  });
  it('select over a fromEvent channel and a timeout', async () => {
    const div = document.createElement('div');
    const ac = new AbortController();
    const ch = fromEvent(div, 'ping', { signal: ac.signal });
    const p = select([pull(ch)]);
    div.dispatchEvent(new Event('ping'));
    expect((await p).ok).toBe(true);
    ac.abort();
    expect(ch.closed).toBe(true);
  });
});

describe('debug mode in a window', () => {
  it('announce posted with targetOrigin "*" to the window; hello starts snapshots; bye stops', async () => {
    const msgs: any[] = [];
    const onMsg = (e: MessageEvent) => {
      if (e.data?.source === 'chanasync') msgs.push(e.data);
    };
    window.addEventListener('message', onMsg);
    enableDebug({ intervalMs: 20 });
    await wait(30);
    expect(msgs.some((m) => m.type === 'announce' && m.version === 1)).toBe(true);
    const ch = new Channel<number>(Infinity, { name: 'dbg' });
    window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'hello' }, '*');
    await wait(80);
    const snaps = msgs.filter((m) => m.type === 'snapshot');
    expect(snaps.length).toBeGreaterThan(0);
    const mine = snaps.at(-1).channels.find((c: any) => c.name === 'dbg');
    expect(mine).toMatchObject({ capacity: null, size: 0, closed: false, overflow: 'block' });
    expect(mine.pushers).toEqual([]);
    // no change -> no new snapshot
    const n = msgs.filter((m) => m.type === 'snapshot').length;
    await wait(80);
    expect(msgs.filter((m) => m.type === 'snapshot').length).toBe(n);
    ch.pushNowait(1);
    await wait(80);
    expect(msgs.filter((m) => m.type === 'snapshot').length).toBeGreaterThan(n);
    const last = msgs.filter((m) => m.type === 'snapshot').at(-1);
    const mine2 = last.channels.find((c: any) => c.name === 'dbg');
    expect(mine2.size).toBe(1);
    expect(JSON.stringify(last)).not.toContain('"1"');
    window.postMessage({ source: 'chanasync-inspector', version: 1, type: 'bye' }, '*');
    await wait(40);
    const m2 = msgs.filter((m) => m.type === 'snapshot').length;
    ch.pushNowait(2);
    await wait(80);
    expect(msgs.filter((m) => m.type === 'snapshot').length).toBe(m2);
    window.removeEventListener('message', onMsg);
  });
  it('snapshot() lists waiters with kind and since; select counted as select', async () => {
    enableDebug({ target: { postMessage() {} } });
    const a = new Channel<number>(0, { name: 'w' });
    const ac = new AbortController();
    const before = Date.now();
    void a.pull({ signal: ac.signal }).catch(() => {});
    void select([pull(a)], { signal: ac.signal }).catch(() => {});
    void a.push(1, { signal: AbortSignal.timeout(5) }).catch(() => {});
    const s = snapshot();
    expect(s).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(typeof s.time).toBe('number');
    const c = s.channels.find((x) => x.name === 'w')!;
    // the push rendezvoused with the first puller
    expect(c.pullers.map((w) => w.kind)).toEqual(['select']);
    expect(c.pullers[0]!.since).toBeGreaterThanOrEqual(before - 1);
    expect(c.createdAt).toBeUndefined();
    expect(c.pullers[0]!.stack).toBeUndefined();
    ac.abort();
    await wait(0);
    expect(snapshot().channels.find((x) => x.name === 'w')!.pullers).toEqual([]);
  });
  it('stacks: true records createdAt and waiter stacks', () => {
    enableDebug({ target: { postMessage() {} }, stacks: true });
    const a = new Channel<number>(0, { name: 'st' });
    void a.pull().catch(() => {});
    const c = snapshot().channels.find((x) => x.name === 'st')!;
    expect(typeof c.createdAt).toBe('string');
    expect(typeof c.pullers[0]!.stack).toBe('string');
    a.close();
  });
  it('channels created before enableDebug are not tracked', () => {
    const early = new Channel<number>(0, { name: 'early' });
    enableDebug({ target: { postMessage() {} } });
    expect(snapshot().channels.find((x) => x.name === 'early')).toBeUndefined();
    early.close();
  });
  it('malformed messages ignored without error', async () => {
    const posted: unknown[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
    for (const data of [
      null,
      1,
      'hello',
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync-inspector', version: 1, type: 'HELLO' },
    ]) {
      const ev = new MessageEvent('message', { data });
      expect(() => listen.dispatchEvent(ev)).not.toThrow();
    }
    new Channel(0, { name: 'm' });
    await wait(40);
    expect(posted.filter((m: any) => m.type === 'snapshot')).toEqual([]);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await wait(40);
    expect(posted.filter((m: any) => m.type === 'snapshot').length).toBeGreaterThan(0);
  });
  it('non-window target gets postMessage(message) with one argument', async () => {
    const calls: unknown[][] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (...args: unknown[]) => calls.push(args) }, listen, intervalMs: 10 });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]!.length).toBe(1);
    expect(calls[0]![0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
  });
});
