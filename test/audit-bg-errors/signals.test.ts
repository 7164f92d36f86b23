/**
 * Audit BG-errors, signal.reason. SPEC: push/pull "Rejects with `signal.reason` if the signal is
 * aborted before the commit (or already aborted: that check comes first, even on a closed
 * channel)"; select: "An aborted signal makes it reject with `signal.reason`"; pullMany "Rejects
 * like `pull`"; pushAll "rejects with that error and the error's `pushed` property (a number)
 * says how many values were committed". The same object, not a copy, where it says "rejects with
 * signal.reason"; `abort()` with no reason gives a DOMException AbortError.
 */
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelError,
  from,
  fromEvent,
  pull,
  push,
  select,
  ticker,
} from '../../dist/index.js';
import { boxed, rejection, settle, settledRejection, thenableReasons } from './helpers.js';

type Op = [string, (ch: Channel<number>, signal: AbortSignal) => Promise<unknown>];
const OPS: Op[] = [
  ['push', (ch, signal) => ch.push(1, { signal })],
  ['pull', (ch, signal) => ch.pull({ signal })],
  ['pullMany', (ch, signal) => ch.pullMany(2, { signal })],
  ['pushAll', (ch, signal) => ch.pushAll([1, 2], { signal })],
  ['select pull', (ch, signal) => select([pull(ch)], { signal })],
  ['select push', (ch, signal) => select([push(ch, 1)], { signal })],
];

const REASONS: [string, () => unknown][] = [
  ['an Error', () => new Error('user left')],
  ['a non-Error object', () => ({ why: 'navigated' })],
  ['a DOMException TimeoutError', () => new DOMException('late', 'TimeoutError')],
  ['a string', () => 'stop'],
  ['0', () => 0],
  ['null', () => null],
];

