// @vitest-environment happy-dom
/**
 * The docs' claims about `fromEvent` that need a DOM (happy-dom): README "Web-platform interop"
 * ("`fromEvent` works with any `EventTarget` — DOM elements, `window` …"), the Reference's
 * fromEvent row (`listenerOptions`, the event type) and the TSDoc of src/interop/event.ts.
 */
import { describe, expect, test } from 'vitest';
import { fromEvent } from '../src/index.js';
import { flush } from './helpers/track.js';

describe('Web-platform interop: "`fromEvent` works with any `EventTarget` — DOM elements, `window`, a `WebSocket`"', () => {
  test('fromEvent on window receives an event dispatched at window', async () => {
    const resizes = fromEvent(window, 'resize');
    window.dispatchEvent(new Event('resize'));
    const event = await resizes.pull();
    expect(event.type).toBe('resize');
    resizes.close();
  });

  test('fromEvent on document receives an event that bubbles up from an element', async () => {
    const clicks = fromEvent(document, 'click');
    const button = document.createElement('button');
    document.body.append(button);
    button.click();
    expect((await clicks.pull()).target).toBe(button);
    clicks.close();
    button.remove();
  });
});

describe('Reference, fromEvent: "`E` is the target\'s event type for `type` … `KeyboardEvent` for an element\'s `keydown`"', () => {
  test('a keydown pulled from an input is the KeyboardEvent dispatched, with its key', async () => {
    const input = document.createElement('input');
    document.body.append(input);
    const keys = fromEvent(input, 'keydown');
    const dispatched = new KeyboardEvent('keydown', { key: 'Enter' });
    input.dispatchEvent(dispatched);
    const event = await keys.pull();
    expect(event).toBe(dispatched);
    expect(event.key).toBe('Enter');
    keys.close();
    input.remove();
  });
});

describe('Reference, fromEvent: "`listenerOptions`"; TSDoc "Passed to `addEventListener` (and `capture` to `removeEventListener`)"', () => {
  test('with capture, a channel on a parent receives an event that does not bubble, dispatched at its child', async () => {
    const parent = document.createElement('div');
    const child = document.createElement('span');
    parent.append(child);
    document.body.append(parent);
    const captured = fromEvent(parent, 'focus', { listenerOptions: { capture: true } });
    const bubbling = fromEvent(parent, 'focus');
    child.dispatchEvent(new Event('focus', { bubbles: false }));
    await flush();
    expect(captured.size).toBe(1);
    expect(bubbling.size).toBe(0);
    captured.close();
    bubbling.close();
    parent.remove();
  });

  test('closing a capture channel removes its capture listener: later events do not reach it', () => {
    const parent = document.createElement('div');
    const child = document.createElement('span');
    parent.append(child);
    document.body.append(parent);
    const captured = fromEvent(parent, 'focus', { listenerOptions: { capture: true }, capacity: 4 });
    child.dispatchEvent(new Event('focus', { bubbles: false }));
    captured.close();
    child.dispatchEvent(new Event('focus', { bubbles: false }));
    expect(captured.size).toBe(1);
    parent.remove();
  });
});
