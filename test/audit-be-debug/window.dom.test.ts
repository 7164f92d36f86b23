// @vitest-environment happy-dom
// Transport in a page (SPEC "Debug mode", Transport): target.postMessage(message, '*') when the
// target is a window, and the target and the hello listener default to globalThis.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BYE, find, HELLO, quiet, sleep, waitFor } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

describe('in a window', () => {
  it('enableDebug() with no target announces on the window itself, with targetOrigin "*"', () => {
    const spy = vi.spyOn(globalThis as any, 'postMessage').mockImplementation(() => {});
    enableDebug();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
  });

  it('a hello dispatched on the window starts snapshots, posted with "*"; a bye stops them', async () => {
    const spy = vi.spyOn(globalThis as any, 'postMessage').mockImplementation(() => {});
    enableDebug({ intervalMs: 10 });
    const ch = new Channel<number>(0, { name: 'page-channel' });
    quiet(ch.pull());
    globalThis.dispatchEvent(new MessageEvent('message', { data: HELLO }));
    const snapshots = () => spy.mock.calls.filter((call) => (call[0] as any)?.type === 'snapshot');
    expect(await waitFor(() => snapshots().length > 0, 1000)).toBe(true);
    const [message, origin] = snapshots()[0]!;
    expect(origin).toBe('*');
    expect(find(message as any, 'page-channel')!.pullers).toHaveLength(1);
    globalThis.dispatchEvent(new MessageEvent('message', { data: BYE }));
    await sleep(20);
    const count = spy.mock.calls.length;
    ch.close();
    await sleep(60);
    expect(spy.mock.calls.length).toBe(count);
  });

  it('an explicit window target also gets "*"', () => {
    const win = globalThis.window as any;
    const spy = vi.spyOn(win, 'postMessage').mockImplementation(() => {});
    enableDebug({ target: win });
    expect(spy.mock.calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
  });

  it('a non-window target in a page still gets postMessage(message) without an origin', () => {
    const calls: unknown[][] = [];
    enableDebug({
      target: {
        postMessage: (...args: unknown[]) => {
          calls.push(args);
        },
      },
    });
    expect(calls).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }]]);
  });
});
