/**
 * Behaviours of the interop helpers (`from`, `merge`, `toReadableStream`, `fromEvent`, timers)
 * that no other test pinned down, found by mutation testing (each test here failed on at least
 * one mutant of src/interop/ that every other interop test let pass). One behaviour per test;
 * imports from src/.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { Channel, from, fromEvent, merge, toReadableStream } from '../src/index.js';
import { flush, rejection, track } from './helpers/track.js';

describe('toReadableStream', () => {
  test('a stream that read ahead errors with the close reason once its queue is read, even when the channel closed while the stream waited for more', async () => {
    const channel = new Channel<number>(4);
    const reader = toReadableStream(channel, { highWaterMark: 2 }).getReader();
    channel.pushNowait(1);
    await flush();
    expect(channel.stats().waitingPullers).toBe(1); // 1 queued in the stream, a pull waits for the next
    channel.close(new RangeError('done'));
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    const last = track(reader.read());
    await flush();
    expect(last.current).toEqual({ status: 'rejected', reason: new RangeError('done') });
  });
});

describe('fromEvent', () => {
  test("fromEvent(target, 'message') on a target that is not a MessagePort (a Worker, a window) listens without calling start()", async () => {
    const target = new EventTarget(); // no start(), as a Worker or a window has none
    const messages = fromEvent<MessageEvent>(target, 'message');
    target.dispatchEvent(new MessageEvent('message', { data: 'hi' }));
    expect((await messages.pull()).data).toBe('hi');
    messages.close();
  });

  test('fromEvent reads listenerOptions once: an options object changed afterwards leaves no listener on the target after close', () => {
    const target = new EventTarget();
    const listenerOptions = { capture: true };
    const events = fromEvent(target, 'ping', { listenerOptions });
    listenerOptions.capture = false;
    events.close();
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
  });
});

describe('from', () => {
  test('a synchronous iterator whose last result is done with a rejected promise as its value is not returned: the channel closes with that error', async () => {
    const failure = new Error('last');
    const calls: string[] = [];
    const iterator: Iterator<number> & Iterable<number> = {
      [Symbol.iterator]() {
        return this;
      },
      next() {
        calls.push('next');
        return { done: true, value: Promise.reject(failure) as never };
      },
      return() {
        calls.push('return');
        return { done: true, value: undefined };
      },
    };
    const channel = from(iterator);
    expect(await rejection(channel.pull())).toMatchObject({ cause: failure });
    expect(calls).toEqual(['next']);
  });
});

describe('merge', () => {
  test('merge keeps its round-robin turn when a closed input is dropped: the next value comes from the input after it', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => new Channel<string>(Infinity, { name })) as [
      Channel<string>,
      Channel<string>,
      Channel<string>,
      Channel<string>,
    ];
    a.pushNowait('a1');
    a.close();
    for (const [input, name] of [
      [b, 'b'],
      [c, 'c'],
      [d, 'd'],
    ] as const) {
      input.pushNowait(`${name}1`);
      input.pushNowait(`${name}2`);
    }
    const merged = merge(a, b, c, d);
    const received: string[] = [];
    for (let i = 0; i < 7; i++) received.push(await merged.pull());
    expect(received).toEqual(['a1', 'b1', 'c1', 'd1', 'b2', 'c2', 'd2']);
  });
});
