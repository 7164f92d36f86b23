/**
 * web-platform-tests dom/events/EventTarget-*.any.js and AddEventListenerOptions-*.any.js,
 * where they bear on `fromEvent`: listener options (`once`, `capture`, `passive`), listeners
 * removed or added during dispatch, events dispatched while a listener runs, the listener's
 * `signal`. Run here on Node's EventTarget (a platform EventTarget; DOM propagation is checked
 * in wpt-events.chromium.test.ts). (Translated, not copied.)
 */
import { getEventListeners } from 'node:events';
import { type Channel, ChannelClosedError, fromEvent } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { collect, flushAsyncEvents, state } from './util.js';

const types = (events: Event[]) => events.map((e) => (e as CustomEvent).detail);
const fire = (target: EventTarget, type: string, detail?: unknown) =>
  target.dispatchEvent(new CustomEvent(type, { detail }));

describe('dom/events/EventTarget-dispatchEvent.html (dispatch order, nested dispatch)', () => {
  test('events reach the channel in dispatch order (block keeps every event)', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: Infinity, overflow: 'block' });
    for (let i = 0; i < 5; i++) fire(target, 'x', i);
    events.close();
    expect(types(await collect(events))).toEqual([0, 1, 2, 3, 4]);
  });

  // WPT: an event dispatched from inside a listener is dispatched synchronously, so it reaches
  // later listeners before the outer event does.
  test('an event dispatched while an earlier listener runs reaches the channel first, as the platform orders it', async () => {
    const target = new EventTarget();
    const platformOrder: unknown[] = [];
    target.addEventListener('x', (e) => {
      if ((e as CustomEvent).detail === 'outer') fire(target, 'x', 'inner');
    });
    target.addEventListener('x', (e) => platformOrder.push((e as CustomEvent).detail));
    const events = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    fire(target, 'x', 'outer');
    events.close();
    expect(platformOrder).toEqual(['inner', 'outer']);
    expect(types(await collect(events))).toEqual(platformOrder);
  });

  test('an event dispatched from a pull continuation of the channel is kept in order', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 8, overflow: 'block' });
    const got: unknown[] = [];
    const loop = (async () => {
      for await (const e of events) {
        got.push((e as CustomEvent).detail);
        if (got.length === 1) fire(target, 'x', 'from consumer');
        if (got.length === 2) break;
      }
    })();
    fire(target, 'x', 'first');
    await loop;
    expect(got).toEqual(['first', 'from consumer']);
    events.close();
  });
});

describe('dom/events/EventTarget-removeEventListener / remove during dispatch', () => {
  // WPT (Event-dispatch-handlers-changed / EventListener-incumbent): a listener removed by an
  // earlier listener during dispatch is not called for that event.
  test('closing the channel from an earlier listener during dispatch: the event does not reach it', async () => {
    const target = new EventTarget();
    let events: Channel<Event>;
    target.addEventListener('x', () => events.close());
    events = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    fire(target, 'x', 1);
    expect(events.closed).toBe(true);
    expect(await collect(events)).toEqual([]);
  });

  test('aborting the signal from an earlier listener during dispatch: the event does not reach the channel', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    target.addEventListener('x', () => controller.abort());
    const events = fromEvent(target, 'x', { capacity: 4, overflow: 'block', signal: controller.signal });
    fire(target, 'x', 1);
    expect(events.closed).toBe(true);
    expect(await collect(events)).toEqual([]);
  });

  test('closing the channel removes its listener (no listener left on the target)', () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x');
    expect(getEventListeners(target, 'x').length).toBe(1);
    events.close();
    expect(getEventListeners(target, 'x').length).toBe(0);
  });

  test('the channel closed during its own event (a later listener) keeps the event it got', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    target.addEventListener('x', () => events.close());
    fire(target, 'x', 'kept');
    fire(target, 'x', 'after close');
    expect(types(await collect(events))).toEqual(['kept']);
  });

  // WPT (EventTarget-add-listener-platform-object / dispatch-handlers-changed): a listener added
  // during dispatch is not called for that event.
  test('a fromEvent channel made during dispatch does not receive that event', async () => {
    const target = new EventTarget();
    let events: Channel<Event> | undefined;
    target.addEventListener('x', () => {
      events ??= fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    });
    fire(target, 'x', 'during');
    fire(target, 'x', 'next');
    events?.close();
    expect(types(await collect(events as Channel<Event>))).toEqual(['next']);
  });
});

