import { broadcast, Channel, pull as pullCase, push as pushCase, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage } from 'chanasync/protocol';
import { afterEach, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterEach(() => disableDebug());

// chanasync/protocol: "The inspector checks each message with it [isPageToInspectorMessage]
// before use" and it requires "size ≤ capacity". A capacity-0 broadcast subscriber can hold a
// value (README: a winning select case withdraws the room), and while it does, every snapshot of
// the page fails the guard: the inspector refuses it as malformed.
it('snapshot() stays a valid protocol message while a capacity-0 subscriber holds a value (select with push into the source)', async () => {
  enableDebug();
  const src = new Channel<number>(0, { name: 'src' });
  const hub = broadcast(src);
  const sub = hub.subscribe({ capacity: 0 });
  await sleep(0);
  await select([pushCase(src, 1), pullCase(sub)]);
  await sleep(0);
  expect(sub.size).toBe(1); // documented class of behaviour (audit AT F2)
  expect(isPageToInspectorMessage(snapshot())).toBe(true);
});

it('posted snapshots stay valid: two capacity-0 subscribers read by one select (the README case)', async () => {
  const listen = new EventTarget();
  const posted: unknown[] = [];
  enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 5 });
  listen.dispatchEvent(
    new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
  );
  const src = new Channel<number>(1, { name: 'src2' });
  const hub = broadcast(src);
  const a = hub.subscribe({ capacity: 0 });
  const b = hub.subscribe({ capacity: 0 });
  const sel = select([pullCase(a), pullCase(b)]);
  src.tryPush(5);
  await sel;
  await sleep(30);
  const snaps = posted.filter((m) => (m as { type?: string }).type === 'snapshot');
  expect(snaps.length).toBeGreaterThan(0);
  expect(snaps.every((m) => isPageToInspectorMessage(m))).toBe(true);
});
