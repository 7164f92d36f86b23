/**
 * Audit BE, port: credit-based backpressure and capacity semantics across a `MessageChannel`
 * (SPEC "Channels across contexts", Backpressure; settled point: "In flight" starts when
 * `toPort` pulls, so `toPort` never pulls ahead of its credit).
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { link, rejection, sleep, spy, track, until, valuesIn } from './helpers.js';

describe('credit', () => {
  it('a receiver nobody reads takes exactly its capacity from the sender; the rest stays in the local channel', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(100);
    await local.pushAll(Array.from({ length: 50 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 3, 2000, 'remote buffer filled');
    await sleep(50); // many message trips: nothing more may move
    expect(remote.size).toBe(3);
    expect(remote.full).toBe(true);
    expect(local.size).toBe(47);
    // one value read remotely frees one slot: exactly one more value moves
    expect(await remote.pull()).toBe(0);
    await until(() => local.size === 46, 2000, 'one more value pulled');
    await sleep(50);
    expect(local.size).toBe(46);
    expect(remote.size).toBeLessThanOrEqual(3);
    remote.close();
    const result = await sending;
    expect(result.sent + result.undelivered.length + local.size).toBe(50);
    local.close();
  });

  it('a fast producer never gets more than the receiver capacity ahead of a slow remote consumer', async () => {
    const { port1, port2 } = link();
    const capacity = 5;
    const local = new Channel<number>(); // unbuffered: a resolved push is a value toPort pulled
    const remote = fromPort<number>(port2, { capacity });
    const sending = toPort(local, port1);
    let pushed = 0;
    let consumed = 0;
    let worst = 0;
    const producer = (async () => {
      for (let i = 0; i < 120; i++) {
        await local.push(i);
        pushed++;
        worst = Math.max(worst, pushed - consumed);
      }
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) {
      consumed++;
      got.push(v);
      expect(remote.size).toBeLessThanOrEqual(capacity);
      worst = Math.max(worst, pushed - consumed);
      if (consumed % 10 === 0) await sleep(2);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // pulled by toPort but not yet consumed: at most the capacity (posted + buffered remotely)
    // plus the value the consumer is holding while the counter is taken
    expect(worst).toBeLessThanOrEqual(capacity + 1);
    await expect(sending).resolves.toEqual({ sent: 120, undelivered: [] });
  });

  it('the remote channel reports the capacity it was given and is never over-filled', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(Infinity);
    await local.pushAll(Array.from({ length: 1000 }, (_, i) => i));
    local.close();
    const remote = fromPort<number>(port2, { capacity: 7 });
    expect(remote.capacity).toBe(7);
    const sending = toPort(local, port1);
    const got: number[] = [];
    let maxSize = 0;
    while (got.length < 1000) {
      await sleep(0);
      maxSize = Math.max(maxSize, remote.size);
      got.push(...(await remote.pullMany(3)));
    }
    expect(maxSize).toBeLessThanOrEqual(7);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    await expect(remote.pull()).rejects.toMatchObject({ name: 'ChannelClosedError' });
    await expect(sending).resolves.toEqual({ sent: 1000, undelivered: [] });
  });

  it('an unbounded receiver (capacity Infinity) takes everything at once', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(Infinity);
    await local.pushAll(Array.from({ length: 300 }, (_, i) => i));
    const remote = fromPort<number>(port2, { capacity: Infinity });
    const sending = toPort(local, port1);
    await until(() => remote.size === 300, 2000, 'everything moved');
    expect(local.size).toBe(0);
    local.close();
    await expect(sending).resolves.toEqual({ sent: 300, undelivered: [] });
    await expect(remote.pullMany(1000)).resolves.toHaveLength(300);
  });
});

describe('capacity 0: a rendezvous across contexts', () => {
  it('a local push does not resolve until a remote pull asks for the value', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2); // default capacity 0
    expect(remote.capacity).toBe(0);
    const sending = toPort(local, port1);
    const push = track(local.push('x'));
    await sleep(60);
    expect(push.settled).toBe(false);
    expect(remote.size).toBe(0);
    expect(await remote.pull()).toBe('x');
    await push.promise;
    local.close();
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });

  it("(documented) a local push into an unbuffered stream resolves once toPort took it on a parked remote pull's credit; the remote pull has it one message later", async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const pull = track(remote.pull());
    // No credit, no pull: the push waits while no remote pull is parked.
    await until(() => local.stats().waitingPullers === 1, 2000, 'toPort holds the remote pull credit');
    await local.push('v');
    // SPEC's settled point: "In flight" starts when toPort pulls from the local channel (at
    // least 1 in flight for capacity 0); README: the push commits to toPort's pull, which the
    // remote pull's credit allowed. The value is then on its way, not yet in the remote pull.
    expect(pull.settled).toBe(false);
    expect(await pull.promise).toBe('v');
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('a value whose remote pull gave up after the local push resolved is not lost: it is undelivered at close (documented)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const pull = track(remote.pull({ signal: controller.signal }));
    await until(() => local.stats().waitingPullers === 1, 2000, 'toPort holds the remote pull credit');
    await local.push('v'); // resolved: the producer believes a remote pull has it
    controller.abort();
    await expect(pull.promise).rejects.toMatchObject({ name: 'AbortError' });
    await sleep(30);
    remote.close();
    expect(await sending).toEqual({ sent: 0, undelivered: ['v'] });
    local.close();
  });

  it('a buffered local channel keeps its values while the unbuffered receiver has no parked pull', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(5);
    await local.pushAll([1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    await sleep(60);
    expect(local.size).toBe(5);
    expect(await remote.pull()).toBe(1);
    await sleep(30);
    // one parked pull: at most one value in flight
    expect(local.size).toBeGreaterThanOrEqual(3);
    expect(await remote.pull()).toBe(2);
    remote.close();
    const result = await sending;
    expect(result.sent).toBe(2);
    expect([...result.undelivered, ...(await local.pullMany(5))]).toEqual([3, 4, 5]);
    local.close();
  });

  it('tryPull on an unbuffered receiver grants nothing and receives nothing (documented)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    for (let i = 0; i < 10; i++) {
      expect(remote.tryPull()).toBeUndefined();
      await sleep(5);
    }
    expect(local.size).toBe(2);
    remote.close();
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
    local.close();
  });

  it('several parked remote pulls each get one value, in the order they parked', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const pulls = [remote.pull(), remote.pull(), remote.pull()];
    await local.push(10);
    await local.push(20);
    await local.push(30);
    expect(await Promise.all(pulls)).toEqual([10, 20, 30]);
    const fourth = track(local.push(40));
    await sleep(50);
    expect(fourth.settled).toBe(false);
    expect(await remote.pull()).toBe(40);
    await fourth.promise;
    local.close();
    await expect(sending).resolves.toEqual({ sent: 4, undelivered: [] });
  });
});

describe('abort of parked operations across the port', () => {
  it('an aborted parked remote pull rejects with the reason, consumes nothing, and its credit is taken back', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const pull = remote.pull({ signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1, 2000, 'toPort took the credit');
    const reason = new Error('stop waiting');
    controller.abort(reason);
    expect(await rejection(pull)).toBe(reason);
    await until(() => local.stats().waitingPullers === 0, 2000, 'toPort withdrew its pull');
    const push = track(local.push('later'));
    await sleep(60);
    expect(push.settled).toBe(false); // no remote pull asked for it
    expect(await remote.pull()).toBe('later');
    await push.promise;
    local.close();
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });

  it('an already aborted remote pull rejects at once and grants no credit', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const reason = new Error('already');
    await expect(remote.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await sleep(50);
    expect(local.size).toBe(3);
    expect(await remote.pull()).toBe(1);
    remote.close();
    const result = await sending;
    expect(result.sent).toBe(1);
    expect([...result.undelivered, ...(await local.pullMany(3))]).toEqual([2, 3]);
    local.close();
  });

  it('an aborted parked remote pull on a buffered receiver loses no value', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>();
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const pull = remote.pull({ signal: controller.signal });
    await sleep(20);
    controller.abort();
    await expect(pull).rejects.toMatchObject({ name: 'AbortError' });
    await local.push(1);
    await local.push(2);
    expect(await remote.pull()).toBe(1);
    expect(await remote.pull()).toBe(2);
    local.close();
    await expect(remote.pull()).rejects.toMatchObject({ name: 'ChannelClosedError' });
    await expect(sending).resolves.toEqual({ sent: 2, undelivered: [] });
  });

  it('an aborted parked local push (no credit) rejects with the reason and its value never arrives', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const controller = new AbortController();
    const push = local.push('aborted', { signal: controller.signal });
    await sleep(30);
    const reason = new Error('gave up');
    controller.abort(reason);
    expect(await rejection(push)).toBe(reason);
    const next = local.push('kept');
    expect(await remote.pull()).toBe('kept');
    await next;
    local.close();
    await expect(remote.pull()).rejects.toMatchObject({ name: 'ChannelClosedError' });
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });

  it('a remote select that a local case wins leaves no value behind on the port', async () => {
    const { port1, port2 } = link();
    const { select, pull: pullCase } = await import('chanasync');
    const local = new Channel<number>();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const other = new Channel<string>(1);
    const selecting = select([pullCase(remote), pullCase(other)]);
    await sleep(20);
    other.pushNowait('won');
    const result = await selecting;
    expect(result.index).toBe(1);
    await until(() => local.stats().waitingPullers === 0, 2000, 'credit taken back');
    const push = track(local.push(7));
    await sleep(50);
    expect(push.settled).toBe(false);
    expect(await remote.pull()).toBe(7);
    await push.promise;
    local.close();
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });
});

describe('messages on the wire respect the credit', () => {
  it('no values message carries more values than the receiver could hold', async () => {
    const { port1, port2 } = link();
    const seen = spy(port2);
    const local = new Channel<number>(Infinity);
    await local.pushAll(Array.from({ length: 200 }, (_, i) => i));
    local.close();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      await sleep(0);
    }
    await sending;
    expect(got).toHaveLength(200);
    for (const batch of valuesIn(seen)) expect(batch.length).toBeLessThanOrEqual(4);
  });
});
