/**
 * `from(channel)` — the or-done idiom (`for await (const v of from(input, { signal }))`) and a
 * produce-style relay over a local channel: a value the relay took from its input is never
 * lost when the relay's channel closes or its signal aborts in the same turn.
 */
import { expect, test } from 'vitest';
import { Channel, from } from '../../src/index.js';
import { sleep } from '../helpers/programs-go.js';

const ticks = async (k: number) => {
  for (let i = 0; i < k; i++) await null;
};

/** Everything left in `channels`, in order, by tryPull. */
function drain(...channels: Channel<number>[]): number[] {
  const rest: number[] = [];
  for (const channel of channels) for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) rest.push(v);
  return rest;
}

test('or-done: a push committed to from(input, { signal }) right before the abort reaches the waiting pull', async () => {
  const input = new Channel<number>(0, { name: 'input' });
  const controller = new AbortController();
  const out = from(input, { signal: controller.signal });
  const pulled = out.pull();
  await sleep(0);
  expect(input.stats().waitingPullers).toBe(1);
  input.pushNowait(1); // committed: the producer sees it delivered
  controller.abort();
  expect(await pulled).toBe(1);
  expect(out.closed).toBe(true);
  expect(input.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0, size: 0, closed: false });
});

test('a relay from(input) closed by hand right after a push committed to it delivers that value to the waiting pull', async () => {
  const input = new Channel<string>(0);
  const out = from(input);
  const pulled = out.pull();
  await sleep(0);
  await input.push('last');
  out.close();
  expect(await pulled).toBe('last');
  expect(input.stats().waitingPullers).toBe(0);
});

for (const how of ['close', 'abort'] as const) {
  test(`from(buffered channel) stopped by ${how} at any microtask after a pull asked: each value is in the input, the pull or the relay, once`, async () => {
    for (let k = 0; k < 12; k++) {
      const input = new Channel<number>(3);
      await input.pushAll([1, 2, 3]);
      const controller = new AbortController();
      const out = from(input, { signal: controller.signal });
      const got = out.pull().then(
        (v) => [v],
        () => [],
      );
      await ticks(k);
      if (how === 'close') out.close();
      else controller.abort();
      const seen = [...(await got), ...drain(out, input)];
      await sleep(1);
      expect([k, [...seen, ...drain(out, input)].sort()]).toEqual([k, [1, 2, 3]]);
    }
  });

  test(`from(unbuffered channel) with a producer pushing 1…5 stopped by ${how} at any microtask: what the consumer got plus what the producer could not push is 1…5`, async () => {
    for (let k = 0; k < 16; k++) {
      const input = new Channel<number>(0);
      const controller = new AbortController();
      const out = from(input, { signal: controller.signal });
      const consumed: number[] = [];
      const consumer = (async () => {
        try {
          for (;;) consumed.push(await out.pull());
        } catch {}
      })();
      const unsent: number[] = [];
      const producer = (async () => {
        for (let v = 1; v <= 5; v++) {
          try {
            await input.push(v, { signal: AbortSignal.timeout(20) });
          } catch {
            unsent.push(v);
          }
        }
      })();
      await ticks(k);
      if (how === 'close') out.close();
      else controller.abort();
      await Promise.all([consumer, producer]);
      expect([k, [...consumed, ...unsent].sort()]).toEqual([k, [1, 2, 3, 4, 5]]);
      expect(input.stats().waitingPullers).toBe(0);
    }
  });
}

test('from(input) reads values a parked pusher offers straight away and closes when the input closes with its reason', async () => {
  const input = new Channel<number>(0);
  const out = from(input, { capacity: 2 });
  const pushes = [input.push(1), input.push(2), input.push(3)];
  expect(await out.pull()).toBe(1);
  await Promise.all(pushes);
  input.close('end');
  expect(await out.pull()).toBe(2);
  expect(await out.pull()).toBe(3);
  const error = await out.pull().catch((e: unknown) => e);
  expect((error as Error).name).toBe('ChannelClosedError');
  expect((error as Error).cause).toBe('end');
});

test('a chain of five from(channel) relays passes 1…20 in order, and closing the outer one mid-stream loses nothing', async () => {
  for (let k = 0; k < 8; k++) {
    const input = new Channel<number>(0);
    const relays = [from(input)];
    for (let i = 0; i < 4; i++) relays.push(from(relays[i] as Channel<number>, { capacity: i % 2 }));
    const outer = relays[4] as Channel<number>;
    const unsent: number[] = [];
    const producer = (async () => {
      for (let v = 1; v <= 20; v++) {
        try {
          await input.push(v, { signal: AbortSignal.timeout(30) });
        } catch {
          unsent.push(v);
        }
      }
    })();
    const consumed: number[] = [];
    for (let i = 0; i < 7; i++) consumed.push(await outer.pull());
    const late = outer.pull().then(
      (v) => [v],
      () => [],
    );
    await ticks(k);
    outer.close();
    consumed.push(...(await late));
    await producer;
    const left = drain(...relays); // the outer relay, closed, keeps its buffer readable
    expect(consumed.slice(0, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([k, [...consumed, ...left, ...unsent].sort((a, b) => a - b)]).toEqual([
      k,
      Array.from({ length: 20 }, (_, i) => i + 1),
    ]);
  }
});

test('a relay whose pull gave up takes nothing more from its input: a later push waits there, and closing the relay loses nothing', async () => {
  const input = new Channel<number>(0, { name: 'input' });
  const relay = from(input);
  const controller = new AbortController();
  const gaveUp = relay.pull({ signal: controller.signal }).catch((e: unknown) => e);
  await sleep(0);
  controller.abort(new Error('gave up'));
  expect(((await gaveUp) as Error).message).toBe('gave up');
  expect(input.tryPush(1)).toBe(false); // nobody wants it now
  const pushed = input.push(2);
  relay.close();
  expect(await input.pull()).toBe(2);
  await pushed;
  expect(input.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
});

test('a relay that lost a select takes nothing for it: the value stays in the input for the next select', async () => {
  const input = new Channel<number>(0);
  const other = new Channel<string>(1);
  const relay = from(input);
  const { pull, select } = await import('../../src/index.js');
  const first = select([pull(relay), pull(other)]);
  await sleep(0);
  other.pushNowait('other');
  expect((await first).value).toBe('other');
  expect(input.tryPush(1)).toBe(false);
  const late = input.push(2);
  await sleep(0);
  expect(relay.size).toBe(0);
  expect(relay.stats().waitingPushers).toBe(0);
  relay.close();
  expect(input.tryPull()).toBe(2);
  await late;
});
