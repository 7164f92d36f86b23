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
import { describe, expect, test, vi } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError, ChannelError } from '../../src/errors.js';
import { fromPort, type PortResult, toPort } from '../../src/port/index.js';
import { fakePorts } from '../helpers/fake-ports.js';

/**
 * Runs `body` on a clock of its own: `advance(ms)` moves it and runs the timers due, in steps
 * of 10 ms; `block(ms)` moves it with no timer run, as a task that computes that long does.
 */
async function onOwnClock(
  body: (advance: (ms: number) => Promise<void>, block: (ms: number) => void) => Promise<void>,
): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  let clock = 1000;
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10) {
      clock += 10;
      await vi.advanceTimersByTimeAsync(10);
    }
  };
  try {
    await body(advance, (ms) => {
      clock += ms;
    });
  } finally {
    spy.mockRestore();
    vi.useRealTimers();
  }
}

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
