/**
 * Audit BG-errors, "Which operation an error names: the call the user made" (README Semantic
 * details) when the close comes from a relay's own machinery, not from `close()` by hand: a
 * merged channel whose inputs close, a broadcast subscriber whose source ends, a `from` channel
 * whose source throws, a `fromEvent` / `after` / `ticker` channel whose signal aborts. Each
 * parked operation — pull, pullMany, push, pushAll, a select push case, iteration — must be
 * failed with the error of its own operation, carrying the relay channel and the reason.
 */
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  type ChannelError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  ticker,
} from '../../dist/index.js';
import { expectChannelError, iterationEnd, settle, settledRejection } from './helpers.js';

type Relay = {
  label: string;
  /** Makes the relay channel (empty, nothing pulled yet) and a function that closes it its own way. */
  make: () => { channel: Channel<any>; end: () => void; reason: unknown; input: boolean };
};

const REASON = new Error('upstream failed');

const RELAYS: Relay[] = [
  {
    label: 'merge (an input closes with a reason)',
    make: () => {
      const a = new Channel<number>(0);
      const channel = merge(a, new Channel<number>(0));
      return { channel, end: () => a.close(REASON), reason: REASON, input: false };
    },
  },
  {
    label: 'merge (every input closes, no reason)',
    make: () => {
      const a = new Channel<number>(0);
      const b = new Channel<number>(0);
      const channel = merge(a, b);
      return {
        channel,
        end: () => {
          a.close();
          b.close();
        },
        reason: undefined,
        input: false,
      };
    },
  },
  {
    label: 'broadcast subscriber (the source closes with a reason)',
    make: () => {
      const source = new Channel<number>(0);
      const channel = broadcast(source).subscribe({ capacity: 1 });
      return { channel, end: () => source.close(REASON), reason: REASON, input: false };
    },
  },
  {
    label: 'broadcast subscriber (broadcast.close())',
    make: () => {
      const hub = broadcast(new Channel<number>(0));
      const channel = hub.subscribe({ capacity: 1 });
      return { channel, end: () => hub.close(), reason: undefined, input: false };
    },
  },
  {
    label: 'broadcast subscriber (its signal aborts)',
    make: () => {
      const controller = new AbortController();
      const channel = broadcast(new Channel<number>(0)).subscribe({ capacity: 1, signal: controller.signal });
      return { channel, end: () => controller.abort(REASON), reason: undefined, input: false };
    },
  },
  {
    label: 'from (an async source that throws)',
    make: () => {
      let fail!: (error: unknown) => void;
      const failing = new Promise<never>((_, reject) => {
        fail = reject;
      });
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({ next: () => failing }),
      };
      const channel = from(source, { capacity: 1 });
      return { channel, end: () => fail(REASON), reason: REASON, input: true };
    },
  },
  {
    label: 'fromEvent (its signal aborts)',
    make: () => {
      const controller = new AbortController();
      const channel = fromEvent(new EventTarget(), 'tick', {
        signal: controller.signal,
        capacity: 1,
        overflow: 'block',
      });
      return { channel, end: () => controller.abort(REASON), reason: undefined, input: true };
    },
  },
  {
    label: 'after (its signal aborts)',
    make: () => {
      const controller = new AbortController();
      const channel = afterMs(60_000, { signal: controller.signal });
      return { channel, end: () => controller.abort(REASON), reason: undefined, input: true };
    },
  },
  {
    label: 'ticker (its signal aborts)',
    make: () => {
      const controller = new AbortController();
      const channel = ticker(60_000, { signal: controller.signal });
      return { channel, end: () => controller.abort(REASON), reason: undefined, input: true };
    },
  },
];

const cause = (reason: unknown) => (reason === undefined ? ('none' as const) : { value: reason });

describe.each(RELAYS)('$label', ({ make }) => {
  const parkedPulls: [string, (ch: Channel<any>) => Promise<unknown>][] = [
    ['pull', (ch) => ch.pull()],
    ['pullMany', (ch) => ch.pullMany(4)],
  ];
  for (const [operation, call] of parkedPulls) {
    it(`(holds) a parked ${operation} rejects with ChannelClosedError naming ${operation}`, async () => {
      const { channel, end, reason } = make();
      const pending = call(channel);
      await settle();
      end();
      expectChannelError(await settledRejection(pending), {
        type: 'ChannelClosedError',
        operation,
        problem: 'is closed',
        channel,
        cause: cause(reason),
      });
    });
  }

  it('(holds) a parked push into the relay channel (full) rejects naming push', async () => {
    const { channel, end, reason } = make();
    // Fill its one slot by hand, then park a second push.
    channel.pushNowait(1);
    const pending = channel.push(2);
    await settle();
    end();
    expectChannelError(await settledRejection(pending), {
      type: 'ChannelClosedError',
      operation: 'push',
      problem: 'is closed',
      channel,
      cause: cause(reason),
    });
  });

  it('(holds) a parked pushAll into the relay channel rejects naming pushAll, with pushed', async () => {
    const { channel, end, reason } = make();
    const pending = channel.pushAll([1, 2, 3]);
    await settle();
    end();
    const error = (await settledRejection(pending)) as ChannelError;
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'pushAll',
      problem: 'is closed',
      channel,
      cause: cause(reason),
    });
    expect(error.pushed).toBe(1);
  });

  it('(holds) a parked select push case into the relay channel rejects naming select push', async () => {
    const { channel, end, reason } = make();
    channel.pushNowait(1);
    const pending = select([push(channel, 2), pull(new Channel<number>())]);
    await settle();
    end();
    expectChannelError(await settledRejection(pending), {
      type: 'ChannelClosedError',
      operation: 'select push',
      problem: 'is closed',
      channel,
      cause: cause(reason),
    });
  });

  it('(holds) a parked for await ends normally or throws the reason itself', async () => {
    const { channel, end, reason } = make();
    const ended = iterationEnd(channel);
    await settle();
    end();
    const result = await ended;
    if (reason === undefined) expect(result).toEqual({ values: [], threw: false });
    else expect(result.threw && result.error).toBe(reason);
  });

  it('(holds) a parked select pull case fires with ok: false (no error)', async () => {
    const { channel, end } = make();
    const pending = select([pull(channel)]);
    await settle();
    end();
    await settle();
    expect(await pending).toMatchObject({ index: 0, ok: false });
  });
});
