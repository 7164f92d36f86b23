/**
 * `chanasync/port` against what the twenty-fourth session's audit found: a receiver whose
 * sender's `ping` was queued behind a block answered it first — the answer counted as a sign of
 * life — and committed the values that arrived during the block, which the sender, having given
 * up, also listed as undelivered; and an emitter-style port (whose `message` listener gets the
 * data itself) took an application's own `{ type: 'close' }` message for the port closing, and
 * ended every stream on it.
 */
import { describe, expect, test, vi } from 'vitest';
import { Channel } from '../src/channel.js';
import { type ChannelClosedError, ChannelError } from '../src/errors.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../src/port/index.js';
import { fakePorts } from './helpers/fake-ports.js';
import { onOwnClock } from './helpers/own-clock.js';
import { closePortsAfterEach, ports } from './helpers/ports.js';

closePortsAfterEach();

const realSetTimeout = globalThis.setTimeout;
const realDelay = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

describe('a receiver blocked long enough for its sender to give up', () => {
  test("answering the sender's ping queued behind the block does not make it commit what arrived during it", () =>
    onOwnClock(async (advance, block) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 4 });
      void toPort(local, a);
      await advance(50);
      local.pushNowait(1);
      await advance(50);
      expect(await remote.pull()).toBe(1);
      await advance(50);
      const credit = b.sent('credit').at(-1) as unknown as { session: string; receiver: string };
      block(6500);
      // What the sender posted while this side was blocked, delivered after the block, in its
      // order: its ping (2 s of silence), a batch (it had credit left), then — having heard
      // nothing for 5 s — its aborting end, the batch counted as undelivered.
      const envelope = { source: 'chanasync-port', version: 1, name: '', session: credit.session };
      b.inject({ ...envelope, type: 'ping', posted: 1, receiver: credit.receiver });
      b.inject({ ...envelope, type: 'values', values: [2, 3], posted: 1, receiver: credit.receiver });
      b.inject({ ...envelope, type: 'end', abort: true, posted: 3, receiver: credit.receiver });
      expect(b.sent('pong')).toHaveLength(1); // the ping was answered
      const error = await remote.pull().catch((caught: unknown) => (caught as ChannelClosedError).cause);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as Error).message).toMatch(
        /the other side is gone \(it gave up on this context, which could answer nothing for 6\d{3} ms\)/,
      );
      expect(remote.size).toBe(0); // 2 and 3 were not committed: they are the sender's undelivered
      expect(b.sent('closed').at(-1)).toMatchObject({ committed: 1 });
    }));
});

describe('a sender frozen with its receiver (the back/forward cache)', () => {
  test('gives its receiver more than one tick to answer once both resume, one after the other', () =>
    onOwnClock(async (advance, block) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 4 });
      const done = toPort(local, a);
      await advance(50);
      local.pushNowait(1);
      await advance(50);
      expect(await remote.pull()).toBe(1);
      await advance(50); // the receiver's credit for the pull arrived
      block(6000); // both sides frozen
      // The receiver resumes later than the sender: what it posts reaches the sender only after
      // the sender's late tick and two more (a busy machine restoring a page and its frames).
      b.held = true;
      const from = b.posted.length;
      await advance(1200);
      expect(a.sent('end')).toEqual([]); // the sender did not give up
      b.held = false;
      for (const message of b.posted.slice(from)) a.inject(structuredClone(message));
      await advance(100);
      local.pushNowait(2);
      await advance(100);
      expect(await remote.pull()).toBe(2);
      local.close();
      await advance(100);
      await expect(remote.pull()).rejects.toThrow('is closed');
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    }));
});

describe("an application's own messages on an emitter-style port", () => {
  /** A `PortLike` over a Node `MessagePort` through `on`/`off`: listeners get the data itself. */
  function emitterPort(port: MessagePort & NodeJS.EventEmitter): PortLike {
    return {
      postMessage: (message: unknown, transfer?: Transferable[]) =>
        transfer === undefined ? port.postMessage(message) : port.postMessage(message, transfer),
      addEventListener: (type: string, listener: (data: unknown) => void) => port.on(type, listener),
      removeEventListener: (type: string, listener: (data: unknown) => void) => port.off(type, listener),
    } as unknown as PortLike;
  }

  test.each([[{ type: 'close', reason: 'the dialog closed' }], [{ type: 'messageerror' }]])(
    '%o is a foreign message: ignored, the stream goes on',
    async (foreign) => {
      const [port1, port2] = ports() as unknown as [
        MessagePort & NodeJS.EventEmitter,
        MessagePort & NodeJS.EventEmitter,
      ];
      const local = new Channel<number>(4);
      const outcome: { result?: PortResult<number> } = {};
      const done = toPort(local, emitterPort(port1), { name: 'jobs' }).then((result) => {
        outcome.result = result;
        return result;
      });
      const remote = fromPort<number>(emitterPort(port2), { name: 'jobs', capacity: 4 });
      await local.push(1);
      expect(await remote.pull()).toBe(1);
      port1.postMessage(foreign); // to the receiver's side
      port2.postMessage(foreign); // to the sender's side
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(remote.closed).toBe(false);
      expect(outcome.result).toBeUndefined();
      await local.push(2);
      expect(await remote.pull()).toBe(2);
      local.close();
      await expect(remote.pull()).rejects.toThrow('is closed');
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    },
  );
});

describe('a channel closed before its last values used up the credit', () => {
  test('toPort ends as it pulls the last value, under fake timers too, not at the next heartbeat tick', async () => {
    // Found by audit AS: with room for exactly what was left, the stream ended only at the
    // sender's next tick (500 ms later; never while a fake clock stood still).
    vi.useFakeTimers();
    try {
      const [a, b] = ports();
      const local = new Channel<number>(Infinity);
      for (let i = 0; i < 6; i++) local.pushNowait(i);
      local.close('done');
      const remote = fromPort<number>(b, { capacity: 6 });
      const sending = toPort(local, a);
      // MessagePort messages are not timers: the stream runs while the fake clock stands still.
      const settled = await Promise.race([sending, realDelay(1_000).then(() => 'pending')]);
      expect(settled).toEqual({ sent: 6, undelivered: [] });
      expect(remote.closed).toBe(true);
      expect(remote.size).toBe(6);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('origin on a port that is not a window', () => {
  test('a value that is no origin is a TypeError at the call, as for a window; a good one pairs as without it', async () => {
    const [a, b] = ports();
    expect(() => fromPort(b, { origin: 'not a url' })).toThrow(
      new TypeError(
        "fromPort(port, options): origin must be '*' or an origin such as 'https://app.example', got 'not a url'",
      ),
    );
    expect(() => fromPort(b, { origin: 'null' })).toThrow(TypeError);
    await expect(toPort(new Channel<number>(), a, { origin: 'not a url' })).rejects.toThrow(
      new TypeError(
        "toPort(channel, port, options): origin must be '*' or an origin such as 'https://app.example', got 'not a url'",
      ),
    );
    // Checked, then unused: a MessagePort's messages carry no origin to compare.
    const local = new Channel<number>(2);
    local.pushNowait(1);
    local.close();
    const remote = fromPort<number>(b, { origin: 'https://elsewhere.example', capacity: 1 });
    expect(await toPort(local, a, { origin: 'https://elsewhere.example' })).toEqual({ sent: 1, undelivered: [] });
    expect(await remote.pull()).toBe(1);
  });
});
