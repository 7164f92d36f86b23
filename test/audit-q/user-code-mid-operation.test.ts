/**
 * Audit Q: user code that runs *during* one of chanasync's own operations — a `Proxy` trap or
 * getter on a signal, a `then` getter on a value, an abort listener — and that pulls, pushes,
 * closes or aborts while the operation is half done. The rule: every value is delivered exactly
 * once or refused, every promise settles, nothing is left parked, and the channel still works.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, pull, push, select, selectNowait } from '../../src/index.js';
import { trapped } from '../helpers/trapped-signal.js';
import { failOnUnhandledRejections } from '../helpers/unhandled.js';

failOnUnhandledRejections();

/** How a promise ended, or 'pending' after a macrotask. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  const pending = new Promise((resolve) => setTimeout(() => resolve('pending'), 0));
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    pending,
  ]);
}

function idle(channel: Channel<any>) {
  const { waitingPushers, waitingPullers } = channel.stats();
  return { waitingPushers, waitingPullers };
}

describe('a signal whose `aborted` read (a Proxy trap) takes, gives or closes on the same channel', () => {
  test('a parked push taken by the trap during another pull is delivered once, not twice', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const pushed = channel.push('x', { signal: proxy });
    let inner: string | undefined;
    arm(() => {
      inner = channel.tryPull();
    });
    const outer = channel.tryPull();
    await expect(pushed).resolves.toBeUndefined();
    expect([inner, outer].sort()).toEqual(['x', undefined].sort());
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    expect(channel.tryPush('after')).toBe(false);
    const later = channel.pull();
    expect(channel.tryPush('after')).toBe(true);
    await expect(later).resolves.toBe('after');
  });

  test('a parked pull the trap fails by closing the channel is not also handed the value of the push that checked it', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const pulled = outcome(channel.pull({ signal: proxy }));
    arm(() => channel.close());
    const ok = channel.tryPush('x');
    const result = await pulled;
    // The close came first: the pull failed, so the push must not claim it delivered.
    expect(result).toEqual({ error: expect.any(ChannelClosedError) });
    expect(ok).toBe(false);
    expect(channel.stats()).toMatchObject({ closed: true, size: 0, waitingPushers: 0, waitingPullers: 0 });
  });

  test('pushNowait does not report success for a value that reached nobody', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const pulled = outcome(channel.pull({ signal: proxy }));
    const other = channel.pull();
    arm(() => {
      expect(channel.tryPush('first')).toBe(true);
    });
    channel.pushNowait('second');
    await expect(pulled).resolves.toEqual({ value: 'first' });
    await expect(outcome(other)).resolves.toEqual({ value: 'second' });
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('selectNowait does not report a closed channel (ok: false) when the trap took the only pusher’s value', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const pushed = channel.push('x', { signal: proxy });
    let inner: string | undefined;
    arm(() => {
      inner = channel.tryPull();
    });
    expect(selectNowait([pull(channel)])).toBeUndefined();
    expect(inner).toBe('x');
    await expect(pushed).resolves.toBeUndefined();
  });

  test('a select whose pull case sees the trap take the value parks instead of resolving ok: false', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const other = new Channel<string>();
    const pushed = channel.push('x', { signal: proxy });
    arm(() => channel.tryPull());
    const selected = select([pull(channel), pull(other)]);
    await expect(pushed).resolves.toBeUndefined();
    expect(other.tryPush('y')).toBe(true);
    await expect(selected).resolves.toMatchObject({ index: 1, value: 'y', ok: true });
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('a pull that finds the trap pushing a new value takes that one, in order', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>(1);
    const pusherA = channel.push('a'); // buffered
    const pusherB = channel.push('b', { signal: proxy }); // parked
    arm(() => {
      // A re-entrant pull: takes 'a', and 'b' moves into the buffer.
      expect(channel.tryPull()).toBe('a');
    });
    expect(channel.tryPull()).toBe('b');
    await Promise.all([pusherA, pusherB]);
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('a value whose `then` getter aborts the push’s own signal', () => {
  const abortingValue = (controller: AbortController) => ({
    // biome-ignore lint/suspicious/noThenProperty: a `then` getter is what this test is about
    get then() {
      controller.abort(new Error('stop'));
      return undefined;
    },
  });

  test('push on a buffered channel rejects with the reason and buffers nothing', async () => {
    const controller = new AbortController();
    const channel = new Channel<object>(1);
    await expect(channel.push(abortingValue(controller), { signal: controller.signal })).rejects.toThrow('stop');
    expect(channel.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  test('push to a parked pull rejects with the reason and the pull keeps waiting', async () => {
    const controller = new AbortController();
    const channel = new Channel<object>();
    const pulled = channel.pull();
    await expect(channel.push(abortingValue(controller), { signal: controller.signal })).rejects.toThrow('stop');
    await expect(outcome(pulled)).resolves.toBe('pending');
    channel.pushNowait({ plain: true });
    await expect(pulled).resolves.toEqual({ plain: true });
  });

  test('a thenable with an aborted signal still rejects with the abort reason (abort first)', async () => {
    const controller = new AbortController();
    controller.abort('gone');
    const channel = new Channel<unknown>(1);
    await expect(channel.push(Promise.resolve(1), { signal: controller.signal })).rejects.toBe('gone');
  });
});

describe('a value whose `then` getter closes the channel', () => {
  const closing = (channel: Channel<object>) => ({
    // biome-ignore lint/suspicious/noThenProperty: a `then` getter is what this test is about
    get then() {
      channel.close();
      return undefined;
    },
  });
  test('push rejects with ChannelClosedError and buffers nothing', async () => {
    const channel = new Channel<object>(1);
    await expect(channel.push(closing(channel))).rejects.toBeInstanceOf(ChannelClosedError);
    expect(channel.size).toBe(0);
  });
  test('tryPush returns false and pushNowait throws ChannelClosedError', () => {
    const a = new Channel<object>(1);
    expect(a.tryPush(closing(a))).toBe(false);
    const b = new Channel<object>(1);
    expect(() => b.pushNowait(closing(b))).toThrow(ChannelClosedError);
    expect([a.size, b.size]).toEqual([0, 0]);
  });
  test('a push() case is built before the select, so the select rejects with ChannelClosedError', async () => {
    const channel = new Channel<object>(1);
    const selectCase = push(channel, closing(channel));
    await expect(select([selectCase])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(channel.size).toBe(0);
  });
});

describe('a select whose choice runs a trap that takes, fills or closes a case it found ready', () => {
  // The trap sits on the signal of an operation parked on the *last* case's channel, so it runs
  // while the select checks readiness, possibly after an earlier case was found ready. The
  // first case is never ready, so the select checks them all. Repeated: the choice is random.
  test('selectNowait never reports a push committed to a channel the trap closed, and the value is never lost', async () => {
    for (let round = 0; round < 60; round++) {
      const closing = new Channel<string>();
      const other = new Channel<string>();
      const { proxy, arm } = trapped(new AbortController().signal);
      const closingPull = outcome(closing.pull());
      const otherPull = outcome(other.pull({ signal: proxy }));
      arm(() => closing.close());
      let result: unknown;
      try {
        result = selectNowait([pull(new Channel<string>()), push(closing, 'v'), push(other, 'w')])?.index;
      } catch (error) {
        result = error;
      }
      const [closingGot, otherGot] = await Promise.all([closingPull, otherPull]);
      if (result === 1) expect(closingGot).toEqual({ value: 'v' });
      else if (result === 2) expect(otherGot).toEqual({ value: 'w' });
      else expect(result).toBeInstanceOf(ChannelClosedError);
      if (result !== 2) other.pushNowait('later'); // the trap's pull is still waiting
    }
  });

  test('select never resolves ok: false for an open channel whose value the trap took', async () => {
    for (let round = 0; round < 60; round++) {
      const robbed = new Channel<string>(1);
      robbed.pushNowait('x');
      const last = new Channel<string>();
      const { proxy, arm } = trapped(new AbortController().signal);
      const lastPush = last.push('y', { signal: proxy });
      let stolen: string | undefined;
      arm(() => {
        stolen = robbed.tryPull();
      });
      const result = await select([pull(new Channel<string>()), pull(robbed), pull(last)]);
      expect(result.ok).toBe(true);
      if (result.index === 1) expect([result.value, stolen]).toEqual(['x', undefined]);
      else {
        expect(result).toMatchObject({ index: 2, value: 'y' });
        await lastPush;
      }
      if (result.index === 1) expect(last.tryPull()).toBe('y');
      await lastPush;
      expect(idle(robbed)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    }
  });
});

describe('pushAll stopped by an abort whose reason throws when inspected', () => {
  test('a revoked Proxy as the reason is what pushAll rejects with (not the TypeError of inspecting it)', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const controller = new AbortController();
    const channel = new Channel<number>(1);
    const pushing = channel.pushAll([1, 2, 3], { signal: controller.signal });
    await Promise.resolve();
    controller.abort(proxy);
    const result = (await outcome(pushing)) as { error?: unknown };
    // (Compared by identity: matchers that inspect a revoked Proxy throw.)
    expect(result.error === proxy).toBe(true);
    expect(channel.tryPull()).toBe(1);
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('a reason whose own `pushed` getter throws is rejected as is', async () => {
    const reason = Object.defineProperty(new Error('stop'), 'pushed', {
      get() {
        throw new Error('read pushed');
      },
    });
    const controller = new AbortController();
    const channel = new Channel<number>();
    const pushing = channel.pushAll([1, 2], { signal: controller.signal });
    controller.abort(reason);
    await expect(pushing).rejects.toBe(reason);
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('a trap that aborts the very signal it guards, while another operation checks it', () => {
  test('every pull parked with it rejects with the reason, none takes the value, and the push parks instead', async () => {
    const controller = new AbortController();
    const { proxy, arm } = trapped(controller.signal);
    const channel = new Channel<string>();
    const pulls = [1, 2, 3].map(() => outcome(channel.pull({ signal: proxy })));
    arm(() => controller.abort('stop'));
    const pushed = outcome(channel.push('x'));
    await expect(Promise.all(pulls)).resolves.toEqual([{ error: 'stop' }, { error: 'stop' }, { error: 'stop' }]);
    expect(await pushed).toBe('pending');
    expect(idle(channel)).toEqual({ waitingPushers: 1, waitingPullers: 0 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(channel.tryPull()).toBe('x');
  });
});

describe('an operation whose commit attempt runs a trap that closes the channel it is about to park on', () => {
  test('push rejects with ChannelClosedError instead of parking on the closed channel for ever', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    const pulled = outcome(channel.pull({ signal: proxy }));
    arm(() => channel.close());
    await expect(outcome(channel.push('x'))).resolves.toEqual({ error: expect.any(ChannelClosedError) });
    await expect(pulled).resolves.toEqual({ error: expect.any(ChannelClosedError) });
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('pushAll rejects with ChannelClosedError carrying pushed: 0', async () => {
    const { proxy, arm } = trapped(new AbortController().signal);
    const channel = new Channel<string>();
    void outcome(channel.pull({ signal: proxy }));
    arm(() => channel.close());
    const result = (await outcome(channel.pushAll(['x', 'y']))) as { error?: { pushed?: number } };
    expect(result.error).toBeInstanceOf(ChannelClosedError);
    expect(result.error?.pushed).toBe(0);
    expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
  });

  // The trap sits on a pusher parked on the second case's channel: it closes the first case's
  // channel and aborts its own pusher, so no case looks ready by the time the poll is done.
  const setUp = () => {
    const controller = new AbortController();
    const { proxy, arm } = trapped(controller.signal);
    const first = new Channel<number>();
    const second = new Channel<number>();
    const pusher = outcome(second.push(2, { signal: proxy }));
    arm(() => {
      first.close();
      controller.abort('gone');
    });
    return { first, second, pusher };
  };

  test('a select whose pull case’s channel the trap closed resolves ok: false instead of parking', async () => {
    for (let round = 0; round < 20; round++) {
      const { first, second, pusher } = setUp();
      await expect(outcome(select([pull(first), pull(second)]))).resolves.toMatchObject({
        value: { index: 0, ok: false },
      });
      await expect(pusher).resolves.toEqual({ error: 'gone' });
      expect([idle(first), idle(second)]).toEqual([
        { waitingPushers: 0, waitingPullers: 0 },
        { waitingPushers: 0, waitingPullers: 0 },
      ]);
    }
  });

  test('a select whose push case’s channel the trap closed rejects with ChannelClosedError instead of parking', async () => {
    for (let round = 0; round < 20; round++) {
      const { first, second, pusher } = setUp();
      await expect(outcome(select([push(first, 1), pull(second)]))).resolves.toEqual({
        error: expect.any(ChannelClosedError),
      });
      await expect(pusher).resolves.toEqual({ error: 'gone' });
      expect(idle(second)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
    }
  });
});

test('a one-case push select whose commit runs a trap that closes its channel rejects with ChannelClosedError instead of parking', async () => {
  const { proxy, arm } = trapped(new AbortController().signal);
  const channel = new Channel<string>();
  const pulled = outcome(channel.pull({ signal: proxy }));
  arm(() => channel.close());
  await expect(outcome(select([push(channel, 'x')]))).resolves.toEqual({ error: expect.any(ChannelClosedError) });
  await expect(pulled).resolves.toEqual({ error: expect.any(ChannelClosedError) });
  expect(idle(channel)).toEqual({ waitingPushers: 0, waitingPullers: 0 });
});
