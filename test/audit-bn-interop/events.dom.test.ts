// @vitest-environment happy-dom
/**
 * `fromEvent` on happy-dom elements, alone and with the other helpers: capacity and overflow
 * defaults, the signal, listener removal (checked by spying on add/removeEventListener), and
 * interplay with `merge`, `select`, `ticker` under fake timers and `toReadableStream`.
 */

import { broadcast, fromEvent, merge, pull, select, ticker, toReadableStream } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

/** Records the listeners added to and removed from `target`. */
function spyListeners(target: EventTarget) {
  const live = new Set<string>();
  const key = (type: string, listener: unknown, options: unknown) => {
    const capture = typeof options === 'boolean' ? options : !!(options as { capture?: boolean } | undefined)?.capture;
    return `${type}:${capture}:${ids.get(listener) ?? ids.set(listener, ids.size).get(listener)}`;
  };
  const ids = new Map<unknown, number>();
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  target.addEventListener = (type: string, listener: never, options?: never) => {
    live.add(key(type, listener, options));
    add(type, listener, options);
  };
  target.removeEventListener = (type: string, listener: never, options?: never) => {
    live.delete(key(type, listener, options));
    remove(type, listener, options);
  };
  return live;
}

describe('fromEvent on happy-dom elements', () => {
  it('keeps only the latest click by default and the consumer reads it with its target', async () => {
    const button = document.createElement('button');
    document.body.append(button);
    const clicks = fromEvent(button, 'click');
    expect(clicks.capacity).toBe(1);
    expect(clicks.stats().overflow).toBe('drop-oldest');
    for (let i = 0; i < 3; i++) button.dispatchEvent(new MouseEvent('click', { detail: i }));
    expect(clicks.size).toBe(1);
    const event = await clicks.pull();
    expect((event as MouseEvent).detail).toBe(2);
    expect(event.target).toBe(button);
    clicks.close();
  });

  it('a capture-phase listener is removed with its capture flag when the channel is closed', () => {
    const parent = document.createElement('div');
    const child = document.createElement('span');
    parent.append(child);
    document.body.append(parent);
    const live = spyListeners(parent);
    const channel = fromEvent(parent, 'click', { listenerOptions: { capture: true } });
    expect(live.size).toBe(1);
    child.click();
    expect(channel.size).toBe(1);
    channel.close();
    expect(live.size).toBe(0);
    child.click();
    expect(channel.size).toBe(1);
  });

  it('an aborted signal removes the listener of every fromEvent channel sharing it and closes them', async () => {
    const input = document.createElement('input');
    document.body.append(input);
    const live = spyListeners(input);
    const controller = new AbortController();
    const keys = fromEvent(input, 'keydown', { signal: controller.signal, capacity: 4 });
    const inputs = fromEvent(input, 'input', { signal: controller.signal, overflow: 'block' });
    expect(live.size).toBe(2);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'b' }));
    const waiting = inputs.pull();
    controller.abort();
    expect(live.size).toBe(0);
    await expect(waiting).rejects.toMatchObject({ name: 'ChannelClosedError' });
    const seen: string[] = [];
    for await (const event of keys) seen.push(event.key);
    expect(seen).toEqual(['a', 'b']);
  });

  it("'block' keeps every event in order when the consumer falls behind, and a close discards only the parked ones", async () => {
    const button = document.createElement('button');
    const clicks = fromEvent(button, 'click', { overflow: 'block', capacity: 2 });
    for (let i = 0; i < 5; i++) button.dispatchEvent(new MouseEvent('click', { detail: i }));
    expect(clicks.stats().waitingPushers).toBe(3);
    const first = await clicks.pullMany(3);
    expect(first.map((event) => (event as MouseEvent).detail)).toEqual([0, 1, 2]);
    // The parked events moved into the buffer as it was taken from.
    expect(clicks.size).toBe(2);
    button.dispatchEvent(new MouseEvent('click', { detail: 5 }));
    clicks.close();
    const rest = await clicks.pullMany(10);
    expect(rest.map((event) => (event as MouseEvent).detail)).toEqual([3, 4]);
  });

  it('a select loop over clicks and a ticker under fake timers sees both, and an abort leaves no listener and no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const button = document.createElement('button');
    document.body.append(button);
    const live = spyListeners(button);
    const controller = new AbortController();
    const clicks = fromEvent(button, 'click', { signal: controller.signal });
    const ticks = ticker(100, { signal: controller.signal });
    const log: string[] = [];
    const loop = (async () => {
      for (;;) {
        const result = await select([pull(clicks), pull(ticks)]);
        if (!result.ok) return;
        log.push(result.index === 0 ? `click@${Date.now()}` : `tick ${result.value}`);
      }
    })();
    await vi.advanceTimersByTimeAsync(150);
    button.click();
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await loop;
    expect(log).toEqual(['tick 100', 'click@150', 'tick 200']);
    expect(live.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(clicks.closed && ticks.closed).toBe(true);
  });

  it('a merge of two elements’ events keeps each element’s order and ends once both are aborted', async () => {
    const a = document.createElement('button');
    const b = document.createElement('button');
    const ca = new AbortController();
    const cb = new AbortController();
    const all = merge(
      fromEvent(a, 'click', { overflow: 'block', signal: ca.signal }),
      fromEvent(b, 'click', { overflow: 'block', signal: cb.signal }),
    );
    for (let i = 0; i < 4; i++) {
      a.dispatchEvent(new MouseEvent('click', { detail: i }));
      b.dispatchEvent(new MouseEvent('click', { detail: 10 + i }));
    }
    const seen: number[] = [];
    const loop = (async () => {
      for await (const event of all) seen.push((event as MouseEvent).detail);
    })();
    await new Promise((resolve) => setTimeout(resolve, 0));
    ca.abort();
    cb.abort();
    await loop;
    // Events parked beyond the buffer are discarded by the abort; what was read is in order.
    expect(seen.filter((d) => d < 10)).toEqual([0, 1, 2, 3]);
    expect(seen.filter((d) => d >= 10)).toEqual([10, 11, 12, 13]);
  });

  it('a broadcast of clicks gives every subscriber the same clicks, and toReadableStream of one subscriber reads them', async () => {
    const button = document.createElement('button');
    const controller = new AbortController();
    const hub = broadcast(fromEvent(button, 'click', { overflow: 'block', signal: controller.signal }));
    const one = hub.subscribe({ capacity: 8 });
    const two = hub.subscribe({ capacity: 8 });
    const reader = toReadableStream(two).getReader();
    for (let i = 0; i < 3; i++) button.dispatchEvent(new MouseEvent('click', { detail: i }));
    const viaStream: number[] = [];
    for (let i = 0; i < 3; i++) viaStream.push(((await reader.read()).value as MouseEvent).detail);
    controller.abort();
    expect(viaStream).toEqual([0, 1, 2]);
    expect((await one.pullMany(8)).map((event) => (event as MouseEvent).detail)).toEqual([0, 1, 2]);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(one.closed).toBe(true);
  });

  it('once: true takes one event on happy-dom, closes the channel and leaves no listener', async () => {
    const button = document.createElement('button');
    const live = spyListeners(button);
    const channel = fromEvent(button, 'click', { listenerOptions: { once: true } });
    button.click();
    button.click();
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(1);
    channel.close();
    expect(live.size).toBe(0);
  });
});
