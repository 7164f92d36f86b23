/**
 * Audit BE-core: `push`/`pull` (SPEC "Blocking operations"), cancellation, FIFO and commits.
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, outcome, rejection, watch } from './helpers.js';

describe('push commits', () => {
  it('unbuffered: push waits until a puller takes the value (rendezvous)', async () => {
    const ch = new Channel<string>();
    const p = watch(ch.push('x'));
    await flush();
    expect(p.current.status).toBe('pending');
    expect(await ch.pull()).toBe('x');
    await flush();
    expect(p.current.status).toBe('fulfilled');
  });

  it('unbuffered: push to a parked puller resolves the push', async () => {
    const ch = new Channel<string>();
    const q = ch.pull();
    await expect(outcome(ch.push('y'))).resolves.toEqual({ status: 'fulfilled', value: undefined });
    expect(await q).toBe('y');
  });

  it('buffered: push resolves once stored, waits when full, resolves when room frees', async () => {
    const ch = new Channel<number>(1);
    await expect(outcome(ch.push(1))).resolves.toMatchObject({ status: 'fulfilled' });
    const second = watch(ch.push(2));
    await flush();
    expect(second.current.status).toBe('pending');
    expect(ch.pullNowait()).toBe(1);
    await flush();
    expect(second.current.status).toBe('fulfilled');
    expect(ch.pullNowait()).toBe(2);
  });
});

describe('pull', () => {
  it('takes the buffer head; a parked pusher then moves into the buffer, keeping FIFO order', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const p3 = watch(ch.push(3));
    const p4 = watch(ch.push(4));
    expect(await ch.pull()).toBe(1);
    // The oldest parked push moved into the freed slot at once: a later pushNowait cannot overtake it.
    expect(ch.size).toBe(2);
    expect(() => ch.pushNowait(99)).toThrow();
    await flush();
    expect(p3.current.status).toBe('fulfilled');
    expect(p4.current.status).toBe('pending');
    expect([await ch.pull(), await ch.pull(), await ch.pull()]).toEqual([2, 3, 4]);
    await flush();
    expect(p4.current.status).toBe('fulfilled');
  });

  it('takes the value of a waiting pusher on an unbuffered channel', async () => {
    const ch = new Channel<number>();
    const p = ch.push(7);
    expect(await ch.pull()).toBe(7);
    await p;
  });

  it('parked pushers are served FIFO, and so are parked pullers', async () => {
    const a = new Channel<number>();
    const pushes = [a.push(1), a.push(2), a.push(3)];
    expect([await a.pull(), await a.pull(), await a.pull()]).toEqual([1, 2, 3]);
    await Promise.all(pushes);

    const b = new Channel<number>(0);
    const order: string[] = [];
    const pulls = ['p1', 'p2', 'p3'].map((tag) => b.pull().then((v) => order.push(`${tag}=${v}`)));
    await b.push(10);
    await b.push(20);
    await b.push(30);
    await Promise.all(pulls);
    expect(order).toEqual(['p1=10', 'p2=20', 'p3=30']);
  });

  it('a value committed to a waiter is never taken back: abort after the commit changes nothing', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const pulled = ch.pull({ signal: ac.signal });
    ch.pushNowait(5); // commits to the parked pull
    ac.abort(new Error('too late'));
    expect(await pulled).toBe(5);
  });
});

describe('closed channels', () => {
  it('push on a closed channel rejects with ChannelClosedError and delivers nothing', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.size).toBe(0);
  });

  it('a parked push rejects when the channel closes while it waits; its value is not added', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  it('pull on a closed empty channel rejects with ChannelClosedError whose cause is the close reason', async () => {
    const reason = new Error('done');
    const ch = new Channel<number>(1);
    ch.close(reason);
    const error = await rejection(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  it('a ChannelClosedError after a plain close() has no cause', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const error = (await rejection(ch.pull())) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });
});

describe('cancellation with a signal', () => {
  it('an already aborted signal rejects push with signal.reason, even on a closed channel (checked first)', async () => {
    const reason = new Error('stop');
    const signal = AbortSignal.abort(reason);
    const open = new Channel<number>(1);
    await expect(open.push(1, { signal })).rejects.toBe(reason);
    expect(open.size).toBe(0);
    const closed = new Channel<number>(1);
    closed.close();
    await expect(closed.push(1, { signal })).rejects.toBe(reason);
  });

  it('an already aborted signal rejects pull with signal.reason, even when a value is there; nothing consumed', async () => {
    const reason = new Error('stop');
    const signal = AbortSignal.abort(reason);
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    await expect(ch.pull({ signal })).rejects.toBe(reason);
    expect(ch.size).toBe(1);
    ch.close();
    await expect(ch.pull({ signal })).rejects.toBe(reason);
    const drained = new Channel<number>(1);
    drained.close();
    await expect(drained.pull({ signal })).rejects.toBe(reason);
  });

  it('the default abort reason (an AbortError DOMException) comes through', async () => {
    const ac = new AbortController();
    const ch = new Channel<number>();
    const p = ch.pull({ signal: ac.signal });
    ac.abort();
    const error = (await rejection(p)) as DOMException;
    expect(error.name).toBe('AbortError');
    expect(error).toBe(ac.signal.reason);
  });

  it('a parked push aborted leaves no trace: not delivered, not counted, no listener left', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort').length).toBe(1);
    ac.abort('r');
    await expect(p).rejects.toBe('r');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    // nothing for a puller
    expect(ch.tryPull()).toBeUndefined();
    const later = watch(ch.pull());
    await flush();
    expect(later.current.status).toBe('pending');
    ch.close();
  });

  it('a parked pull aborted consumes nothing and leaves no waiter', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort('r');
    await expect(p).rejects.toBe('r');
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(1)).toBe(false); // nobody waits for the value
  });

  it('abort then push in the same tick: the aborted pull gets nothing and the value goes to the next puller', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const first = ch.pull({ signal: ac.signal });
    const second = ch.pull();
    ac.abort('gone');
    ch.pushNowait(42);
    await expect(first).rejects.toBe('gone');
    expect(await second).toBe(42);
  });

  it('commit then abort in the same tick: a push that committed resolves (value is the puller’s)', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const q = ch.pull();
    const p = ch.push(3, { signal: ac.signal });
    ac.abort('late');
    await expect(p).resolves.toBeUndefined();
    expect(await q).toBe(3);
  });

  it('one listener per signal, however many operations are parked with it; removed when they leave', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const pulls = Array.from({ length: 20 }, () => watch(ch.pull({ signal: ac.signal })));
    const listeners = getEventListeners(ac.signal, 'abort').length;
    expect(listeners).toBeLessThanOrEqual(1);
    for (let i = 0; i < 20; i++) ch.pushNowait(i);
    await flush();
    expect(pulls.map((p) => p.current)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ status: 'fulfilled', value: i })),
    );
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });

  it('a non-signal in the signal slot is a TypeError before touching the channel', async () => {
    const ch = new Channel<number>(1);
    const error = await rejection(ch.push(1, { signal: new AbortController() as never }));
    expect(error).toBeInstanceOf(TypeError);
    expect(ch.size).toBe(0);
    await expect(ch.pull({ signal: {} as never })).rejects.toBeInstanceOf(TypeError);
  });

  it('AbortSignal.timeout cancels a parked pull', async () => {
    const ch = new Channel<number>();
    const error = (await rejection(ch.pull({ signal: AbortSignal.timeout(5) }))) as DOMException;
    expect(error.name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('nothing lost under a random schedule', () => {
  it('every committed push is received exactly once, in per-producer order; aborted ones never', async () => {
    const { prng } = await import('./helpers.js');
    for (const capacity of [0, 1, 3]) {
      const rand = prng(1234 + capacity);
      const ch = new Channel<string>(capacity);
      const committed = new Set<string>();
      const failed = new Set<string>();
      const received: string[] = [];
      const producers = [0, 1, 2].map(async (pid) => {
        for (let i = 0; i < 60; i++) {
          const v = `${pid}:${i}`;
          const ac = new AbortController();
          if (rand() < 0.2) queueMicrotask(() => ac.abort());
          try {
            await ch.push(v, { signal: ac.signal });
            committed.add(v);
          } catch {
            failed.add(v);
          }
        }
      });
      let done = false;
      const consumers = [0, 1].map(async () => {
        while (!done || ch.size > 0) {
          const ac = new AbortController();
          if (rand() < 0.2) queueMicrotask(() => ac.abort());
          try {
            received.push(await ch.pull({ signal: AbortSignal.any([ac.signal, AbortSignal.timeout(50)]) }));
          } catch {
            if (done && ch.size === 0) break;
          }
        }
      });
      await Promise.all(producers);
      done = true;
      await Promise.all(consumers);
      while (ch.size > 0) received.push(ch.pullNowait());
      expect(new Set(received).size).toBe(received.length);
      expect(new Set(received)).toEqual(committed);
      for (const v of failed) expect(received).not.toContain(v);
      for (const pid of [0, 1, 2]) {
        const mine = received.filter((v) => v.startsWith(`${pid}:`)).map((v) => Number(v.split(':')[1]));
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
      expect(committed.size + failed.size).toBe(180);
    }
  });
});
