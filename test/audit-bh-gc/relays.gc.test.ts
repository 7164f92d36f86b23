/**
 * Audit BH-gc: helpers and relays that take a signal or wait on a channel a signal closes —
 * `from`, `fromEvent`, `merge`, `broadcast`, `toReadableStream`, `pipeTo` — built in a scope
 * nothing keeps, collected, then aborted: the waiting code must resume as documented.
 */
import { broadcast, Channel, from, fromEvent, merge, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collect, handled, never, outcome } from './util.js';

/** Counts a `for await` over `source` to its end. */
async function count(source: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of source) n++;
  return n;
}

describe('from(source, { signal })', () => {
  it('(holds) a loop over from(an async generator stuck in an await) ends at the abort', async () => {
    const controller = new AbortController();
    const ended = (() => {
      async function* stuck(): AsyncGenerator<number> {
        yield await never();
      }
      return count(from(stuck(), { signal: controller.signal }));
    })();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) a loop over from(a ReadableStream that never enqueues, { signal: timeout }) ends, the stream is cancelled', async () => {
    let cancelled: unknown = 'not cancelled';
    const ended = (() => {
      const stream = new ReadableStream<number>({
        cancel(reason) {
          cancelled = (reason as Error).name;
        },
      });
      return count(from(stream, { signal: AbortSignal.timeout(100) }));
    })();
    await collect();
    expect(await outcome(ended)).toBe('resolved 0');
    expect(cancelled).toBe('TimeoutError');
  });

  it('(holds) a generator whose consumer took one value and dropped the channel: the timeout runs its finally', async () => {
    const released: string[] = [];
    await (async () => {
      function* sync(): Generator<number> {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          released.push('sync');
        }
      }
      async function* later(): AsyncGenerator<number> {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          released.push('async');
        }
      }
      const signal = AbortSignal.timeout(120);
      expect(await from(sync(), { signal }).pull()).toBe(0);
      expect(await from(later(), { signal }).pull()).toBe(0);
    })();
    await collect();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(released.sort()).toEqual(['async', 'sync']);
  });

  it('(holds) a loop over from(a dropped channel, { signal }) (the or-done idiom) ends at the abort', async () => {
    const controller = new AbortController();
    const ended = count(from(new Channel<number>(), { signal: controller.signal }));
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) a loop over from(fromEvent(target, type, { signal })), target dropped, ends at the abort', async () => {
    const controller = new AbortController();
    const ended = count(from(fromEvent(new EventTarget(), 'x', { signal: controller.signal }), { capacity: 2 }));
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });
});

describe('merge and broadcast over channels a signal closes', () => {
  it('(holds) a loop over merge(from(stuck generator, { signal }), fromEvent(…, { signal }), after-closed subscriber) ends at the abort', async () => {
    const controller = new AbortController();
    const ended = (() => {
      const { signal } = controller;
      async function* stuck(): AsyncGenerator<number> {
        yield await never();
      }
      const hub = broadcast(new Channel<number>());
      return count(
        merge(from(stuck(), { signal }), fromEvent(new EventTarget(), 'x', { signal }), hub.subscribe({ signal })),
      );
    })();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) a loop over a signal-less subscriber of broadcast(fromEvent(…, { signal })) ends at the abort', async () => {
    const controller = new AbortController();
    const ended = count(broadcast(fromEvent(new EventTarget(), 'x', { signal: controller.signal })).subscribe());
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) a select without a signal over a subscriber with a signal and a dropped channel gets the closed case', async () => {
    const ended = (async () => {
      const hub = broadcast(new Channel<number>());
      const result = await select([
        pull(new Channel<number>()),
        pull(hub.subscribe({ signal: AbortSignal.timeout(100) })),
      ]);
      return [result.index, result.ok];
    })();
    await collect();
    expect(await outcome(ended)).toBe('resolved [1,false]');
  });

  it('(holds) pullMany without a signal on a fromEvent channel with one, target dropped: rejects closed at the abort', async () => {
    const controller = new AbortController();
    const ended = (() => fromEvent(new EventTarget(), 'x', { signal: controller.signal }).pullMany(4))();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toMatch(/^rejected ChannelClosedError/);
  });
});

describe('streams', () => {
  it('(holds) a read of toReadableStream(dropped channel, { signal: timeout }) resolves done at the timeout', async () => {
    const ended = (() =>
      toReadableStream(new Channel<number>(), { signal: AbortSignal.timeout(100) })
        .getReader()
        .read())();
    await collect();
    expect(await outcome(ended)).toBe('resolved {"done":true}');
  });

  it('(holds) a read of toReadableStream(fromEvent(…, { signal })) resolves done at the abort', async () => {
    const controller = new AbortController();
    const ended = (() =>
      toReadableStream(fromEvent(new EventTarget(), 'x', { signal: controller.signal }))
        .getReader()
        .read())();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved {"done":true}');
  });

  it('(holds) for await over toReadableStream(a subscriber with a signal) ends at the abort', async () => {
    const controller = new AbortController();
    const ended = (() =>
      count(toReadableStream(broadcast(new Channel<number>()).subscribe({ signal: controller.signal }))))();
    await collect();
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
  });

  it('(holds) pipeTo(writable, { signal }) from toReadableStream(dropped channel) rejects with the reason at the abort', async () => {
    const controller = new AbortController();
    const ended = (() =>
      toReadableStream(new Channel<number>()).pipeTo(new WritableStream<number>(), { signal: controller.signal }))();
    await collect();
    controller.abort(new Error('piped away'));
    expect(await outcome(ended)).toBe('rejected Error: piped away');
  });

  it('(holds) pipeTo with AbortSignal.timeout from from(a stuck generator) rejects at the timeout', async () => {
    const ended = (() => {
      async function* stuck(): AsyncGenerator<number> {
        yield await never();
      }
      return handled(
        toReadableStream(from(stuck())).pipeTo(new WritableStream<number>(), { signal: AbortSignal.timeout(100) }),
      );
    })();
    await collect();
    expect(await outcome(ended)).toMatch(/^rejected TimeoutError/);
  });
});
