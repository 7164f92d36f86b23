/**
 * Audit AC: `chanasync/port` over ports that throw when asked to listen, and a `toPort` signal
 * that does. Nothing may be left behind a throw — no listener on the port, no stream name
 * taken — and a port that does what `PortLike` declares is used as it is.
 *
 * What was wrong (fixed in src/port/transport.ts and src/port/sender.ts):
 * - `PortLike` declares `addEventListener(type: 'message', …)` only, but the endpoint also added
 *   `close` and `messageerror` listeners. A hand-made port that refuses other types made the
 *   first `fromPort`/`toPort` on it throw, leaving its `message` listener added; the second
 *   call then "worked" because the endpoint believed it was listening.
 * - The endpoint marked itself listening before adding its listener: a port whose
 *   `addEventListener` threw once stayed deaf for every later stream on it.
 * - `toPort` with a signal whose `addEventListener` throws rejected, but left its stream
 *   registered on the port (its listener added, its name taken): every later `toPort` of that
 *   name on that port was refused as "already open".
 * - A port whose `start()` throws left its `message` listener added and the endpoint marked
 *   listening, so the next stream on it was never started (found by reading, then this test).
 */

import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { closePortsAfterEach, collect, ports } from '../helpers/ports.js';

closePortsAfterEach();

type Listener = (event: unknown) => void;

/**
 * A hand-made port over a Node `MessagePort`, counting the listeners it holds. `refuse(type)`
 * says whether an `addEventListener` call throws.
 */
function handMade(port: PortLike, refuse: (type: string) => boolean) {
  const real = port as unknown as EventTarget & { start(): void };
  const held = new Set<string>();
  const wrapper = {
    held,
    postMessage: (message: unknown, transfer?: Transferable[]) =>
      (port.postMessage as (m: unknown, t?: Transferable[]) => void)(message, transfer),
    addEventListener(type: string, listener: Listener): void {
      if (refuse(type)) throw new Error(`cannot listen to ${type}`);
      held.add(type);
      real.addEventListener(type, listener as EventListener);
    },
    removeEventListener(type: string, listener: Listener): void {
      if (type !== 'message' && refuse(type)) throw new Error(`cannot listen to ${type}`);
      held.delete(type);
      real.removeEventListener(type, listener as EventListener);
    },
    start: () => real.start(),
  };
  return wrapper;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ports and signals that throw when asked to listen', () => {
  it('a port that takes `message` listeners only (as PortLike declares) carries a stream, and is let go after', async () => {
    const [a, b] = ports();
    const sending = handMade(a, (type) => type !== 'message');
    const receiving = handMade(b, (type) => type !== 'message');
    const received = fromPort<number>(receiving as unknown as PortLike, { capacity: 2 });
    const source = new Channel<number>(4);
    const result = toPort(source, sending as unknown as PortLike);
    await source.pushAll([1, 2, 3]);
    source.close();
    expect(await collect(received)).toEqual([1, 2, 3]);
    expect(await result).toEqual({ sent: 3, undelivered: [] });
    await until(() => sending.held.size === 0 && receiving.held.size === 0, 'the listeners to go');
  });

  it.each([
    ['addEventListener', 'cannot listen to message'],
    ['start()', 'cannot start'],
  ] as const)(
    'a port whose %s threw once keeps no listener, and the next stream on it is heard',
    async (what, message) => {
      const [a, b] = ports();
      let failures = 1;
      const receiving = handMade(b, (type) => what === 'addEventListener' && type === 'message' && failures-- > 0);
      if (what === 'start()') {
        const start = receiving.start;
        receiving.start = () => {
          if (failures-- > 0) throw new Error('cannot start');
          start();
        };
      }
      expect(() => fromPort<number>(receiving as unknown as PortLike)).toThrow(message);
      expect(receiving.held.size).toBe(0);
      const received = fromPort<number>(receiving as unknown as PortLike, { capacity: 1 });
      const source = new Channel<number>(2);
      const result = toPort(source, a);
      await source.pushAll([7, 8]);
      source.close();
      expect(await collect(received)).toEqual([7, 8]);
      expect((await result).sent).toBe(2);
    },
  );

  it('toPort with a signal that cannot listen rejects, and leaves the port and the name free', async () => {
    const [a, b] = ports();
    const sending = handMade(a, () => false);
    const signal = Object.assign(new EventTarget(), { aborted: false, reason: undefined });
    signal.addEventListener = () => {
      throw new Error('signal cannot listen');
    };
    const source = new Channel<number>(2);
    await expect(
      toPort(source, sending as unknown as PortLike, { signal: signal as unknown as AbortSignal }),
    ).rejects.toThrow('signal cannot listen');
    expect(sending.held.size).toBe(0);
    // The name is free: a second toPort of it runs.
    const received = fromPort<number>(b);
    const result = toPort(source, sending as unknown as PortLike);
    await source.push(5);
    source.close();
    expect(await collect(received)).toEqual([5]);
    expect(await result).toEqual({ sent: 1, undelivered: [] });
    await until(() => sending.held.size === 0, 'the listener to go');
  });
});
