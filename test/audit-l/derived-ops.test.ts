/**
 * Audit L: every public pull-side operation works on the channels chanasync builds itself —
 * `merge()`'s output, a `broadcast()` subscriber, `from(iterable | async iterable | stream)` —
 * exactly as on a plain `new Channel()`: each value exactly once, in order, then the close
 * (with its reason), nothing left parked anywhere.
 */
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  from,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from '../../src/index.js';
import { flush } from '../helpers/track.js';

const VALUES = [0, null, '', 3, false, 5] as const;
type V = (typeof VALUES)[number];
const sleep = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

interface Kind {
  /** An unbuffered `from`: it reads its source only for a waiting pull, so polling never sees a value (README). */
  lazy?: boolean;
  /** The channel to read, holding (or yielding) VALUES and then closing with `reason`. */
  make(reason?: unknown): { channel: Channel<V>; upstream: Pick<Channel<never>, 'stats'>[] };
}

const kinds: Record<string, Kind> = {
  plain: {
    make(reason) {
      const channel = new Channel<V>(Infinity);
      for (const v of VALUES) channel.pushNowait(v);
      channel.close(reason);
      return { channel, upstream: [] };
    },
  },
  'merge of one': {
    make(reason) {
      const input = new Channel<V>(Infinity);
      for (const v of VALUES) input.pushNowait(v);
      input.close(reason);
      return { channel: merge(input), upstream: [input] };
    },
  },
  'merge of two (unbuffered producers)': {
    make(reason) {
      const a = new Channel<V>();
      const b = new Channel<V>();
      const aDone = (async () => {
        for (const v of VALUES.slice(0, 3)) await a.push(v);
        a.close();
      })();
      void (async () => {
        for (const v of VALUES.slice(3)) await b.push(v);
        await aDone; // an input's reason closes the merge at once (README): let a finish first
        b.close(reason);
      })();
      return { channel: merge(a, b), upstream: [a, b] };
    },
  },
  'broadcast subscriber': {
    make(reason) {
      const source = new Channel<V>();
      const sub = broadcast(source).subscribe();
      void (async () => {
        for (const v of VALUES) await source.push(v);
        source.close(reason);
      })();
      return { channel: sub, upstream: [source] };
    },
  },
  'from(iterable)': {
    lazy: true,
    make(reason) {
      function* gen() {
        yield* VALUES;
        if (reason !== undefined) throw reason;
      }
      return { channel: from(gen()) as Channel<V>, upstream: [] };
    },
  },
  'from(async iterable)': {
    make(reason) {
      async function* gen() {
        for (const v of VALUES) {
          await sleep();
          yield v;
        }
        if (reason !== undefined) throw reason;
      }
      return { channel: from(gen(), { capacity: 2 }) as Channel<V>, upstream: [] };
    },
  },
  'from(stream)': {
    make(reason) {
      let i = 0;
      const stream = new ReadableStream<V>({
        pull(controller) {
          if (i < VALUES.length) controller.enqueue(VALUES[i++] as V);
          else if (reason !== undefined) controller.error(reason);
          else controller.close();
        },
      });
      return { channel: from(stream, { capacity: 1 }) as Channel<V>, upstream: [] };
    },
  },
  'from(toReadableStream(channel))': {
    make(reason) {
      const inner = new Channel<V>(Infinity);
      for (const v of VALUES) inner.pushNowait(v);
      inner.close(reason);
      return { channel: from(toReadableStream(inner), { capacity: 3 }) as Channel<V>, upstream: [inner] };
    },
  },
  'merge(from(iterable), broadcast subscriber)': {
    make(reason) {
      const source = new Channel<V>();
      const sub = broadcast(source).subscribe();
      const first = from(VALUES.slice(0, 3)) as Channel<V>;
      void (async () => {
        for (const v of VALUES.slice(3)) await source.push(v);
        while (!first.closed) await sleep();
        source.close(reason);
      })();
      return { channel: merge(first, sub), upstream: [source, sub] };
    },
  },
};

