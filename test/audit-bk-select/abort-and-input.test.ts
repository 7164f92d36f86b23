/**
 * Audit BK-select: cancellation (already aborted signal first, abort racing a commit, no
 * listener or waiter left) and bad input (a TypeError naming select/selectNowait; `select`
 * rejects rather than throws), judged against SPEC "`select`" and "Errors" and the README's
 * "Semantic details" (Cancellation, Errors, Select).
 */
import {
  Channel,
  ChannelClosedError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, it } from 'vitest';
import { abortedSignal, countListeners, flush, rejection, thrown, track } from '../helpers/track.js';

/** Both shapes of select the library implements differently: one case, and several. */
const shapes = [
  { label: 'a one-case select', cases: (c: Channel<number>) => [pull(c)] },
  { label: 'a multi-case select', cases: (c: Channel<number>) => [pull(new Channel<number>()), pull(c), null] },
] as const;

function stillEmpty(...channels: { stats(): { waitingPushers: number; waitingPullers: number } }[]): void {
  for (const ch of channels) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
}

describe('already aborted signal: checked first, nothing committed', () => {
  for (const shape of shapes) {
    it(`${shape.label} with an aborted signal rejects with signal.reason and does not consume a ready value`, async () => {
      const c = new Channel<number>(1);
      c.pushNowait(1);
      const reason = new Error('stop');
      expect(await rejection(select(shape.cases(c), { signal: abortedSignal(reason) }))).toBe(reason);
      expect(c.size).toBe(1);
    });
  }

  it('an aborted signal wins over a push case on a closed channel', async () => {
    const closed = new Channel<number>();
    closed.close();
    const reason = { why: 'cancelled' };
    expect(await rejection(select([push(closed, 1)], { signal: abortedSignal(reason) }))).toBe(reason);
    expect(await rejection(select([pull(new Channel()), push(closed, 1)], { signal: abortedSignal(reason) }))).toBe(
      reason,
    );
  });

  it('an aborted signal wins over bad cases (not an array, empty, a non-case entry)', async () => {
    const reason = new Error('first');
    const signal = abortedSignal(reason);
    expect(await rejection(select(null as never, { signal }))).toBe(reason);
    expect(await rejection(select([], { signal }))).toBe(reason);
    expect(await rejection(select([{}] as never, { signal }))).toBe(reason);
  });

  it('an aborted signal whose reason is undefined still refuses the select, rejecting with undefined', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(1);
    const signal = { aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} };
    const outcome = track(select([pull(c), pull(new Channel())], { signal: signal as unknown as AbortSignal }));
    await flush();
    expect(outcome.current).toEqual({ status: 'rejected', reason: undefined });
    expect(c.size).toBe(1);
  });
});

