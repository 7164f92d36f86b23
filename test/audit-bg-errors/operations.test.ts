/**
 * Audit BG-errors, every operation of a channel: which error class, the exact message (README
 * Reference "### Errors": `operation: channel "name" problem`), `channel`, `cause`; at the call
 * and while parked; for an unnamed and a named channel. README Semantic details, "Which operation
 * an error names: the call the user made. A `pushAll` or `pullMany` names itself … whether it
 * finds the channel closed at the call or is failed by `close()` while it waits … A select's push
 * case names `select push`, whether its channel was closed at the call or while the select waited."
 */
import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError, type ChannelError, pull, push, select, selectNowait } from '../../dist/index.js';
import { expectChannelError, iterationEnd, rejection, settle, settledRejection, thrown } from './helpers.js';

const NAMES = [undefined, 'jobs'] as const;
const opts = (name: string | undefined) => (name === undefined ? {} : { name });
const label = (name: string | undefined) => (name === undefined ? 'unnamed' : `named "${name}"`);

describe.each(NAMES)('a channel %s', (name) => {
  const CLOSE_REASON = new Error('closed for the test');
  describe(`(${label(name)}) closed at the call`, () => {
    const cases: [string, (ch: Channel<number>) => Promise<unknown>, string][] = [
      ['push', (ch) => ch.push(1), 'push'],
      ['pull', (ch) => ch.pull(), 'pull'],
      ['pullMany', (ch) => ch.pullMany(3), 'pullMany'],
      ['pushAll', (ch) => ch.pushAll([1, 2]), 'pushAll'],
      ['select push case', (ch) => select([push(ch, 1)]), 'select push'],
    ];
    for (const [what, call, operation] of cases) {
      it(`(holds) ${what} rejects (not throws) with ChannelClosedError naming "${operation}", cause = reason`, async () => {
        const ch = new Channel<number>(1, opts(name));
        ch.close(CLOSE_REASON);
        const error = await rejection(() => call(ch));
        expectChannelError(error, {
          type: 'ChannelClosedError',
          operation,
          problem: 'is closed',
          channel: ch,
          cause: { value: CLOSE_REASON },
        });
      });
      it(`(holds) ${what} after close() with no reason: ChannelClosedError without cause`, async () => {
        const ch = new Channel<number>(1, opts(name));
        ch.close();
        const error = await rejection(() => call(ch));
        expectChannelError(error, {
          type: 'ChannelClosedError',
          operation,
          problem: 'is closed',
          channel: ch,
          cause: 'none',
        });
      });
    }

    it('(holds) pushAll at the call carries pushed: 0', async () => {
      const ch = new Channel<number>(1, opts(name));
      ch.close();
      const error = (await rejection(() => ch.pushAll([1]))) as ChannelError;
      expect(error.pushed).toBe(0);
    });

    it('(holds) pushNowait and pullNowait throw ChannelClosedError naming themselves, with the cause', () => {
      const ch = new Channel<number>(1, opts(name));
      ch.close(CLOSE_REASON);
      for (const [operation, call] of [
        ['pushNowait', () => ch.pushNowait(1)],
        ['pullNowait', () => ch.pullNowait()],
      ] as const) {
        expectChannelError(thrown(call), {
          type: 'ChannelClosedError',
          operation,
          problem: 'is closed',
          channel: ch,
          cause: { value: CLOSE_REASON },
        });
      }
    });

    it('(holds) selectNowait with a push case throws ChannelClosedError naming a select push, with the cause', () => {
      const ch = new Channel<number>(1, opts(name));
      ch.close(CLOSE_REASON);
      const error = thrown(() => selectNowait([push(ch, 1)])) as ChannelError;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(
        ['select push', 'selectNowait push'].map((op) =>
          name === undefined ? `${op}: channel is closed` : `${op}: channel "${name}" is closed`,
        ),
      ).toContain(error.message);
      expect(error.channel).toBe(ch);
      expect(error.cause).toBe(CLOSE_REASON);
    });

    it('(holds) a select with a push case on a closed channel and a ready pull case still rejects (deterministic)', async () => {
      const ch = new Channel<number>(1, opts(name));
      ch.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(7);
      for (let i = 0; i < 20; i++) {
        const error = await rejection(() => select([pull(ready), push(ch, 1)]));
        expectChannelError(error, {
          type: 'ChannelClosedError',
          operation: 'select push',
          problem: 'is closed',
          channel: ch,
        });
      }
      expect(ready.size).toBe(1);
    });

    it('(holds) pullNowait on a closed channel with values returns them; the error comes only once drained', () => {
      const ch = new Channel<number>(2, opts(name));
      ch.pushNowait(1);
      ch.close(CLOSE_REASON);
      expect(ch.pullNowait()).toBe(1);
      expectChannelError(
        thrown(() => ch.pullNowait()),
        {
          type: 'ChannelClosedError',
          operation: 'pullNowait',
          problem: 'is closed',
          channel: ch,
          cause: { value: CLOSE_REASON },
        },
      );
    });
  });

  describe(`(${label(name)}) closed while parked`, () => {
    const parkedCases: [string, (ch: Channel<number>) => Promise<unknown>, string, number][] = [
      ['push on an unbuffered channel', (ch) => ch.push(1), 'push', 0],
      [
        'push on a full buffer',
        (ch) => {
          ch.pushNowait(0);
          return ch.push(1);
        },
        'push',
        1,
      ],
      ['pull', (ch) => ch.pull(), 'pull', 1],
      ['pullMany', (ch) => ch.pullMany(3), 'pullMany', 1],
      ['pushAll (nothing committed)', (ch) => ch.pushAll([1, 2]), 'pushAll', 0],
      ['pushAll (part-way)', (ch) => ch.pushAll([1, 2, 3]), 'pushAll', 1],
      ['select push case', (ch) => select([push(ch, 1)]), 'select push', 0],
      ['select push + pull case on the same channel', (ch) => select([push(ch, 1), pull(ch)]), 'select push', 0],
    ];
    for (const [what, call, operation, capacity] of parkedCases) {
      it(`(holds) ${what}: ChannelClosedError naming "${operation}", channel, cause`, async () => {
        const ch = new Channel<number>(capacity, opts(name));
        const pending = call(ch);
        await settle();
        ch.close(CLOSE_REASON);
        const error = await settledRejection(pending);
        expectChannelError(error, {
          type: 'ChannelClosedError',
          operation,
          problem: 'is closed',
          channel: ch,
          cause: { value: CLOSE_REASON },
        });
      });
    }

    it('(holds) pushAll failed part-way by close() carries pushed = values committed', async () => {
      const ch = new Channel<number>(2, opts(name));
      const pending = ch.pushAll([1, 2, 3, 4]);
      await settle();
      ch.close();
      const error = (await settledRejection(pending)) as ChannelError;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.pushed).toBe(2);
    });

    it('(holds) several parked pulls each get an error of their own (distinct objects, same shape)', async () => {
      const ch = new Channel<number>(0, opts(name));
      const a = ch.pull();
      const b = ch.pull();
      ch.close(CLOSE_REASON);
      const [ea, eb] = await Promise.all([settledRejection(a), settledRejection(b)]);
      expect(ea).not.toBe(eb);
      for (const e of [ea, eb]) {
        expectChannelError(e, {
          type: 'ChannelClosedError',
          operation: 'pull',
          problem: 'is closed',
          channel: ch,
          cause: { value: CLOSE_REASON },
        });
      }
    });
  });

  describe(`(${label(name)}) full and empty`, () => {
    it('(holds) pushNowait on a full buffer / unbuffered without puller: ChannelFullError naming pushNowait', () => {
      for (const capacity of [0, 1]) {
        const ch = new Channel<number>(capacity, opts(name));
        if (capacity) ch.pushNowait(0);
        expectChannelError(
          thrown(() => ch.pushNowait(1)),
          {
            type: 'ChannelFullError',
            operation: 'pushNowait',
            problem: 'is full',
            channel: ch,
            cause: 'none',
          },
        );
      }
    });

    it('(holds) pullNowait on an empty buffer / unbuffered without pusher: ChannelEmptyError naming pullNowait', () => {
      for (const capacity of [0, 1, Number.POSITIVE_INFINITY]) {
        const ch = new Channel<number>(capacity, opts(name));
        expectChannelError(
          thrown(() => ch.pullNowait()),
          {
            type: 'ChannelEmptyError',
            operation: 'pullNowait',
            problem: 'is empty',
            channel: ch,
            cause: 'none',
          },
        );
      }
    });

    it('(holds) tryPush / tryPull never throw on full, empty, closed, closed-with-reason channels', () => {
      const reasons: unknown[] = [undefined, null, 0, new Error('x'), new DOMException('a', 'AbortError')];
      for (const capacity of [0, 1]) {
        for (const reason of reasons) {
          const ch = new Channel<number>(capacity, opts(name));
          if (capacity) ch.pushNowait(0);
          expect(ch.tryPush(1)).toBe(false); // full
          if (capacity) expect(ch.tryPull()).toBe(0);
          expect(ch.tryPull()).toBeUndefined(); // empty
          ch.close(reason);
          expect(ch.tryPush(1)).toBe(false); // closed
          expect(ch.tryPull()).toBeUndefined(); // closed and drained
        }
      }
    });

    it('(holds) selectNowait never throws for full/empty: it returns undefined', () => {
      const ch = new Channel<number>(0, opts(name));
      expect(selectNowait([push(ch, 1), pull(ch)])).toBeUndefined();
    });
  });

  describe(`(${label(name)}) iteration`, () => {
    it('(holds) for await ends normally after close()', async () => {
      const ch = new Channel<number>(2, opts(name));
      ch.pushNowait(1);
      ch.close();
      expect(await iterationEnd(ch)).toEqual({ values: [1], threw: false });
    });

    it('(holds) for await throws the reason itself (same object, not a ChannelClosedError) after close(reason)', async () => {
      const ch = new Channel<number>(2, opts(name));
      ch.pushNowait(1);
      ch.close(CLOSE_REASON);
      const end = await iterationEnd(ch);
      expect(end.values).toEqual([1]);
      expect(end.threw && end.error).toBe(CLOSE_REASON);
    });

    it('(holds) a parked for await throws the reason when the channel is closed under it', async () => {
      const ch = new Channel<number>(0, opts(name));
      const ended = iterationEnd(ch);
      await settle();
      ch.close(CLOSE_REASON);
      const end = await ended;
      expect(end.threw && end.error).toBe(CLOSE_REASON);
    });

    it('(holds) a second loop over the same closed channel throws the reason again', async () => {
      const ch = new Channel<number>(0, opts(name));
      ch.close(CLOSE_REASON);
      const first = await iterationEnd(ch);
      const second = await iterationEnd(ch);
      expect(first.threw && first.error).toBe(CLOSE_REASON);
      expect(second.threw && second.error).toBe(CLOSE_REASON);
    });

    it('(holds) next() called by hand after close(reason) rejects with the reason; after close() resolves done', async () => {
      const a = new Channel<number>(0, opts(name));
      a.close(CLOSE_REASON);
      await expect(a[Symbol.asyncIterator]().next()).rejects.toBe(CLOSE_REASON);
      const b = new Channel<number>(0, opts(name));
      b.close();
      await expect(b[Symbol.asyncIterator]().next()).resolves.toEqual({ done: true, value: undefined });
    });
  });
});

