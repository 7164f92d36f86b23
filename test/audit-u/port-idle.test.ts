/**
 * Audit u: a live but idle peer is never taken for a dead one. SPEC: a dead context is detected
 * by a heartbeat (README: ping after 1 s of silence, gone after 5 s) — so streams that carry
 * nothing for longer than that, because the consumer wants nothing or the producer has
 * nothing, must go on afterwards, every value once, in order.
 */
import { expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { drain, pair, range, sleep } from './helpers.js';

test('three streams idle for 7 s (no pull at capacity 0; a full buffer; no value to send) then resume', async () => {
  // 1. Capacity 0, nobody pulls: no credit, the producer waits.
  const [a1, b1] = pair();
  const l1 = new Channel<number>(0);
  const r1 = fromPort<number>(b1);
  const d1 = toPort(l1, a1);
  const p1 = (async () => {
    for (let i = 0; i < 20; i++) await l1.push(i);
    l1.close();
  })();
  // 2. Capacity 2, buffer full, nobody pulls.
  const [a2, b2] = pair();
  const l2 = new Channel<number>(0);
  const r2 = fromPort<number>(b2, { capacity: 2 });
  const d2 = toPort(l2, a2);
  const p2 = (async () => {
    for (let i = 0; i < 20; i++) await l2.push(i);
    l2.close();
  })();
  // 3. A consumer waits, the producer has nothing yet.
  const [a3, b3] = pair();
  const l3 = new Channel<number>(0);
  const r3 = fromPort<number>(b3, { capacity: 4 });
  const d3 = toPort(l3, a3);
  const first3 = r3.pull();

  await sleep(7000);
  expect(r1.closed || r2.closed || r3.closed).toBe(false);
  expect(r2.size).toBe(2);
  // Resume all three.
  const p3 = (async () => {
    for (let i = 0; i < 20; i++) await l3.push(i);
    l3.close();
  })();
  const [g1, g2, g3] = await Promise.all([drain(r1), drain(r2), drain(r3)]);
  await Promise.all([p1, p2, p3]);
  expect(g1).toEqual({ values: range(0, 20), error: undefined });
  expect(g2).toEqual({ values: range(0, 20), error: undefined });
  expect(await first3).toBe(0);
  expect(g3).toEqual({ values: range(1, 20), error: undefined });
  for (const d of [d1, d2, d3]) expect(await d).toEqual({ sent: 20, undelivered: [] });
  // The heartbeat ran: pings were posted and answered.
  expect(a1.sent('ping').length + b1.sent('ping').length).toBeGreaterThan(0);
}, 20_000);
