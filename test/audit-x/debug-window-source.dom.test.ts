// @vitest-environment happy-dom
/**
 * Audit X: whose `hello` and `bye` debug mode takes. The inspector speaks on the very window
 * debug mode listens to; a message another window posted there — a frame to its parent, as
 * any iframe of the page (an ad, an embed) can — is not the inspector's.
 *
 * Was wrong: debug mode took a `bye` from any window, so an iframe could freeze an open panel
 * (the page stopped posting; its rows went stale and their waits aged into "stuck").
 * The browser-level test is inspector-extension/test/audit-x/panel.test.ts.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, relayDebug } from 'chanasync/debug';
import { afterEach, expect, test } from 'vitest';

const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A window of another origin, as a frame's parent sees it: `window` readable, `document` not. */
function crossOriginWindow(): object {
  const other: Record<string, unknown> = {};
  other.window = other;
  Object.defineProperty(other, 'document', {
    get() {
      throw new DOMException('Blocked a frame from accessing a cross-origin frame.', 'SecurityError');
    },
  });
  return other;
}

/** A same-origin frame's window, as its parent sees it: its own `document`. */
function frameWindow(): object {
  const other: Record<string, unknown> = { document: document.implementation.createHTMLDocument('frame') };
  other.window = other;
  return other;
}

const from = (source: unknown, data: unknown) =>
  window.dispatchEvent(new MessageEvent('message', { data, source: source as Window }));

afterEach(() => {
  disableDebug();
});

test("a bye posted by another window (cross-origin or same-origin frame) does not stop the page's snapshots", async () => {
  const posted: { type?: string; channels?: { size: number }[] }[] = [];
  const target = { postMessage: (message: unknown) => posted.push(message as (typeof posted)[number]) };
  enableDebug({ target, intervalMs: 20 }); // listens on the window
  const jobs = new Channel<number>(4, { name: 'jobs' });
  from(window, hello); // the inspector: on this very window
  expect(posted.filter((m) => m.type === 'snapshot')).toHaveLength(1);
  for (const other of [crossOriginWindow(), frameWindow()]) {
    from(other, bye);
    jobs.pushNowait(1);
    await sleep(80);
    expect(posted.at(-1)?.channels?.[0]?.size).toBe(jobs.size);
  }
  // A hello from another window does not start the posting either.
  from(window, bye);
  const atBye = posted.length;
  from(crossOriginWindow(), hello);
  from(frameWindow(), hello);
  jobs.pushNowait(2);
  await sleep(80);
  expect(posted).toHaveLength(atBye);
  // The inspector's own messages still work, with or without a source (a MessagePort's have none).
  from(null, hello);
  expect(posted.at(-1)?.channels?.[0]?.size).toBe(jobs.size);
  jobs.close();
});

test('relayDebug forwards only the hello/bye posted on its own window to the worker', () => {
  const toWorker: unknown[] = [];
  const worker = Object.assign(new EventTarget(), { postMessage: (message: unknown) => toWorker.push(message) });
  const stop = relayDebug(worker, { target: { postMessage() {} } });
  from(window, hello);
  from(crossOriginWindow(), bye);
  from(frameWindow(), bye);
  expect(toWorker).toEqual([hello]);
  from(window, bye);
  expect(toWorker).toEqual([hello, bye]);
  stop();
});