describe('close(reason): idempotent, the first reason counts', () => {
  it('(holds) a later close(other) does not change the cause', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const first = new Error('first');
    ch.close(first);
    ch.close(new Error('second'));
    const error = (await rejection(() => ch.pull())) as Error;
    expect(error.cause).toBe(first);
  });

  it('(holds) close() then close(reason): still no cause (the first call counts)', async () => {
    const ch = new Channel<number>(0);
    ch.close();
    ch.close(new Error('late'));
    const error = (await rejection(() => ch.pull())) as Error;
    expect('cause' in error).toBe(false);
    expect(await iterationEnd(ch)).toEqual({ values: [], threw: false });
  });

  it('(holds) close() never throws, whatever the reason', () => {
    for (const reason of [undefined, null, 0, '', Symbol('s'), new Error('e'), { a: 1 }]) {
      const ch = new Channel<number>(0, { name: 'x' });
      void ch.pull().catch(() => {});
      void ch.push(1).catch(() => {});
      expect(() => ch.close(reason)).not.toThrow();
    }
  });
});

describe('names that are unusual', () => {
  it('(documents) the message for name "" (an empty name)', () => {
    const ch = new Channel<number>(0, { name: '' });
    const error = thrown(() => ch.pushNowait(1)) as Error;
    // "its name, if any": '' is a name that was given. Either reading is defensible; record it.
    expect(['pushNowait: channel "" is full', 'pushNowait: channel is full']).toContain(error.message);
  });

  it('(holds) a name with a quote or newline is printed so the message stays one line and unambiguous', () => {
    const ch = new Channel<number>(0, { name: 'a"b\nc' });
    const error = thrown(() => ch.pushNowait(1)) as Error;
    expect(error.message.startsWith('pushNowait: channel ')).toBe(true);
    expect(error.message.endsWith(' is full')).toBe(true);
    expect(error.message).toContain('a');
  });
});

