// @vitest-environment happy-dom
/**
 * web-platform-tests dom/events (EventTarget-dispatchEvent, AddEventListenerOptions-once,
 * -signal, Event-dispatch-bubbles, remove during dispatch) for `fromEvent` on happy-dom's
 * DOM, where listeners removed during a dispatch may still be called (README: happy-dom's
 * AbortSignal does so): a fromEvent channel closed during the dispatch must neither throw nor
 * receive the event. (Translated, not copied.)
 */
import { type Channel, fromEvent } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { collect } from './util.js';

describe('dom/events on happy-dom', () => {
  test('closing the channel from an earlier listener during dispatch: no throw, no event', async () => {
    const button = document.createElement('button');
    document.body.append(button);
    let clicks: Channel<PointerEvent>;
    button.addEventListener('click', () => clicks.close());
    clicks = fromEvent(button, 'click', { capacity: 4, overflow: 'block' });
    expect(() => button.click()).not.toThrow();
    expect(await collect(clicks)).toEqual([]);
    button.remove();
  });

  test('aborting the signal from an earlier listener during dispatch: no throw, no event', async () => {
    const button = document.createElement('button');
    const controller = new AbortController();
    button.addEventListener('click', () => controller.abort());
    const clicks = fromEvent(button, 'click', { signal: controller.signal, capacity: 4, overflow: 'block' });
    expect(() => button.click()).not.toThrow();
    expect(clicks.closed).toBe(true);
    expect(await collect(clicks)).toEqual([]);
  });

  test('capture on the parent sees a child click; bubbling on the parent too; both closed remove both', async () => {
    const parent = document.createElement('div');
    const child = document.createElement('span');
    parent.append(child);
    document.body.append(parent);
    const capture = fromEvent(parent, 'click', { listenerOptions: { capture: true } });
    const bubble = fromEvent(parent, 'click');
    child.click();
    expect([capture.size, bubble.size]).toEqual([1, 1]);
    capture.close();
    bubble.close();
    expect((await collect(capture))[0]?.type).toBe('click');
    expect((await collect(bubble))[0]?.type).toBe('click');
    parent.remove();
  });

  test('once: one click, then closed; a nested click during the first does not enter', async () => {
    const button = document.createElement('button');
    let nested = false;
    const clicks = fromEvent(button, 'click', { listenerOptions: { once: true }, capacity: 4, overflow: 'block' });
    button.addEventListener('click', () => {
      if (!nested) {
        nested = true;
        button.click();
      }
    });
    button.click();
    const got = await collect(clicks);
    expect(got.length).toBe(1);
    expect(clicks.closed).toBe(true);
  });

  test('window message events: fromEvent(window, "message") receives posted data in order', async () => {
    const messages = fromEvent(window, 'message', { capacity: 8, overflow: 'block' });
    window.postMessage('a', '*');
    window.postMessage('b', '*');
    const first = (await messages.pull()) as MessageEvent;
    const second = (await messages.pull()) as MessageEvent;
    expect([first.data, second.data]).toEqual(['a', 'b']);
    messages.close();
  });

  test('a fromEvent channel made during dispatch does not receive that event', async () => {
    const button = document.createElement('button');
    let clicks: Channel<PointerEvent> | undefined;
    button.addEventListener('click', () => {
      clicks ??= fromEvent(button, 'click', { capacity: 4, overflow: 'block' });
    });
    button.click();
    button.click();
    clicks?.close();
    expect((await collect(clicks as Channel<PointerEvent>)).length).toBe(1);
  });
});
