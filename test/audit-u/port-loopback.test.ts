/**
 * Audit u: a hand-made port that loops back — one object whose posts come back to its own
 * listeners (an EventTarget-based fake in a user's tests), carrying a toPort and a fromPort of
 * one name. SPEC: `PortLike` is "any object with `postMessage` and
 * `addEventListener('message')`"; a context that dies is detected by a heartbeat — so a live,
 * idle peer must not be declared gone. Both streams of the name then share one session, and
 * the heartbeat's `ping`/`pong` must still reach the other stream, not come back to their
 * own poster.
 */
import { expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { fromPort, type PortLike, toPort } from '../../src/port/index.js';
import { drain, range, sleep } from './helpers.js';

function loopback(): PortLike & { listeners(): number } {
  const target = new EventTarget();
  let count = 0;
  return {
    postMessage(message: unknown) {
      const data = structuredClone(message);
      setTimeout(() => target.dispatchEvent(Object.assign(new Event('message'), { data })), 0);
    },
    addEventListener(type: string, listener: EventListenerOrEventListenerObject) {
      if (type === 'message') count++;
      target.addEventListener(type, listener);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject) {
      if (type === 'message') count--;
      target.removeEventListener(type, listener);
    },
    listeners: () => count,
  } as PortLike & { listeners(): number };
}

test('over a loopback port, a stream idle for 6.5 s goes on: its receiver hears the sender’s heartbeat', async () => {
  const port = loopback();
  const local = new Channel<number>(0);
  const done = toPort(local, port, { name: 'x' });
  const remote = fromPort<number>(port, { name: 'x', capacity: 2 });
  await local.push(0);
  expect(await remote.pull()).toBe(0);
  await sleep(6500);
  expect(remote.closed).toBe(false);
  const producer = (async () => {
    for (let i = 1; i < 20; i++) await local.push(i);
    local.close();
  })();
  const rest = await drain(remote);
  await producer;
  expect(rest).toEqual({ values: range(1, 20), error: undefined });
  expect(await done).toEqual({ sent: 20, undelivered: [] });
  expect(port.listeners()).toBe(0);
}, 20_000);
