/**
 * Audit AY-web, Chromium: `fromEvent` on real (trusted) input. chanasync is loaded the way the
 * README tells a newcomer without a bundler — `dist/` from `<script type="module">` through an
 * import map — and the input comes from Playwright's mouse (trusted events).
 *
 * README, Semantic details (Interop): "Events reach the channel after their dispatch is over:
 * `preventDefault()` on an event pulled from a `fromEvent` channel comes too late. Call it in a
 * listener of your own (a form's `submit`), and pull the event from the channel for the rest of
 * the work." TSDoc of `fromEvent`: "Events arrive once their dispatch is over".
 *
 * That held only for `element.click()`/`dispatchEvent` (script-dispatched, where no microtask
 * checkpoint runs between listeners). For real input the browser runs a microtask checkpoint
 * after every listener, so a consumer already waiting on the channel runs in the middle of the
 * dispatch: before the listeners added after `fromEvent`'s, with `currentTarget` still set, and
 * its `preventDefault()` still takes effect. The README now says so; these tests pin it.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.mjs';
import { collectProblems } from '../helpers/static-page.js';
import { INDEX, type Served, serve } from './serve.js';

type Chanasync = typeof import('chanasync');
type Win = Window & { ca: Chanasync; seen: unknown[]; done?: boolean };

let served: Served;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  served = await serve({ '/index.html': INDEX });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  expect(problems.filter((line) => !line.includes('favicon') && !line.includes('404'))).toEqual([]);
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  collectProblems(page, { into: problems });
  await page.goto(`${served.origin}/index.html`);
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 15_000 });
  return page;
}

/**
 * The README's pattern: a consumer loops over `fromEvent(button, 'click')`, and a listener of
 * the page's own, added afterwards, cancels the event (say, a validation). Returns what the
 * consumer saw of each event.
 */
async function setUpConsumer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Win;
    const { fromEvent } = w.ca;
    const button = document.getElementById('btn') as HTMLButtonElement;
    w.seen = [];
    const clicks = fromEvent(button, 'click');
    // The page's own listener, as the README advises, added after fromEvent's.
    button.addEventListener('click', (event) => event.preventDefault());
    void (async () => {
      for await (const event of clicks) {
        w.seen.push({
          defaultPrevented: event.defaultPrevented,
          currentTarget: event.currentTarget === null ? null : 'set',
          eventPhase: event.eventPhase,
        });
      }
    })();
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as Win).seen);

describe('fromEvent in Chromium with trusted input', () => {
  it('a script click (button.click()) reaches the consumer after its dispatch is over (control)', async () => {
    const page = await openPage();
    try {
      await setUpConsumer(page);
      await page.evaluate(() => (document.getElementById('btn') as HTMLButtonElement).click());
      await page.waitForFunction(() => (window as unknown as Win).seen.length === 1);
      expect(await seen(page)).toEqual([{ defaultPrevented: true, currentTarget: null, eventPhase: 0 }]);
    } finally {
      await page.close();
    }
  });

  it('a real click reaches a consumer already waiting during its dispatch, right after fromEvent’s listener (README): before the page’s later listener, with currentTarget set', async () => {
    const page = await openPage();
    try {
      await setUpConsumer(page);
      await page.click('#btn');
      await page.waitForFunction(() => (window as unknown as Win).seen.length === 1);
      expect(await seen(page)).toEqual([{ defaultPrevented: false, currentTarget: 'set', eventPhase: 2 }]);
    } finally {
      await page.close();
    }
  });

  it('preventDefault() by a consumer already waiting still cancels a real click (README: do not rely on it either way): the checkbox stays unchecked', async () => {
    const page = await openPage();
    try {
      await page.evaluate(() => {
        const w = window as unknown as Win;
        const box = document.getElementById('box') as HTMLInputElement;
        w.seen = [];
        void (async () => {
          for await (const event of w.ca.fromEvent(box, 'click')) {
            event.preventDefault();
            w.seen.push('pulled');
          }
        })();
      });
      await page.click('#box');
      await page.waitForFunction(() => (window as unknown as Win).seen.length === 1);
      // A task later, the click's activation is settled either way.
      const checked = await page.evaluate(
        () =>
          new Promise<boolean>((resolve) =>
            setTimeout(() => resolve((document.getElementById('box') as HTMLInputElement).checked), 0),
          ),
      );
      expect(checked).toBe(false);
    } finally {
      await page.close();
    }
  });

  it('a real and a scripted click give a waiting consumer different views of the event (README: read them in a listener of your own)', async () => {
    const page = await openPage();
    try {
      await setUpConsumer(page);
      await page.click('#btn');
      await page.waitForFunction(() => (window as unknown as Win).seen.length === 1);
      await page.evaluate(() => (document.getElementById('btn') as HTMLButtonElement).click());
      await page.waitForFunction(() => (window as unknown as Win).seen.length === 2);
      const [real, scripted] = (await seen(page)) as unknown[];
      expect(real).not.toEqual(scripted);
    } finally {
      await page.close();
    }
  });
});

