/**
 * `fromPort(port, { signal })`: the receiving end closes when its signal aborts, as closing it by
 * hand does. (Audit AD found `signal` silently ignored there, though `toPort`, `from` and
 * `fromEvent` take one: a consumer that passed its component's signal was never stopped by it.)
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, test } from 'vitest';
import { closePortsAfterEach, collect, ports, until } from './helpers/ports.js';

closePortsAfterEach();

/** An `AbortSignal` that counts its `abort` listeners. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  let count = 0;
  const { signal } = controller;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type === 'abort') count++;
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener, options?: EventListenerOptions) => {
    if (type === 'abort') count--;
    remove(type, listener, options);
  }) as typeof signal.removeEventListener;
  return { controller, listeners: () => count };
}

describe('fromPort with a signal', () => {
  test('an abort closes the receiving channel: what it committed stays readable, a loop ends normally, and the sender gets the rest back', async () => {
    const [a, b] = ports();
    const { controller, listeners } = countedSignal();
    const received = fromPort<number>(b, { capacity: 2, signal: controller.signal });
    expect(listeners()).toBe(1);
    const source = new Channel<number>(8);
    const sending = toPort(source, a);
    await source.pushAll([1, 2, 3, 4, 5]);
    await until(() => received.size === 2); // the receiver's two slots filled
    controller.abort(new Error('page left'));
    expect(received.closed).toBe(true);
    expect(listeners()).toBe(0);
    expect(await collect(received)).toEqual([1, 2]); // closed without a reason: the loop just ends
    const result = await sending;
    // Every value toPort pulled is committed there or given back; the rest stays in the source.
    expect(result.sent).toBe(2);
    expect([...result.undelivered, ...(await drainOpen(source))]).toEqual([3, 4, 5]);
  });

  test('already aborted: a closed channel, and the port left alone (no stream of that name)', async () => {
    const [, b] = ports();
    const received = fromPort<number>(b, { name: 'jobs', signal: AbortSignal.abort() });
    expect(received.closed).toBe(true);
    expect(received.name).toBe('jobs');
    await expect(received.pull()).rejects.toThrow('is closed');
    // The name is free on that port: a fromPort of it opens.
    const again = fromPort<number>(b, { name: 'jobs' });
    expect(again.closed).toBe(false);
    again.close();
  });

  test('closing the channel by hand removes the abort listener; a later abort does nothing', async () => {
    const [a, b] = ports();
    const { controller, listeners } = countedSignal();
    const received = fromPort<string>(b, { signal: controller.signal });
    const source = new Channel<string>(1);
    const sending = toPort(source, a);
    await source.push('paired');
    expect(await received.pull()).toBe('paired'); // paired (a receiver closed before pairing
    // leaves the sender waiting for the next one of its name: the README's decision)
    received.close();
    expect(listeners()).toBe(0);
    controller.abort();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  test('a signal that is not an AbortSignal, or a signal in place of the options, is a TypeError at the call', () => {
    const [, b] = ports();
    const { signal } = new AbortController();
    expect(() => fromPort(b, { signal: new AbortController() as unknown as AbortSignal })).toThrow(
      new TypeError('fromPort(port, options): signal is not an AbortSignal'),
    );
    expect(() => fromPort(b, signal as never)).toThrow(
      new TypeError('fromPort(port, options): options is an AbortSignal: pass { signal } instead'),
    );
    // Nothing was opened: the default name is free.
    fromPort(b).close();
  });

  test('a signal that cannot listen: the call throws, and the port and the name are left free', () => {
    const [, b] = ports();
    const signal = Object.assign(new EventTarget(), { aborted: false, reason: undefined });
    signal.addEventListener = () => {
      throw new Error('signal cannot listen');
    };
    expect(() => fromPort(b as PortLike, { name: 'x', signal: signal as unknown as AbortSignal })).toThrow(
      'signal cannot listen',
    );
    fromPort(b, { name: 'x' }).close();
  });
});

/** The values still buffered in `channel`, taken without waiting. */
async function drainOpen<T>(channel: Channel<T>): Promise<T[]> {
  const values: T[] = [];
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) values.push(value);
  return values;
}
