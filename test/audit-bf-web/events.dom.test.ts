// @vitest-environment happy-dom
/**
 * Audit BF-web: fromEvent on DOM nodes (happy-dom), the everyday cases: conflated input,
 * capture past a stopPropagation, once+capture+passive removal, happy-dom's own signals.
 */
import { describe, expect, it, vi } from 'vitest';
import { Channel, fromEvent, toReadableStream } from '../../dist/index.js';

describe('fromEvent on DOM elements', () => {
  it('input events with the default options: the consumer sees only the latest, with the field’s final value', async () => {
    const input = document.createElement('input');
    document.body.appendChild(input);
    const changes = fromEvent(input, 'input');
    for (const text of ['h', 'he', 'hel', 'hell', 'hello']) {
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    expect(changes.size).toBe(1);
    const latest = await changes.pull();
    expect((latest.target as HTMLInputElement).value).toBe('hello');
    changes.close();
    input.remove();
  });

  it('a capturing fromEvent on the document still gets a click that the button stops; a bubbling one does not', async () => {
    const button = document.createElement('button');
    document.body.appendChild(button);
    button.addEventListener('click', (e) => e.stopPropagation());
    const captured = fromEvent(document, 'click', { listenerOptions: { capture: true } });
    const bubbled = fromEvent(document, 'click');
    button.click();
    expect(captured.size).toBe(1);
    expect(bubbled.size).toBe(0);
    captured.close();
    bubbled.close();
    button.remove();
  });

  it('once + capture + passive: one event, then the channel closes and the listener is removed with capture', async () => {
    const div = document.createElement('div');
    document.body.appendChild(div);
    const remove = vi.spyOn(div, 'removeEventListener');
    const ch = fromEvent(div, 'pointerdown', { listenerOptions: { once: true, capture: true, passive: true } });
    div.dispatchEvent(new Event('pointerdown'));
    div.dispatchEvent(new Event('pointerdown'));
    const got: Event[] = [];
    for await (const e of ch) got.push(e);
    expect(got.length).toBe(1);
    const captures = remove.mock.calls.map((call) => {
      const o = call[2] as boolean | EventListenerOptions | undefined;
      return typeof o === 'boolean' ? o : !!o?.capture;
    });
    // (happy-dom's own once-removal calls removeEventListener too, without options)
    expect(captures.some(Boolean)).toBe(true);
    div.remove();
  });

  it('happy-dom’s AbortSignal.timeout and AbortSignal.any end a click loop normally', async () => {
    const button = document.createElement('button');
    document.body.appendChild(button);
    const controller = new AbortController();
    const clicks = fromEvent(button, 'click', {
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(20)]),
      capacity: 8,
      overflow: 'block',
    });
    button.click();
    button.click();
    let n = 0;
    for await (const _ of clicks) n++;
    expect(n).toBe(2);
    expect(clicks.closed).toBe(true);
    button.remove();
  });

  it('clicks dispatched from inside the loop body are all received, in order (block)', async () => {
    const button = document.createElement('button');
    document.body.appendChild(button);
    const clicks = fromEvent<MouseEvent>(button, 'click', { capacity: Infinity, overflow: 'block' });
    const order: number[] = [];
    let n = 0;
    button.dispatchEvent(new MouseEvent('click', { detail: n++ }));
    for await (const e of clicks) {
      order.push(e.detail);
      if (n < 10) {
        button.dispatchEvent(new MouseEvent('click', { detail: n++ }));
        button.dispatchEvent(new MouseEvent('click', { detail: n++ }));
      }
      if (order.length === 11) break;
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    clicks.close();
    button.remove();
  });

  it('happy-dom’s Response turns a channel of strings (through TextEncoderStream) into the right text', async () => {
    const ch = new Channel<string>(4);
    const text = new Response(toReadableStream(ch).pipeThrough(new TextEncoderStream())).text();
    await ch.pushAll(['<p>', 'hé', '</p>']);
    ch.close();
    expect(await text).toBe('<p>hé</p>');
  });
});
