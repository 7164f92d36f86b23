/**
 * Audit i: `chanasync/port` in Node, the sentences of SPEC.md "Channels across contexts" that
 * the browser suite (test/audit-i/port.browser.test.ts) found wanting, reduced to ports made of
 * plain EventTargets (test/helpers/fake-ports.ts) on a clock of the test's own.
 *
 * SPEC: "A context that dies … is detected within a bounded time …: `toPort` resolves with the
 * undelivered values; the receiving channel closes with a `ChannelError` whose message says the
 * other side is gone." A sender that gives up on its receiver tells it so (an `end` that aborts,
 * with no reason), in case it is alive after all — a receiver whose loop was blocked, or whose
 * own messages were lost. Whatever it did last before that message arrives, such a receiver
 * must close as gone, never as if its sender had finished normally: its consumer would then
 * take a cut-off stream for a whole one.
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError, ChannelError } from '../../src/errors.js';
import { fromPort, type PortResult, toPort } from '../../src/port/index.js';
import { FakePort, fakePorts, type SyncPort, syncPorts } from '../helpers/fake-ports.js';
import { onOwnClock } from '../helpers/own-clock.js';

/** What a pull on a closed channel says: its cause (the close reason), or that it resolved. */
async function closeReason(channel: Channel<number>): Promise<unknown> {
  return channel.pull().then(
    (value) => ({ resolved: value }),
    (error: unknown) => {
      expect(error).toBeInstanceOf(ChannelClosedError);
      return (error as ChannelClosedError).cause;
    },
  );
}

describe('a receiver its sender gave up on closes as gone, whatever it heard last', () => {
  test('a receiver blocked for 3.5 s whose first message after the block is its sender’s aborting end (no batch before it) closes with a ChannelError saying the other side is gone', () =>
    onOwnClock(async (advance, block) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 1 });
      void toPort(local, a);
      await advance(50);
      local.pushNowait(1);
      await advance(50);
      expect(await remote.pull()).toBe(1);
      await advance(50);
      const credit = b.sent('credit').at(-1) as unknown as { session: string; receiver: string };
      block(3500);
      // What a sender that gave up on the blocked receiver posts before it leaves, delivered
      // first after the block: its aborting end, with no reason (it gave up).
      const envelope = { source: 'chanasync-port', version: 1, name: '', session: credit.session };
      b.inject({ ...envelope, type: 'end', abort: true, posted: 1, receiver: credit.receiver });
      const reason = await closeReason(remote);
      expect(reason).toBeInstanceOf(ChannelError);
      expect((reason as Error).message).toMatch(/the other side is gone \(it gave up on this context/);
      local.close();
    }));

  test('a receiver whose messages stop reaching its sender: toPort gives up within the heartbeat bound, and the receiver closes with a ChannelError after the values it committed, not normally', () =>
    onOwnClock(async (advance) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 4 });
      const outcome: { result?: PortResult<number> } = {};
      void toPort(local, a).then((result) => {
        outcome.result = result;
      });
      await advance(50);
      local.pushNowait(1);
      local.pushNowait(2);
      await advance(50);
      expect(remote.size).toBe(2);
      b.held = true; // from now on, nothing the receiver posts reaches the sender
      await advance(6000);
      expect(outcome.result).toEqual({ sent: 2, undelivered: [] });
      // The sender's aborting end reached the receiver: it closes, keeping what it committed.
      expect(remote.closed).toBe(true);
      expect([remote.pullNowait(), remote.pullNowait()]).toEqual([1, 2]);
      const reason = await closeReason(remote);
      expect(reason).toBeInstanceOf(ChannelError);
      expect((reason as Error).message).toMatch(/the other side is gone/);
      local.close();
    }));
});

/**
 * SPEC: "Every value `toPort` pulled from the local channel is therefore either committed
 * remotely or listed in `PortResult.undelivered` — none is silently lost, even when the
 * receiver closes its channel", and "When the receiver closes its channel, the sender stops
 * pulling at once and `toPort` resolves." Every ending at once — the local channel closed with
 * a reason, the receiver closing, the signal aborting — in every order, in one turn, with
 * values in flight, over ports that deliver a task later and ports that deliver inside
 * `postMessage`.
 */
describe('endings that coincide: every value once, wherever it ends up, and toPort settles', () => {
  type Event = 'localClose' | 'remoteClose' | 'abort';
  const orders: Event[][] = [];
  const all: Event[] = ['localClose', 'remoteClose', 'abort'];
  for (const first of all) {
    for (const second of all) {
      if (second !== first) {
        orders.push([first, second]);
        for (const third of all) if (third !== first && third !== second) orders.push([first, second, third]);
      }
    }
  }

  for (const kind of ['task', 'sync'] as const) {
    test.each(orders.map((order) => [order.join(' + '), order] as const))(
      `over ports that deliver ${kind === 'task' ? 'a task later' : 'inside postMessage'}: %s in one turn`,
      async (_, order) => {
        const { a, b } = kind === 'task' ? fakePorts() : syncPorts();
        const local = new Channel<number>(Infinity);
        const controller = new AbortController();
        const remote = fromPort<number>(b, { capacity: 3 });
        const sending = toPort(local, a, { signal: controller.signal });
        for (let i = 0; i < 20; i++) local.pushNowait(i);
        // Let a batch or two cross, and the consumer take some: values are in flight.
        const received: number[] = [];
        for (let i = 0; i < 4; i++) received.push(await remote.pull());
        await new Promise((resolve) => setTimeout(resolve, 0));
        for (const event of order) {
          if (event === 'localClose') local.close(new RangeError('producer done'));
          else if (event === 'remoteClose') remote.close();
          else controller.abort(new Error('stop'));
        }
        const result = await Promise.race([
          sending,
          new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 3000)),
        ]);
        expect(result).not.toBe('hang');
        const { sent, undelivered } = result as PortResult<number>;
        // What the receiving side still holds (committed, readable after its close).
        for (let value = remote.tryPull(); value !== undefined; value = remote.tryPull()) received.push(value);
        const left: number[] = [];
        for (let value = local.tryPull(); value !== undefined; value = local.tryPull()) left.push(value);
        expect(received).toEqual([...Array(received.length).keys()]);
        expect(sent).toBe(received.length);
        expect([...received, ...undelivered, ...left]).toEqual([...Array(20).keys()]);
        expect(remote.closed).toBe(true);
        const listeners = (port: FakePort | SyncPort): number =>
          port instanceof FakePort ? (port.listening.get('message') ?? 0) : port.listeners;
        expect([listeners(a), listeners(b)]).toEqual([0, 0]);
      },
    );
  }
});

test('an abort whose signal has no reason (a signal-like object, as older polyfills make) still closes the remote channel as the abort says — without a reason, not as a sender that gave up', async () => {
  const { a, b } = fakePorts();
  const target = new EventTarget();
  const signal = Object.assign(target, { aborted: false, reason: undefined }) as unknown as AbortSignal;
  const local = new Channel<number>(Infinity);
  const remote = fromPort<number>(b, { capacity: 2 });
  const sending = toPort(local, a, { signal });
  local.pushNowait(1);
  expect(await remote.pull()).toBe(1);
  (signal as { aborted: boolean }).aborted = true;
  target.dispatchEvent(new Event('abort'));
  expect(await sending).toEqual({ sent: 1, undelivered: [] });
  expect(await closeReason(remote)).toBeUndefined();
  local.close();
});