describe('select: which closed push case the error names', () => {
  it('(holds) a closed pull case (ready with ok:false) does not pre-empt a closed push case: the select rejects', async () => {
    const drained = new Channel<number>(0, { name: 'drained' });
    drained.close();
    const out = new Channel<number>(0, { name: 'out' });
    out.close();
    for (let i = 0; i < 30; i++) {
      const error = await rejection(() => select([pull(drained), push(out, 1)]));
      expectChannelError(error, {
        type: 'ChannelClosedError',
        operation: 'select push',
        problem: 'is closed',
        channel: out,
      });
      expectChannelError(
        thrown(() => selectNowait([pull(drained), push(out, 1)])),
        {
          type: 'ChannelClosedError',
          operation: 'selectNowait push',
          problem: 'is closed',
          channel: out,
        },
      );
    }
  });

  it('(holds) two closed push cases: the error names the same one every time (deterministic)', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    a.close(new Error('a'));
    b.close(new Error('b'));
    const named = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      const error = (await rejection(() => select([push(a, 1), push(b, 2)]))) as ChannelError;
      named.add(error.channel);
    }
    expect(named.size).toBe(1);
  });

  it('(holds) a parked select with push cases on two channels: closing one names that one', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const pending = select([push(a, 1), push(b, 2)]);
    await settle();
    const reason = new Error('b down');
    b.close(reason);
    expectChannelError(await settledRejection(pending), {
      type: 'ChannelClosedError',
      operation: 'select push',
      problem: 'is closed',
      channel: b,
      cause: { value: reason },
    });
    expect(a.stats().waitingPushers).toBe(0);
  });

  it('(holds) a parked select with only pull cases: closing a channel fires ok:false, the reason is not thrown', async () => {
    const a = new Channel<number>(0);
    const pending = select([pull(a), pull(new Channel<number>())]);
    await settle();
    a.close(new Error('a down'));
    expect(await pending).toMatchObject({ index: 0, ok: false, value: undefined });
  });
});

describe('iterator return() and a later close(reason)', () => {
  it('(holds) a next() withdrawn by return() resolves done even when close(reason) follows (Reference, asyncIterator)', async () => {
    const ch = new Channel<number>(0);
    const iterator = ch[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return?.();
    ch.close(new Error('late'));
    await expect(pending).resolves.toMatchObject({ done: true });
  });
});
