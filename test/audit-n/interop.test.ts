/**
 * Audit N: the README's Reference and Semantic details on the interop helpers, read literally.
 *
 * Web-platform interop: "Bad arguments are refused at the call with a `TypeError` or
 * `RangeError` that names the function and the argument, before anything starts (a stream
 * given to `from` with a bad option stays unlocked)." Semantic details: "`from` opens the
 * iterator at the call, so an iterator method that throws throws from `from` itself."
 *
 * "`listenerOptions: { once: true }` takes one event and then closes the channel, after that
 * event is committed …: the platform removes a `once` listener after one call, and a channel
 * left open would make its consumer wait for ever."
 */
import { describe, expect, test } from 'vitest';
import { from, fromEvent } from '../../src/index.js';

/** Collects what a `for await` over `channel` receives, or `'hang'` if it has not ended after `ms`. */
async function drain<T>(channel: AsyncIterable<T>, ms = 200): Promise<T[] | 'hang'> {
  const got: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop = (async () => {
    for await (const value of channel) got.push(value);
    return got;
  })();
  const timeout = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), ms);
  });
  try {
    return await Promise.race([loop, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fromEvent listenerOptions.once, as the platform reads it', () => {
  // addEventListener converts `once` to a boolean (WebIDL): `once: 1` removes the listener after
  // one event, exactly as `once: true` does. The channel must close then too, or a consumer waits
  // for an event that can never come.
  test.each([1, 'yes', {}])('once: %o closes the channel after its one event, so for await ends', async (once) => {
    const target = new EventTarget();
    const events = fromEvent(target, 'tick', { listenerOptions: { once: once as never } });
    target.dispatchEvent(new Event('tick'));
    target.dispatchEvent(new Event('tick')); // the platform no longer calls the listener
    expect(events.closed).toBe(true);
    const got = await drain(events);
    expect(got).not.toBe('hang');
    expect((got as Event[]).length).toBe(1);
  });

  test.each([0, '', null])('once: %o is not once: the channel stays open and takes every event', (once) => {
    const target = new EventTarget();
    const events = fromEvent(target, 'tick', { capacity: 4, listenerOptions: { once: once as never } });
    target.dispatchEvent(new Event('tick'));
    target.dispatchEvent(new Event('tick'));
    expect(events.closed).toBe(false);
    expect(events.size).toBe(2);
    events.close();
  });

  test("once: 1 with 'block' and no room closes once its event is committed, as once: true does", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'tick', { capacity: 1, overflow: 'block', listenerOptions: { once: 1 as never } });
    const mine = new Event('mine');
    events.pushNowait(mine); // the buffer is full: the event will wait as a parked push
    target.dispatchEvent(new Event('tick'));
    expect(events.closed).toBe(false);
    expect(await events.pull()).toBe(mine); // frees the slot: the event moves in, then it closes
    const got = await drain(events);
    expect(got).not.toBe('hang');
    expect((got as Event[]).map((event) => event.type)).toEqual(['tick']);
  });
});

describe('from: a bad option starts nothing', () => {
  /** An iterable whose iterator method starts something (a cursor, a subscription). */
  function resource() {
    const log: string[] = [];
    const iterable: Iterable<number> = {
      [Symbol.iterator]() {
        log.push('opened');
        let n = 0;
        return {
          next: () => ({ value: ++n, done: n > 2 }),
          return: () => {
            log.push('released');
            return { value: undefined, done: true as const };
          },
        };
      },
    };
    return { iterable, log };
  }

  test.each([
    ['a negative capacity', { capacity: -1 }, RangeError],
    ['a fractional capacity', { capacity: 1.5 }, RangeError],
    ['a capacity that is no number', { capacity: '1' }, TypeError],
    ['a name that is no string', { name: 5 }, TypeError],
  ])('%s is refused before the source’s iterator is opened', (_, options, type) => {
    const { iterable, log } = resource();
    expect(() => from(iterable, options as never)).toThrow(type);
    expect(() => from(iterable, options as never)).toThrow(/^from\(source, options\)/);
    expect(log).toEqual([]);
  });

  test('with good options the iterator is opened at the call, and an iterator method that throws throws from from', async () => {
    const { iterable, log } = resource();
    const channel = from(iterable, { capacity: 1 });
    expect(log).toEqual(['opened']);
    const values: number[] = [];
    for await (const value of channel) values.push(value);
    expect(values).toEqual([1, 2]);
    const boom = new Error('cannot open');
    expect(() =>
      from({
        [Symbol.iterator]() {
          throw boom;
        },
      }),
    ).toThrow(boom);
  });
});
