// @vitest-environment happy-dom
// Outside conformance tests: debug mode's transport to a window (SPEC "Transport").
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, type snapshot } from 'chanasync/debug';
import { Window as HappyWindow } from 'happy-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BYE, HELLO, sleep, until } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

describe('window as target', () => {
  it('by default posts to the window with targetOrigin "*", announce first', () => {
    const spy = vi.spyOn(window, 'postMessage').mockImplementation(() => {});
    enableDebug();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
    expect(spy.mock.calls[0]?.[1]).toBe('*');
  });

  it('an explicit window target also gets "*"; hello dispatched on the window starts snapshots', async () => {
    const calls: unknown[][] = [];
    vi.spyOn(window, 'postMessage').mockImplementation((...args: unknown[]) => {
      calls.push(args);
    });
    enableDebug({ target: window, intervalMs: 20 });
    const ch = new Channel<number>(0, { name: 'win' });
    const p = ch.pull().catch(() => {});
    window.dispatchEvent(new MessageEvent('message', { data: HELLO }));
    await until(() => calls.some((c) => (c[0] as { type?: string }).type === 'snapshot'));
    for (const c of calls) {
      expect(c[1]).toBe('*');
      expect((c[0] as { version?: number }).version).toBe(1);
    }
    const snap = calls.find((c) => (c[0] as { type?: string }).type === 'snapshot')?.[0] as ReturnType<typeof snapshot>;
    expect(snap.channels.find((c) => c.name === 'win')?.pullers).toHaveLength(1);
    window.dispatchEvent(new MessageEvent('message', { data: BYE }));
    const n = calls.length;
    ch.pushNowait(1);
    await p;
    await sleep(100);
    expect(calls.length).toBe(n);
  });

  it('a real round trip: window.postMessage of hello from the page reaches debug mode', async () => {
    const snaps: unknown[] = [];
    const target = { postMessage: (m: unknown) => snaps.push(m) };
    enableDebug({ target, intervalMs: 20 });
    window.postMessage(HELLO, '*');
    await until(() => snaps.some((m) => (m as { type?: string }).type === 'snapshot'));
  });
});

describe('whose hello counts', () => {
  it('a hello whose event source is another window (an iframe) is ignored; one from this window counts', async () => {
    const snaps: unknown[] = [];
    const target = { postMessage: (m: unknown) => snaps.push(m) };
    const other = new HappyWindow({ url: 'https://elsewhere.example/' });
    enableDebug({ target, intervalMs: 20 });
    window.dispatchEvent(new MessageEvent('message', { data: HELLO, source: other as never }));
    await sleep(100);
    expect(snaps.filter((m) => (m as { type?: string }).type === 'snapshot')).toHaveLength(0);
    window.dispatchEvent(new MessageEvent('message', { data: HELLO, source: window as never }));
    await until(() => snaps.some((m) => (m as { type?: string }).type === 'snapshot'));
    // and a bye from the other window does not stop it
    const ch = new Channel<number>(Infinity, { name: 'after-foreign-bye' });
    window.dispatchEvent(new MessageEvent('message', { data: BYE, source: other as never }));
    const n = snaps.length;
    ch.pushNowait(1);
    await until(() => snaps.length > n);
    await other.happyDOM.close();
  });
});
