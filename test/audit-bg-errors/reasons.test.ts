/**
 * Audit BG-errors, close(reason) with reasons of every kind. SPEC: "`for await` … throws `reason`
 * after `close(reason)` with a reason other than `undefined`"; pull rejects with
 * `ChannelClosedError` "whose `cause` is the reason given to `close(reason)`, if any". README
 * Semantic details: "Any reason other than `undefined` is a reason: after `close(null)` (or `0`,
 * `false`, `''`) `for await` throws that value and `ChannelClosedError`s carry it as `cause`."
 * And for the helpers: toReadableStream "errors with the close reason", merge closes "at once with
 * an input's close reason", broadcast subscribers are closed "with the same reason", `from`
 * "close(error) when it throws".
 */
import { describe, expect, it } from 'vitest';
import {
  broadcast,
  Channel,
  type ChannelError,
  from,
  merge,
  pull,
  push,
  select,
  toReadableStream,
} from '../../dist/index.js';
import {
  boxed,
  expectChannelError,
  iterationEnd,
  reasonKinds,
  rejection,
  settle,
  settledRejection,
  thenableReasons,
  thrown,
} from './helpers.js';

describe.each(reasonKinds())('close(reason) with %s', (_label, reason) => {
  const cause = { value: reason };

  it('(holds) a parked pull rejects with ChannelClosedError carrying the reason as cause (same value)', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const parked = ch.pull();
    ch.close(reason);
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: ch,
      cause,
    });
  });

  it('(holds) a parked push rejects with ChannelClosedError carrying the cause', async () => {
    const ch = new Channel<number>(0);
    const parked = ch.push(1);
    ch.close(reason);
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'push',
      problem: 'is closed',
      channel: ch,
      cause,
    });
  });

  it('(holds) pushNowait, pullNowait, push, pull, pullMany, pushAll after the close carry the cause', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    ch.close(reason);
    for (const [operation, call] of [
      ['pushNowait', () => ch.pushNowait(1)],
      ['pullNowait', () => ch.pullNowait()],
    ] as const) {
      expectChannelError(thrown(call), {
        type: 'ChannelClosedError',
        operation,
        problem: 'is closed',
        channel: ch,
        cause,
      });
    }
    for (const [operation, call] of [
      ['push', () => ch.push(1)],
      ['pull', () => ch.pull()],
      ['pullMany', () => ch.pullMany(2)],
      ['pushAll', () => ch.pushAll([1])],
      ['select push', () => select([push(ch, 1)])],
    ] as const) {
      expectChannelError(await rejection(call), {
        type: 'ChannelClosedError',
        operation,
        problem: 'is closed',
        channel: ch,
        cause,
      });
    }
  });

  it('(holds) a parked select push case rejects with ChannelClosedError naming select push, with the cause', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const other = new Channel<number>(0);
    const parked = select([pull(other), push(ch, 1)]);
    await settle();
    ch.close(reason);
    expectChannelError(await settledRejection(parked), {
      type: 'ChannelClosedError',
      operation: 'select push',
      problem: 'is closed',
      channel: ch,
      cause,
    });
  });

  it('(holds) a select pull case on the closed channel fires with ok:false (no error, no reason)', async () => {
    const ch = new Channel<number>(0);
    ch.close(reason);
    const result = await select([pull(ch)]);
    expect(result).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  it('(holds) for await yields the buffered values then throws the reason itself', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close(reason);
    const end = await iterationEnd(ch);
    expect(end.values).toEqual([1]);
    expect(end.threw).toBe(true);
    expect(end.threw && Object.is(end.error, reason)).toBe(true);
  });

  it('(holds) pushAll stopped part-way by close(reason) carries pushed and the cause', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    const pending = ch.pushAll([1, 2, 3]);
    await settle();
    ch.close(reason);
    const error = (await settledRejection(pending)) as ChannelError;
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'pushAll',
      problem: 'is closed',
      channel: ch,
      cause,
    });
    expect(error.pushed).toBe(1);
  });

  it('(holds) toReadableStream: a read after close(reason) rejects with the reason itself', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close(reason);
    const reader = toReadableStream(ch).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    const error = await settledRejection(reader.read());
    expect(Object.is(error, reason)).toBe(true);
  });

  it('(holds) toReadableStream: a pending read when close(reason) comes rejects with the reason', async () => {
    const ch = new Channel<number>(0);
    const reader = toReadableStream(ch).getReader();
    const read = reader.read();
    await settle();
    ch.close(reason);
    expect(Object.is(await settledRejection(read), reason)).toBe(true);
  });

  it('(holds) merge: an input closed with the reason closes the merged channel with it at once', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    a.close(reason);
    expect(merged.closed).toBe(true);
    expectChannelError(await rejection(() => merged.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: merged,
      cause,
    });
    const end = await iterationEnd(merged);
    expect(end.threw && Object.is(end.error, reason)).toBe(true);
    b.close();
  });

  it('(holds) broadcast: a source closed with the reason closes each subscriber with it', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 3 });
    await settle();
    source.close(reason);
    await settle();
    for (const sub of [s1, s2]) {
      expectChannelError(await rejection(() => sub.pull()), {
        type: 'ChannelClosedError',
        operation: 'pull',
        problem: 'is closed',
        channel: sub,
        cause,
      });
    }
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expectChannelError(await rejection(() => late.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: late,
      cause,
    });
  });
});

