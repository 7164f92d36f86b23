/**
 * Audit Z: one long-lived signal shared by everything a component makes — streams, timers,
 * subscribers, `from` and `fromEvent` channels, parked operations and selects. The signal must
 * carry at most one `abort` listener however many share it (Node warns from the eleventh, and
 * the platform scans the list on every add: O(N²)), its abort must end every one of them, and
 * nothing may be left listening afterwards.
 */
import { getEventListeners } from 'node:events';
import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it } from 'vitest';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
process.on('warning', onWarning);
afterEach(() => {
  warnings.length = 0;
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

describe('audit Z: one signal shared by many', () => {
  it('toReadableStream: 50 streams with one signal put one abort listener on it, and an abort ends every one', async () => {
    // Was: each stream added an abort listener of its own — Node's MaxListenersExceededWarning
    // from the eleventh, and O(N²) to make N streams with one signal (20,000 took 7 s).
    const controller = new AbortController();
    const channels = Array.from({ length: 50 }, () => new Channel<number>(1));
    const readers = channels.map((channel) => toReadableStream(channel, { signal: controller.signal }).getReader());
    const reads = readers.map((reader) => reader.read());
    await settle();
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    controller.abort();
    for (const read of reads) expect(await read).toEqual({ done: true, value: undefined });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
    // The abort withdrew every pull and left the channels open.
    for (const channel of channels) expect([channel.closed, channel.stats().waitingPullers]).toEqual([false, 0]);
    await settle();
    expect(warnings.filter((w) => w.message.includes('AbortSignal')).map((w) => w.message)).toEqual([]);
  });

  it('a stream that ends or is cancelled leaves the watch; the last one takes the listener with it', async () => {
    const controller = new AbortController();
    const ending = new Channel<number>();
    const cancelled = new Channel<number>();
    const failing = new Channel<number>();
    const s1 = toReadableStream(ending, { signal: controller.signal });
    const s2 = toReadableStream(cancelled, { signal: controller.signal });
    const s3 = toReadableStream(failing, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    ending.close();
    expect(await s1.getReader().read()).toEqual({ done: true, value: undefined });
    await s2.cancel();
    failing.close(new Error('x'));
    await expect(s3.getReader().read()).rejects.toThrow('x');
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  it('streams, timers, subscribers, from, fromEvent, pulls and selects on one signal: one listener, all ended by one abort', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const target = new EventTarget();
    const source = new Channel<number>();
    const hub = broadcast(source);
    const made = {
      streams: Array.from({ length: 15 }, () => toReadableStream(new Channel<number>(), { signal })),
      afters: Array.from({ length: 15 }, () => afterMs(60_000, { signal })),
      tickers: Array.from({ length: 15 }, () => ticker(60_000, { signal })),
      subscribers: Array.from({ length: 15 }, () => hub.subscribe({ signal })),
      froms: Array.from({ length: 15 }, () => from(new Channel<number>(), { signal })),
      events: Array.from({ length: 15 }, () => fromEvent(target, 'ping', { signal })),
    };
    const idle = new Channel<number>();
    const pulls = Array.from({ length: 15 }, () => idle.pull({ signal }).catch((e: unknown) => e));
    const selects = Array.from({ length: 15 }, () =>
      select([pull(idle), pull(made.afters[0] as Channel<number>)], { signal }).catch((e: unknown) => e),
    );
    const reads = made.streams.map((stream) => stream.getReader().read());
    await settle();
    expect(getEventListeners(signal, 'abort').length).toBe(1);
    expect(getEventListeners(target, 'ping').length).toBe(15);
    const reason = new Error('component gone');
    controller.abort(reason);
    for (const read of reads) expect(await read).toEqual({ done: true, value: undefined });
    for (const list of [made.afters, made.tickers, made.subscribers, made.froms, made.events]) {
      for (const channel of list) expect(channel.closed).toBe(true);
    }
    for (const outcome of await Promise.all([...pulls, ...selects])) expect(outcome).toBe(reason);
    expect(getEventListeners(signal, 'abort').length).toBe(0);
    expect(getEventListeners(target, 'ping').length).toBe(0);
    expect(idle.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(source.stats().waitingPullers).toBe(0);
    await settle();
    expect(warnings.filter((w) => w.message.includes('AbortSignal')).map((w) => w.message)).toEqual([]);
  });
});
