/**
 * Audit BW: when one abort reason stops several `pushAll` calls with different counts, each
 * later one rejects with a `ChannelError` copy carrying its own `pushed`. Its message said
 * `pushAll: channel "jobs" stopped part-way` — though the channel was open and, here, nothing
 * of that call was pushed — and nothing of the reason. It now says the call's count and the
 * reason's message.
 */
import { Channel, ChannelError } from 'chanasync';
import { expect, test } from 'vitest';

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

test('the copy names the channel, the call’s own count and the reason; the channel stays open', async () => {
  const channel = new Channel<number>(1, { name: 'jobs' });
  const controller = new AbortController();
  const first = channel.pushAll([1, 2], { signal: controller.signal }); // 1 committed, 2 parked
  const second = channel.pushAll([3], { signal: controller.signal }); // nothing committed, 3 parked
  await turn();
  const reason = new Error('user cancelled');
  controller.abort(reason);
  expect(await first.catch((error: unknown) => error)).toBe(reason);
  expect(reason).toMatchObject({ pushed: 1 });
  const copy = (await second.catch((error: unknown) => error)) as ChannelError & { pushed: number };
  expect(copy).toBeInstanceOf(ChannelError);
  expect(copy.message).toBe('pushAll: channel "jobs" took 0 of its values before the call stopped: user cancelled');
  expect(copy.cause).toBe(reason);
  expect(copy.pushed).toBe(0);
  expect(channel.closed).toBe(false);
  expect(channel.pullNowait()).toBe(1);
  expect(channel.tryPull()).toBeUndefined();
});

test('a reason that is not an Error is given as a string', async () => {
  const channel = new Channel<number>(1);
  const controller = new AbortController();
  const first = channel.pushAll([1, 2], { signal: controller.signal });
  const second = channel.pushAll([3, 4], { signal: controller.signal });
  await turn();
  const reason = { why: 'stop' };
  controller.abort(reason);
  expect(await first.catch((error: unknown) => error)).toBe(reason);
  const copy = (await second.catch((error: unknown) => error)) as ChannelError & { pushed: number };
  expect(copy.message).toBe('pushAll: channel took 0 of its values before the call stopped: [object Object]');
  expect(copy.pushed).toBe(0);
});
