/**
 * Audit AY-web, Firefox: the same program as dispatch.chromium.test.ts — `fromEvent` on a real
 * (trusted) click, chanasync loaded from `dist/` through an import map — driven through
 * Marionette (`WebDriver:PerformActions` pointer input).
 *
 * README, Semantic details (Interop): "Events reach the channel after their dispatch is over:
 * `preventDefault()` on an event pulled from a `fromEvent` channel comes too late." That held
 * only for script-dispatched events; the README now says what a consumer already waiting sees of
 * real input (it runs during the dispatch), and these tests pin it.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIREFOX_PATH, type FirefoxTab, launchFirefox } from '../helpers/firefox.js';
import { INDEX, type Served, serve } from './serve.js';

let served: Served;
let firefox: FirefoxTab;

/** Loads a fresh copy of the page (chanasync as `window.ca`). */
async function fresh(): Promise<void> {
  await firefox.navigate(`${served.origin}/index.html?${Math.random()}`, `document.title === 'ready'`);
}

/**
 * A trusted click through WebDriver actions (pointer down/up over the element), dispatched as
 * user input is: `WebDriver:ElementClick` is not — Firefox runs no microtask checkpoint between
 * the listeners of its click, as for a script's `click()`.
 */
async function pointerClick(selector: string): Promise<void> {
  const found = await firefox.session.send('WebDriver:FindElement', { using: 'css selector', value: selector });
  const element = found.value as Record<string, string>;
  await firefox.session.send('WebDriver:PerformActions', {
    actions: [
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', origin: element, x: 0, y: 0 },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ],
      },
    ],
  });
  await firefox.session.send('WebDriver:ReleaseActions');
}

/** Waits (5 s at most) until the consumer saw `count` events; returns what it saw. */
const seen = (count: number) =>
  firefox.run(`
    for (let i = 0; i < 500 && window.seen.length < ${count}; i++) await new Promise((r) => setTimeout(r, 10));
    return window.seen;
  `);

/** The README's pattern: a consumer of fromEvent(button, 'click'), and the page's own listener added afterwards. */
const SET_UP = `
  const { fromEvent } = window.ca;
  const button = document.getElementById('btn');
  window.seen = [];
  const clicks = fromEvent(button, 'click');
  button.addEventListener('click', (event) => event.preventDefault());
  (async () => {
    for await (const event of clicks) {
      window.seen.push({ defaultPrevented: event.defaultPrevented, currentTarget: event.currentTarget === null ? null : 'set', eventPhase: event.eventPhase });
    }
  })();
`;

describe.skipIf(!existsSync(FIREFOX_PATH))('fromEvent in Firefox with trusted input', () => {
  beforeAll(async () => {
    served = await serve({ '/index.html': INDEX });
    firefox = await launchFirefox();
  }, 60_000);
  afterAll(async () => {
    await firefox?.close();
    await served?.close();
  });

  it('a script click (button.click()) reaches the consumer after its dispatch is over (control)', async () => {
    await fresh();
    await firefox.run(SET_UP);
    await firefox.run(`document.getElementById('btn').click();`);
    expect(await seen(1)).toEqual([{ defaultPrevented: true, currentTarget: null, eventPhase: 0 }]);
  });

  it('a real click reaches a consumer already waiting during its dispatch, right after fromEvent’s listener (README): before the page’s later listener, with currentTarget set', async () => {
    await fresh();
    await firefox.run(SET_UP);
    await pointerClick('#btn');
    expect(await seen(1)).toEqual([{ defaultPrevented: false, currentTarget: 'set', eventPhase: 2 }]);
  });

  it('preventDefault() by a consumer already waiting still cancels a real click (README: do not rely on it either way): the checkbox stays unchecked', async () => {
    await fresh();
    await firefox.run(`
      const box = document.getElementById('box');
      window.seen = [];
      (async () => {
        for await (const event of window.ca.fromEvent(box, 'click')) {
          event.preventDefault();
          window.seen.push('pulled');
        }
      })();
    `);
    await pointerClick('#box');
    await seen(1);
    const checked = await firefox.run(
      `await new Promise((r) => setTimeout(r, 0)); return document.getElementById('box').checked;`,
    );
    expect(checked).toBe(false);
  });
});
