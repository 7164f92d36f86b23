/**
 * Audit BP, mutant C20 (`pushEach`'s catch renames every `ChannelClosedError` as its own
 * channel's "pushAll is closed", not only one of its own channel: it survived the batch and core
 * sets). The values a `pushAll` iterates are user code: a generator may itself pull from another
 * channel, closed, and throw that channel's error. `pushAll` must reject with that error, counted,
 * not with an error that says its own (open) channel is closed.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';

describe('pushAll whose values throw another channel’s ChannelClosedError', () => {
  it('rejects with that error, naming the other channel, with the count of values pushed', async () => {
    const other = new Channel<number>(0, { name: 'other' });
    other.close();
    const channel = new Channel<number>(4, { name: 'target' });
    function* values(): Generator<number> {
      yield 1;
      yield other.pullNowait();
    }
    const error = await channel.pushAll(values()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).channel).toBe(other);
    expect((error as Error).message).toContain('pullNowait');
    expect((error as { pushed?: unknown }).pushed).toBe(1);
    expect(channel.closed).toBe(false);
    expect(channel.tryPull()).toBe(1);
  });

  it('(holds) a close of its own channel while it waits still rejects with an error naming pushAll', async () => {
    const channel = new Channel<number>(1, { name: 'target' });
    const pushing = channel.pushAll([1, 2, 3]);
    await Promise.resolve();
    channel.close();
    const error = await pushing.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).channel).toBe(channel);
    expect((error as Error).message).toContain('pushAll');
    expect((error as { pushed?: unknown }).pushed).toBe(1);
  });
});
