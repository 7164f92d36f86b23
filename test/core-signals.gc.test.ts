/**
 * Issue 11 item 9, the memory half: a parked operation on a long-lived signal must not keep an
 * abandoned channel alive — else the signal would hide the leak from debug mode's leak
 * detection. Runs with `--expose-gc` (the vitest `gc` project).
 */
import { expect, test } from 'vitest';
import { Channel, pull, push, select } from '../src/index.js';

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
