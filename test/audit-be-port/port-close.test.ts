/**
 * Audit BE, port: close crossing the port both ways, values buffered at close, the receiver
 * closing, `toPort`'s signal, and a side whose port goes away (SPEC "Channels across contexts":
 * Close, A context that dies).
 */
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { closedAcross, drain, link, rejection, sleep, track, until } from './helpers.js';

describe('sender closes', () => {
  it('a close without reason ends the remote for-await normally after the last value', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await local.pushAll([1, 2, 3]);
    local.close();
    expect(await drain(remote)).toEqual({ got: [1, 2, 3], error: undefined });
    expect(remote.closed).toBe(true);
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(sending).resolves.toEqual({ sent: 3, undelivered: [] });
  });

  it('the close reason crosses the port: for-await throws it, a pull rejects with ChannelClosedError whose cause is it', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    await local.pushAll([1, 2]);
    local.close(new Error('no more'));
    const { got, error } = await drain(remote);
    expect(got).toEqual([1, 2]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('no more');
    const closed = await rejection(remote.pull());
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect(((closed as ChannelClosedError).cause as Error).message).toBe('no more');
    await expect(sending).resolves.toEqual({ sent: 2, undelivered: [] });
  });

  it('a cloneable non-Error reason arrives equal (a plain object, a string)', async () => {
    for (const reason of [{ code: 42, why: ['x'] }, 'just a string']) {
      const { error, sending } = await closedAcross(reason);
      expect(error).toEqual(reason);
      expect(sending).toEqual({ sent: 0, undelivered: [] });
    }
  });

  it('a reason that cannot be cloned arrives as an Error whose message contains reason.message', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await local.push(1);
    local.close({ message: 'uncloneable reason', callback() {} });
    const { got, error } = await drain(remote);
    expect(got).toEqual([1]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('uncloneable reason');
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });

  it('an Error subclass and a DOMException reason keep their message across the port', async () => {
    class MyError extends Error {}
    for (const reason of [new MyError('mine'), new DOMException('bye', 'AbortError')]) {
      const { port1, port2 } = link();
      const local = new Channel<number>();
      const remote = fromPort<number>(port2);
      const sending = toPort(local, port1);
      local.close(reason);
      const { error } = await drain(remote);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(reason.message);
      await sending;
    }
  });

  it('values buffered in the local channel before close are all delivered, then the remote closes', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(20);
    await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
    local.close(new Error('done'));
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    await sleep(30);
    expect(remote.closed).toBe(false); // the end is behind 17 values the receiver has no room for
    const { got, error } = await drain(remote);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((error as Error).message).toBe('done');
    await expect(sending).resolves.toEqual({ sent: 20, undelivered: [] });
  });

  it('values buffered remotely when the end arrives stay readable after the remote channel is closed', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3, 4]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    await until(() => remote.closed, 2000, 'remote closed');
    expect(remote.size).toBe(4);
    expect(remote.pullNowait()).toBe(1);
    expect(await remote.pullMany(10)).toEqual([2, 3, 4]);
    expect(() => remote.pullNowait()).toThrow(ChannelClosedError);
    await expect(sending).resolves.toEqual({ sent: 4, undelivered: [] });
  });

  it('a sender whose local channel is already closed and empty closes the remote at once', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>();
    local.close();
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(local, port1);
    expect(await drain(remote)).toEqual({ got: [], error: undefined });
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
  });

  it('a parked local push fails with ChannelClosedError when the local channel closes; its value never crosses', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const push = local.push('never');
    await sleep(30);
    local.close();
    await expect(push).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await drain(remote)).toEqual({ got: [], error: undefined });
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
  });
});

describe('receiver closes', () => {
  it('the sender stops pulling at once and toPort resolves; every value is sent, undelivered, or still local', async () => {
    const { port1, port2 } = link();
    const jobs = new Channel<number>(10);
    await jobs.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const sending = toPort(jobs, port1);
    expect(await remote.pull()).toBe(0);
    expect(await remote.pull()).toBe(1);
    remote.close();
    const { sent, undelivered } = await sending;
    const leftLocal = await jobs.pullMany(10);
    // the values committed remotely stay readable there
    const leftRemote: number[] = [];
    while (remote.size > 0) leftRemote.push(remote.pullNowait());
    const everything = [0, 1, ...leftRemote, ...undelivered, ...leftLocal];
    expect(everything).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sent).toBe(2 + leftRemote.length);
    await sleep(30);
    expect(jobs.size).toBe(0); // nothing was pulled after the close
    jobs.close();
  });

  it('values committed remotely at the close count as sent, never as undelivered', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 4, 2000, 'remote buffer full');
    remote.close();
    const { sent, undelivered } = await sending;
    expect(sent).toBe(4);
    expect(undelivered).toEqual([]);
    expect(await remote.pullMany(10)).toEqual([0, 1, 2, 3]);
    expect(await local.pullMany(10)).toEqual([4, 5, 6, 7, 8, 9]);
    local.close();
  });

  it('a receiver closed while the sender waits for credit resolves toPort; the local producer is not stranded forever', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>();
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    const push = local.push(1, { signal: AbortSignal.timeout(5000) });
    await sleep(30);
    remote.close();
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
    // toPort no longer pulls: the producer's push is still waiting in the local channel
    expect(local.stats().waitingPushers).toBe(1);
    expect(local.pullNowait()).toBe(1);
    await push;
    local.close();
  });

  it('a receiver closed with a reason keeps that reason on the receiving side; toPort still resolves', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(3);
    await local.pushAll([1, 2, 3]);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const sending = toPort(local, port1);
    await until(() => remote.size === 1, 2000, 'first value arrived');
    remote.close(new Error('receiver done'));
    const result = await sending;
    expect(result.sent).toBe(1);
    expect(await remote.pull()).toBe(1);
    const error = await rejection(remote.pull());
    expect((error as ChannelClosedError).cause).toEqual(new Error('receiver done'));
    expect([...result.undelivered, ...(await local.pullMany(3))]).toEqual([2, 3]);
    local.close();
  });

  it('aborting the fromPort signal closes the receiver without a reason and resolves toPort (documented)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3, 4]);
    const controller = new AbortController();
    const remote = fromPort<number>(port2, { capacity: 2, signal: controller.signal });
    const sending = toPort(local, port1);
    await until(() => remote.size === 2, 2000, 'two values arrived');
    controller.abort(new Error('ignored reason'));
    expect(remote.closed).toBe(true);
    expect(await drain(remote)).toEqual({ got: [1, 2], error: undefined });
    const result = await sending;
    expect(result.sent).toBe(2);
    expect([...result.undelivered, ...(await local.pullMany(4))]).toEqual([3, 4]);
    local.close();
  });
});

