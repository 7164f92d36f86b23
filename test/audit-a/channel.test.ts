/**
 * `Channel<T>` as an outsider reads the SPEC and the README's Semantic details: edge cases and
 * combinations no other test file covers.
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/index.js';

describe("the iterator's return()", () => {
  test('a next() withdrawn by return() resolves done even when the channel is closed with a reason right after', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    await iterator.return?.();
    channel.close(new Error('producer failed'));
    await expect(next).resolves.toEqual({ done: true, value: undefined });
  });

  test('a next() withdrawn by return() resolves done when close(reason) comes in the same synchronous run', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    void iterator.return?.();
    channel.close('stopped');
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    // Another iterator, still reading, sees the reason as usual.
    await expect(channel[Symbol.asyncIterator]().next()).rejects.toBe('stopped');
  });
});
