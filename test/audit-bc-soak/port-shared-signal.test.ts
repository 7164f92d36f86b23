/**
 * Audit BC-soak, finding BC-S1: `toPort` and `fromPort` add an `abort` listener of their own to
 * their `signal`, one per stream, where every other API that takes a signal (operations, `after`,
 * `ticker`, `fromEvent`, `from`, `broadcast.subscribe`, `toReadableStream`) shares one listener
 * per signal (`src/signals.ts`). A long-lived process that multiplexes many named streams over its
 * ports with one application-wide signal gets Node's `MaxListenersExceededWarning` from the
 * eleventh stream on, and O(N²) work to add N streams (the platform scans the listener list on
 * every add). The "(holds)" tests are the contrasts that pass.
 */
import { getEventListeners } from 'node:events';
import { Channel, fromEvent } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';

const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

/** Lets Node emit its process warnings (they are emitted on a later tick). */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

describe('many port streams sharing one long-lived signal', () => {
  it('20 fromPort channels made with one signal add one abort listener, as 20 fromEvent channels do', async () => {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    try {
      for (let i = 0; i < 20; i++) fromPort(port2, { name: `stream ${i}`, capacity: 1, signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    } finally {
      controller.abort();
      port1.close();
    }
  });

  it('20 toPort streams made with one signal add one abort listener', async () => {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    const results: Promise<unknown>[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        results.push(toPort(new Channel<number>(1), port1, { name: `stream ${i}`, signal: controller.signal }));
      }
      expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    } finally {
      controller.abort();
      await Promise.all(results);
      port1.close();
      port2.close();
    }
  });

  it('a worker hub with 20 paired streams on its one shutdown signal gets no MaxListenersExceededWarning', async () => {
    process.on('warning', onWarning);
    const { port1, port2 } = new MessageChannel();
    const shutdown = new AbortController();
    const sent: Promise<{ sent: number }>[] = [];
    const received: Promise<number[]>[] = [];
    for (let i = 0; i < 20; i++) {
      const remote = fromPort<number>(port2, { name: `job ${i}`, capacity: 2, signal: shutdown.signal });
      received.push(
        (async () => {
          const values: number[] = [];
          for await (const value of remote) values.push(value);
          return values;
        })(),
      );
      const local = new Channel<number>(2);
      sent.push(toPort(local, port1, { name: `job ${i}`, signal: shutdown.signal }));
      void local.pushAll([i, i + 1]).then(() => local.close());
    }
    const results = await Promise.all(sent);
    expect((await Promise.all(received)).flat()).toHaveLength(40);
    expect(results.every((result) => result.sent === 2)).toBe(true);
    shutdown.abort();
    await settle();
    port1.close();
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });

  it('(holds) every port stream removes its abort listener once it ends: none is left after 500 sequential streams', async () => {
    const { port1, port2 } = new MessageChannel();
    const shutdown = new AbortController();
    let delivered = 0;
    for (let i = 0; i < 500; i++) {
      const remote = fromPort<number>(port2, { name: 'jobs', capacity: 1, signal: shutdown.signal });
      const local = new Channel<number>(1);
      const done = toPort(local, port1, { name: 'jobs', signal: shutdown.signal });
      void local.push(i).then(() => local.close());
      for await (const _ of remote) delivered++;
      await done;
    }
    expect(delivered).toBe(500);
    expect(getEventListeners(shutdown.signal, 'abort').length).toBe(0);
    expect(getEventListeners(port1, 'message').length + getEventListeners(port2, 'message').length).toBe(0);
    port1.close();
  });

  it('(holds) the contrast: 20 fromEvent channels with one signal add one abort listener', () => {
    const controller = new AbortController();
    const target = new EventTarget();
    for (let i = 0; i < 20; i++) fromEvent(target, `type ${i}`, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    controller.abort();
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });
});
