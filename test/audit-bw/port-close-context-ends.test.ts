/**
 * Audit BW (ports): a `fromPort` closed before any sender paired with it tells a sender pairing
 * since before then — even when its context ends in that very turn (`self.close()`, its port
 * closed), which never runs the end of the turn — and a remount keeps its sender even when it
 * listens on a new port object (a new `BroadcastChannel` per mount, the old one left open).
 * Before the fix, the notice was posted only at the end of the turn (lost with the context:
 * `toPort` waited for ever), and a remount on another `BroadcastChannel` object did not stop it
 * (the sender ended with `{ sent: 0 }`, and the new receiver waited for ever).
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, test } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, sleep(ms).then(() => 'still waiting' as const)]);

/**
 * A port whose context can end: once `end()` is called, nothing it posts arrives anywhere and
 * no `close` event tells the other side (as for a Worker's `self.close()` in Chromium, or a
 * transferred port closed there) — its tasks, the end of the turn's among them, never run.
 */
function mortal(inner: MessagePort): { port: PortLike; end(): void } {
  let ended = false;
  const port: PortLike = {
    postMessage: (message: unknown) => ended || inner.postMessage(message),
    addEventListener: (type, listener) => inner.addEventListener(type, listener as never),
    removeEventListener: (type, listener) => inner.removeEventListener(type, listener as never),
  };
  inner.start();
  return { port, end: () => (ended = true) };
}

describe('a receiving context that ends in the turn its receiver closed unpaired', () => {
  test('the sender pairing since before then resolves { sent: 0, undelivered: [] }, its values kept', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    local.pushNowait(2);
    const sending = toPort(local, port1, { name: 'jobs' });
    const receiving = mortal(port2);
    fromPort<number>(receiving.port, { name: 'jobs' }).close();
    receiving.end(); // the context ends in this turn: its end of turn never comes
    // Told at once, the sender waits GONE_AFTER_MS (5 s, ticked every 500 ms) for the end of
    // that turn or a remount, and hears neither.
    expect(await within(sending, 9000)).toEqual({ sent: 0, undelivered: [] });
    expect([local.pullNowait(), local.pullNowait()]).toEqual([1, 2]);
    port1.close();
  }, 15_000);

  test('control: a context that lives on tells it at the end of the turn, at once', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const sending = toPort(local, port1, { name: 'jobs' });
    fromPort<number>(port2, { name: 'jobs' }).close();
    expect(await within(sending, 1000)).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    port1.close();
    port2.close();
  });

  test('a remount in that turn keeps the sender, though the context then lives on', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    await local.pushAll([1, 2, 3]);
    local.close();
    const sending = toPort(local, port1, { name: 'jobs' });
    fromPort<number>(port2, { name: 'jobs' }).close();
    const again = fromPort<number>(port2, { name: 'jobs', capacity: 4 });
    const got: number[] = [];
    for await (const value of again) got.push(value);
    expect(got).toEqual([1, 2, 3]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    port1.close();
    port2.close();
  });
});

describe('a remount on a new BroadcastChannel object (one per mount, as an effect makes it)', () => {
  for (const closeOld of [false, true]) {
    test(`the old one ${closeOld ? 'closed' : 'left open'} by the cleanup: the remounted receiver gets every value`, async () => {
      const id = `bw-remount-${closeOld}-${Math.random()}`;
      const senderSide = new BroadcastChannel(id);
      const local = new Channel<number>(Infinity);
      await local.pushAll([1, 2]);
      local.close();
      const sending = toPort(local, senderSide, { name: 'r' });
      // Mount, clean up, mount again — in one turn.
      const first = new BroadcastChannel(id);
      fromPort<number>(first, { name: 'r' }).close();
      if (closeOld) first.close();
      const second = new BroadcastChannel(id);
      const again = fromPort<number>(second, { name: 'r', capacity: 4 });
      const got: number[] = [];
      const read = (async () => {
        for await (const value of again) got.push(value);
      })();
      expect(await within(read, 3000)).toBeUndefined();
      expect(got).toEqual([1, 2]);
      expect(await within(sending, 3000)).toEqual({ sent: 2, undelivered: [] });
      for (const channel of [senderSide, first, second]) channel.close();
    });
  }

  test('control: no remount — the close on the old object ends the sender', async () => {
    const id = `bw-no-remount-${Math.random()}`;
    const senderSide = new BroadcastChannel(id);
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const sending = toPort(local, senderSide, { name: 'r' });
    const first = new BroadcastChannel(id);
    fromPort<number>(first, { name: 'r' }).close();
    expect(await within(sending, 2000)).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    senderSide.close();
    first.close();
  });
});

describe('the wire: `ready` with `closingAt`', () => {
  test('isPortMessage takes a finite closingAt and refuses any other', async () => {
    const { isPortMessage, PORT_SOURCE, PORT_VERSION } = await import('chanasync/port');
    const ready = { source: PORT_SOURCE, version: PORT_VERSION, name: 'jobs', type: 'ready' };
    expect(isPortMessage({ ...ready, closingAt: Date.now(), realm: 'r', event: 3 })).toBe(true);
    for (const closingAt of [Number.NaN, Number.POSITIVE_INFINITY, '1', null]) {
      expect(isPortMessage({ ...ready, closingAt })).toBe(false);
    }
  });
});
