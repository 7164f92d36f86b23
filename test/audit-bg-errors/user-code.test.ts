/**
 * Audit BG-errors, errors when user code runs inside an operation (README Semantic details, "User
 * code inside an operation": "A push (`push`, `pushNowait`, `tryPush`, `pushAll`, a push case) on
 * a channel that such code closed while the push looked for a parked pull stores nothing: it fails
 * as on a closed channel (`tryPush` returns `false`)". Failing "as on a closed channel" means the
 * same error as on a closed channel: ChannelClosedError naming the operation, with the cause.
 */
import { describe, expect, it } from 'vitest';
import { Channel, type ChannelError, push, select, selectNowait } from '../../dist/index.js';
import { expectChannelError, rejection, thrown } from './helpers.js';

/** A value whose `then` is read (the thenable check) and closes `channel` with `reason` then. */
function closingValue(channel: Channel<any>, reason: unknown): object {
  return Object.defineProperty({}, 'then', {
    get() {
      channel.close(reason);
      return undefined;
    },
  });
}

describe('a value whose then getter closes the channel', () => {
  const reason = new Error('closed by the getter');

  it('(holds) pushNowait throws ChannelClosedError naming pushNowait with the cause', () => {
    const ch = new Channel<object>(1, { name: 'jobs' });
    const error = thrown(() => ch.pushNowait(closingValue(ch, reason)));
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'pushNowait',
      problem: 'is closed',
      channel: ch,
      cause: { value: reason },
    });
    expect(ch.size).toBe(0);
  });

  it('(holds) push rejects with ChannelClosedError naming push with the cause', async () => {
    const ch = new Channel<object>(1, { name: 'jobs' });
    const error = await rejection(() => ch.push(closingValue(ch, reason)));
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'push',
      problem: 'is closed',
      channel: ch,
      cause: { value: reason },
    });
  });

  it('(holds) pushAll rejects with ChannelClosedError naming pushAll, pushed counting the values before', async () => {
    const ch = new Channel<object>(4, { name: 'jobs' });
    const error = (await rejection(() => ch.pushAll([{}, closingValue(ch, reason), {}]))) as ChannelError;
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'pushAll',
      problem: 'is closed',
      channel: ch,
      cause: { value: reason },
    });
    expect(error.pushed).toBe(1);
  });

  it('(holds) tryPush returns false, never throws', () => {
    const ch = new Channel<object>(1, { name: 'jobs' });
    expect(ch.tryPush(closingValue(ch, reason))).toBe(false);
  });

  it('(holds) a select / selectNowait push case: ChannelClosedError naming the select push, with the cause', async () => {
    for (const mode of ['select', 'selectNowait'] as const) {
      const ch = new Channel<object>(1, { name: 'jobs' });
      let error: unknown;
      try {
        const made = push(ch, closingValue(ch, reason));
        error = mode === 'select' ? await rejection(() => select([made])) : thrown(() => selectNowait([made]));
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ name: 'ChannelClosedError', cause: reason, channel: ch });
      expect((error as Error).message).toMatch(/^select(Nowait)? push: channel "jobs" is closed$/);
    }
  });
});

describe('a signal whose aborted getter closes the channel', () => {
  it('(holds) push with such a signal rejects with ChannelClosedError (the channel was closed before the check)', async () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    const reason = new Error('closed by the signal getter');
    const real = new AbortController().signal;
    const signal = new Proxy(real, {
      get(target, key) {
        if (key === 'aborted') {
          ch.close(reason);
          return false;
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const error = await rejection(() => ch.push(1, { signal }));
    expectChannelError(error, {
      type: 'ChannelClosedError',
      operation: 'push',
      problem: 'is closed',
      channel: ch,
      cause: { value: reason },
    });
    expect(ch.size).toBe(0);
  });
});

describe('a subclass', () => {
  it('(holds) errors of a subclass carry the subclass instance as channel and its name getter in the message', () => {
    class Jobs extends Channel<number> {
      override get name() {
        return 'jobs-subclass';
      }
    }
    const jobs = new Jobs(0);
    const error = thrown(() => jobs.pushNowait(1)) as ChannelError;
    expect(error.channel).toBe(jobs);
    expect(error.message).toBe('pushNowait: channel "jobs-subclass" is full');
  });
});

describe('disposal', () => {
  it('(holds) await using closes without a reason: parked operations fail with ChannelClosedError naming themselves, no cause', async () => {
    let parked: Promise<unknown>[] = [];
    let channel: Channel<number> | undefined;
    {
      await using ch = new Channel<number>(0, { name: 'scoped' });
      channel = ch;
      parked = [ch.pull(), ch.pullMany(2)];
    }
    const errors = await Promise.all(parked.map((p) => p.catch((e: unknown) => e)));
    expectChannelError(errors[0], {
      type: 'ChannelClosedError',
      operation: 'pull',
      problem: 'is closed',
      channel: channel!,
      cause: 'none',
    });
    expectChannelError(errors[1], {
      type: 'ChannelClosedError',
      operation: 'pullMany',
      problem: 'is closed',
      channel: channel!,
      cause: 'none',
    });
  });
});