describe('probes that held in Chromium (passing)', () => {
  it("once with 'block' and capacity 0: two real clicks before any pull give exactly one event, and the loop ends after it", async () => {
    const page = await openPage();
    try {
      await page.evaluate(() => {
        const w = window as unknown as Win;
        const button = document.getElementById('btn') as HTMLButtonElement;
        w.seen = [];
        const clicks = w.ca.fromEvent(button, 'click', {
          overflow: 'block',
          capacity: 0,
          listenerOptions: { once: true },
        });
        void (async () => {
          await new Promise((resolve) => setTimeout(resolve, 300)); // the consumer comes late
          for await (const event of clicks) w.seen.push(event.isTrusted);
          w.done = true;
        })();
      });
      await page.click('#btn');
      await page.click('#btn');
      await page.waitForFunction(() => (window as unknown as Win).done === true);
      expect(await seen(page)).toEqual([true]);
    } finally {
      await page.close();
    }
  });

  it('signals made by AbortSignal.any (of a controller, of a timeout) survive garbage collection while operations wait on them', async () => {
    const page = await openPage();
    try {
      const result = await page.evaluate(async () => {
        const { Channel, fromEvent, select, pull, from } = (window as unknown as Win).ca;
        const collect = (globalThis as unknown as { gc(): void }).gc;
        const controller = new AbortController();
        const events = fromEvent(new EventTarget(), 'x', { signal: AbortSignal.any([controller.signal]) });
        const channel = new Channel<number>();
        const selected = select([pull(channel)], { signal: AbortSignal.any([AbortSignal.timeout(300)]) }).then(
          () => 'resolved',
          (error: Error) => error.name,
        );
        const pulled = channel.pull({ signal: AbortSignal.any([AbortSignal.timeout(200)]) }).then(
          () => 'resolved',
          (error: Error) => error.name,
        );
        const relayed = from(new Channel<number>(), { signal: AbortSignal.any([controller.signal]) });
        for (let i = 0; i < 5; i++) {
          collect();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        controller.abort();
        return {
          events: events.closed,
          relayed: relayed.closed,
          selected: await selected,
          pulled: await pulled,
          parked: channel.stats().waitingPullers,
        };
      });
      expect(result).toEqual({
        events: true,
        relayed: true,
        selected: 'TimeoutError',
        pulled: 'TimeoutError',
        parked: 0,
      });
    } finally {
      await page.close();
    }
  });

  it('native await using / AsyncDisposableStack close a channel, a broadcast (not its source), a ticker and a fromEvent channel', async () => {
    const page = await openPage();
    try {
      // A string: the file's own transform would lower `using`.
      const result = await page.evaluate(`(async () => {
        const { Channel, broadcast, ticker, fromEvent } = window.ca;
        const channel = new Channel(1);
        { await using stack = new AsyncDisposableStack(); stack.use(channel); }
        const source = new Channel(1);
        let subscriber;
        { await using hub = broadcast(source); subscriber = hub.subscribe(); }
        let ticks;
        { using t = ticker(5); ticks = t; await t.pull(); }
        let clicks;
        { using c = fromEvent(document.getElementById('btn'), 'click'); clicks = c; }
        return [channel.closed, subscriber.closed, source.closed, ticks.closed, clicks.closed];
      })()`);
      expect(result).toEqual([true, true, false, true, true]);
    } finally {
      await page.close();
    }
  });
});