/** Checks the multiset and the per-origin order of what was read. */
function expectAll(got: unknown[]): void {
  const rank = (v: unknown) => VALUES.indexOf(v as V);
  expect([...got].sort((x, y) => rank(x) - rank(y))).toEqual([...VALUES]);
  // Per input order: values from the first half keep their order, and so do the second half's.
  const first = got.filter((v) => VALUES.indexOf(v as V) < 3);
  const second = got.filter((v) => VALUES.indexOf(v as V) >= 3);
  expect(first).toEqual(VALUES.slice(0, 3));
  expect(second).toEqual(VALUES.slice(3));
}

function expectQuiet(channel: Channel<V>, upstream: Pick<Channel<never>, 'stats'>[]): void {
  for (const c of [channel, ...upstream]) {
    const s = c.stats();
    expect({ name: s.name, pushers: s.waitingPushers, pullers: s.waitingPullers }).toEqual({
      name: s.name,
      pushers: 0,
      pullers: 0,
    });
  }
  expect(channel.closed).toBe(true);
  expect(channel.size).toBe(0);
  expect(channel.empty).toBe(true);
}

async function closedError(promise: Promise<unknown>): Promise<ChannelClosedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelClosedError);
    return error as ChannelClosedError;
  }
  throw new Error('expected ChannelClosedError');
}

const REASON = new Error('upstream failed');

