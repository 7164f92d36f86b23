// @vitest-environment happy-dom
/**
 * Audit BM: SPEC "Debug mode", transport: `postMessage(message, '*')` to a window,
 * `postMessage(message)` to anything else; `target` defaults to globalThis; foreign messages ignored.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, describe, expect, test, vi } from 'vitest';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('debug transport', () => {
  test('the default target is the window, posted to with targetOrigin "*"', () => {
    const spy = vi.spyOn(window, 'postMessage').mockImplementation(() => {});
    enableDebug();
    expect(spy).toHaveBeenCalledWith({ source: 'chanasync', version: 1, type: 'announce' }, '*');
  });

  test('a non-window target gets postMessage(message) with one argument', () => {
    const calls: unknown[][] = [];
    enableDebug({ target: { postMessage: (...args: unknown[]) => calls.push(args) } });
    expect(calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  test('hello on the window starts snapshots; a hello of another version or source is ignored', async () => {
    const posted: unknown[] = [];
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, intervalMs: 10 });
    const ch = new Channel<number>(1, { name: 'w' });
    window.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 2, type: 'hello' } }),
    );
    window.dispatchEvent(new MessageEvent('message', { data: { source: 'other', version: 1, type: 'hello' } }));
    window.dispatchEvent(new MessageEvent('message', { data: null }));
    await wait(40);
    expect(posted.filter((m) => (m as { type?: string }).type === 'snapshot')).toHaveLength(0);
    window.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await wait(40);
    const snapshots = posted.filter((m) => (m as { type?: string }).type === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    // posts only when something changed
    const before = snapshots.length;
    await wait(60);
    expect(posted.filter((m) => (m as { type?: string }).type === 'snapshot').length).toBe(before);
    ch.pushNowait(1);
    await wait(40);
    expect(posted.filter((m) => (m as { type?: string }).type === 'snapshot').length).toBe(before + 1);
  });
});
