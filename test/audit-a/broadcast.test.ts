/**
 * `broadcast` as an outsider reads the SPEC: "When `source` is closed and drained, every
 * subscriber channel is closed (with the same reason) after it received everything pulled
 * before" — also when the source is unbuffered and a producer was waiting on it.
 */
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, from } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('broadcast of an unbuffered source while a subscriber is full', () => {
  test('closing the source fails the waiting push and closes the subscriber at once, keeping what it holds', async () => {
    const source = new Channel<number>();
    const subscriber = broadcast(source).subscribe();
    await source.push(1);
    expect(subscriber.size).toBe(1);
    const waiting = source.push(2);
    await sleep(0);
    source.close('done');
    await expect(waiting).rejects.toBeInstanceOf(ChannelClosedError);
    expect(subscriber.closed).toBe(true);
    expect(await subscriber.pull()).toBe(1);
    await expect(subscriber.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause: 'done' });
  });

  test('a push that waited is delivered once the subscriber has room, and the end still comes at once', async () => {
    const source = new Channel<number>();
    const subscriber = broadcast(source).subscribe();
    await source.push(1);
    const waiting = source.push(2);
    await sleep(0);
    expect(await subscriber.pull()).toBe(1);
    await waiting;
    expect(subscriber.tryPull()).toBe(2);
    source.close();
    expect(subscriber.closed).toBe(true);
  });

  test('a broadcast of an endless capacity-0 from() whose subscriber is full does not starve the event loop', async () => {
    function* numbers() {
      for (let i = 0; ; i++) yield i;
    }
    const source = from(numbers());
    const subscriber = broadcast(source).subscribe();
    await sleep(10); // a timer still runs
    expect(subscriber.size).toBe(1);
    expect(await subscriber.pull()).toBe(0);
    await sleep(10);
    expect(await subscriber.pull()).toBe(1);
    source.close();
    expect(subscriber.closed).toBe(true);
  });
});

test('a push refused by an unbuffered source while a subscriber is full does not keep the source close from the subscribers', async () => {
  const source = new Channel<number>();
  const subscriber = broadcast(source).subscribe();
  await source.push(1);
  expect(source.tryPush(2)).toBe(false);
  await Promise.resolve();
  source.close();
  expect(subscriber.closed).toBe(true);
  expect(subscriber.tryPull()).toBe(1);
});