describe('from: a source that fails closes the channel with its error as the reason', () => {
  const failures: [string, unknown][] = [
    ['an Error', new Error('boom')],
    ['a non-Error object', { code: 7 }],
    ['a string', 'nope'],
    ['null', null],
    ['0', 0],
    ['a DOMException', new DOMException('gone', 'NetworkError')],
  ];
  for (const [what, failure] of failures) {
    it(`(holds) a sync generator throwing ${what}: for await throws it; a later pull's cause is it`, async () => {
      function* source() {
        yield 1;
        throw failure;
      }
      const ch = from(source());
      const end = await iterationEnd(ch);
      expect(end.values).toEqual([1]);
      expect(end.threw && Object.is(end.error, failure)).toBe(true);
      expectChannelError(await rejection(() => ch.pull()), {
        type: 'ChannelClosedError',
        operation: 'pull',
        problem: 'is closed',
        channel: ch,
        cause: { value: failure },
      });
      expect(ch.name).toBe('from');
    });

    it(`(holds) an async generator throwing ${what} closes the from channel (named by option) with it`, async () => {
      async function* source() {
        yield 1;
        throw failure;
      }
      const ch = from(source(), { name: 'lines' });
      const end = await iterationEnd(ch);
      expect(end.threw && Object.is(end.error, failure)).toBe(true);
      expectChannelError(await rejection(() => ch.pull()), {
        type: 'ChannelClosedError',
        operation: 'pull',
        problem: 'is closed',
        channel: ch,
        cause: { value: failure },
      });
    });

    it(`(holds) a ReadableStream errored with ${what} closes the from channel with it`, async () => {
      const stream = new ReadableStream<number>({
        start(controller) {
          controller.enqueue(1);
          controller.error(failure);
        },
      });
      const end = await iterationEnd(from(stream));
      expect(end.threw && Object.is(end.error, failure)).toBe(true);
    });
  }

  it('(holds) a source that throws undefined closes the channel with an Error saying so (documented; audit AU-3)', async () => {
    function* source() {
      yield 1;
      throw undefined;
    }
    const ch = from(source());
    const end = await iterationEnd(ch);
    expect(end).toMatchObject({ values: [1], threw: true });
    expect((end as { error: Error }).error.message).toBe('from(source): the source failed with undefined');
    const error = await rejection(() => ch.pull());
    expect((error as Error & { cause: Error }).cause.message).toMatch(/failed with undefined/);
  });
});

describe('close(undefined) is no reason', () => {
  it('(holds) close(undefined): no cause on errors, for await ends, the stream closes normally', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    ch.pushNowait(1);
    ch.close(undefined);
    const reader = toReadableStream(ch).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expectChannelError(await rejection(() => ch.pull()), {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: ch,
      cause: 'none',
    });
    expect(await iterationEnd(ch)).toEqual({ values: [], threw: false });
  });
});

describe('close(reason) with a thenable reason: the reason is kept as is, never adopted', () => {
  for (const [what, make] of thenableReasons()) {
    it(`(holds) ${what}: a parked pull's ChannelClosedError has it as cause`, async () => {
      const reason = make();
      const ch = new Channel<number>(0, { name: 'jobs' });
      const parked = ch.pull();
      ch.close(reason);
      const box = await boxed(parked);
      expect(box.how).toBe('reject');
      expect(box.how === 'reject' && (box.error as Error).cause).toBe(reason);
    });

    it(`(holds) ${what}: for await throws it, next() by hand rejects with it`, async () => {
      const reason = make();
      const ch = new Channel<number>(0);
      ch.close(reason);
      const end = await iterationEnd(ch);
      expect(end.threw && end.error).toBe(reason);
      const box = await boxed(ch[Symbol.asyncIterator]().next());
      expect(box).toEqual({ how: 'reject', error: reason });
    });

    it(`(holds) ${what}: toReadableStream errors with it`, async () => {
      const reason = make();
      const ch = new Channel<number>(0);
      const reader = toReadableStream(ch).getReader();
      const read = reader.read();
      ch.close(reason);
      const box = await boxed(read);
      expect(box.how).toBe('reject');
      expect(box.how === 'reject' && box.error).toBe(reason);
    });

    it(`(holds) ${what}: merge and broadcast pass it on as cause`, async () => {
      const reason = make();
      const input = new Channel<number>(0);
      const merged = merge(input);
      const source = new Channel<number>(0);
      const sub = broadcast(source).subscribe();
      const parked = [merged.pull(), sub.pull()];
      await settle();
      input.close(reason);
      source.close(reason);
      for (const box of await Promise.all(parked.map((p) => boxed(p)))) {
        expect(box.how === 'reject' && (box.error as Error).cause).toBe(reason);
      }
    });
  }
});
