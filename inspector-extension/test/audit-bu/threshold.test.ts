// @vitest-environment happy-dom
/**
 * Audit BU (inspector): the stuck threshold the toolbar accepts is the one a reopened panel
 * shows — 0 s too, which the input allows (`min="0"`) — and nothing saved, or something
 * unreadable, gives the default 5 s (README: "5 s by default; change it in the toolbar, the
 * panel remembers it").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, expect, test, vi } from 'vitest';

vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      connect: () => ({
        onMessage: { addListener: () => {} },
        onDisconnect: { addListener: () => {} },
        postMessage: () => {},
      }),
    },
  },
}));

const KEY = 'chanasync-inspector.thresholdMs';
// vitest runs from the repository's root.
const html = readFileSync(join(process.cwd(), 'inspector-extension/src/panel/panel.html'), 'utf8');

/** A fresh panel page: its toolbar's threshold input. */
async function openPanel(): Promise<HTMLInputElement> {
  vi.resetModules();
  document.body.innerHTML = html.slice(html.indexOf('<body>') + 6, html.indexOf('</body>'));
  await import('../../src/panel/index.js');
  return document.getElementById('threshold') as HTMLInputElement;
}

beforeEach(() => {
  history.replaceState(null, '', '?tabId=5');
  localStorage.clear();
});

test.each(['0', '2.5', '30'])(
  'a threshold of %s s set in the toolbar is remembered by the next panel',
  async (seconds) => {
    const first = await openPanel();
    first.value = seconds;
    first.dispatchEvent(new Event('input'));
    expect(localStorage.getItem(KEY)).toBe(String(Number(seconds) * 1000));
    expect((await openPanel()).value).toBe(seconds);
  },
);

test.each([null, '', 'abc', '-1000'])('with %j saved, the panel shows the default, 5 s', async (saved) => {
  if (saved !== null) localStorage.setItem(KEY, saved);
  expect((await openPanel()).value).toBe('5');
});
