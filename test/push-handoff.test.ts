/**
 * The hand-off fast paths of `push` and `pull` (src/channel.ts): a push with no options finds a
 * parked pull without a signal and commits to it at once; a pull with no options on an empty
 * channel with no parked push parks at once. They must behave exactly as the general paths:
 * FIFO among parked pulls whatever their signals, an aborted head checked first, nothing
 * committed to or through a closed channel.
 */
import { Channel, ChannelClosedError, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** How a promise settled, once the microtasks ran. */
async function settled<T>(promise: Promise<T>): Promise<string> {
  return promise.then(
    (value) => `resolved ${String(value)}`,
    (error: Error) => `rejected ${error.name}: ${error.message}`,
  );
}

describe('push hands a value to the oldest parked pull', () => {
  it('in FIFO order, whether the parked pulls have a signal or not', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const a = channel.pull();
    const b = channel.pull({ signal: controller.signal });
    const c = channel.pull();
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    expect(await Promise.all([a, b, c])).toEqual([1, 2, 3]);
    expect(channel.stats()).toMatchObject({ size: 0, waitingPullers: 0, waitingPushers: 0 });
  });

  it('to a parked select pull case and a parked pullMany, as to a pull', async () => {
    const channel = new Channel<string>();
    const other = new Channel<string>();
    const chosen = select([pull(other), pull(channel)]);
    const many = channel.pullMany(4);
    await channel.push('x');
    await channel.push('y');
    expect(await chosen).toMatchObject({ index: 1, value: 'x', ok: true });
    expect(await many).toEqual(['y']);
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('never to a pull whose signal aborted before its listener ran: the next pull gets it', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const got: string[] = [];
    // An earlier listener of the same abort pushes while the first pull's own listener has not
    // run yet: the aborted pull is cancelled first, the value goes to the pull behind it.
    controller.signal.addEventListener('abort', () => {
      void channel.push(7);
    });
    const first = settled(channel.pull({ signal: controller.signal }));
    const second = settled(channel.pull());
    controller.abort(new Error('gone'));
    got.push(await first, await second);
    expect(got).toEqual(['rejected Error: gone', 'resolved 7']);
  });

  it('rejects on a channel that close() is failing, though a pull without a signal is still queued', async () => {
    // close() cancels an aborted head first and reads its signal's `reason`: user code (a
    // `Proxy` getter) that pushes there finds the channel closed and a plain pull still queued
    // behind. The push must reject closed, and that pull must fail closed, not take the value.
    const channel = new Channel<number>(0, { name: 'closing' });
    const controller = new AbortController();
    let pushed: Promise<string> | undefined;
    const signal = new Proxy(controller.signal, {
      get(target, key) {
        if (key === 'reason' && pushed === undefined) pushed = settled(channel.push(5));
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // Registered before the pull's own listener: it runs first, with the pull still queued.
    controller.signal.addEventListener('abort', () => channel.close());
    const first = settled(channel.pull({ signal }));
    const plain = settled(channel.pull());
    controller.abort(new Error('stop'));
    expect(pushed).toBeDefined();
    expect(await pushed).toBe('rejected ChannelClosedError: push: channel "closing" is closed');
    expect(await first).toBe('rejected Error: stop');
    expect(await plain).toBe('rejected ChannelClosedError: pull: channel "closing" is closed');
  });
});

describe('pull parks at once on an empty channel', () => {
  it('and rejects, naming pull, on a closed and drained one', async () => {
    const channel = new Channel<number>(2, { name: 'done' });
    channel.close(new Error('why'));
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toBe('pull: channel "done" is closed');
    expect((error as Error).cause).toEqual(new Error('why'));
  });

  it('and is served by a later push, then by the buffer, in order', async () => {
    const channel = new Channel<number>(1);
    const parked = channel.pull();
    expect(channel.stats().waitingPullers).toBe(1);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await parked).toBe(1);
    expect(await channel.pull()).toBe(2);
  });
});