describe("toPort's signal", () => {
  it('aborting it resolves toPort and closes the remote with signal.reason; nothing lost or duplicated', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const controller = new AbortController();
    const sending = toPort(local, port1, { signal: controller.signal });
    await until(() => remote.size === 3, 2000, 'credit used');
    controller.abort(new Error('sender stopped'));
    const { sent, undelivered } = await sending;
    const { got, error } = await drain(remote);
    expect((error as Error).message).toBe('sender stopped');
    expect(got).toHaveLength(sent);
    expect([...got, ...undelivered, ...(await local.pullMany(10))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    local.close();
  });

  it('an already aborted signal pulls and posts nothing, and the receiver stays open for the next sender', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 2 });
    await expect(toPort(local, port1, { signal: AbortSignal.abort() })).resolves.toEqual({ sent: 0, undelivered: [] });
    await sleep(30);
    expect(local.size).toBe(2);
    expect(remote.closed).toBe(false);
    local.close();
    const again = toPort(local, port1);
    expect(await drain(remote)).toEqual({ got: [1, 2], error: undefined });
    await expect(again).resolves.toEqual({ sent: 2, undelivered: [] });
  });
});

describe('the other side goes away (its port is closed)', () => {
  it("closing the sender's port closes the receiving channel with a ChannelError saying the other side is gone", async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = track(toPort(local, port1));
    await until(() => remote.size === 2, 2000, 'values arrived');
    port1.close();
    await until(() => remote.closed, 3000, 'receiver closed');
    // buffered values stay readable, then the close carries the error
    const { got, error } = await drain(remote);
    expect(got).toEqual([1, 2]);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as Error).message).toMatch(/gone/i);
    const closed = await rejection(remote.pull());
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect((closed as ChannelClosedError).cause).toBeInstanceOf(ChannelError);
    await until(() => sending.settled, 3000, 'toPort settled');
    const result = await sending.promise;
    expect(result.sent + result.undelivered.length).toBe(2);
    local.close();
  });

  it("closing the receiver's port resolves toPort with the values it pulled and that were not committed", async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    expect(await remote.pull()).toBe(0);
    await until(() => remote.size === 3, 2000, 'credit used');
    port2.close();
    const { sent, undelivered } = await sending;
    // 0 was pulled, 1..3 committed before the port closed. Their acknowledgements usually reach
    // toPort first (all four sent); on a loaded machine the last ones can still be in flight
    // (a CI run on 2026-12-06), and those values come back as undelivered although they were
    // committed remotely: the documented overlap (see the next test).
    expect(sent + undelivered.length).toBe(4);
    expect(undelivered).toEqual([1, 2, 3].slice(3 - undelivered.length));
    expect(local.size).toBe(6); // nothing was pulled after the close
    expect(remote.closed).toBe(true);
    const { got, error } = await drain(remote);
    expect(got).toEqual([1, 2, 3]);
    expect(error).toBeInstanceOf(ChannelError);
    expect(await local.pullMany(10)).toEqual([4, 5, 6, 7, 8, 9]);
    local.close();
  });

  it('a receiving port closed right as a batch arrives loses nothing: each value is readable remotely or undelivered (documented overlap)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5]);
    const remote = fromPort<number>(port2, { capacity: 3 });
    const sending = toPort(local, port1);
    port2.addEventListener('message', (event) => {
      const data = (event as MessageEvent).data;
      if (data?.type === 'values') port2.close(); // after the receiver committed, before it acknowledged
    });
    const { sent, undelivered } = await sending;
    const readable: number[] = [];
    while (remote.size > 0) readable.push(remote.pullNowait());
    const left = await local.pullMany(10);
    expect(new Set([...readable, ...undelivered, ...left])).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(sent + undelivered.length + left.length).toBe(6);
    expect(left).toEqual([3, 4, 5]);
    local.close();
  });

  it('a receiver whose sender never paired and whose port closes does not hang a parked pull forever', async () => {
    const { port1, port2 } = link();
    const remote = fromPort<number>(port2, { capacity: 1 });
    const pull = track(remote.pull());
    await sleep(20);
    port1.close();
    await until(() => pull.settled, 3000, 'pull settled');
    const error = await rejection(pull.promise);
    expect(error).toBeInstanceOf(ChannelClosedError);
  });
});
