// @vitest-environment happy-dom
/**
 * Audit L, in happy-dom: `fromEvent` on real elements composed with `merge`, `broadcast` and
 * `select`; each channel that is done removes its listener from the element.
 */
import { expect, test, vi } from 'vitest';
import { broadcast, fromEvent, merge, pull, select } from '../../src/index.js';

test('merge(fromEvent(button, click), fromEvent(input, keydown)) delivers both kinds in order; closing the inputs removes both listeners and ends the merge', async () => {
  const button = document.createElement('button');
  const input = document.createElement('input');
  document.body.append(button, input);
  const removeB = vi.spyOn(button, 'removeEventListener');
  const removeI = vi.spyOn(input, 'removeEventListener');
  const clicks = fromEvent(button, 'click', { capacity: 4, overflow: 'block' });
  const keys = fromEvent(input, 'keydown', { capacity: 4, overflow: 'block' });
  const merged = merge(clicks, keys);
  button.click();
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
  button.click();
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'b' }));
  const got: string[] = [];
  for (let i = 0; i < 4; i++) {
    const event = await merged.pull();
    got.push(event instanceof KeyboardEvent ? event.key : event.type);
  }
  expect(got.filter((g) => g !== 'click')).toEqual(['a', 'b']);
  expect(got.filter((g) => g === 'click')).toHaveLength(2);
  clicks.close();
  keys.close();
  expect(removeB.mock.calls.map((c) => c[0])).toEqual(['click']);
  expect(removeI.mock.calls.map((c) => c[0])).toEqual(['keydown']);
  await Promise.resolve();
  expect(merged.closed).toBe(true);
  button.click();
  expect(clicks.size).toBe(0);
});

test('broadcast of an element’s clicks with a signal: every subscriber sees each click; aborting ends them all and removes the listener', async () => {
  const button = document.createElement('button');
  const controller = new AbortController();
  const remove = vi.spyOn(button, 'removeEventListener');
  const hub = broadcast(fromEvent(button, 'click', { capacity: 4, overflow: 'block', signal: controller.signal }));
  const a = hub.subscribe({ capacity: 4 });
  const b = hub.subscribe({ capacity: 4 });
  button.click();
  button.click();
  await Promise.resolve();
  controller.abort();
  expect(remove).toHaveBeenCalled();
  for (const sub of [a, b]) {
    let n = 0;
    for await (const _ of sub) n++;
    expect(n).toBe(2);
  }
});

test('select over an element’s clicks and a timer-free channel picks the click; the listener stays until the channel closes', async () => {
  const button = document.createElement('button');
  using clicks = fromEvent(button, 'click');
  const other = fromEvent(button, 'dblclick');
  const pending = select([pull(clicks), pull(other)]);
  button.click();
  const r = await pending;
  expect(r.index).toBe(0);
  expect((r.value as Event).type).toBe('click');
  other.close();
});
