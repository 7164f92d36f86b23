// @vitest-environment happy-dom
/**
 * Type tests for the interop helpers, broadcast and ticker (issue 11, item 16): `npm test`
 * type-checks this file with tsc, so an inference that breaks fails to compile. The runtime
 * assertions check that the values behind the types are what the types say.
 */
import { expect, expectTypeOf, test } from 'vitest';
import {
  after,
  type Broadcast,
  broadcast,
  Channel,
  type EventOf,
  fromEvent,
  merge,
  type PullChannel,
  ticker,
  toReadableStream,
} from '../src/index.js';

test('merge of channels of different element types is a channel of the union', () => {
  const numbers = new Channel<number>(1);
  const names = new Channel<string>(1);
  const merged = merge(numbers, names);
  expectTypeOf(merged).toEqualTypeOf<Channel<number | string>>();
  numbers.pushNowait(1);
  expect(merged.pullNowait()).toBe(1);
  merged.close();
});

test('merge accepts pull views and arrays of channels', () => {
  const view: PullChannel<boolean> = new Channel<boolean>();
  expectTypeOf(merge(view)).toEqualTypeOf<Channel<boolean>>();
  const many = [new Channel<Date>(), new Channel<Date>()];
  expectTypeOf(merge(...many)).toEqualTypeOf<Channel<Date>>();
  expectTypeOf(merge()).toEqualTypeOf<Channel<never>>();
  // @ts-expect-error a non-channel argument does not compile
  expect(() => merge(42)).toThrow(TypeError);
});

test('toReadableStream accepts a pull view and keeps the element type', () => {
  const view: PullChannel<Uint8Array> = new Channel<Uint8Array>();
  expectTypeOf(toReadableStream(view)).toEqualTypeOf<ReadableStream<Uint8Array>>();
  // @ts-expect-error highWaterMark is a number
  expect(() => toReadableStream(view, { highWaterMark: '1' })).toThrow(RangeError);
});

test('broadcast accepts a pull view; subscribers are channels of its element type', () => {
  const view: PullChannel<{ price: number }> = new Channel<{ price: number }>();
  const hub = broadcast(view);
  expectTypeOf(hub).toEqualTypeOf<Broadcast<{ price: number }>>();
  const subscriber = hub.subscribe({ overflow: 'drop-oldest' });
  expectTypeOf(subscriber).toEqualTypeOf<Channel<{ price: number }>>();
  // @ts-expect-error overflow is one of the three policies
  expect(() => hub.subscribe({ overflow: 'latest' })).toThrow(TypeError);
  hub.close();
});

test('after and ticker are channels of numbers', () => {
  const timeout = after(10);
  const ticks = ticker(10);
  expectTypeOf(timeout).toEqualTypeOf<Channel<number>>();
  expectTypeOf(ticks).toEqualTypeOf<Channel<number>>();
  timeout.close();
  ticks.close();
});

test('fromEvent types the channel through the target’s event map', () => {
  const input = document.createElement('input');
  const keys = fromEvent(input, 'keydown');
  expectTypeOf(keys).toEqualTypeOf<Channel<KeyboardEvent>>();
  expectTypeOf(fromEvent(input, 'click')).toEqualTypeOf<Channel<HTMLElementEventMap['click']>>();
  expectTypeOf(fromEvent(input, 'touchstart')).toEqualTypeOf<Channel<TouchEvent>>();
  expectTypeOf(fromEvent(window, 'message')).toEqualTypeOf<Channel<MessageEvent>>();
  expectTypeOf(fromEvent(document, 'visibilitychange')).toEqualTypeOf<Channel<Event>>();
  expectTypeOf(fromEvent(new AbortController().signal, 'abort')).toEqualTypeOf<Channel<Event>>();
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
  expect(keys.pullNowait().key).toBe('Enter');
  keys.close();
});

/** The event types of `Map` for which {@link EventOf} on `Target` gives another type than the map. */
type Mismatches<Target, Map> = {
  [K in keyof Map & string]: [EventOf<Target, K>] extends [Map[K]]
    ? [Map[K]] extends [EventOf<Target, K>]
      ? never
      : K
    : K;
}[keyof Map & string];

test('fromEvent agrees with the DOM event maps, the entries without an on<type> handler too', () => {
  // focusin, focusout, composition* and error (whose handler also takes a string) come from
  // GlobalEventHandlersEventMap (audit AX-N1).
  expectTypeOf<Mismatches<HTMLInputElement, HTMLElementEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<SVGElement, SVGElementEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<Document, DocumentEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<Window, WindowEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<WebSocket, WebSocketEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<Worker, WorkerEventMap>>().toEqualTypeOf<never>();
  expectTypeOf<Mismatches<MessagePort, MessagePortEventMap>>().toEqualTypeOf<never>();
  const events = fromEvent(new EventTarget(), 'x');
  expect(events.capacity).toBe(1);
  events.close();
});

test('fromEvent falls back to Event for a type the target does not declare', () => {
  const bus = new EventTarget();
  const notes = fromEvent(bus, 'note');
  expectTypeOf(notes).toEqualTypeOf<Channel<Event>>();
  expectTypeOf<EventOf<EventTarget, 'anything'>>().toEqualTypeOf<Event>();
  notes.close();
});

test('fromEvent takes an explicit event type', () => {
  const bus = new EventTarget();
  const notes = fromEvent<CustomEvent<string>>(bus, 'note');
  expectTypeOf(notes).toEqualTypeOf<Channel<CustomEvent<string>>>();
  bus.dispatchEvent(new CustomEvent('note', { detail: 'hi' }));
  expect(notes.pullNowait().detail).toBe('hi');
  notes.close();
});
