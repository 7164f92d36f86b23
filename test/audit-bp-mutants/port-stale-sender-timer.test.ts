/**
 * Audit BP, mutant P07 (`Receiver.unbind` no longer stops the heartbeat timer: it survived the
 * port set). A `fromPort` created after a `toPort` of its name gave up while pairing hears that
 * sender's queued messages, forgets it (its `end` carries `gaveUpAt`, audit AX-P1) and waits "as
 * at its start" — with no heartbeat. A heartbeat left running finds nobody answering and closes
 * the channel as if a paired sender had died, 5 s later: the receiver a retry would pair with is
 * gone.
 *
 * A hand-made port pair that queues messages until a listener is added (as a `MessagePort` or a
 * loading Worker's `self` does), so that fake timers run the whole heartbeat in a few ms.
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (event: { data: unknown }) => void;

class QueuingPort {
  peer!: QueuingPort;
  private readonly listeners: Listener[] = [];
  private readonly queue: unknown[] = [];

  postMessage(data: unknown): void {
    const copy = structuredClone(data);
    queueMicrotask(() => this.peer.deliver(copy));
  }

  deliver(data: unknown): void {
    if (this.listeners.length === 0) this.queue.push(data);
    else for (const listener of [...this.listeners]) listener({ data });
  }

  addEventListener(type: string, listener: Listener): void {
    if (type !== 'message') return;
    this.listeners.push(listener);
    const queued = this.queue.splice(0);
    queueMicrotask(() => {
      for (const data of queued) this.deliver(data);
    });
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type !== 'message') return;
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }
}

function portPair(): [QueuingPort, QueuingPort] {
  const a = new QueuingPort();
  const b = new QueuingPort();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

beforeEach(() => {
  vi.useFakeTimers({ now: 2_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('a fromPort made after a toPort of its name gave up while pairing', () => {
  it('stays open long past the heartbeat timeout, waiting for the next sender', async () => {
    const [page, worker] = portPair();
    const controller = new AbortController();
    const first = toPort(new Channel<number>(1), page as unknown as PortLike, {
      name: 'jobs',
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('gave up'));
    await expect(first).resolves.toEqual({ sent: 0, undelivered: [] });
    await vi.advanceTimersByTimeAsync(10);
    const remote = fromPort<number>(worker as unknown as PortLike, { name: 'jobs', capacity: 1 });
    try {
      await vi.advanceTimersByTimeAsync(30_000);
      expect(remote.closed).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      remote.close();
    }
  });

  it('(holds) and pairs with the retried toPort, which delivers its values', async () => {
    const [page, worker] = portPair();
    const controller = new AbortController();
    const first = toPort(new Channel<number>(1), page as unknown as PortLike, {
      name: 'jobs',
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('gave up'));
    await first;
    await vi.advanceTimersByTimeAsync(10);
    const remote = fromPort<number>(worker as unknown as PortLike, { name: 'jobs', capacity: 1 });
    await vi.advanceTimersByTimeAsync(10);
    const second = new Channel<number>(2);
    await second.push(7);
    second.close();
    const sending = toPort(second, page as unknown as PortLike, { name: 'jobs' });
    await vi.advanceTimersByTimeAsync(50);
    expect(remote.tryPull()).toBe(7);
    await vi.advanceTimersByTimeAsync(50);
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
    expect(remote.closed).toBe(true);
  });
});