describe('dom/events/AddEventListenerOptions-once.any.js', () => {
  test('Once listener should be invoked only once: the channel takes one event and closes', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { listenerOptions: { once: true } });
    fire(target, 'x', 1);
    fire(target, 'x', 2);
    expect(types(await collect(events))).toEqual([1]);
    expect(getEventListeners(target, 'x').length).toBe(0);
  });

  test('Once listener should be invoked only once even if the event is nested', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { listenerOptions: { once: true }, capacity: 4, overflow: 'block' });
    target.addEventListener('x', (e) => {
      if ((e as CustomEvent).detail === 1) fire(target, 'x', 2);
    });
    fire(target, 'x', 1);
    expect(types(await collect(events))).toEqual([1]);
  });

  test('Once listener should be added / removed like normal listeners (truthy once)', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { listenerOptions: { once: 1 as unknown as boolean } });
    fire(target, 'x', 'a');
    expect(events.closed).toBe(true);
    expect(types(await collect(events))).toEqual(['a']);
  });

  test("once with 'block' and no room: the channel closes only after a pull took the event", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { listenerOptions: { once: true }, capacity: 1, overflow: 'block' });
    const filler = new CustomEvent('x', { detail: 'direct' });
    await events.push(filler);
    fire(target, 'x', 'once');
    expect(events.closed).toBe(false);
    expect(types([await events.pull()])).toEqual(['direct']);
    expect(types([await events.pull()])).toEqual(['once']);
    await flushAsyncEvents();
    expect(events.closed).toBe(true);
  });
});

describe('dom/events/AddEventListenerOptions-passive.any.js + capture', () => {
  test('passive is passed: preventDefault in a passive listener does nothing (the event reaches the channel not cancelled)', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { listenerOptions: { passive: true } });
    const event = new Event('x', { cancelable: true });
    target.addEventListener('x', () => {}, { passive: true });
    target.dispatchEvent(event);
    const got = await events.pull();
    expect(got).toBe(event);
    expect(got.defaultPrevented).toBe(false);
    events.close();
  });

  test('capture listeners: closing removes the listener added with capture (and only it)', () => {
    const target = new EventTarget();
    const a = fromEvent(target, 'x', { listenerOptions: { capture: true } });
    const b = fromEvent(target, 'x');
    expect(getEventListeners(target, 'x').length).toBe(2);
    a.close();
    expect(getEventListeners(target, 'x').length).toBe(1);
    fire(target, 'x');
    expect(b.size).toBe(1);
    b.close();
    expect(getEventListeners(target, 'x').length).toBe(0);
  });

  test('listenerOptions is read once: changing capture afterwards still removes the right listener', () => {
    const target = new EventTarget();
    const listenerOptions = { capture: true };
    const events = fromEvent(target, 'x', { listenerOptions });
    listenerOptions.capture = false;
    events.close();
    expect(getEventListeners(target, 'x').length).toBe(0);
  });

  test('a signal inside listenerOptions is a TypeError (pass options.signal)', () => {
    expect(() =>
      fromEvent(new EventTarget(), 'x', { listenerOptions: { signal: new AbortController().signal } as never }),
    ).toThrow(TypeError);
  });
});

