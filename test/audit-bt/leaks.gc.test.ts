// Audit BT (debug mode): a long-lived signal given to `toReadableStream` or `from` must not keep
// an abandoned channel alive on a channel debug mode tracks, or the wait left on it is never
// reported as leaked (SPEC, "Leaked waiters": "Parking an operation with a long-lived signal
// must not keep an abandoned channel alive").
import { Channel, from, toReadableStream } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { collectAll, quiet, tick } from '../helpers/gc.js';
import { until } from '../helpers/poll.js';
import { useQuietDebug } from '../helpers/quiet-debug.js';

const warn = useQuietDebug(disableDebug);
/** An application-lifetime signal: never aborted. */
const appLifetime = new AbortController().signal;

/** Leaks as `kind name`, sorted. */
const leaked = () => (snapshot().leaked ?? []).map((leak) => `${leak.kind} ${leak.channel.name}`).sort();

describe('a read through toReadableStream(channel, { signal }) on an abandoned channel', () => {
  for (const signal of [undefined, appLifetime]) {
    it(`is reported as leaked ${signal ? 'with' : 'without'} a long-lived signal`, async () => {
      enableDebug({ target: { postMessage() {} } });
      const ref = (() => {
        const reply = new Channel<string>(0, { name: 'reply' });
        quiet(toReadableStream(reply, { signal }).getReader().read()); // nobody will ever push
        return new WeakRef(reply);
      })();
      await until(() => snapshot().channels.some((c) => c.name === 'reply' && c.pullers.length === 1));
      await collectAll([ref]);
      await until(() => leaked().length > 0);
      expect(leaked()).toEqual(['pull reply']);
      expect(warn()).toHaveBeenCalledTimes(1);
    });
  }

  it('is ended by its signal as before while the channel is held', async () => {
    enableDebug({ target: { postMessage() {} } });
    const controller = new AbortController();
    const channel = new Channel<string>(0, { name: 'held' });
    const read = toReadableStream(channel, { signal: controller.signal }).getReader().read();
    await tick();
    controller.abort();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe('a pull on from(source, { signal }) over an abandoned source', () => {
  it('is reported as leaked, with the relay’s pull on the source, under a long-lived signal', async () => {
    enableDebug({ target: { postMessage() {} } });
    const refs = (() => {
      const source = new Channel<number>(0, { name: 'source' });
      const relayed = from(source, { signal: appLifetime });
      quiet(relayed.pull());
      return [new WeakRef(source), new WeakRef(relayed)];
    })();
    await until(() => snapshot().channels.some((c) => c.name === 'source' && c.pullers.length === 1));
    await collectAll(refs);
    await until(() => leaked().length >= 2);
    expect(leaked()).toEqual(['pull from', 'pull source']);
  });

  it('still releases its source when the signal aborts while the channel is held', async () => {
    enableDebug({ target: { postMessage() {} } });
    const controller = new AbortController();
    let released = false;
    function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        released = true;
      }
    }
    const channel = from(numbers(), { capacity: 1, signal: controller.signal });
    expect(await channel.pull()).toBe(0);
    controller.abort();
    expect(released).toBe(true);
    expect(channel.closed).toBe(true);
  });
});
