// @vitest-environment happy-dom
/**
 * SPEC.md "Debug mode" in a page (happy-dom): with default options the page posts to itself
 * and hears the inspector through real `message` events, as the extension's content script
 * sees them.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug } from '../src/debug/index.js';
import { Channel } from '../src/index.js';
import { INSPECTOR_SOURCE, isPageToInspectorMessage, type PageToInspectorMessage } from '../src/protocol.js';

/** Every chanasync message the page posts, as a listener on the window receives it. */
function pageMessages(): PageToInspectorMessage[] {
  const received: PageToInspectorMessage[] = [];
  window.addEventListener('message', (event) => {
    if (isPageToInspectorMessage(event.data)) received.push(event.data);
  });
  return received;
}

const say = (type: 'hello' | 'bye') => window.postMessage({ source: INSPECTOR_SOURCE, version: 1, type }, '*');

afterEach(() => disableDebug());

test('enableDebug announces itself to the window, and a hello through window.postMessage starts snapshots', async () => {
  const received = pageMessages();
  enableDebug({ intervalMs: 20 });
  await vi.waitFor(() => expect(received.map((m) => m.type)).toEqual(['announce']));
  const jobs = new Channel<number>(3, { name: 'jobs' });
  jobs.pushNowait(1);
  say('hello');
  await vi.waitFor(() => expect(received.some((m) => m.type === 'snapshot')).toBe(true));
  const first = received.find((m) => m.type === 'snapshot');
  expect(first?.type === 'snapshot' && first.channels).toEqual([
    expect.objectContaining({ name: 'jobs', capacity: 3, size: 1 }),
  ]);
  jobs.pushNowait(2);
  await vi.waitFor(() =>
    expect(received.filter((m) => m.type === 'snapshot').at(-1)).toMatchObject({ channels: [{ size: 2 }] }),
  );
  say('bye');
  await new Promise((resolve) => setTimeout(resolve, 30));
  const count = received.length;
  jobs.pushNowait(3);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(received.length).toBe(count);
});

test('the page ignores its own messages and foreign ones', async () => {
  const received = pageMessages();
  enableDebug({ intervalMs: 20 });
  window.postMessage({ source: 'react-devtools-content-script', hello: true }, '*');
  window.postMessage({ source: 'chanasync', version: 1, type: 'hello' }, '*'); // wrong source
  new Channel<number>(1);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(received.map((m) => m.type)).toEqual(['announce']);
});
