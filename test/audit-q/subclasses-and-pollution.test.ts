/**
 * Audit Q: user code around the channel rather than inside one operation — subclasses of
 * `Channel` that override its methods, and `Object.prototype` polluted while channels are used.
 *
 * Decision for subclasses: chanasync's own machinery — `select`, `merge`, `broadcast`, the
 * async iterator, `pushAll`, `pullMany` — works on the channel's state directly and never calls
 * the public methods a subclass may override (as Go's runtime never calls user code to move a
 * value), so an override sees the calls the user's code makes, and only those. The one
 * exception is disposal: `using` / `await using` call `close()` as a method, so an overriding
 * `close` runs at the end of the block.
 */
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  merge,
  type OperationOptions,
  pull,
  push,
  select,
  selectNowait,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/** A user's subclass that logs the calls to its overridden methods. */
class LoggingQueue<T> extends Channel<T> {
  readonly log: string[] = [];
  override push(value: T, options?: OperationOptions): Promise<void> {
    this.log.push(`push ${String(value)}`);
    return super.push(value, options);
  }
  override pull(options?: OperationOptions): Promise<T> {
    this.log.push('pull');
    return super.pull(options);
  }
  override tryPush(value: T): boolean {
    this.log.push(`tryPush ${String(value)}`);
    return super.tryPush(value);
  }
  override tryPull(): T | undefined {
    this.log.push('tryPull');
    return super.tryPull();
  }
  override close(reason?: unknown): void {
    this.log.push('close');
    super.close(reason);
  }
}

describe('a subclass of Channel that overrides push, pull and close', () => {
  test('select pulls from and pushes into it without calling the overrides, and commits exactly once', async () => {
    const queue = new LoggingQueue<number>(1);
    const other = new Channel<number>();
    await queue.push(1);
    await expect(select([pull(queue), pull(other)])).resolves.toMatchObject({ index: 0, value: 1, ok: true });
    expect(selectNowait([push(queue, 2)])).toMatchObject({ index: 0, ok: true });
    expect(queue.log).toEqual(['push 1']);
    expect(await queue.pull()).toBe(2);
  });

  test('a parked select is met by the subclass’s own push, which the override sees', async () => {
    const queue = new LoggingQueue<string>();
    const selected = select([pull(queue), pull(new Channel<string>())]);
    await queue.push('hello');
    await expect(selected).resolves.toMatchObject({ index: 0, value: 'hello', ok: true });
    expect(queue.log).toEqual(['push hello']);
    expect(queue.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('for await, pullMany and pushAll work on it without calling pull or push', async () => {
    const queue = new LoggingQueue<number>(4);
    await queue.pushAll([1, 2, 3]);
    expect(await queue.pullMany(2)).toEqual([1, 2]);
    queue.close();
    const seen: number[] = [];
    for await (const value of queue) seen.push(value);
    expect(seen).toEqual([3]);
    expect(queue.log).toEqual(['close']);
  });

  test('merge and broadcast of it deliver every value once, in order, and end when it is closed', async () => {
    const a = new LoggingQueue<number>(4);
    const b = new LoggingQueue<number>(4);
    const merged = merge(a, b);
    a.tryPush(1);
    b.tryPush(10);
    a.tryPush(2);
    a.close();
    b.close();
    const got: number[] = [];
    for await (const value of merged) got.push(value);
    expect(got.filter((v) => v < 10)).toEqual([1, 2]);
    expect(got.filter((v) => v >= 10)).toEqual([10]);

    const source = new LoggingQueue<number>(4);
    const hub = broadcast(source);
    const one = hub.subscribe({ capacity: 4 });
    const two = hub.subscribe({ capacity: 4 });
    source.tryPush(7);
    source.tryPush(8);
    source.close('done');
    const collect = async (channel: Channel<number>) => {
      const values: number[] = [];
      try {
        for await (const value of channel) values.push(value);
      } catch (error) {
        values.push(-1);
        expect(error).toBe('done');
      }
      return values;
    };
    await expect(Promise.all([collect(one), collect(two)])).resolves.toEqual([
      [7, 8, -1],
      [7, 8, -1],
    ]);
    expect(source.log).toEqual(['tryPush 7', 'tryPush 8', 'close']);
  });

  test('`using` calls the overriding close at the end of the block', () => {
    const queue = new LoggingQueue<number>(1);
    {
      using inBlock = queue;
      inBlock.tryPush(1);
    }
    expect(queue.log).toEqual(['tryPush 1', 'close']);
    expect(queue.closed).toBe(true);
  });

  test('a subclass whose close override pushes a last value first keeps FIFO and still fails parked pushers', async () => {
    class Sentinel extends Channel<string> {
      override close(reason?: unknown): void {
        if (!this.closed) this.tryPush('<end>');
        super.close(reason);
      }
    }
    const channel = new Sentinel(1);
    channel.tryPush('a');
    const parked = channel.push('b').then(
      () => 'delivered',
      (error: unknown) => error,
    );
    channel.close();
    await expect(parked).resolves.toBeInstanceOf(ChannelClosedError);
    // The buffer was full: the sentinel could not go in either.
    expect(channel.tryPull()).toBe('a');
    expect(channel.tryPull()).toBeUndefined();
  });
});

/** Runs `body` with `key` set on `Object.prototype`, and always removes it. */
async function polluted(key: string, value: unknown, body: () => Promise<void> | void): Promise<void> {
  Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
  try {
    await body();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[key];
  }
}

describe('Object.prototype polluted while channels are used', () => {
  test('an inherited `signal` (even an aborted one) does not touch operations called without options', async () => {
    const aborted = AbortSignal.abort('polluted');
    await polluted('signal', aborted, async () => {
      const channel = new Channel<number>(4);
      await channel.push(1);
      await channel.pushAll([2, 3]);
      expect(await channel.pull()).toBe(1);
      expect(await channel.pullMany(1)).toEqual([2]);
      await expect(select([pull(channel)])).resolves.toMatchObject({ value: 3 });
      const merged = merge(channel);
      channel.tryPush(4);
      channel.close();
      const got: number[] = [];
      for await (const value of merged) got.push(value);
      expect(got).toEqual([4]);
    });
  });

  test('an inherited `name` does not rename channels made without options, nor the ones chanasync makes', async () => {
    await polluted('name', 'polluted', async () => {
      const channel = new Channel<number>();
      expect(channel.name).toBeUndefined();
      expect(merge(channel).name).toBe('merge');
      expect(() => channel.pullNowait()).toThrow('pullNowait: channel is empty');
    });
  });

  test('an inherited `then` makes a plain object a thenable, refused at push; primitives still pass', async () => {
    await polluted(
      'then',
      () => {},
      async () => {
        const channel = new Channel<unknown>(2);
        expect(() => channel.pushNowait({ plain: true })).toThrow(TypeError);
        expect(channel.tryPush(1)).toBe(true);
        expect(channel.size).toBe(1);
      },
    );
    const channel = new Channel<unknown>(1);
    expect(channel.tryPush({ plain: true })).toBe(true);
  });
});