describe('abort while the select waits', () => {
  for (const shape of shapes) {
    it(`${shape.label} parked: abort rejects with the reason and leaves no waiter and no abort listener`, async () => {
      const c = new Channel<number>();
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      const cases = shape.cases(c);
      const outcome = track(select(cases, { signal: controller.signal }));
      await flush();
      expect(c.stats().waitingPullers).toBe(1);
      expect(listeners.live).toBe(1);
      const reason = new Error('abort');
      controller.abort(reason);
      await flush();
      expect(outcome.current).toEqual({ status: 'rejected', reason });
      expect(listeners.live).toBe(0);
      for (const k of cases) if (k) stillEmpty(k.channel as Channel<number>);
      // a value pushed afterwards is not taken by the aborted select
      expect(thrown(() => c.pushNowait(1))).toBeInstanceOf(ChannelFullError);
    });

    it(`${shape.label}: a commit before the abort in the same turn wins — the value is the select's, the late abort changes nothing`, async () => {
      const c = new Channel<number>();
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      const outcome = track(select(shape.cases(c), { signal: controller.signal }));
      await flush();
      c.pushNowait(7);
      controller.abort(new Error('late'));
      await flush();
      expect(outcome.current.status).toBe('fulfilled');
      expect((outcome.current as { value: { value: number; ok: boolean } }).value).toMatchObject({
        value: 7,
        ok: true,
      });
      expect(listeners.live).toBe(0);
    });

    it(`${shape.label}: an abort before a push in the same turn wins — the select rejects and the push finds no taker`, async () => {
      const c = new Channel<number>();
      const controller = new AbortController();
      const outcome = track(select(shape.cases(c), { signal: controller.signal }));
      await flush();
      controller.abort('early');
      expect(thrown(() => c.pushNowait(7))).toBeInstanceOf(ChannelFullError);
      await flush();
      expect(outcome.current).toEqual({ status: 'rejected', reason: 'early' });
      stillEmpty(c);
    });

    it(`${shape.label}: a push made by an earlier abort listener of the same signal is not committed to the aborting select`, async () => {
      const c = new Channel<number>();
      const controller = new AbortController();
      let pushError: unknown;
      controller.signal.addEventListener('abort', () => {
        pushError = thrown(() => c.pushNowait(9));
      });
      const outcome = track(select(shape.cases(c), { signal: controller.signal }));
      await flush();
      controller.abort('stop');
      await flush();
      expect(outcome.current).toEqual({ status: 'rejected', reason: 'stop' });
      expect(pushError).toBeInstanceOf(ChannelFullError);
      stillEmpty(c);
    });
  }

  it('selectNowait run by an earlier abort listener does not take the value of a push parked with that (already aborted) signal', async () => {
    const c = new Channel<number>();
    const controller = new AbortController();
    let answer: unknown = 'not run';
    controller.signal.addEventListener('abort', () => {
      answer = selectNowait([pull(c)]);
    });
    const parked = track(c.push(1, { signal: controller.signal }));
    await flush();
    controller.abort('stop');
    await flush();
    expect(answer).toBeUndefined();
    expect(parked.current).toEqual({ status: 'rejected', reason: 'stop' });
    stillEmpty(c);
  });

  for (const shape of shapes) {
    it(`selectNowait run by an earlier abort listener does not commit to ${shape.label} parked with that signal`, async () => {
      const c = new Channel<number>();
      const controller = new AbortController();
      let answer: unknown = 'not run';
      controller.signal.addEventListener('abort', () => {
        answer = selectNowait([push(c, 1), pull(new Channel<number>())]);
      });
      const parked = track(select(shape.cases(c), { signal: controller.signal }));
      await flush();
      controller.abort('stop');
      await flush();
      expect(answer).toBeUndefined();
      expect(parked.current).toEqual({ status: 'rejected', reason: 'stop' });
      stillEmpty(c);
    });
  }

  it('many selects parked with one signal share one abort listener, and all reject on abort leaving nothing behind', async () => {
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const a = new Channel<number>();
    const b = new Channel<number>();
    const outcomes = Array.from({ length: 50 }, () =>
      track(select([pull(a), push(b, 1)], { signal: controller.signal })),
    );
    await flush();
    expect(listeners.live).toBe(1);
    expect(a.stats().waitingPullers).toBe(50);
    expect(b.stats().waitingPushers).toBe(50);
    controller.abort('all');
    await flush();
    expect(outcomes.every((o) => o.current.status === 'rejected')).toBe(true);
    expect(listeners.live).toBe(0);
    stillEmpty(a, b);
  });

  it('a select committed before its signal aborts keeps no abort listener on the signal', async () => {
    const controller = new AbortController();
    const listeners = countListeners(controller.signal);
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([pull(a), pull(b)], { signal: controller.signal });
    await flush();
    b.pushNowait(2);
    expect((await s).value).toBe(2);
    expect(listeners.live).toBe(0);
  });
});

