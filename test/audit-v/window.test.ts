// @vitest-environment happy-dom
/**
 * Audit V: debug mode in a window with its defaults (SPEC.md "Debug mode": `target` defaults to
 * `globalThis` when it has `postMessage`, a window gets `postMessage(message, '*')`, `hello` and
 * `bye` arrive as `message` events on `globalThis`).
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, test, vi } from 'vitest';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

test('defaults: announce and snapshots to the window with "*", hello and bye heard on the window', async () => {
  const post = vi.spyOn(window, 'postMessage');
  const seen: any[] = [];
  const onMessage = (event: MessageEvent) => {
    if (event.data?.source === 'chanasync') seen.push(event.data);
  };
  window.addEventListener('message', onMessage);
  try {
    enableDebug({ intervalMs: 20 });
    expect(post).toHaveBeenCalledWith({ source: 'chanasync', version: 1, type: 'announce' }, '*');
    const ch = new Channel<number>(0, { name: 'c' });
    const p = ch.pull().catch(() => {});
    window.postMessage(hello, '*');
    // Two message hops (the hello, then the snapshot posted at once): waited for, not slept on
    // (60 ms was too short once on a loaded machine).
    await vi.waitFor(() => expect(seen.some((m) => m.type === 'snapshot')).toBe(true), { timeout: 5000 });
    const snaps = seen.filter((m) => m.type === 'snapshot');
    expect(snaps.length).toBeGreaterThanOrEqual(1);
    const last = snaps.at(-1);
    expect(last.channels[0]).toMatchObject({ name: 'c', pullers: [{ kind: 'pull' }] });
    // (happy-dom's global object is not a `Window` instance, so no `context` here: a real
    // browser's is, see test/debug.chromium.test.ts)
    expect(snapshot().channels[0]?.name).toBe('c');
    for (const call of post.mock.calls) expect(call[1]).toBe('*');
    window.postMessage(bye, '*');
    await sleep(30);
    const count = seen.length;
    ch.close();
    await p;
    await sleep(60);
    expect(seen).toHaveLength(count);
    disableDebug();
    const calls = post.mock.calls.length;
    window.postMessage(hello, '*');
    await sleep(60);
    // only the inspector's own hello went out: debug mode no longer answers
    expect(post.mock.calls.length).toBe(calls + 1);
  } finally {
    window.removeEventListener('message', onMessage);
  }
});
