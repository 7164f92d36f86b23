// @vitest-environment happy-dom
/**
 * Fifth audit, web platform: the TypeScript experience of the programs in
 * test/programs-web.test.ts, against the public entry (`'chanasync'`, i.e. dist/*.d.ts). The
 * programs compile without a cast — event types follow the target, select results narrow by
 * index, stream element types flow through `Channel.from` and `toReadableStream` — and the slips
 * users make in them do not compile (`// @ts-expect-error`), each also failing at run time with
 * a clear error where JavaScript users would make it.
 */
import { after, Channel, fromEvent, merge, type PullChannel, pull, select, toReadableStream } from 'chanasync';
import { expect, expectTypeOf, test } from 'vitest';

test('the search box compiles without casts: an input event channel, a select whose value narrows by index', async () => {
  const field = document.createElement('input');
  const page = new AbortController();
  const edits = fromEvent(field, 'input', { signal: page.signal });
  const keys = fromEvent(field, 'keydown', { signal: page.signal });
  expectTypeOf(edits).toEqualTypeOf<Channel<InputEvent>>();
  expectTypeOf(keys).toEqualTypeOf<Channel<KeyboardEvent>>();
  const quiet = new AbortController();
  const result = await select([pull(keys), pull(after(1, { signal: quiet.signal }))] as const);
  if (result.index === 0) expectTypeOf(result.value).toEqualTypeOf<KeyboardEvent | undefined>();
  else expectTypeOf(result.value).toEqualTypeOf<number | undefined>();
  expect(result.index).toBe(1);
  const request = new AbortController();
  const signal = AbortSignal.any([request.signal, page.signal]);
  expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
  page.abort();
  expect([edits.closed, keys.closed]).toEqual([true, true]);
});

