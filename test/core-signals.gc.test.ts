/**
 * Issue 11 item 9, the memory half: a parked operation on a long-lived signal must not keep an
 * abandoned channel alive — else the signal would hide the leak from debug mode's leak
 * detection. Runs with `--expose-gc` (the vitest `gc` project).
 */
import { expect, test } from 'vitest';
import { Channel, ChannelError, pull, push, select } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (the vitest "gc" project)');

/** A macrotask: lets finalizers run. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The ways to park an operation on `channel` with `signal`. */
const parkers: Record<string, (channel: Channel<number>, signal: AbortSignal | undefined) => Promise<unknown>> = {
  pull: (channel, signal) => channel.pull({ signal }),
  push: (channel, signal) => channel.push(1, { signal }),
  pullMany: (channel, signal) => channel.pullMany(4, { signal }),
  pushAll: (channel, signal) => channel.pushAll([1, 2, 3], { signal }),
  'one-case select': (channel, signal) => select([pull(channel)], { signal }),
  'two-case select': (channel, signal) => select([pull(channel), push(channel, 1)], { signal }),
};

/**
 * Parks one operation of each kind on a channel of its own with `signal`, forgets the
 * channels and their promises, and returns the names of the channels collected after a few
 * rounds of garbage collection (as a FinalizationRegistry reports them).
 */
async function collectedChannels(signal: AbortSignal | undefined): Promise<string[]> {
  const collected: string[] = [];
  const registry = new FinalizationRegistry<string>((name) => collected.push(name));
  (() => {
    for (const [name, park] of Object.entries(parkers)) {
      const channel = new Channel<number>(0, { name });
      registry.register(channel, name);
      park(channel, signal).catch(() => {});
    }
  })();
  for (let round = 0; round < 30 && collected.length < Object.keys(parkers).length; round++) {
    await tick();
    gc?.();
  }
  return collected.sort();
}

test('an abandoned channel with parked operations is collected (no signal: the control case)', async () => {
  expect(await collectedChannels(undefined)).toEqual(Object.keys(parkers).sort());
});

test('a parked operation on a long-lived signal does not keep an abandoned channel alive', async () => {
  const controller = new AbortController();
  expect(await collectedChannels(controller.signal)).toEqual(Object.keys(parkers).sort());
  // The signal still works for everyone else, and aborting it after the collection is harmless.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const live = new Channel<number>();
    const parked = live.pull({ signal: controller.signal });
    controller.abort('done');
    await expect(parked).rejects.toBe('done');
    expect(live.stats().waitingPullers).toBe(0);
    await tick();
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

/**
 * Parks one operation of each kind with `signal` inside an async function that holds its
 * channel — the only holders of each channel are its suspended caller and the parked operation
 * — forces collections, and returns what each caller saw, in order of settling.
 */
async function callersOf(signal: () => AbortSignal, beforeAbort?: () => void): Promise<Record<string, string[]>> {
  const seen: Record<string, string[]> = {};
  for (const [name, park] of Object.entries(parkers)) {
    seen[name] = [];
    void (async () => {
      // pushAll's channel has room for one value: it parks with one committed
      const channel = new Channel<number>(name === 'pushAll' ? 1 : 0, { name });
      try {
        await park(channel, signal());
        seen[name]!.push('settled');
      } catch (error) {
        const pushed = (error as { pushed?: number } | null)?.pushed;
        seen[name]!.push(
          `rejected ${String((error as Error)?.name ?? error)}${pushed === undefined ? '' : ` pushed ${pushed}`}`,
        );
      } finally {
        seen[name]!.push('finally');
      }
      void channel; // the caller holds its channel across the await
    })();
  }
  for (let round = 0; round < 5; round++) {
    await tick();
    gc?.();
  }
  beforeAbort?.();
  return seen;
}

test('an operation with AbortSignal.timeout on a channel only its suspended caller holds still times out after a collection: its catch and finally run', async () => {
  const seen = await callersOf(() => AbortSignal.timeout(40));
  await new Promise((resolve) => setTimeout(resolve, 120));
  expect(seen).toEqual({
    pull: ['rejected TimeoutError', 'finally'],
    push: ['rejected TimeoutError', 'finally'],
    pullMany: ['rejected TimeoutError', 'finally'],
    pushAll: ['rejected TimeoutError pushed 1', 'finally'],
    'one-case select': ['rejected TimeoutError', 'finally'],
    'two-case select': ['rejected TimeoutError', 'finally'],
  });
});

test('a long-lived signal aborted after its operations’ channels were collected still rejects each of them with its reason (pushAll with its count)', async () => {
  const controller = new AbortController();
  const reason = new Error('component unmounted');
  const settled: [string, unknown][] = [];
  const collected = await (async () => {
    const names: string[] = [];
    const registry = new FinalizationRegistry<string>((name) => names.push(name));
    (() => {
      for (const [name, park] of Object.entries(parkers)) {
        const channel = new Channel<number>(name === 'pushAll' ? 1 : 0, { name });
        registry.register(channel, name);
        park(channel, controller.signal).then(
          () => settled.push([name, 'resolved']),
          (error: unknown) => settled.push([name, error]),
        );
      }
    })();
    for (let round = 0; round < 30 && names.length < Object.keys(parkers).length; round++) {
      await tick();
      gc?.();
    }
    return names.sort();
  })();
  // The channels went: the signal did not keep them alive.
  expect(collected).toEqual(Object.keys(parkers).sort());
  expect(settled).toEqual([]);
  controller.abort(reason);
  await tick();
  expect(settled.sort()).toEqual(
    Object.keys(parkers)
      .sort()
      .map((name) => [name, reason]),
  );
  // The pushAll's count, on the reason itself (the first to fail with it writes its count).
  expect((reason as { pushed?: number }).pushed).toBe(1);
});

test('the error a collected pushAll rejects with counts its own values when the shared reason already carries another count', async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  const live = new Channel<number>(2, { name: 'live' });
  const liveAll = live.pushAll([1, 2, 3, 4], { signal: controller.signal }).catch((error: unknown) => error);
  const gone = new Promise<unknown>((resolve) => {
    (() => {
      const channel = new Channel<number>(1, { name: 'gone' });
      channel.pushAll([1, 2, 3], { signal: controller.signal }).catch(resolve);
    })();
  });
  for (let round = 0; round < 5; round++) {
    await tick();
    gc?.();
  }
  controller.abort(reason);
  const [liveError, goneError] = await Promise.all([liveAll, gone]);
  // One reason, two counts: whichever failed first carries its count on the reason, the other a
  // ChannelError of its own whose cause is the reason.
  const errors = [liveError, goneError] as (Error & { pushed: number })[];
  expect(errors.map((error) => error.pushed).sort()).toEqual([1, 2]);
  const wrapped = errors.find((error) => error !== reason) as ChannelError;
  expect(wrapped).toBeInstanceOf(ChannelError);
  expect(wrapped.cause).toBe(reason);
  expect(wrapped.message).toMatch(/^pushAll: channel( "live")? took [12] of its values before the call stopped: stop$/);
});
