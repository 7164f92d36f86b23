// @vitest-environment happy-dom
/**
 * The debug transport of the SPEC's first map read literally, in a window (happy-dom):
 * `target` defaults to `globalThis`, a window gets `postMessage(message, '*')`, and the
 * inspector's `hello`/`bye` arrive as `message` events on `globalThis`.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, expect, test } from 'vitest';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  disableDebug();
});

function spyOnWindow() {
  const calls: unknown[][] = [];
  const original = window.postMessage;
  window.postMessage = ((...args: unknown[]) => {
    calls.push(args);
  }) as typeof window.postMessage;
  return {
    calls,
    restore() {
      window.postMessage = original;
    },
  };
}

function fromInspector(type: 'hello' | 'bye') {
  globalThis.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type } }));
}

test('enableDebug() without a target posts its announce to the window with targetOrigin "*"', () => {
  const spy = spyOnWindow();
  try {
    enableDebug();
    expect(spy.calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
  } finally {
    spy.restore();
  }
});

test('a hello dispatched on globalThis starts snapshots posted to the window with "*"', async () => {
  const spy = spyOnWindow();
  try {
    enableDebug({ intervalMs: 10 });
    fromInspector('hello');
    // Held to the end: debug mode holds a channel weakly, and a collection would take it out of
    // the next snapshot (a Chromium page under load once posted that one last).
    const channel = new Channel<number>(1, { name: 'window-channel' });
    channel.pushNowait(1);
    await sleep(50);
    const snapshots = spy.calls.filter((call) => (call[0] as { type?: string }).type === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots[0]?.[1]).toBe('*');
    const message = snapshots.at(-1)?.[0] as { channels: { name: string }[] };
    expect(message.channels.some((c) => c.name === 'window-channel')).toBe(true);
    channel.close();
  } finally {
    spy.restore();
  }
});

test('a bye dispatched on globalThis stops the snapshots', async () => {
  const spy = spyOnWindow();
  try {
    enableDebug({ intervalMs: 10 });
    fromInspector('hello');
    const channel = new Channel<number>(5, { name: 'bye-channel' });
    channel.pushNowait(1);
    await sleep(40);
    fromInspector('bye');
    await sleep(20);
    const count = spy.calls.length;
    channel.pushNowait(2);
    await sleep(40);
    expect(spy.calls.length).toBe(count);
  } finally {
    spy.restore();
  }
});

test('an explicit non-window target in a page gets postMessage(message) without an origin', () => {
  const calls: unknown[][] = [];
  enableDebug({
    target: {
      postMessage(...args: unknown[]) {
        calls.push(args);
      },
    },
  });
  expect(calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
});
