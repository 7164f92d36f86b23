// @vitest-environment happy-dom
/**
 * SPEC.md "Interop": fromEvent, with real DOM elements and events (happy-dom).
 */
import { expect, test, vi } from 'vitest';
import { fromEvent } from '../src/index.js';
import { abortedSignal, flush } from './helpers/track.js';

function input(): HTMLInputElement {
  const element = document.createElement('input');
  document.body.append(element);
  return element;
}

function type(element: HTMLInputElement, value: string): void {
  element.value = value;
  element.dispatchEvent(new Event('input', { bubbles: true }));
}

test('fromEvent delivers the events dispatched at the target', async () => {
  const button = document.createElement('button');
  document.body.append(button);
  const clicks = fromEvent<MouseEvent>(button, 'click');
  const next = clicks.pull();
  button.click();
  const event = await next;
  expect(event.type).toBe('click');
  expect(event.target).toBe(button);
  clicks.close();
});

test('by default it holds only the latest event (capacity 1, drop-oldest)', async () => {
  const field = input();
  const edits = fromEvent(field, 'input');
  expect(edits.capacity).toBe(1);
  expect(edits.stats().overflow).toBe('drop-oldest');
  for (const value of ['c', 'ch', 'cha']) type(field, value);
  expect(edits.size).toBe(1);
  const latest = await edits.pull();
  expect((latest.target as HTMLInputElement).value).toBe('cha');
  edits.close();
});

test("with overflow 'block' every event is kept, in order", async () => {
  const field = input();
  const edits = fromEvent<InputEvent>(field, 'input', { capacity: 1, overflow: 'block' });
  for (const value of ['a', 'b', 'c']) type(field, value);
  const types: string[] = [];
  for (let i = 0; i < 3; i++) types.push((await edits.pull()).type);
  expect(types).toEqual(['input', 'input', 'input']);
  expect(edits.stats().waitingPushers).toBe(0);
  edits.close();
});

test('aborting the signal removes the listener and closes the channel; buffered events stay readable', async () => {
  const field = input();
  const removed = vi.spyOn(field, 'removeEventListener');
  const controller = new AbortController();
  const edits = fromEvent(field, 'input', { signal: controller.signal });
  type(field, 'x');
  controller.abort();
  expect(edits.closed).toBe(true);
  expect(removed).toHaveBeenCalledWith('input', expect.any(Function), undefined);
  type(field, 'y'); // no listener: nothing happens, no error
  const events: Event[] = [];
  for await (const event of edits) events.push(event);
  expect(events).toHaveLength(1);
});

test('closing the channel removes the listener', () => {
  const field = input();
  const added = vi.spyOn(field, 'addEventListener');
  const removed = vi.spyOn(field, 'removeEventListener');
  const edits = fromEvent(field, 'input');
  edits.close();
  expect(removed).toHaveBeenCalledWith('input', added.mock.calls[0]?.[1], undefined);
  type(field, 'z');
  expect(edits.size).toBe(0);
});

test('an already aborted signal gives a closed channel and adds no listener', () => {
  const field = input();
  const added = vi.spyOn(field, 'addEventListener');
  const edits = fromEvent(field, 'input', { signal: abortedSignal('no') });
  expect(edits.closed).toBe(true);
  expect(added).not.toHaveBeenCalled();
});

test('the signal loses its abort listener once the channel closes', async () => {
  const field = input();
  const controller = new AbortController();
  const removed = vi.spyOn(controller.signal, 'removeEventListener');
  const edits = fromEvent(field, 'input', { signal: controller.signal });
  edits.close();
  await flush();
  expect(removed).toHaveBeenCalledTimes(1);
});

test('listenerOptions.once takes one event, then closes the channel after it', async () => {
  const field = input();
  const removed = vi.spyOn(field, 'removeEventListener');
  const edits = fromEvent(field, 'input', { listenerOptions: { once: true } });
  type(field, 'a');
  expect(edits.closed).toBe(true);
  type(field, 'b'); // the listener is gone: nothing happens, no error
  const events: Event[] = [];
  for await (const event of edits) events.push(event);
  expect(events).toHaveLength(1);
  expect(removed).toHaveBeenCalledWith('input', expect.any(Function), {
    capture: undefined,
    passive: undefined,
    once: true,
  });
});

test("listenerOptions.once with overflow 'block' and a full buffer closes only once a pull made room for the event", async () => {
  const target = new EventTarget();
  const events = fromEvent(target, 'tick', { capacity: 0, overflow: 'block', listenerOptions: { once: true } });
  const first = new Event('tick');
  target.dispatchEvent(first);
  target.dispatchEvent(new Event('tick')); // the platform removed the listener after one call
  await flush();
  expect(events.closed).toBe(false); // the event waits as a parked push: closing would discard it
  expect(await events.pull()).toBe(first);
  await flush();
  expect(events.closed).toBe(true);
  await expect(events.pull()).rejects.toThrow(/is closed/);
});

test('listenerOptions must be an object, and a signal there is refused: it goes in options.signal', () => {
  const target = new EventTarget();
  const added = vi.spyOn(target, 'addEventListener');
  expect(() => fromEvent(target, 'x', { listenerOptions: true as never })).toThrow(
    new TypeError('fromEvent(target, type, options): options.listenerOptions must be an object, got boolean'),
  );
  expect(() => fromEvent(target, 'x', { listenerOptions: { signal: new AbortController().signal } as never })).toThrow(
    new TypeError(
      'fromEvent(target, type, options): options.listenerOptions.signal is not supported: pass options.signal',
    ),
  );
  expect(added).not.toHaveBeenCalled();
});
