/**
 * Audit M: the edges of a port stream's two channels under the core's operations — the local
 * channel `toPort` reads (pushNowait, tryPush, select and selectNowait push cases while `toPort`
 * waits with credit, overflow modes) and the `fromPort` channel (many parked pulls, aborts of
 * some of them, pullMany aborted with its credit out, stats, a select that pushes into and pulls
 * from it, close while values wait for room).
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, ChannelFullError, pull, push, select, selectNowait } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, drain, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

const range = (count: number, base = 0) => Array.from({ length: count }, (_, i) => base + i);

describe('the local channel toPort reads', () => {
  test('pushNowait and tryPush into an unbuffered channel succeed exactly when toPort waits with credit', async () => {
    const [a, b] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(b); // capacity 0: credit only for a parked pull
    const sending = toPort(local, a);
    await sleep(20);
    expect(local.tryPush('no credit')).toBe(false);
    expect(() => local.pushNowait('no credit')).toThrow(ChannelFullError);
    const first = remote.pull();
    await until(() => local.stats().waitingPullers === 1);
    local.pushNowait('x');
    expect(await first).toBe('x');
    const second = remote.pull();
    await until(() => local.stats().waitingPullers === 1);
    expect(local.tryPush('y')).toBe(true);
    expect(local.tryPush('z')).toBe(false); // one credit, one value
    expect(await second).toBe('y');
    local.close();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  test('toPort never pulls ahead of its credit, whatever the local channel holds', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(100));
    const remote = fromPort<number>(b, { capacity: 5 });
    const sending = toPort(local, a);
    await until(() => remote.size === 5);
    await sleep(30);
    expect(local.size).toBe(95);
    expect(remote.size).toBe(5);
    remote.close();
    const result = await sending;
    expect(result).toEqual({ sent: 5, undelivered: [] });
    expect(local.size).toBe(95);
    expect((await drain(remote)).values).toEqual(range(5));
  });

  test('a select of push cases into two channels read by two toPorts commits exactly one; the other receiver gets nothing', async () => {
    const [a, b] = ports();
    const x = new Channel<string>(0);
    const y = new Channel<string>(0);
    const rx = fromPort<string>(b, { name: 'x' });
    const ry = fromPort<string>(b, { name: 'y' });
    const sx = toPort(x, a, { name: 'x' });
    const sy = toPort(y, a, { name: 'y' });
    const px = rx.pull();
    const py = ry.pull();
    await until(() => x.stats().waitingPullers === 1 && y.stats().waitingPullers === 1);
    const result = selectNowait([push(x, 'to x'), push(y, 'to y')]);
    expect(result).toBeDefined();
    const winner = result?.index === 0 ? px : py;
    expect(await winner).toBe(result?.index === 0 ? 'to x' : 'to y');
    const loser = result?.index === 0 ? y : x;
    expect(loser.stats().waitingPullers).toBe(1); // the other toPort still waits, untouched
    const other = await select([push(loser, 'second')]);
    expect(other.index).toBe(0);
    expect(await (result?.index === 0 ? py : px)).toBe('second');
    x.close();
    y.close();
    expect(await sx).toEqual({ sent: 1, undelivered: [] });
    expect(await sy).toEqual({ sent: 1, undelivered: [] });
  });

  test('a drop-oldest local channel read by toPort: the receiver gets the newest values, each once, in order', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(2, { overflow: 'drop-oldest' });
    const remote = fromPort<number>(b, { capacity: 1 });
    const sending = toPort(local, a);
    for (const v of range(10)) await local.push(v);
    await sleep(30);
    local.close();
    const { values } = await drain(remote);
    const result = await sending;
    expect(values.length).toBe(result.sent);
    expect([...values].sort((p, q) => p - q)).toEqual(values);
    expect(new Set(values).size).toBe(values.length);
    expect(values.at(-1)).toBe(9);
  });
});

describe('the fromPort channel', () => {
  test('ten pulls parked on a capacity-0 remote channel get ten values in FIFO order', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    const pulls = range(10).map(() => remote.pull());
    await sleep(10);
    expect(remote.stats().waitingPullers).toBe(10);
    await local.pushAll(range(10));
    expect(await Promise.all(pulls)).toEqual(range(10));
    local.close();
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });

  test('some of many parked pulls aborted while their values travel: the others and later pulls get every value once, in order', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    const controllers = range(10).map(() => new AbortController());
    const pulls = controllers.map((c) => remote.pull({ signal: c.signal }).catch(() => 'aborted' as const));
    await until(() => remote.stats().waitingPullers === 10);
    await local.pushAll(range(10)); // credit for 10: all 10 go out
    for (const i of [1, 4, 5, 8]) controllers[i]?.abort();
    const outcomes = await Promise.all(pulls);
    const taken = outcomes.filter((o): o is number => o !== 'aborted');
    const later: number[] = [];
    while (taken.length + later.length < 10) later.push(await remote.pull());
    expect([...taken, ...later]).toEqual(range(10));
    local.close();
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
    expect((await drain(remote)).values).toEqual([]);
  });

  test('pullMany aborted after its credit went out on a capacity-0 channel: the value waits for the next pull', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    const controller = new AbortController();
    const batch = remote.pullMany(5, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1);
    const pushed = local.push(7); // taken by toPort at once: on its way
    controller.abort('gave up');
    const outcome = await batch.then(
      (v) => v,
      (e: unknown) => e,
    );
    if (outcome !== 'gave up') expect(outcome).toEqual([7]);
    else expect(await remote.pullMany(5)).toEqual([7]);
    await pushed;
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  test('closing the remote channel while arrived values wait for room lists them as undelivered', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    await local.pushAll(range(6));
    await until(() => remote.size === 2);
    remote.tryPush(99); // no room: false
    remote.close('enough');
    const result = await sending;
    const { values, error } = await drain(remote);
    expect(error).toBe('enough');
    expect(values).toEqual(range(result.sent));
    expect([...values, ...result.undelivered, ...range(local.size, 6 - local.size)]).toEqual(range(6));
  });

  test('a select that pushes into and pulls from the same fromPort channel never matches itself', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(b); // capacity 0
    const sending = toPort(local, a);
    const chosen = select([push(remote, -1), pull(remote)]);
    await sleep(20);
    await local.push(5);
    const result = await chosen;
    expect(result).toMatchObject({ index: 1, value: 5, ok: true });
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    expect(remote.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('stats and getters of a fromPort channel follow the values that arrived', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 3, name: 'r' });
    expect(remote).toMatchObject({ capacity: 3, size: 0, empty: true, full: false, closed: false, name: 'r' });
    const sending = toPort(local, a, { name: 'r' });
    await local.pushAll(range(3));
    await until(() => remote.full);
    expect(remote.stats()).toEqual({
      name: 'r',
      capacity: 3,
      size: 3,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
    local.close(new Error('x'));
    await until(() => remote.closed);
    expect(remote.size).toBe(3);
    const error = await (async () => {
      for (let i = 0; i < 4; i++) await remote.pull();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toContain('"r"');
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  test('an iterator whose next() waits with its credit out, then return(): next() resolves done and the value waits for the next pull', async () => {
    for (let round = 0; round < 4; round++) {
      const [a, b] = ports();
      const local = new Channel<number>(0);
      const remote = fromPort<number>(b);
      const sending = toPort(local, a);
      const iterator = remote[Symbol.asyncIterator]();
      const next = iterator.next();
      await until(() => local.stats().waitingPullers === 1);
      const pushed = local.push(round);
      await sleep(round); // the value is on its way, or has arrived
      await iterator.return?.();
      const result = await next;
      if (result.done) expect(await remote.pull()).toBe(round);
      else expect(result.value).toBe(round);
      await pushed;
      local.close();
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
      expect(remote.stats().waitingPullers).toBe(0);
    }
  });

  test('using (synchronous dispose) closes a fromPort channel and stops its sender', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(10));
    const sending = toPort(local, a);
    let first: number | undefined;
    {
      using remote = fromPort<number>(b, { capacity: 1 });
      first = await remote.pull();
    }
    const result = await sending;
    expect(first).toBe(0);
    expect(result.sent + result.undelivered.length + local.size).toBe(10);
    expect(result.undelivered).toEqual(range(result.undelivered.length, result.sent));
  });

  test('pushAll by receiving-side code into a full fromPort channel waits like any push, and the remote values keep their order', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 2 });
    const sending = toPort(local, a);
    await local.pushAll(range(4));
    await until(() => remote.full);
    const own = remote.pushAll([-1, -2]);
    const got: number[] = [];
    while (got.length < 6) got.push(await remote.pull());
    await own;
    expect(got.filter((v) => v >= 0)).toEqual(range(4));
    expect(got.filter((v) => v < 0)).toEqual([-1, -2]);
    local.close();
    expect(await sending).toEqual({ sent: 4, undelivered: [] });
  });

  test('pullNowait on a drained fromPort channel throws ChannelClosedError with the remote reason as cause', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(b, { capacity: 1, name: 'n' });
    const sending = toPort(local, a, { name: 'n' });
    local.close(new Error('over'));
    await until(() => remote.closed);
    let error: unknown;
    try {
      remote.pullNowait();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toEqual(new Error('over'));
    expect((error as Error).message).toBe('pullNowait: channel "n" is closed');
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
  });

  test('a select with two pull cases on one capacity-0 remote channel takes one value; nothing is lost or duplicated', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(6));
    local.close();
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    const got: number[] = [];
    for (;;) {
      const r = await select([pull(remote), pull(remote)]);
      if (!r.ok) break;
      got.push(r.value as number);
    }
    expect(got).toEqual(range(6));
    expect(await sending).toEqual({ sent: 6, undelivered: [] });
  });
});