describe.each(OPS)('%s with a signal', (_what, call) => {
  for (const [what, make] of REASONS) {
    it(`(holds) already aborted with ${what}: rejects with signal.reason itself, also on a closed channel`, async () => {
      for (const closed of [false, true]) {
        const reason = make();
        const ch = new Channel<number>(0, { name: 'jobs' });
        if (closed) ch.close(new Error('closed'));
        const error = await rejection(() => call(ch, AbortSignal.abort(reason)));
        expect(Object.is(error, reason)).toBe(true);
      }
    });

    it(`(holds) aborted while parked with ${what}: rejects with signal.reason itself`, async () => {
      const reason = make();
      const ch = new Channel<number>(0, { name: 'jobs' });
      const controller = new AbortController();
      const pending = call(ch, controller.signal);
      await settle();
      controller.abort(reason);
      expect(Object.is(await settledRejection(pending), reason)).toBe(true);
      expect(ch.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    });
  }

  it('(holds) abort() with no reason: a DOMException named AbortError (already aborted and while parked)', async () => {
    const ch = new Channel<number>(0);
    const controller = new AbortController();
    controller.abort();
    const atCall = (await rejection(() => call(ch, controller.signal))) as DOMException;
    expect(atCall).toBeInstanceOf(DOMException);
    expect(atCall.name).toBe('AbortError');
    expect(atCall).toBe(controller.signal.reason);

    const later = new AbortController();
    const pending = call(ch, later.signal);
    await settle();
    later.abort();
    const parked = (await settledRejection(pending)) as DOMException;
    expect(parked.name).toBe('AbortError');
    expect(parked).toBe(later.signal.reason);
  });

  it('(holds) AbortSignal.timeout: rejects with its TimeoutError DOMException, the same object', async () => {
    const ch = new Channel<number>(0);
    const signal = AbortSignal.timeout(5);
    const pending = call(ch, signal);
    const error = await pending.catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(error).toBe(signal.reason);
  });
});

describe('one reason shared by several operations', () => {
  it('(holds) one controller aborting pulls on two channels rejects each with the same reason object', async () => {
    const reason = new Error('shutdown');
    const controller = new AbortController();
    const a = new Channel<number>(0).pull({ signal: controller.signal });
    const b = new Channel<number>(0).push(1, { signal: controller.signal });
    const c = select([pull(new Channel<number>())], { signal: controller.signal });
    await settle();
    controller.abort(reason);
    const errors = await Promise.all([a, b, c].map((p) => settledRejection(p)));
    for (const error of errors) expect(error).toBe(reason);
  });
});

describe('pushAll and pushed', () => {
  it('(holds) already aborted: rejects with the reason itself, which says pushed: 0', async () => {
    const reason = new Error('stop');
    const error = (await rejection(() =>
      new Channel<number>(4).pushAll([1, 2], { signal: AbortSignal.abort(reason) }),
    )) as Error & { pushed?: number };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
  });

  it('(holds) aborted part-way: the reason itself with pushed = committed count', async () => {
    const reason = new Error('stop');
    const ch = new Channel<number>(2);
    const controller = new AbortController();
    const pending = ch.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await settle();
    controller.abort(reason);
    const error = (await settledRejection(pending)) as Error & { pushed?: number };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(2);
  });

  it('(holds) aborted part-way with no reason: the DOMException AbortError, carrying pushed', async () => {
    const ch = new Channel<number>(1);
    const controller = new AbortController();
    const pending = ch.pushAll([1, 2, 3], { signal: controller.signal });
    await settle();
    controller.abort();
    const error = (await settledRejection(pending)) as DOMException & { pushed?: number };
    expect(error.name).toBe('AbortError');
    expect(error).toBeInstanceOf(DOMException);
    expect(error.pushed).toBe(1);
  });

  it('(holds) a primitive reason is rejected as is (cannot carry pushed)', async () => {
    const ch = new Channel<number>(1);
    const controller = new AbortController();
    const pending = ch.pushAll([1, 2, 3], { signal: controller.signal });
    await settle();
    controller.abort('plain');
    expect(await settledRejection(pending)).toBe('plain');
  });

  it('(holds) one reason stopping two pushAll calls with different counts: the second gets a copy with its own pushed and the reason as cause', async () => {
    const reason = new Error('component unmounted');
    const controller = new AbortController();
    const a = new Channel<number>(1, { name: 'a' });
    const b = new Channel<number>(2, { name: 'b' });
    const pa = a.pushAll([1, 2, 3], { signal: controller.signal });
    const pb = b.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await settle();
    controller.abort(reason);
    const [ea, eb] = (await Promise.all([settledRejection(pa), settledRejection(pb)])) as (Error & {
      pushed?: number;
    })[];
    const counts = new Set([ea!.pushed, eb!.pushed]);
    expect(counts).toEqual(new Set([1, 2]));
    const own = ea === reason ? eb! : ea!;
    const first = ea === reason ? ea! : eb!;
    expect(first).toBe(reason);
    expect(own).not.toBe(reason);
    expect(own.cause).toBe(reason);
    expect(own).toBeInstanceOf(ChannelError);
    expect(own.name).toBe('ChannelError');
    expect((own as ChannelError).channel).toBe(own.pushed === 1 ? a : b);
  });

  it('the copy a second pushAll gets names its (named) channel, its count and its reason (audit BW: was "stopped part-way")', async () => {
    const reason = new Error('component unmounted');
    const controller = new AbortController();
    const a = new Channel<number>(1, { name: 'a' });
    const b = new Channel<number>(2, { name: 'b' });
    const pa = a.pushAll([1, 2, 3], { signal: controller.signal });
    const pb = b.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await settle();
    controller.abort(reason);
    const errors = (await Promise.all([settledRejection(pa), settledRejection(pb)])) as Error[];
    const own = errors.find((e) => e !== reason) as ChannelError;
    // Reference "### Errors": "a message of the form `operation: channel "name" problem`";
    // SPEC "a message that names the channel (its `name`, if any)".
    const name = own.channel.name;
    const { pushed } = own as ChannelError & { pushed: number };
    expect(own.message).toBe(
      `pushAll: channel "${name}" took ${pushed} of its values before the call stopped: component unmounted`,
    );
  });

  it('(holds) one DOMException reason stopping two pushAll calls: the copy is a DOMException AbortError with pushed and cause', async () => {
    const controller = new AbortController();
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const pa = a.pushAll([1, 2, 3], { signal: controller.signal });
    const pb = b.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await settle();
    controller.abort();
    const errors = (await Promise.all([settledRejection(pa), settledRejection(pb)])) as (DOMException & {
      pushed?: number;
    })[];
    for (const error of errors) {
      expect(error).toBeInstanceOf(DOMException);
      expect(error.name).toBe('AbortError');
    }
    const copy = errors.find((e) => e !== controller.signal.reason)!;
    expect(copy.cause).toBe(controller.signal.reason);
    expect(new Set(errors.map((e) => e.pushed))).toEqual(new Set([1, 2]));
  });

  it('(holds) the channel closing part-way: ChannelClosedError with pushed and the close reason as cause', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    const pending = ch.pushAll([1, 2, 3]);
    await settle();
    const reason = new Error('bye');
    ch.close(reason);
    const error = (await settledRejection(pending)) as ChannelError;
    expect(error.message).toBe('pushAll: channel "jobs" is closed');
    expect(error.pushed).toBe(1);
    expect(error.cause).toBe(reason);
  });

  it('(holds) an iterable that throws stops pushAll with that error, carrying pushed', async () => {
    const failure = new Error('bad iterable');
    function* values() {
      yield 1;
      yield 2;
      throw failure;
    }
    const ch = new Channel<number>(4);
    const error = (await rejection(() => ch.pushAll(values()))) as Error & { pushed?: number };
    expect(error).toBe(failure);
    expect(error.pushed).toBe(2);
  });

  it('(holds) the pushed count of a ChannelClosedError is a number on every pushAll failure by close', async () => {
    const ch = new Channel<number>(0);
    ch.close();
    const error = (await rejection(() => ch.pushAll([1]))) as ChannelError;
    expect(typeof error.pushed).toBe('number');
  });
});

