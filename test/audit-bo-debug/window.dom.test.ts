// @vitest-environment happy-dom
// In a page: the default target is the window (postMessage(message, '*')), hello arrives as a
// message event on the window, and a stuck channel reaches the inspector's side.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, expect, it, vi } from 'vitest';
import { HELLO, quiet, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

it('posts announce and snapshots to the window with targetOrigin "*", after a hello on the window', async () => {
  const posted: unknown[][] = [];
  vi.spyOn(window, 'postMessage').mockImplementation(((...args: unknown[]) => {
    posted.push(args);
  }) as typeof window.postMessage);
  enableDebug({ stacks: true });
  expect(posted).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }, '*']]);
  const stuck = new Channel<number>(0, { name: 'stuck-in-page' });
  quiet(stuck.pull());
  await sleep(5);
  window.dispatchEvent(new MessageEvent('message', { data: HELLO }));
  const snaps = posted.filter((args) => (args[0] as { type?: string }).type === 'snapshot');
  expect(snaps).toHaveLength(1);
  expect(snaps[0]![1]).toBe('*');
  const snap = snaps[0]![0] as any;
  // (No `context` here: vitest's happy-dom global is Node's global object, not a `Window`
  // instance, so debug mode cannot tell it is a page. Informative only; not checked.)
  const row = snap.channels.find((c: any) => c.name === 'stuck-in-page');
  expect(row.pullers).toHaveLength(1);
  expect(row.pullers[0].stack).toContain('window.dom.test.ts');
  stuck.close();
});
