// Audit BT's documented limit, now fixed: a relay (a broadcast, `from`) reading a capacity-0
// `fromPort` channel grants the sender credit only while its pull can take a value — while a
// broadcast's subscriber has room, while a pull waits on the `from` channel. A remote push then
// waits for a consumer, as it does with a pull made on the channel itself (SPEC, capacity 0:
// "it waits until a puller takes the value"; README "A capacity-0 remote pull that gives up
// takes its credit back").
import { broadcast, Channel, from, pull, select } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { closePortsAfterEach, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

/** A promise's settled flag, read later. */
function watched(promise: Promise<unknown>) {
  const state = { settled: false };
  void promise.then(() => (state.settled = true));
  return state;
}

/** A capacity-0 `fromPort` channel fed by `toPort` from `local`. */
function pair() {
  const [here, there] = ports();
  const local = new Channel<number>(0, { name: 'local' });
  const remote = fromPort<number>(there);
  const done = toPort(local, here);
  return { local, remote, done };
}

describe('broadcast over a capacity-0 fromPort channel', () => {
  it('while its only subscriber is full, a remote push waits for room, then arrives', async () => {
    const { local, remote, done } = pair();
    const sub = broadcast(remote).subscribe({ capacity: 1 });
    await local.push(1);
    await until(() => sub.size === 1);
    const second = local.push(2);
    const state = watched(second);
    // Many message trips: time for any credit to arrive and be used.
    await sleep(100);
    expect(state.settled).toBe(false);
    expect(sub.tryPull()).toBe(1);
    await second;
    await until(() => sub.size === 1);
    expect(sub.tryPull()).toBe(2);
    local.close();
    await until(() => sub.closed);
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  it('while a capacity-0 subscriber has no pull, a remote push waits; a pull there takes it', async () => {
    const { local, remote, done } = pair();
    const hub = broadcast(remote);
    const roomy = hub.subscribe({ capacity: 4 });
    const rendezvous = hub.subscribe({ capacity: 0 });
    await sleep(50);
    const first = local.push(1);
    const state = watched(first);
    await sleep(100);
    expect(state.settled).toBe(false);
    expect(await rendezvous.pull()).toBe(1);
    await first;
    expect(roomy.tryPull()).toBe(1);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  it('credit comes back each time room does: values flow in order through a slow subscriber', async () => {
    const { local, remote, done } = pair();
    const sub = broadcast(remote).subscribe({ capacity: 1 });
    const values = Array.from({ length: 20 }, (_, i) => i);
    const producing = (async () => {
      for (const value of values) await local.push(value);
      local.close();
    })();
    const got: number[] = [];
    for await (const value of sub) {
      got.push(value);
      if (value % 5 === 0) await sleep(5);
    }
    await producing;
    expect(got).toEqual(values);
    expect(await done).toEqual({ sent: 20, undelivered: [] });
  });
});

describe('from() over a capacity-0 fromPort channel', () => {
  it('after a select case on the from channel lost, a remote push waits for the next pull', async () => {
    const { local, remote, done } = pair();
    const relayed = from(remote);
    const other = new Channel<number>(1);
    const selected = select([pull(relayed), pull(other)]);
    await until(() => local.stats().waitingPullers === 1);
    other.tryPush(0);
    expect((await selected).index).toBe(1);
    await sleep(50);
    const first = local.push(1);
    const state = watched(first);
    await sleep(100);
    expect(state.settled).toBe(false);
    expect(await relayed.pull()).toBe(1);
    await first;
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  it('after an aborted pull, the next pull still gets the value (no credit withheld for good)', async () => {
    const { local, remote, done } = pair();
    const relayed = from(remote);
    const controller = new AbortController();
    const aborted = relayed.pull({ signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1);
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    await sleep(50);
    const pushing = local.push(7);
    const state = watched(pushing);
    await sleep(100);
    expect(state.settled).toBe(false);
    const next = relayed.pull();
    expect(await next).toBe(7);
    await pushing;
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });

  it('values flow in order through from() with pulls that give up between them', async () => {
    const { local, remote, done } = pair();
    const relayed = from(remote);
    const producing = (async () => {
      for (let i = 0; i < 10; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      const controller = new AbortController();
      const gaveUp = relayed.pull({ signal: controller.signal });
      controller.abort();
      await gaveUp.then(
        (value) => got.push(value),
        () => {},
      );
      got.push(await relayed.pull());
      if (got.length >= 10) break;
    }
    await producing;
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(await done).toEqual({ sent: 10, undelivered: [] });
  });
});
