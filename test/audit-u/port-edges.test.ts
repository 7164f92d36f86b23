/**
 * Audit u: `chanasync/port` edges a user meets — capacity 0 with many parked remote pulls,
 * `pullMany`/`tryPull` and credit, bursts, names multiplexing one port, streams one after the
 * other, a receiver created late, foreign and malformed messages, aborting at each point.
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError } from '../../src/errors.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { drain, pair, range, rawPair, sleep, until } from './helpers.js';

describe('capacity 0: one credit per parked remote pull', () => {
  test('50 parked remote pulls get 50 values, the i-th pull the i-th value; the producer is never ahead', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const done = toPort(local, a);
    let resolved = 0;
    const producer = (async () => {
      for (let i = 0; i < 60; i++) {
        await local.push(i);
        resolved++;
      }
    })();
    await sleep(30);
    expect(resolved).toBe(0); // no remote pull yet: no credit
    const pulls = range(0, 50).map(() => remote.pull());
    const got = await Promise.all(pulls);
    expect(got).toEqual(range(0, 50));
    await sleep(30);
    expect(resolved).toBe(50); // exactly one per pull
    expect(a.sent('values').length).toBeLessThan(10); // batched, not one message per value
    remote.close();
    const result = await done;
    expect(result).toEqual({ sent: 50, undelivered: [] });
    local.close();
    await producer.catch(() => undefined);
  });

  test('pulls aborted after their credit went out: the values wait, the next pulls get them in order, none is pulled twice', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const done = toPort(local, a);
    const controllers = range(0, 5).map(() => new AbortController());
    const pulls = controllers.map((c) => remote.pull({ signal: c.signal }).catch((e) => e));
    await until(() => b.sent('credit').some((m) => (m.granted as number) >= 5));
    // Abort all parked pulls before any value can arrive: push happens after the credit.
    const producer = (async () => {
      for (let i = 0; i < 8; i++) await local.push(i);
      local.close();
    })();
    for (const c of controllers) c.abort();
    const aborted = await Promise.all(pulls);
    const early = aborted.filter((v) => typeof v === 'number');
    await sleep(30);
    // At most the 5 credited values were pulled.
    const later: number[] = [];
    for (let i = 0; i < 8 - early.length; i++) later.push(await remote.pull());
    expect([...early, ...later]).toEqual(range(0, 8));
    await producer;
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await done).toEqual({ sent: 8, undelivered: [] });
  });

  test('tryPull on a capacity-0 receiver grants nothing (documented): the producer never resolves', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const done = toPort(local, a);
    let resolved = false;
    void local.push(1).then(() => {
      resolved = true;
    });
    for (let i = 0; i < 20; i++) {
      expect(remote.tryPull()).toBeUndefined();
      await sleep(2);
    }
    expect(resolved).toBe(false);
    // One real pull then takes it.
    expect(await remote.pull()).toBe(1);
    remote.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('credit with pullMany and tryPull on a buffered receiver', () => {
  test('a consumer that only polls with tryPull still gets every value (a freed slot raises credit)', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(16);
    const remote = fromPort<number>(b, { capacity: 4 });
    const done = toPort(local, a);
    const producer = (async () => {
      await local.pushAll(range(0, 200));
      local.close();
    })();
    const got: number[] = [];
    while (!(remote.closed && remote.size === 0)) {
      const v = remote.tryPull();
      if (v === undefined) await sleep(0);
      else got.push(v);
    }
    await producer;
    expect(got).toEqual(range(0, 200));
    expect(await done).toEqual({ sent: 200, undelivered: [] });
  });

  test('pullMany emptying the buffer: credit comes back, values stay in order, never above capacity', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 10 });
    const done = toPort(local, a);
    let resolved = 0;
    let got: number[] = [];
    let over = 0;
    const producer = (async () => {
      for (let i = 0; i < 1000; i++) {
        await local.push(i);
        resolved++;
        if (resolved - got.length > 10) over++;
      }
      local.close();
    })();
    for (;;) {
      try {
        got = got.concat(await remote.pullMany(7));
      } catch {
        break;
      }
    }
    await producer;
    expect(over).toBe(0);
    expect(got).toEqual(range(0, 1000));
    expect(await done).toEqual({ sent: 1000, undelivered: [] });
  });
});

describe('bursts', () => {
  test('200,000 values through capacity Infinity: in order, in few messages, in reasonable time', async () => {
    const [a, b] = pair();
    const N = 200_000;
    const local = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < N; i++) local.pushNowait(i);
    local.close();
    const remote = fromPort<number>(b, { capacity: Number.POSITIVE_INFINITY });
    const start = performance.now();
    const done = toPort(local, a);
    let next = 0;
    let bad = 0;
    for await (const v of remote) if (v !== next++) bad++;
    const ms = performance.now() - start;
    expect(bad).toBe(0);
    expect(next).toBe(N);
    expect(await done).toEqual({ sent: N, undelivered: [] });
    expect(a.sent('values').length).toBeLessThanOrEqual(4);
    expect(ms).toBeLessThan(10_000);
  }, 30_000);

  test('time per value does not grow with the burst (no quadratic path): 10k vs 160k at capacity 1024', async () => {
    async function timeOf(N: number): Promise<number> {
      const [a, b] = pair();
      const local = new Channel<number>(N);
      for (let i = 0; i < N; i++) local.pushNowait(i);
      local.close();
      const remote = fromPort<number>(b, { capacity: 1024 });
      const start = performance.now();
      const done = toPort(local, a);
      let count = 0;
      while (true) {
        try {
          count += (await remote.pullMany(4096)).length;
        } catch {
          break;
        }
      }
      expect(count).toBe(N);
      expect((await done).sent).toBe(N);
      return performance.now() - start;
    }
    await timeOf(10_000); // warm-up
    // The best of three of each, the two sizes taken in turn, so that a burst of load or a
    // collection hits both alike.
    let small = Number.POSITIVE_INFINITY;
    let large = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
      small = Math.min(small, await timeOf(10_000));
      large = Math.min(large, await timeOf(160_000));
    }
    // 16× the values: linear is about 16×, quadratic 256×. A loaded machine stretches the large
    // run more than the small one (more garbage collection per value, and a run long enough to
    // share the cores with other processes): only ten times linear fails.
    expect(large / small).toBeLessThan(160);
  }, 120_000);

  test('a burst with the receiver closing in the middle: sent + undelivered + left = all, in order', async () => {
    const [a, b] = pair();
    const N = 50_000;
    const local = new Channel<number>(N);
    for (let i = 0; i < N; i++) local.pushNowait(i);
    const remote = fromPort<number>(b, { capacity: 512 });
    const done = toPort(local, a);
    const got: number[] = [];
    while (got.length < 10_000) got.push(...(await remote.pullMany(1000)));
    remote.close();
    for (let v = remote.tryPull(); v !== undefined; v = remote.tryPull()) got.push(v);
    const result = await done;
    const left: number[] = [];
    for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
    expect(result.sent).toBe(got.length);
    expect([...got, ...result.undelivered, ...left]).toEqual(range(0, N));
  }, 30_000);
});

describe('names multiplexing one port', () => {
  test('five streams each way on one port pair, with the same names both ways, interleaved', async () => {
    const [a, b] = pair();
    const names = ['', 'a', 'b', 'open', '__proto__'];
    const runs: Promise<void>[] = [];
    for (const [from, to, tag] of [
      [a, b, 'ab'],
      [b, a, 'ba'],
    ] as const) {
      for (const name of names) {
        const local = new Channel<string>(3);
        const remote = fromPort<string>(to, { name, capacity: 2 });
        const done = toPort(local, from, { name });
        const values = range(0, 40).map((i) => `${tag}:${name}:${i}`);
        runs.push(
          (async () => {
            const producer = (async () => {
              for (const v of values) await local.push(v);
              local.close(new Error(`end ${tag} ${name}`));
            })();
            const got = await drain(remote);
            await producer;
            expect(got.values).toEqual(values);
            expect((got.error as Error).message).toBe(`end ${tag} ${name}`);
            expect(await done).toEqual({ sent: 40, undelivered: [] });
          })(),
        );
      }
    }
    await Promise.all(runs);
    await until(() => a.listeners === 0 && b.listeners === 0);
  });

  test('closing one name stops only that stream', async () => {
    const [a, b] = pair();
    const l1 = new Channel<number>(100);
    const l2 = new Channel<number>(100);
    await l1.pushAll(range(0, 100));
    await l2.pushAll(range(0, 100));
    l2.close();
    const r1 = fromPort<number>(b, { name: 'one', capacity: 4 });
    const r2 = fromPort<number>(b, { name: 'two', capacity: 4 });
    const d1 = toPort(l1, a, { name: 'one' });
    const d2 = toPort(l2, a, { name: 'two' });
    const first = [await r1.pull(), await r1.pull()];
    r1.close();
    const rest1: number[] = [];
    for (let v = r1.tryPull(); v !== undefined; v = r1.tryPull()) rest1.push(v);
    const res1 = await d1;
    expect([
      ...first,
      ...rest1,
      ...res1.undelivered,
      ...(() => {
        const left: number[] = [];
        for (let v = l1.tryPull(); v !== undefined; v = l1.tryPull()) left.push(v);
        return left;
      })(),
    ]).toEqual(range(0, 100));
    expect((await drain(r2)).values).toEqual(range(0, 100));
    expect(await d2).toEqual({ sent: 100, undelivered: [] });
  });

  test('a second toPort of a name already running on the port is a TypeError; after the first ends, a new pair of that name works', async () => {
    const [a, b] = pair();
    const l1 = new Channel<number>(4);
    const r1 = fromPort<number>(b, { name: 'x', capacity: 2 });
    const d1 = toPort(l1, a, { name: 'x' });
    await expect(toPort(new Channel<number>(), a, { name: 'x' })).rejects.toBeInstanceOf(TypeError);
    expect(() => fromPort(b, { name: 'x' })).toThrow(TypeError);
    await l1.pushAll([1, 2]);
    l1.close();
    expect((await drain(r1)).values).toEqual([1, 2]);
    expect(await d1).toEqual({ sent: 2, undelivered: [] });
    // Second generation, same name, same ports.
    const l2 = new Channel<number>(4);
    const d2 = toPort(l2, a, { name: 'x' });
    await sleep(20);
    const r2 = fromPort<number>(b, { name: 'x', capacity: 2 });
    await l2.pushAll([3, 4, 5]);
    l2.close();
    expect((await drain(r2)).values).toEqual([3, 4, 5]);
    expect(await d2).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('a receiver that comes late', () => {
  test('created 1.5 s after the sender started and after the local channel was closed: every value, then the reason', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(10);
    await local.pushAll(range(0, 10));
    local.close('done');
    const done = toPort(local, a);
    await sleep(1500);
    expect(local.size).toBe(10);
    const remote = fromPort<number>(b, { capacity: 3 });
    const got = await drain(remote);
    expect(got.values).toEqual(range(0, 10));
    expect(got.error).toBe('done');
    expect(await done).toEqual({ sent: 10, undelivered: [] });
  });
});

describe('a receiver closed before it paired (README: it tells no sender)', () => {
  test('the toPort keeps waiting (nothing pulled) and pairs with the next fromPort of the name', async () => {
    const [a, b] = pair();
    const first = fromPort<number>(b, { name: 'late' });
    first.close();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    local.close();
    const done = toPort(local, a, { name: 'late' });
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await sleep(1200);
    expect(settled).toBe(false);
    expect(local.size).toBe(3);
    const second = fromPort<number>(b, { name: 'late', capacity: 1 });
    expect((await drain(second)).values).toEqual([1, 2, 3]);
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('foreign and malformed messages are ignored', () => {
  test('junk posted on the same port by the application, interleaved with a running stream', async () => {
    const [a, b] = pair();
    const [rawA] = [a.inner];
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    const junk: unknown[] = [
      null,
      undefined,
      'text',
      42,
      [],
      { source: 'chanasync-port' },
      { source: 'chanasync-port', version: 2, name: '', type: 'values', session: 'x', values: [1] },
      { source: 'chanasync-port', version: 1, name: '', type: 'values', session: 'forged', values: [999] },
      { source: 'chanasync-port', version: 1, name: '', type: 'values', session: 'forged', values: [] },
      { source: 'chanasync-port', version: 1, name: '', type: 'end', session: 'forged', abort: true, reason: 'x' },
      { source: 'chanasync-port', version: 1, name: '', type: 'open', session: '' },
      { source: 'chanasync-port', version: 1, name: 'other', type: 'end', session: 'forged', abort: false },
      { source: 'chanasync-port', version: 1, name: '', type: 'credit', session: 'forged', granted: 1e9, committed: 0 },
      {
        source: 'chanasync-port',
        version: 1,
        name: '',
        type: 'credit',
        session: 'forged',
        granted: Number.NaN,
        committed: 0,
      },
      { source: 'chanasync-port', version: 1, name: '', type: 'closed', session: 'forged', committed: 0 },
      { source: 'chanasync-port', version: 1, name: '', type: 'ping', session: 'forged' },
      { source: 'chanasync-port', version: 1, name: '', type: 'whatever', session: 's' },
      { source: 'chanasync-port', version: 1, name: 7, type: 'open', session: 's' },
    ];
    const producer = (async () => {
      for (let i = 0; i < 100; i++) {
        await local.push(i);
        if (i % 10 === 0) for (const j of junk) rawA.postMessage(j);
      }
      local.close();
    })();
    // Junk the other way too.
    const junkBack = setInterval(() => {
      for (const j of junk) b.inner.postMessage(j);
    }, 1);
    const got = await drain(remote);
    clearInterval(junkBack);
    await producer;
    expect(got).toEqual({ values: range(0, 100), error: undefined });
    expect(await done).toEqual({ sent: 100, undelivered: [] });
  });

  test('a forged open for a name whose receiver already closed is ignored (no listener comes back)', async () => {
    const [a, b] = pair();
    const remote = fromPort<number>(b, { name: 'gone' });
    remote.close();
    expect(b.listeners).toBe(0);
    a.inner.postMessage({ source: 'chanasync-port', version: 1, name: 'gone', type: 'open', session: 'zz' });
    await sleep(20);
    expect(b.sent('credit')).toEqual([]);
  });
});

describe('aborting the signal at each point', () => {
  test('already aborted: nothing pulled, nothing posted, a receiver of the name stays open for the next sender', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(b, { capacity: 2 });
    const result = await toPort(local, a, { signal: AbortSignal.abort('no') });
    expect(result).toEqual({ sent: 0, undelivered: [] });
    expect(a.posted).toEqual([]);
    expect(local.size).toBe(2);
    local.close();
    const done = toPort(local, a);
    expect((await drain(remote)).values).toEqual([1, 2]);
    expect(await done).toEqual({ sent: 2, undelivered: [] });
  });

  test('aborted right after a push was taken (same turn, batch not posted): the value is undelivered, the remote closes with the reason', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 4 });
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
    await local.push(1);
    await until(() => a.sent('values').length > 0); // posted
    await local.push(2); // taken, batch of this turn
    controller.abort('stop');
    const result = await done;
    const got = await drain(remote);
    expect(got.values).toEqual([1]);
    expect(got.error).toBe('stop');
    expect(result).toEqual({ sent: 1, undelivered: [2] });
  });

  test('aborted from inside transfer: the batch is not posted and comes back', async () => {
    const [a, b] = pair();
    const local = new Channel<{ n: number; buf: ArrayBuffer }>(4);
    const remote = fromPort<{ n: number; buf: ArrayBuffer }>(b, { capacity: 4 });
    const controller = new AbortController();
    const items = range(0, 3).map((n) => ({ n, buf: new ArrayBuffer(4) }));
    await local.pushAll(items);
    const done = toPort(local, a, {
      signal: controller.signal,
      transfer: (v) => {
        if (v.n === 1) controller.abort('inside');
        return [v.buf];
      },
    });
    const result = await done;
    const got = await drain(remote);
    expect(got.values).toEqual([]);
    expect(got.error).toBe('inside');
    expect(result.sent).toBe(0);
    expect(result.undelivered.map((v) => v.n)).toEqual([0, 1, 2]);
    for (const v of result.undelivered) expect(v.buf.byteLength).toBe(4); // not transferred
    expect(local.size).toBe(0);
  });

  test('a local close from inside transfer: everything pulled still goes, once', async () => {
    const [a, b] = pair();
    const local = new Channel<{ n: number; buf: ArrayBuffer }>(8);
    const remote = fromPort<{ n: number; buf: ArrayBuffer }>(b, { capacity: 8 });
    await local.pushAll(range(0, 3).map((n) => ({ n, buf: new ArrayBuffer(4) })));
    let closed = false;
    const done = toPort(local, a, {
      transfer: (v) => {
        if (!closed) {
          closed = true;
          local.close('closed in transfer');
        }
        return [v.buf];
      },
    });
    const got = await drain(remote);
    expect(got.values.map((v) => v.n)).toEqual([0, 1, 2]);
    expect(got.error).toBe('closed in transfer');
    expect(await done).toMatchObject({ sent: 3, undelivered: [] });
  });

  test('aborted in the turn the local channel was closed: everything arrives, the local reason wins, toPort resolves with all sent', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: 8 });
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1); // paired: toPort's pull is parked
    for (let i = 0; i < 5; i++) expect(local.tryPush(i)).toBe(true);
    local.close('local reason');
    controller.abort('late abort');
    const got = await drain(remote);
    expect(got).toEqual({ values: range(0, 5), error: 'local reason' });
    expect(await done).toEqual({ sent: 5, undelivered: [] });
  });

  test('aborted while the end waits at the receiver for a pull (capacity 0, the pull gave up)', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b);
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    const pullAbort = new AbortController();
    const pull = remote.pull({ signal: pullAbort.signal }).catch((e) => e);
    await until(() => b.sent('credit').some((m) => (m.granted as number) >= 1));
    const pushed = local.push(7);
    await pushed;
    pullAbort.abort(); // the credited pull gives up while 7 is on its way
    local.close('finished');
    expect(await pull).not.toBe(7);
    await sleep(50);
    expect(remote.closed).toBe(false); // the end waits for 7 to be taken
    controller.abort('abandon');
    const result = await done;
    expect(result).toEqual({ sent: 0, undelivered: [7] });
    const got = await drain(remote);
    expect(got.values).toEqual([]);
    expect(got.error).toBe('abandon');
  });
});

describe('closing the port object', () => {
  test('the receiving side closes its MessagePort mid-stream: toPort settles, everything is accounted', async () => {
    const [rawA, rawB] = rawPair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(rawB, { capacity: 4 });
    const done = toPort(local, rawA);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await local.push(i);
    })().catch(() => undefined);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await remote.pull());
    rawB.close();
    const result = await done;
    local.close();
    await producer;
    const rest = await drain(remote);
    // A dead link (documented): what the receiver committed but had not acknowledged may be in
    // both places; nothing may be missing, and order holds on each side.
    const all = [...got, ...rest.values];
    expect(all).toEqual(range(0, all.length));
    expect(result.sent).toBeLessThanOrEqual(all.length);
    expect(rest.error).toBeTruthy();
  });

  test('the sending side closes its own MessagePort mid-stream: toPort settles, the remote closes as gone, nothing missing', async () => {
    const [rawA, rawB] = rawPair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(rawB, { capacity: 4 });
    const done = toPort(local, rawA);
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await local.push(i);
    })().catch(() => undefined);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await remote.pull());
    rawA.close();
    const result = await done;
    local.close();
    await producer;
    const rest = await drain(remote);
    const all = [...got, ...rest.values];
    expect(all).toEqual(range(0, all.length));
    expect(result.sent).toBeLessThanOrEqual(all.length);
    expect([...range(0, result.sent), ...result.undelivered]).toEqual(
      range(0, result.sent + result.undelivered.length),
    );
    expect(all.length).toBeLessThanOrEqual(result.sent + result.undelivered.length);
    expect(rest.error).toBeTruthy();
  });
});
