/**
 * Relays closed in the same turn as a commit into them: broadcast.close(), a subscriber's
 * signal, merge's close — a value the producer saw committed reaches a consumer or stays where
 * a consumer can still find it.
 */
import { expect, test } from 'vitest';
import { broadcast, Channel, merge } from '../../src/index.js';
import { sleep } from '../helpers/programs-go.js';

const ticks = async (k: number) => {
  for (let i = 0; i < k; i++) await null;
};

function drain<T>(...channels: Channel<T>[]): T[] {
  const rest: T[] = [];
  for (const channel of channels) for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) rest.push(v);
  return rest;
}

test('broadcast.close() at any microtask after a push committed to the broadcast: the subscriber has the value, or the source still does', async () => {
  for (let k = 0; k < 10; k++) {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 4 });
    await sleep(0);
    const committed = source.tryPush(1);
    await ticks(k);
    hub.close();
    await sleep(1);
    const seen = [...drain(sub), ...drain(source)];
    expect([k, committed, seen]).toEqual([k, committed, committed ? [1] : []]);
  }
});

test('merge closed at any microtask after pushes committed to it: each value is in the merged channel or its input, once', async () => {
  for (let k = 0; k < 10; k++) {
    const a = new Channel<number>(0);
    const b = new Channel<number>(1);
    const m = merge(a, b);
    await sleep(0);
    const pushedA = a.tryPush(1);
    const pushedB = b.tryPush(2);
    await ticks(k);
    m.close();
    await sleep(1);
    const seen = [...drain(m), ...drain(a, b)].sort();
    expect([k, seen]).toEqual([k, [pushedA ? 1 : [], pushedB ? 2 : []].flat()]);
  }
});
