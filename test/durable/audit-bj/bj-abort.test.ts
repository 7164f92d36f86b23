/**
 * Auditor BJ — durable: aborting a parked push or pull commits it exactly once or not at all.
 */
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, ns, rejection, within } from './bj-helpers.js';

it('an aborted pull parked on an empty channel rejects with the signal reason and takes nothing: the next value goes to the next pull', async () => {
  const name = freshName('bj-abort-pull');
  const ch = durableChannel<number>(ns(), name);
  const controller = new AbortController();
  const parked = rejection(ch.pull({ signal: controller.signal }));
  await new Promise((r) => setTimeout(r, 100));
  const reason = new Error('user left');
  controller.abort(reason);
  expect(await within(parked, 3000, 'aborted pull')).toBe(reason);
  await ch.push(7);
  expect(await ch.stats()).toMatchObject({ size: 1, leased: 0 });
  expect(await ch.pull()).toBe(7);
});

it('an aborted push parked on a full channel rejects with the reason and is never stored', async () => {
  const name = freshName('bj-abort-push');
  const ch = durableChannel<number>(ns(), name, { capacity: 1 });
  await ch.push(1);
  const controller = new AbortController();
  const parked = rejection(ch.push(2, { signal: controller.signal }));
  await new Promise((r) => setTimeout(r, 100));
  controller.abort(new Error('gave up'));
  expect((await within(parked, 3000, 'aborted push')).message).toBe('gave up');
  expect(await ch.pull()).toBe(1);
  await new Promise((r) => setTimeout(r, 100));
  expect(await ch.tryPull()).toBeUndefined();
  expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
});

it('an already-aborted signal: push and pull reject with its reason and change nothing', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-pre-aborted'));
  await ch.push(1);
  const signal = AbortSignal.abort(new Error('early'));
  expect((await rejection(ch.push(2, { signal }))).message).toBe('early');
  expect((await rejection(ch.pull({ signal }))).message).toBe('early');
  expect(await ch.stats()).toMatchObject({ size: 1, leased: 0 });
  expect(await ch.pull()).toBe(1);
});

it('aborting a pull at the moment a value arrives: the value is delivered exactly once (to it or to the next pull)', async () => {
  for (let round = 0; round < 12; round++) {
    const name = freshName('bj-abort-race');
    const ch = durableChannel<number>(ns(), name);
    const controller = new AbortController();
    const first = ch.pull({ signal: controller.signal }).then(
      (v) => ({ ok: true as const, v }),
      () => ({ ok: false as const }),
    );
    await new Promise((r) => setTimeout(r, 30));
    const push = ch.push(round);
    await new Promise((r) => setTimeout(r, round % 4));
    controller.abort();
    await push;
    const outcome = await within(first, 3000, 'raced pull');
    const rest = await ch.tryPull();
    const delivered = [outcome.ok ? outcome.v : undefined, rest].filter((v) => v !== undefined);
    expect(delivered, `round ${round}`).toEqual([round]);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
  }
});

it('aborting a push at the moment room appears: it is stored exactly once or not at all, and its promise says which', async () => {
  for (let round = 0; round < 12; round++) {
    const name = freshName('bj-abort-push-race');
    const ch = durableChannel<string>(ns(), name, { capacity: 1 });
    await ch.push('first');
    const controller = new AbortController();
    const second = ch.push('second', { signal: controller.signal }).then(
      () => true,
      () => false,
    );
    await new Promise((r) => setTimeout(r, 30));
    const taken = ch.pull();
    await new Promise((r) => setTimeout(r, round % 4));
    controller.abort();
    expect(await taken).toBe('first');
    const stored = await within(second, 3000, 'raced push');
    await new Promise((r) => setTimeout(r, 50));
    const rest: string[] = [];
    for (let v = await ch.tryPull(); v !== undefined; v = await ch.tryPull()) rest.push(v);
    expect(rest, `round ${round}`).toEqual(stored ? ['second'] : []);
  }
});

it('a pull whose signal times out on an empty channel does not hang and leaves no waiter behind', async () => {
  const ch = durableChannel<number>(ns(), freshName('bj-timeout'));
  const error = await within(rejection(ch.pull({ signal: AbortSignal.timeout(150) })), 3000, 'timed-out pull');
  expect(error.name).toBe('TimeoutError');
  await ch.push(5);
  expect(await ch.pull()).toBe(5);
});