describe.each(Object.entries(kinds))('%s', (_label, kind) => {
  for (const reason of [undefined, REASON]) {
    const why = reason === undefined ? 'closed normally' : 'closed with a reason';

    test(`pull() drains every value in order, then rejects (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      for (let i = 0; i < VALUES.length; i++) got.push(await channel.pull());
      expectAll(got);
      const error = await closedError(channel.pull());
      expect(error.cause).toBe(reason);
      expectQuiet(channel, upstream);
    });

    test(`pullMany(2) drains every value in order, then rejects (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      while (got.length < VALUES.length) {
        const batch = await channel.pullMany(2);
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(2);
        got.push(...batch);
      }
      expectAll(got);
      const error = await closedError(channel.pullMany(2));
      expect(error.cause).toBe(reason);
      expectQuiet(channel, upstream);
    });

    if (kind.lazy) {
      test(`pullNowait(), tryPull() and selectNowait() are offered nothing and take nothing; pulls then get every value (${why})`, async () => {
        const { channel, upstream } = kind.make(reason);
        for (let spins = 0; spins < 5; spins++) {
          expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
          expect(channel.tryPull()).toBeUndefined();
          expect(selectNowait([pull(channel)])).toBeUndefined();
          await sleep();
        }
        const got: unknown[] = [];
        let failure: unknown;
        try {
          for await (const value of channel) got.push(value);
        } catch (error) {
          failure = error;
        }
        expectAll(got);
        expect(failure).toBe(reason);
        expectQuiet(channel, upstream);
      });
    }

    if (!kind.lazy)
      test(`pullNowait() and tryPull() polled between turns drain every value (${why})`, async () => {
        const { channel, upstream } = kind.make(reason);
        const got: unknown[] = [];
        let useTry = false;
        for (let spins = 0; spins < 1000 && got.length < VALUES.length; spins++) {
          if (useTry) {
            // tryPull cannot tell `undefined` from "nothing": the values contain no undefined.
            const before = channel.size;
            const v = channel.tryPull();
            if (v !== undefined || before > 0) {
              got.push(v);
              useTry = !useTry;
              continue;
            }
          } else {
            try {
              got.push(channel.pullNowait());
              useTry = !useTry;
              continue;
            } catch (error) {
              expect(error).toBeInstanceOf(ChannelEmptyError);
            }
          }
          await sleep();
        }
        expectAll(got);
        for (let spins = 0; spins < 100 && !channel.closed; spins++) await sleep();
        let error: unknown;
        try {
          channel.pullNowait();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ChannelClosedError);
        expect((error as ChannelClosedError).cause).toBe(reason);
        expect(channel.tryPull()).toBeUndefined();
        expectQuiet(channel, upstream);
      });

    test(`for await ends ${reason === undefined ? 'normally' : 'by throwing the reason'} after every value`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      let thrown: unknown;
      try {
        for await (const v of channel) got.push(v);
      } catch (error) {
        thrown = error;
      }
      expectAll(got);
      expect(thrown).toBe(reason);
      expectQuiet(channel, upstream);
    });

    test(`two iterators at once share the values, each exactly once (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const run = async () => {
        const got: unknown[] = [];
        try {
          for await (const v of channel) {
            got.push(v);
            await sleep();
          }
        } catch (error) {
          expect(error).toBe(reason);
        }
        return got;
      };
      const [a, b] = await Promise.all([run(), run()]);
      expectAll([...a, ...b].sort((x, y) => VALUES.indexOf(x as V) - VALUES.indexOf(y as V)));
      expectQuiet(channel, upstream);
    });

    test(`leaving a for await early loses nothing: a second loop gets the rest (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      for await (const v of channel) {
        got.push(v);
        if (got.length === 2) break;
      }
      const iterator = channel[Symbol.asyncIterator]();
      const step = await iterator.next();
      expect(step.done).toBe(false);
      got.push(step.value);
      expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
      try {
        for await (const v of channel) got.push(v);
      } catch (error) {
        expect(error).toBe(reason);
      }
      expectAll(got);
      expectQuiet(channel, upstream);
    });

    test(`select([pull(ch)]) reads every value, then ok: false once closed and drained (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      for (;;) {
        const r = await select([pull(channel)]);
        expect(r.index).toBe(0);
        expect(r.channel).toBe(channel);
        if (!r.ok) {
          expect(r.value).toBeUndefined();
          break;
        }
        got.push(r.value);
      }
      expectAll(got);
      expectQuiet(channel, upstream);
    });

    test(`a select with two pull cases on the same channel takes each value once (${why})`, async () => {
      const { channel, upstream } = kind.make(reason);
      const got: unknown[] = [];
      const cases = [pull(channel), pull(channel)] as const;
      for (;;) {
        const r = await select(cases);
        if (!r.ok) break;
        got.push(r.value);
      }
      expectAll(got);
      expectQuiet(channel, upstream);
    });

    if (!kind.lazy)
      test(`selectNowait polled between turns reads every value (${why})`, async () => {
        const { channel, upstream } = kind.make(reason);
        const got: unknown[] = [];
        for (let spins = 0; spins < 1000; spins++) {
          const r = selectNowait([pull(channel)]);
          if (r === undefined) {
            await sleep();
            continue;
          }
          if (!r.ok) break;
          got.push(r.value);
        }
        expectAll(got);
        expectQuiet(channel, upstream);
      });

    test(`toReadableStream reads every value, then ${reason === undefined ? 'closes' : 'errors with the reason'}`, async () => {
      const { channel, upstream } = kind.make(reason);
      const reader = toReadableStream(channel).getReader();
      const got: unknown[] = [];
      let failure: unknown;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          got.push(value);
        }
      } catch (error) {
        failure = error;
      }
      expectAll(got);
      expect(failure).toBe(reason);
      expectQuiet(channel, upstream);
    });
  }

  test('pulls aborted at every point (at once, a microtask later, a timer later) lose no value and leave nothing parked', async () => {
    const { channel, upstream } = kind.make();
    const got: unknown[] = [];
    const reason = new Error('stop');
    for (let round = 0; round < 12 && !(channel.closed && channel.empty); round++) {
      const controller = new AbortController();
      const pending = channel.pull({ signal: controller.signal });
      if (round % 3 === 1) await Promise.resolve();
      if (round % 3 === 2) await sleep();
      controller.abort(reason);
      try {
        got.push(await pending);
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) expect(error).toBe(reason);
      }
    }
    for await (const v of channel) got.push(v);
    expectAll(got);
    expectQuiet(channel, upstream);
  });

  test('await using closes it at the end of the block', async () => {
    let kept: Channel<V> | undefined;
    {
      await using channel = kind.make().channel;
      kept = channel;
      await channel.pull();
    }
    expect(kept.closed).toBe(true);
    await flush();
  });
});