describe('dom/events/AddEventListenerOptions-signal.any.js', () => {
  test('Passing an AbortSignal to addEventListener options should allow removing a listener', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'x', { signal: controller.signal, capacity: 4, overflow: 'block' });
    fire(target, 'x', 1);
    controller.abort();
    fire(target, 'x', 2);
    expect(getEventListeners(target, 'x').length).toBe(0);
    expect(types(await collect(events))).toEqual([1]);
  });

  test('Passing an AbortSignal to addEventListener does not prevent removeEventListener (closing first, abort later)', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'x', { signal: controller.signal });
    events.close();
    controller.abort();
    expect(getEventListeners(target, 'x').length).toBe(0);
    expect(events.closed).toBe(true);
  });

  test('Passing an already aborted signal: no listener is added and the channel starts closed', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { signal: AbortSignal.abort() });
    expect(getEventListeners(target, 'x').length).toBe(0);
    expect(events.closed).toBe(true);
    fire(target, 'x');
    expect(await collect(events)).toEqual([]);
  });

  test('Passing an AbortSignal to multiple listeners', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const a = fromEvent(target, 'x', { signal: controller.signal });
    const b = fromEvent(target, 'y', { signal: controller.signal });
    controller.abort();
    expect(a.closed && b.closed).toBe(true);
    expect(getEventListeners(target, 'x').length + getEventListeners(target, 'y').length).toBe(0);
  });

  test('Passing an AbortSignal with once: the first of abort or the event ends it', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'x', { signal: controller.signal, listenerOptions: { once: true } });
    controller.abort();
    fire(target, 'x');
    expect(await collect(events)).toEqual([]);
  });

  test('Aborting from a listener does not call future listeners (the channel is a future listener)', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    target.addEventListener('x', () => controller.abort(), { signal: controller.signal });
    const events = fromEvent(target, 'x', { signal: controller.signal });
    fire(target, 'x');
    expect(await collect(events)).toEqual([]);
  });

  test('Adding then aborting a listener in another listener does not call it', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    let events: Channel<Event> | undefined;
    target.addEventListener('x', () => {
      events = fromEvent(target, 'x', { signal: controller.signal });
      controller.abort();
    });
    fire(target, 'x');
    fire(target, 'x');
    expect(await collect(events as Channel<Event>)).toEqual([]);
  });
});

describe('dom/events/EventTarget-addEventListener / bad arguments', () => {
  test('a target without addEventListener is a TypeError', () => {
    expect(() => fromEvent({} as EventTarget, 'x')).toThrow(TypeError);
  });

  test('a non-string type is a TypeError', () => {
    expect(() => fromEvent(new EventTarget(), 1 as unknown as string)).toThrow(TypeError);
  });

  test('default options keep only the latest event (capacity 1, drop-oldest)', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x');
    for (let i = 0; i < 3; i++) fire(target, 'x', i);
    expect(events.size).toBe(1);
    expect(types([events.pullNowait()])).toEqual([2]);
    events.close();
  });

  test("'block' with a full buffer: an event waits as a parked push and is committed in order", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 1, overflow: 'block' });
    for (let i = 0; i < 3; i++) fire(target, 'x', i);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await events.pull()) as CustomEvent);
    expect(got.map((e) => e.detail)).toEqual([0, 1, 2]);
    events.close();
  });

  test("closing a 'block' channel with parked events: pulls reject, nothing reaches a pull after close", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 1, overflow: 'block' });
    fire(target, 'x', 0);
    fire(target, 'x', 1);
    events.close();
    expect(types([await events.pull()])).toEqual([0]);
    await expect(events.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a pull waiting on the channel gets the next event', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x');
    const pulled = events.pull();
    expect(await state(pulled)).toBe('pending');
    fire(target, 'x', 'now');
    expect(types([await pulled])).toEqual(['now']);
    events.close();
  });
});

describe('dom/events/EventTarget-addEventListener.any.js + EventTarget-constructible.any.js', () => {
  test('two fromEvent channels on one target and type each get every event (distinct listeners)', async () => {
    const target = new EventTarget();
    const a = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    const b = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    fire(target, 'x', 1);
    fire(target, 'x', 2);
    a.close();
    fire(target, 'x', 3);
    b.close();
    expect(types(await collect(a))).toEqual([1, 2]);
    expect(types(await collect(b))).toEqual([1, 2, 3]);
  });

  test('a subclass of EventTarget is a target like any other', async () => {
    class Bus extends EventTarget {}
    const bus = new Bus();
    const events = fromEvent(bus, 'note');
    fire(bus, 'note', 'hi');
    expect(types([await events.pull()])).toEqual(['hi']);
    events.close();
  });

  test('the event pulled is the dispatched object itself, with its target set and its dispatch over', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x');
    const event = new Event('x');
    target.dispatchEvent(event);
    const pulled = await events.pull();
    expect(pulled).toBe(event);
    expect(pulled.target).toBe(target);
    expect(pulled.eventPhase).toBe(Event.NONE);
    events.close();
  });

  test("'drop-newest' keeps the first events and drops later ones while full", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) fire(target, 'x', i);
    events.close();
    expect(types(await collect(events))).toEqual([0, 1]);
  });
});
