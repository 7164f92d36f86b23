/**
 * Audit u: `transfer` with transferables other than ArrayBuffers (a MessagePort inside each
 * value), and transferred values that come back undelivered (detached, as documented).
 */
import { afterEach, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { drain, pair, range, sleep, until } from './helpers.js';

const opened: MessagePort[] = [];
afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

test('values carrying a MessagePort, transferred: each arrives usable, in order', async () => {
  const [a, b] = pair();
  type Job = { id: number; reply: MessagePort };
  const local = new Channel<Job>(0);
  const remote = fromPort<Job>(b, { capacity: 2 });
  const done = toPort(local, a, { transfer: (job) => [job.reply] });
  const replies: Promise<unknown>[] = [];
  const producer = (async () => {
    for (let id = 0; id < 10; id++) {
      const { port1, port2 } = new MessageChannel();
      opened.push(port1, port2);
      replies.push(new Promise((resolve) => port1.addEventListener('message', (e) => resolve(e.data), { once: true })));
      port1.start();
      await local.push({ id, reply: port2 });
    }
    local.close();
  })();
  const ids: number[] = [];
  for await (const job of remote) {
    ids.push(job.id);
    opened.push(job.reply);
    job.reply.postMessage(job.id * 10);
  }
  await producer;
  expect(ids).toEqual(range(0, 10));
  expect(await Promise.all(replies)).toEqual(range(0, 10).map((i) => i * 10));
  expect(await done).toEqual({ sent: 10, undelivered: [] });
});

test('transferred values the receiver never committed come back in undelivered, detached (documented)', async () => {
  const [a, b] = pair();
  const local = new Channel<Uint8Array>(10);
  const arrays = range(0, 10).map((i) => new Uint8Array(16).fill(i));
  await local.pushAll(arrays);
  const remote = fromPort<Uint8Array>(b, { capacity: 4 });
  const done = toPort(local, a, { transfer: (v) => [v.buffer] });
  const first = await remote.pull();
  expect([...first]).toEqual(new Array(16).fill(0));
  await sleep(20);
  remote.close();
  const rest: Uint8Array[] = [];
  for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) rest.push(v);
  const result = await done;
  expect(result.sent).toBe(1 + rest.length);
  for (const [i, v] of rest.entries()) expect(v[0]).toBe(i + 1);
  // Undelivered: the very objects pulled, in order; detached if they were posted.
  const idx = result.undelivered.map((v) => arrays.indexOf(v as (typeof arrays)[number]));
  expect(idx).toEqual(range(1 + rest.length, 1 + rest.length + idx.length));
  const left: Uint8Array[] = [];
  for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
  expect(1 + rest.length + result.undelivered.length + left.length).toBe(10);
  for (const v of left) expect(v.byteLength).toBe(16); // never pulled: intact
});

test('a transfer callback that pushes into the local channel: the new value goes once, in order, its buffer transferred', async () => {
  const [a, b] = pair();
  type Item = { n: number; buf: ArrayBuffer };
  const local = new Channel<Item>(0);
  const remote = fromPort<Item>(b, { capacity: 8 });
  let calls = 0;
  const extra: Item = { n: 99, buf: new ArrayBuffer(8) };
  const done = toPort(local, a, {
    transfer: (v) => {
      calls++;
      if (v.n === 0) local.tryPush(extra); // toPort's pull is parked: it takes this at once
      return [v.buf];
    },
  });
  await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
  const items: Item[] = range(0, 3).map((n) => ({ n, buf: new ArrayBuffer(8) }));
  for (const item of items) expect(local.tryPush(item)).toBe(true);
  await sleep(20);
  local.close();
  const got = await drain(remote);
  const ns = got.values.map((v) => v.n);
  expect(new Set(ns).size).toBe(ns.length);
  expect(ns.sort((x, y) => x - y)).toEqual([0, 1, 2, 99]);
  expect(got.values.every((v) => v.buf.byteLength === 8)).toBe(true);
  expect(extra.buf.byteLength).toBe(0); // transferred, not copied
  expect(await done).toEqual({ sent: 4, undelivered: [] });
  expect(calls).toBe(4);
});
