/**
 * The helpers' internal waits in debug mode: the pulls that merge, broadcast and
 * toReadableStream park on a channel show in snapshots exactly while they wait, and leave no
 * trace once they committed or were withdrawn.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { broadcast, Channel, merge, toReadableStream } from '../src/index.js';
import { flush } from './helpers/track.js';

beforeEach(() => enableDebug({ target: { postMessage() {} }, listen: new EventTarget() }));
afterEach(() => disableDebug());

/** How many pulls are parked on the channel named `name`, as debug mode reports them. */
function pullers(name: string): number {
  const channel = snapshot().channels.find((c) => c.name === name);
  if (channel === undefined) throw new Error(`no channel ${name} in the snapshot`);
  return channel.pullers.length;
}

test('a merge waiting on its inputs shows one pull on each, gone once a value arrived', () => {
  const a = new Channel<number>(0, { name: 'a' });
  const b = new Channel<number>(0, { name: 'b' });
  const merged = merge(a, b);
  expect([pullers('a'), pullers('b')]).toEqual([1, 1]);
  a.pushNowait(1); // into the merged channel's slot: it is full, so it waits on nothing
  expect([pullers('a'), pullers('b')]).toEqual([0, 0]);
  merged.close();
});

test('closing a merged channel withdraws its pulls from the snapshot', () => {
  const a = new Channel<number>(0, { name: 'input' });
  const merged = merge(a);
  expect(pullers('input')).toBe(1);
  merged.close();
  expect(pullers('input')).toBe(0);
});

test('a broadcast waiting on its source shows one pull there, withdrawn when it closes', () => {
  const source = new Channel<number>(0, { name: 'source' });
  const hub = broadcast(source);
  expect(pullers('source')).toBe(0); // no subscriber: no pull
  hub.subscribe();
  expect(pullers('source')).toBe(1);
  hub.close();
  expect(pullers('source')).toBe(0);
});

test('a stream read waiting on a channel shows as a pull until the reader cancels', async () => {
  const channel = new Channel<string>(0, { name: 'lines' });
  const reader = toReadableStream(channel).getReader();
  const read = reader.read();
  await flush();
  expect(pullers('lines')).toBe(1);
  await reader.cancel();
  await read;
  expect(pullers('lines')).toBe(0);
});
