/**
 * `fromEvent` and an event no channel takes (audit BF-W1): a thenable event — a duck-typed
 * target's promise, an `Event` subclass with a `then` — ends the channel with a `TypeError` that
 * names `fromEvent`, after the events before it, in every overflow mode; nothing is thrown into
 * the dispatcher and the listener is removed.
 */
import { describe, expect, test } from 'vitest';
import { ChannelClosedError, fromEvent, type Overflow } from '../src/index.js';

class AwaitableEvent extends Event {
  // biome-ignore lint/suspicious/noThenProperty: the point of the test
  then(resolve: (value: string) => void): void {
    resolve('done');
  }
}

describe.each<Overflow>(['block', 'drop-oldest', 'drop-newest'])("fromEvent with overflow '%s'", (overflow) => {
  test('a thenable event ends the channel with a TypeError naming fromEvent, after the events before it', async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'job', { capacity: 4, overflow });
    const first = new Event('job');
    target.dispatchEvent(first);
    // Not thrown into dispatchEvent (a listener's throw would be reported, not thrown: check both).
    let reported: unknown;
    const onError = (error: unknown) => {
      reported = error;
    };
    process.once('uncaughtException', onError);
    expect(target.dispatchEvent(new AwaitableEvent('job'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('uncaughtException', onError);
    expect(reported).toBeUndefined();
    expect(events.closed).toBe(true);
    expect(await events.pull()).toBe(first);
    const error = await events.pull().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ChannelClosedError);
    const cause = (error as ChannelClosedError).cause;
    expect(cause).toBeInstanceOf(TypeError);
    expect((cause as TypeError).message).toMatch(/^fromEvent\(target, type, options\): value is a thenable/);
    // The listener is gone: a later event is not taken.
    target.dispatchEvent(new Event('job'));
    expect(events.size).toBe(0);
  });
});

test('with once, a thenable event ends the channel: a for await over it ends with the TypeError', async () => {
  const target = new EventTarget();
  const events = fromEvent(target, 'ready', { overflow: 'block', listenerOptions: { once: true } });
  target.dispatchEvent(new AwaitableEvent('ready'));
  const ended = await (async () => {
    for await (const _ of events) return 'a value';
    return 'done';
  })().catch((error: unknown) => error);
  expect(ended).toBeInstanceOf(TypeError);
});