test('a select written without as const still narrows: by index, and by ok to the value without undefined', async () => {
  const keys = fromEvent(document.createElement('input'), 'keydown');
  const result = await select([pull(keys), pull(after(1))]);
  if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<KeyboardEvent>();
  if (result.index === 1 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
  if (result.ok) expectTypeOf(result.value).toEqualTypeOf<KeyboardEvent | number>();
  expect([result.index, result.ok, typeof result.value]).toEqual([1, true, 'number']);
  keys.close();
});

test('the drag program gets PointerEvents from an element, the document and the window, with no type named', () => {
  const handle = document.createElement('div');
  const signal = AbortSignal.abort();
  expectTypeOf(fromEvent(handle, 'pointerdown', { signal })).toEqualTypeOf<Channel<PointerEvent>>();
  expectTypeOf(fromEvent(document, 'pointermove', { signal })).toEqualTypeOf<Channel<PointerEvent>>();
  expectTypeOf(fromEvent(window, 'pointerup', { signal })).toEqualTypeOf<Channel<PointerEvent>>();
  expectTypeOf(fromEvent(document.createElement('form'), 'submit', { signal })).toEqualTypeOf<Channel<SubmitEvent>>();
});

test('a merged toolbar of click channels is a channel of PointerEvent; a mixed merge is the union', () => {
  const signal = AbortSignal.abort();
  const clicks = ['a', 'b'].map(() => fromEvent(document.createElement('button'), 'click', { signal }));
  expectTypeOf(merge(...clicks)).toEqualTypeOf<Channel<PointerEvent>>();
  const keys = fromEvent(document.createElement('input'), 'keydown', { signal });
  expectTypeOf(merge(keys, ...clicks)).toEqualTypeOf<Channel<KeyboardEvent | PointerEvent>>();
  expect(merge(...clicks).closed).toBe(true);
});

test('a fetch body flows through Channel.from and TextDecoderStream as a channel of strings, and back out as a Response', async () => {
  const response = new Response('a\nb\n');
  const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
  expectTypeOf(text).toEqualTypeOf<Channel<string>>();
  const echoed = new Response(text.toReadableStream().pipeThrough(new TextEncoderStream()));
  expect(await echoed.text()).toBe('a\nb\n');
  expectTypeOf(toReadableStream(new Channel<Uint8Array>())).toEqualTypeOf<ReadableStream<Uint8Array>>();
});

test('toReadableStream takes closeOnCancel as a boolean', () => {
  const lines = new Channel<string>(1);
  expectTypeOf(lines.toReadableStream({ closeOnCancel: true })).toEqualTypeOf<ReadableStream<string>>();
  expectTypeOf(toReadableStream(lines, { closeOnCancel: false, highWaterMark: 1 })).toEqualTypeOf<
    ReadableStream<string>
  >();
  expect(() =>
    // @ts-expect-error closeOnCancel is a boolean
    toReadableStream(lines, { closeOnCancel: 'yes' }),
  ).toThrow(TypeError); // and, since audit AD, a TypeError at run time too
});

test('Channel.from infers the element type of a generator, an async generator and an array of promises', async () => {
  function* numbers() {
    for (let i = 1; i <= 2; i++) yield i;
  }
  async function* words() {
    yield 'one';
  }
  expectTypeOf(Channel.from(numbers())).toEqualTypeOf<Channel<number>>();
  expectTypeOf(Channel.from(words())).toEqualTypeOf<Channel<string>>();
  const settled = Channel.from([Promise.resolve(1)]);
  // `from` awaits a promise in a synchronous iterable, as for await does: the value that
  // arrives is the number, and (since audit AD) the type says so.
  expectTypeOf(settled).toEqualTypeOf<Channel<number>>();
  expect(await settled.pull()).toBe(1);
});

test('a directional view types a consumer that only pulls: PullChannel<Event> accepts any event channel', () => {
  const consume = (events: PullChannel<Event>) => events.tryPull();
  const target = new EventTarget();
  const keys = fromEvent(document.createElement('input'), 'keydown');
  expect(consume(keys)).toBe(undefined);
  keys.close();
  expect(consume(fromEvent(target, 'x', { signal: AbortSignal.abort() }))).toBe(undefined);
});

test('slip: the AbortController instead of its signal does not compile, and throws at the call', () => {
  const controller = new AbortController();
  const target = new EventTarget();
  // @ts-expect-error signal is an AbortSignal, not its controller
  expect(() => fromEvent(target, 'x', { signal: controller })).toThrow(/signal must be an AbortSignal/);
  // @ts-expect-error likewise for Channel.from
  expect(() => Channel.from([1], { signal: controller })).toThrow(/signal must be an AbortSignal/);
  // @ts-expect-error and after
  expect(() => after(1, { signal: controller })).toThrow(/signal must be an AbortSignal/);
});

test('slip: a Response (not its body), a Channel where a stream is wanted, or an array for toReadableStream does not compile', () => {
  // @ts-expect-error a Response is not a source: its body is
  expect(() => Channel.from(new Response('x'))).toThrow(TypeError);
  // @ts-expect-error toReadableStream takes a channel, not an array
  expect(() => toReadableStream([1, 2])).toThrow(TypeError);
  const channel = new Channel<string>(1);
  // @ts-expect-error a channel is not a stream: pipeThrough is for a ReadableStream (use toReadableStream())
  expect(() => channel.pipeThrough(new TextEncoderStream())).toThrow(TypeError);
  // @ts-expect-error merge takes channels
  expect(() => merge(channel, ['a'])).toThrow(TypeError);
});

test('slip: pull the select case is not a value, and the pull method is not a select case', async () => {
  const channel = new Channel<number>(1);
  channel.pushNowait(7);
  // @ts-expect-error `await pull(channel)` gives a select case, not a number
  const wrong: number = await pull(channel);
  expect(typeof wrong).toBe('object');
  // @ts-expect-error select takes cases, not the promise of the pull method
  await expect(select([channel.pull()])).rejects.toThrow(/case 0 is not a case/);
});

test('slip: a channel is not a synchronous iterable — for of and Array.from do not compile', () => {
  const channel = new Channel<number>(1);
  // @ts-expect-error for await, not for of
  expect(() => [...channel]).toThrow(TypeError);
  // @ts-expect-error Array.from takes an iterable or array-like; use pullMany or for await
  expect(Array.from(channel)).toEqual([]); // (JavaScript: silently empty — the types are the guard)
});

test('slip: an event channel is invariant — annotate it as PullChannel<Event>, or name the event type', () => {
  const button = document.createElement('button');
  // @ts-expect-error Channel<PointerEvent> is not a Channel<Event> (a Channel is invariant, like Go's chan T)
  const asEvent: Channel<Event> = fromEvent(button, 'click');
  const view: PullChannel<Event> = asEvent;
  const named = fromEvent<Event>(button, 'click');
  expectTypeOf(named).toEqualTypeOf<Channel<Event>>();
  // @ts-expect-error a pointermove channel does not take keyboard events
  const keys: Channel<KeyboardEvent> = fromEvent(document, 'pointermove');
  for (const channel of [asEvent, named, keys]) channel.close();
  expect(view.tryPull()).toBe(undefined);
});

test('slip: pushing the wrong value into a typed stream producer does not compile', async () => {
  const lines = new Channel<string>(2);
  // @ts-expect-error a Channel<string> takes strings
  await lines.push(42);
  // @ts-expect-error tryPush returns a boolean now: awaiting it works, but the result is not a promise
  lines.tryPush('x').then;
  expect(lines.size).toBe(2);
  expect(await lines.tryPush('y')).toBe(false); // full: awaiting a boolean just gives it
});
