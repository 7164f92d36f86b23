/**
 * Debug mode with `stacks: true`: where a relay's wait is parked (audit BF-I2).
 *
 * A relay — a `merge` on its inputs, a broadcast on its source, a `from(channel)`, a `toPort` —
 * parks its next pull right inside the push of the producer that just fed it. Its stack there
 * names that producer: a push that completed, on the other side of the channel, which sends a
 * developer reading the inspector's "Parked at" to code that is not waiting at all. Every park of
 * one relay carries the stack of its first one instead (where the merge, the subscription or the
 * read began).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { broadcast, Channel, from, merge } from '../src/index.js';
import { toPort } from '../src/port/index.js';
import type { ChannelSnapshot } from '../src/protocol.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

useQuietDebug(disableDebug);

const channelNamed = (name: string): ChannelSnapshot => {
  const found = snapshot().channels.find((channel) => channel.name === name);
  if (found === undefined) throw new Error(`no channel ${name} in the snapshot`);
  return found;
};

/** The stack of the one pull parked on the channel named `name`. */
const parkedAt = (name: string): string | undefined => {
  const { pullers } = channelNamed(name);
  expect(pullers).toHaveLength(1);
  return pullers[0]?.stack;
};

// The producer: a named function, so that its frame would show in a stack taken inside it.
function feedFromProducer(channel: Channel<number>, value: number): void {
  channel.pushNowait(value);
}

const closing: { close(): void }[] = [];
afterEach(() => {
  for (const channel of closing.splice(0)) channel.close();
});

describe('a relay parked again after a producer fed it keeps the stack of its first park', () => {
  test('merge: its pull on an input', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const input = new Channel<number>(0, { name: 'input' });
    function waitOnMerge() {
      const merged = merge(input);
      closing.push(input, merged);
      return merged;
    }
    const merged = waitOnMerge();
    const first = merged.pull();
    expect(parkedAt('input')).toContain('waitOnMerge');
    feedFromProducer(input, 1);
    expect(await first).toBe(1);
    const second = merged.pull();
    const stack = parkedAt('input');
    expect(stack).toContain('waitOnMerge');
    expect(stack).not.toContain('feedFromProducer');
    feedFromProducer(input, 2);
    expect(await second).toBe(2);
  });

  test('broadcast: its pull on the source', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const source = new Channel<number>(0, { name: 'source' });
    function subscribeToSource() {
      const subscriber = broadcast(source).subscribe({ capacity: 4 });
      closing.push(source, subscriber);
      return subscriber;
    }
    const subscriber = subscribeToSource();
    expect(parkedAt('source')).toContain('subscribeToSource');
    feedFromProducer(source, 1);
    // The broadcast took it, delivered it and parked again on the source, inside that push.
    expect(subscriber.tryPull()).toBe(1);
    const stack = parkedAt('source');
    expect(stack).toContain('subscribeToSource');
    expect(stack).not.toContain('feedFromProducer');
  });

  test('from(channel): its pull on the source channel', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const source = new Channel<number>(0, { name: 'source' });
    // With room (capacity 4), from reads ahead: it parks on the source in the call.
    function relayFromSource() {
      const relay = from(source, { capacity: 4 });
      closing.push(source, relay);
      return relay;
    }
    const relay = relayFromSource();
    expect(parkedAt('source')).toContain('relayFromSource');
    feedFromProducer(source, 1);
    // Parked again on the source (room in the relay), inside that push.
    await expect.poll(() => relay.size).toBe(1);
    const stack = parkedAt('source');
    expect(stack).toContain('relayFromSource');
    expect(stack).not.toContain('feedFromProducer');
    expect(relay.tryPull()).toBe(1);
  });

  test('toPort: its pull on the local channel, first parked with no application frame, stays so', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(0, { name: 'local' });
    const remote = new Channel<number>(0);
    const { fromPort } = await import('../src/port/index.js');
    const received = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    try {
      // The credit arrives in a message event: toPort parks its pull there, with no frame of ours.
      await expect.poll(() => local.stats().waitingPullers).toBe(1);
      expect(parkedAt('local')).toBe('');
      feedFromProducer(local, 1);
      await expect.poll(() => local.stats().waitingPullers).toBe(1);
      expect(parkedAt('local')).toBe('');
      expect(await received.pull()).toBe(1);
    } finally {
      local.close();
      remote.close();
      await sending;
      received.close();
      port1.close();
      port2.close();
    }
  });

  test('toPort of a generator-fed channel: what the generator parks while the sender parks shows the generator', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const { fromPort } = await import('../src/port/index.js');
    const gate = new Channel<number>(0, { name: 'gate' });
    async function* produceFromGate() {
      for (;;) yield await gate.pull();
    }
    // Capacity 0: the generator is read only when the sender's pull parks and asks for a value.
    const fed = from(produceFromGate(), { capacity: 0 });
    const { port1, port2 } = new MessageChannel();
    const received = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(fed, port1);
    try {
      await expect.poll(() => gate.stats().waitingPullers).toBe(1);
      // Not the sender's first stack (''), which debug mode used for the sender's park only.
      expect(parkedAt('gate')).toContain('produceFromGate');
      feedFromProducer(gate, 7);
      expect(await received.pull()).toBe(7);
    } finally {
      fed.close();
      gate.close();
      await sending;
      received.close();
      port1.close();
      port2.close();
    }
  });
});