describe('bad input: a TypeError naming select (a rejected promise) or selectNowait (a throw)', () => {
  const ch = new Channel<number>(1);
  const badLists: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'ab'],
    ['an array-like object', { length: 1, 0: pull(ch) }],
    ['a single case not in an array', pull(ch)],
  ];
  for (const [label, cases] of badLists) {
    it(`select(${label}) returns a promise rejecting with a TypeError naming select(cases)`, async () => {
      let returned: unknown;
      expect(() => {
        returned = select(cases as never);
      }).not.toThrow();
      expect(returned).toBeInstanceOf(Promise);
      const error = (await rejection(returned as Promise<unknown>)) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^select\(cases\)/);
    });

    it(`selectNowait(${label}) throws a TypeError naming selectNowait(cases)`, () => {
      const error = thrown(() => selectNowait(cases as never)) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^selectNowait\(cases\)/);
    });
  }

  const badEntries: [string, unknown][] = [
    ['an empty object', {}],
    ['a number', 42],
    ['a channel itself', ch],
    ['a hand-written case literal', { kind: 'pull', channel: ch }],
    ['a spread copy of a case', { ...pull(ch) }],
    ['a string', 'pull'],
  ];
  for (const [label, entry] of badEntries) {
    it(`an entry that is ${label} makes select reject with a TypeError naming the case index, consuming nothing`, async () => {
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      const error = (await rejection(select([pull(ready), entry] as never))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^select\(cases\): case 1 is not a case/);
      expect(ready.size).toBe(1);
      const nowait = thrown(() => selectNowait([pull(ready), entry] as never)) as Error;
      expect(nowait).toBeInstanceOf(TypeError);
      expect(nowait.message).toMatch(/^selectNowait\(cases\): case 1 is not a case/);
      expect(ready.size).toBe(1);
    });
  }

  it('a promise of channel.pull() given as a case is refused, and the message warns that pull still waits', async () => {
    const c = new Channel<number>();
    const started = c.pull();
    const error = (await rejection(select([started] as never))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('a promise');
    expect(c.stats().waitingPullers).toBe(1);
    c.pushNowait(1);
    expect(await started).toBe(1);
  });

  it('select([]) and select([null, undefined]) reject with a TypeError; selectNowait returns undefined for them', async () => {
    for (const cases of [[], [null], [null, undefined]] as const) {
      const error = (await rejection(select(cases))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^select\(cases\)/);
      expect(selectNowait(cases)).toBeUndefined();
    }
  });

  it('bad options reject with a TypeError naming select: a non-object, a signal that is not one, the signal itself as options', async () => {
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const controller = new AbortController();
    for (const options of ['x', 5, { signal: {} }, { signal: 'abort' }, controller.signal]) {
      const error = (await rejection(select([pull(ready)], options as never))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^select/);
      expect(ready.size).toBe(1);
    }
  });

  it('null options and { signal: undefined } mean no options', async () => {
    const ready = new Channel<number>(2);
    ready.pushNowait(1);
    ready.pushNowait(2);
    expect((await select([pull(ready)], null as never)).value).toBe(1);
    expect((await select([pull(ready)], { signal: undefined })).value).toBe(2);
  });

  it('the case builders refuse a non-channel with a TypeError naming pull/push, and push refuses a thenable value', () => {
    for (const bad of [null, undefined, {}, 1, { pull() {}, push() {} }]) {
      expect((thrown(() => pull(bad as never)) as Error).message).toMatch(/^pull\(channel\)/);
      expect((thrown(() => push(bad as never, 1)) as Error).message).toMatch(/^push\(channel/);
    }
    const c = new Channel<unknown>(1);
    const error = thrown(() => push(c, Promise.resolve(1))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^push\(channel, value\)/);
    expect(c.size).toBe(0);
  });
});

describe('closed push cases: ChannelClosedError per the Errors section', () => {
  it('the error is a ChannelError named ChannelClosedError carrying the channel and the close reason as cause (at the call, while waiting, nowait)', async () => {
    const reason = new Error('shutdown');
    const atCall = new Channel<number>(0, { name: 'jobs' });
    atCall.close(reason);
    const e1 = (await rejection(select([push(atCall, 1), pull(new Channel())]))) as ChannelClosedError;
    const e2 = thrown(() => selectNowait([push(atCall, 1)])) as ChannelClosedError;
    const waiting = new Channel<number>(0, { name: 'jobs' });
    const parked = select([push(waiting, 1), pull(new Channel())]);
    await flush();
    waiting.close(reason);
    const e3 = (await rejection(parked)) as ChannelClosedError;
    for (const error of [e1, e2, e3]) {
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.name).toBe('ChannelClosedError');
      expect(error.message).toContain('"jobs"');
      expect(error.cause).toBe(reason);
    }
    expect(e1.channel).toBe(atCall);
    expect(e3.channel).toBe(waiting);
    expect(e2.message).toMatch(/^selectNowait push/);
    expect(e3.message).toMatch(/^select push/);
  });

  it('a push case on a closed drop-mode channel rejects (a drop mode is "always ready" only while open)', async () => {
    const c = new Channel<number>(1, { overflow: 'drop-oldest' });
    c.close();
    expect(await rejection(select([push(c, 1)]))).toBeInstanceOf(ChannelClosedError);
    expect(thrown(() => selectNowait([push(c, 1)]))).toBeInstanceOf(ChannelClosedError);
  });

  it('a one-case select parked with a push case rejects with ChannelClosedError naming "select push" when its channel closes', async () => {
    const c = new Channel<number>(0, { name: 'solo' });
    const s = select([push(c, 1)]);
    await flush();
    c.close();
    const error = (await rejection(s)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toMatch(/^select push: channel "solo"/);
    stillEmpty(c);
  });

  it('a pull case fires with ok false after close(reason): the select resolves and does not throw the reason', async () => {
    const c = new Channel<number>();
    const s = select([pull(c)]);
    await flush();
    c.close(new Error('boom'));
    expect(await s).toEqual({ index: 0, channel: c, value: undefined, ok: false });
  });

  it('a parked select with two pull cases on a closing channel fires once with ok false and leaves nothing', async () => {
    const c = new Channel<number>();
    const s = select([pull(c), pull(c)]);
    await flush();
    expect(c.stats().waitingPullers).toBe(2);
    c.close();
    const result = await s;
    expect([0, 1]).toContain(result.index);
    expect(result.ok).toBe(false);
    stillEmpty(c);
  });
});