describe('abort vs close: which wins', () => {
  it('(holds) a parked pull whose signal aborts after the channel was closed keeps the ChannelClosedError', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const controller = new AbortController();
    const pending = ch.pull({ signal: controller.signal });
    ch.close();
    controller.abort(new Error('late'));
    const error = (await settledRejection(pending)) as Error;
    expect(error.name).toBe('ChannelClosedError');
  });

  it('(holds) a select parked on a closed-later push case and an aborted-later signal: the first to happen wins', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const controller = new AbortController();
    const reason = new Error('abort');
    const pending = select([push(ch, 1)], { signal: controller.signal });
    await settle();
    controller.abort(reason);
    ch.close();
    expect(await settledRejection(pending)).toBe(reason);
  });
});

describe('a signal shared by a helper channel and an operation parked on it', () => {
  // README Semantic details: "close() treats a parked operation whose signal is already aborted as a
  // commit does: it cancels it (rejecting with signal.reason) instead of failing it"; "When the
  // signal aborts, the operations parked on a timer channel with that same signal reject with its
  // reason, once."
  const makers: [string, (signal: AbortSignal) => Channel<any>][] = [
    ['after', (signal) => afterMs(60_000, { signal })],
    ['ticker', (signal) => ticker(60_000, { signal })],
    ['fromEvent', (signal) => fromEvent(new EventTarget(), 'x', { signal })],
    ['from', (signal) => from(new Channel<number>(0), { signal })],
    ['broadcast subscriber', (signal) => broadcast(new Channel<number>(0)).subscribe({ signal })],
  ];
  const ops: [string, (ch: Channel<any>, signal: AbortSignal) => Promise<unknown>][] = [
    ['pull', (ch, signal) => ch.pull({ signal })],
    ['pullMany', (ch, signal) => ch.pullMany(2, { signal })],
    ['select', (ch, signal) => select([pull(ch)], { signal })],
  ];
  for (const [helper, make] of makers) {
    for (const [op, call] of ops) {
      it(`(holds) ${helper} + ${op} with the same signal: rejects with signal.reason itself`, async () => {
        const controller = new AbortController();
        const reason = new Error(`${helper} stop`);
        const ch = make(controller.signal);
        const pending = call(ch, controller.signal);
        await settle();
        controller.abort(reason);
        expect(await settledRejection(pending)).toBe(reason);
        expect(ch.closed).toBe(true);
      });
    }
  }
});

describe('a thenable signal.reason is the reason, not adopted', () => {
  for (const [op, call] of OPS) {
    for (const [what, make] of thenableReasons()) {
      it(`(holds) ${op}: already aborted, and aborted while parked, with ${what}: rejects with that object`, async () => {
        const reason = make();
        expect(await boxed(call(new Channel<number>(0), AbortSignal.abort(reason)))).toEqual({
          how: 'reject',
          error: reason,
        });
        const controller = new AbortController();
        const pending = call(new Channel<number>(0), controller.signal);
        await settle();
        const later = make();
        controller.abort(later);
        const box = await boxed(pending);
        expect(box.how).toBe('reject');
        expect(box.how === 'reject' && box.error).toBe(later);
      });
    }
  }
});
