/**
 * Audit M, gc project: after port streams composed with merge, broadcast, select and
 * toReadableStream have all ended and the program dropped them, debug mode keeps none of their
 * channels and reports no leak (no false positive from the internal pulls of toPort, merge or
 * broadcast), while a pull really left parked on an abandoned fromPort channel whose port was
 * closed is not stranded either (the channel closes as gone).
 */
import { afterEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { broadcast, Channel, merge, pull, select } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { collectAll } from '../helpers/gc.js';
import { closePortsAfterEach, ports, sleep } from '../helpers/ports.js';

closePortsAfterEach();
afterEach(() => disableDebug());

test('ended port streams under merge, broadcast, select and a stream leave no tracked channel and no leak once dropped', async () => {
  enableDebug({ target: { postMessage() {} }, warnLeaks: false });
  const refs: WeakRef<object>[] = [];
  await (async () => {
    const [a, b] = ports();
    const [c, d] = ports();
    const x = new Channel<number>(2, { name: 'x' });
    const y = new Channel<number>(0, { name: 'y' });
    const sx = toPort(x, a, { name: 'x' });
    const sy = toPort(y, c, { name: 'y' });
    const rx = fromPort<number>(b, { name: 'x', capacity: 2 });
    const ry = fromPort<number>(d, { name: 'y' });
    const merged = merge(rx, ry);
    const hub = broadcast(merged);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 3 });
    const side = new Channel<number>(0, { name: 'side' });
    void (async () => {
      await x.pushAll([1, 2, 3]);
      x.close();
    })();
    void (async () => {
      await y.pushAll([10, 20]);
      y.close();
    })();
    const reader = s2.toReadableStream().getReader();
    const fromStream: number[] = [];
    const readAll = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        fromStream.push(value);
      }
    })();
    const viaSelect: number[] = [];
    for (;;) {
      const r = await select([pull(s1), pull(side)]);
      if (!r.ok) break;
      viaSelect.push(r.value as number);
    }
    await readAll;
    expect(viaSelect.sort((p, q) => p - q)).toEqual([1, 2, 3, 10, 20]);
    expect(fromStream.sort((p, q) => p - q)).toEqual([1, 2, 3, 10, 20]);
    await sx;
    await sy;
    side.close();
    for (const ch of [x, y, rx, ry, merged, s1, s2, side]) refs.push(new WeakRef(ch));
    for (const port of [a, b, c, d]) port.close();
  })();
  await sleep(10);
  await collectAll(refs);
  const snap = snapshot();
  expect(snap.channels.map((ch) => ch.name)).toEqual([]);
  expect(snap.leaked ?? []).toEqual([]);
});

test('a pull left parked on a fromPort channel whose port closed settles (the channel closes as gone): no leak, nothing tracked', async () => {
  enableDebug({ target: { postMessage() {} }, warnLeaks: false });
  const refs: WeakRef<object>[] = [];
  let outcome: unknown;
  await (async () => {
    const [a, b] = ports();
    const local = new Channel<number>(0);
    const sending = toPort(local, a);
    const remote = fromPort<number>(b, { name: '' });
    const waiting = remote.pull().catch((e: unknown) => e);
    await sleep(20);
    a.close(); // the sending side's port goes away: Node fires 'close' on both ports
    const error = (await waiting) as Error;
    // (the errors name the channel: keep only what is checked, so that it can be collected)
    outcome = {
      name: error.name,
      cause: { name: (error.cause as Error).name, message: (error.cause as Error).message },
    };
    await sending;
    local.close();
    refs.push(new WeakRef(remote), new WeakRef(local));
  })();
  // closed with a ChannelError saying the other side is gone: the pull's ChannelClosedError carries it
  expect(outcome).toMatchObject({ name: 'ChannelClosedError', cause: { name: 'ChannelError' } });
  expect((outcome as { cause: { message: string } }).cause.message).toMatch(/gone/);
  await collectAll(refs);
  expect(snapshot().channels).toEqual([]);
  expect(snapshot().leaked ?? []).toEqual([]);
});
