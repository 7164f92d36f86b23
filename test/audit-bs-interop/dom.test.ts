// @vitest-environment happy-dom
import { fromEvent, toReadableStream } from 'chanasync';
import { describe, expect, it, vi } from 'vitest';
import { tick, until } from './util.js';

describe('fromEvent on DOM targets (happy-dom)', () => {
  it('button clicks arrive in order with block; close removes the listener with its capture flag', async () => {
    const button = document.createElement('button');
    document.body.append(button);
    const remove = vi.spyOn(button, 'removeEventListener');
    const add = vi.spyOn(button, 'addEventListener');
    const clicks = fromEvent(button, 'click', { capacity: 8, overflow: 'block', listenerOptions: { capture: true } });
    expect(add).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) button.click();
    expect(clicks.size).toBe(3);
    const e = await clicks.pull();
    expect(e.type).toBe('click');
    clicks.close();
    expect(remove).toHaveBeenCalledTimes(1);
    const [type, listener, opts] = remove.mock.calls[0]!;
    expect(type).toBe('click');
    expect(listener).toBe(add.mock.calls[0]![1]);
    const capture = typeof opts === 'boolean' ? opts : opts?.capture;
    expect(capture).toBe(true);
    button.click();
    expect(clicks.size).toBe(2);
    button.remove();
  });

  it('window message events through fromEvent with a signal; abort removes the listener', async () => {
    const ac = new AbortController();
    const remove = vi.spyOn(window, 'removeEventListener');
    const messages = fromEvent<MessageEvent>(window, 'message', { capacity: 4, overflow: 'block', signal: ac.signal });
    window.postMessage('hi', '*');
    const m = await messages.pull();
    expect(m.data).toBe('hi');
    ac.abort();
    expect(messages.closed).toBe(true);
    expect(remove.mock.calls.some((c) => c[0] === 'message')).toBe(true);
    remove.mockRestore();
  });

  it('input events piped to a stream: default drop-oldest keeps the latest', async () => {
    const input = document.createElement('input');
    const ch = fromEvent(input, 'input');
    for (const v of ['a', 'ab', 'abc']) {
      input.value = v;
      input.dispatchEvent(new Event('input'));
    }
    const reader = toReadableStream(ch).getReader();
    const { value } = await reader.read();
    expect((value!.target as HTMLInputElement).value).toBe('abc');
    await reader.cancel();
    ch.close();
    await tick();
    await until(() => ch.closed, 'closed');
  });
});
