/**
 * Auditor BO — several clients of one durable channel: FIFO and exactly-once across clients,
 * checked against a plain-array model with a seeded random interleaving.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import {
  freshName,
  ns,
  rejection,
  requestPull,
  requestPush,
  sleep,
  startInOrder,
  until,
  within,
} from './bo-helpers.js';

describe('sequential random interleaving of several clients against an array model', () => {
  for (const seed of [1, 7, 42, 2026]) {
    it(`seed ${seed}: push/tryPush/pull/tryPull/pullMany/pullWithId from 4 clients match the model`, async () => {
      const rnd = seededRandom(seed);
      const capacity = 1 + Math.floor(rnd() * 5);
      const name = freshName(`bo-model-${seed}`);
      const clients = Array.from({ length: 4 }, () => durableChannel<number>(ns(), name, { capacity }));
      const model: { v: number; id: string }[] = [];
      let next = 0;
      const storedIds: string[] = [];
      const pick = () => clients[Math.floor(rnd() * clients.length)]!;
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        const c = pick();
        if (r < 0.3) {
          // push only when there is room (a push on a full channel would wait)
          if (model.length < capacity) {
            const v = next++;
            const id = `id-${seed}-${v}`;
            await c.push(v, { id });
            model.push({ v, id });
            storedIds.push(id);
          } else {
            const v = next++;
            expect(await c.tryPush(v)).toBe(false);
          }
        } else if (r < 0.45) {
          const v = next++;
          const ok = await c.tryPush(v, { id: `id-${seed}-${v}` });
          expect(ok).toBe(model.length < capacity);
          if (ok) {
            model.push({ v, id: `id-${seed}-${v}` });
            storedIds.push(`id-${seed}-${v}`);
          }
        } else if (r < 0.6) {
          const got = await c.tryPull();
          expect(got).toBe(model.shift()?.v);
        } else if (r < 0.72) {
          if (model.length > 0) {
            const d = await c.pullWithId();
            const m = model.shift()!;
            expect(d).toMatchObject({ value: m.v, id: m.id, attempt: 1 });
          } else {
            const err = await rejection(c.pull({ signal: AbortSignal.timeout(50) }));
            expect(err).toBeInstanceOf(DOMException);
            expect((err as DOMException).name).toBe('TimeoutError');
          }
        } else if (r < 0.85) {
          const max = 1 + Math.floor(rnd() * 4);
          if (model.length > 0) {
            const got = await c.pullMany(max);
            expect(got).toEqual(model.splice(0, max).map((m) => m.v));
          } else {
            expect(await c.tryPull()).toBeUndefined();
          }
        } else if (r < 0.92) {
          // a retried push with a remembered id stores nothing
          // (also on a full channel: a remembered id resolves, storing nothing)
          if (storedIds.length > 0) {
            const old = storedIds[Math.floor(rnd() * storedIds.length)]!;
            if (rnd() < 0.5) await within(c.push(-1, { id: old }), 5000, 'retried push');
            else expect(await c.tryPush(-1, { id: old })).toBe(true);
          }
        } else {
          const s = await c.stats();
          expect(s).toMatchObject({
            name,
            capacity,
            size: model.length,
            leased: 0,
            closed: false,
            waitingPullers: 0,
            waitingPushers: 0,
          });
        }
      }
      // drain and compare
      const rest: number[] = [];
      for (;;) {
        const v = await clients[0]!.tryPull();
        if (v === undefined) break;
        rest.push(v);
      }
      expect(rest).toEqual(model.map((m) => m.v));
    });
  }
});

describe('concurrent clients', () => {
  it('3 producer clients and 3 consumer clients: every value exactly once, each consumer sees each producer in order', async () => {
    const name = freshName('bo-conc');
    const rnd = seededRandom(99);
    const per = 15;
    const producers = [0, 1, 2].map((p) =>
      (async () => {
        const ch = durableChannel<[number, number]>(ns(), name, { capacity: 4 });
        for (let i = 0; i < per; i++) {
          if (rnd() < 0.3) await sleep(Math.floor(rnd() * 10));
          await ch.push([p, i]);
        }
      })(),
    );
    const received: [number, number][][] = [[], [], []];
    let total = 0;
    const consumers = [0, 1, 2].map((c) =>
      (async () => {
        const ch = durableChannel<[number, number]>(ns(), name, { capacity: 4 });
        while (total < 3 * per) {
          try {
            const batch =
              c === 2
                ? await ch.pullMany(3, { signal: AbortSignal.timeout(300) })
                : [await ch.pull({ signal: AbortSignal.timeout(300) })];
            total += batch.length;
            received[c]!.push(...batch);
          } catch (e) {
            if ((e as DOMException).name !== 'TimeoutError') throw e;
          }
        }
      })(),
    );
    await within(Promise.all([...producers, ...consumers]), 25_000, 'producers and consumers');
    const all = received.flat().map(([p, i]) => `${p}:${i}`);
    expect(all.length).toBe(3 * per);
    expect(new Set(all).size).toBe(3 * per);
    for (const seq of received) {
      for (const p of [0, 1, 2]) {
        const mine = seq.filter(([q]) => q === p).map(([, i]) => i);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }
    const s = await durableChannel(ns(), name).stats();
    expect(s).toMatchObject({ size: 0, leased: 0, waitingPushers: 0, waitingPullers: 0 });
  });

  it('one consumer: the merged order keeps each producer client’s order', async () => {
    const name = freshName('bo-merge');
    const producers = [0, 1, 2, 3].map((p) =>
      (async () => {
        const ch = durableChannel<[number, number]>(ns(), name, { capacity: 2 });
        for (let i = 0; i < 10; i++) await ch.push([p, i]);
      })(),
    );
    const consumer = durableChannel<[number, number]>(ns(), name, { capacity: 2 });
    const got: [number, number][] = [];
    while (got.length < 40) got.push(...(await consumer.pullMany(5)));
    await Promise.all(producers);
    for (const p of [0, 1, 2, 3]) expect(got.filter(([q]) => q === p).map(([, i]) => i)).toEqual([...Array(10).keys()]);
  });

  it('waiting pulls of different clients are served FIFO', async () => {
    const name = freshName('bo-fifo-pullers');
    const a = durableChannel<string>(ns(), name);
    const b = durableChannel<string>(ns(), name);
    const c = durableChannel<string>(ns(), name);
    // Each pull starts once the one before it waits at the object (100 ms apart is no guarantee
    // on a loaded machine).
    const [pa, pb, pc] = await startInOrder(
      [a, b, c].map((client) => () => client.pull()),
      async () => (await a.stats()).waitingPullers,
    );
    expect((await a.stats()).waitingPullers).toBe(3);
    const producer = durableChannel<string>(ns(), name);
    await producer.push('first');
    await producer.push('second');
    await producer.push('third');
    expect(await within(Promise.all([pa, pb, pc]), 5000, 'pulls')).toEqual(['first', 'second', 'third']);
  });

  it('waiting pushes of different clients on a full channel are stored FIFO (backpressure)', async () => {
    const name = freshName('bo-fifo-pushers');
    const clients = [0, 1, 2, 3].map(() => durableChannel<string>(ns(), name, { capacity: 1 }));
    await clients[0]!.push('v0');
    // Each push starts once the one before it waits at the object, as the pulls above.
    const waiting = await startInOrder(
      [1, 2, 3].map((i) => () => clients[i]!.push(`v${i}`)),
      async () => (await clients[0]!.stats()).waitingPushers,
    );
    // All three wait: capacity 1 is full.
    const s = await clients[0]!.stats();
    expect(s).toMatchObject({ size: 1, waitingPushers: 3 });
    let settled = 0;
    for (const w of waiting) w.then(() => settled++);
    await sleep(200);
    expect(settled).toBe(0);
    const consumer = durableChannel<string>(ns(), name);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await consumer.pull());
    await within(Promise.all(waiting), 5000, 'pushes');
    expect(got).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(await consumer.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  it('separate Worker requests: concurrent POSTs (some retried with their id) and GETs deliver each value once', async () => {
    const name = freshName('bo-requests');
    const pushes = Array.from({ length: 12 }, (_, i) => requestPush(name, { n: i }, `job-${i}`));
    const retries = [0, 3, 7].map((i) => requestPush(name, { n: i, retry: true }, `job-${i}`));
    const responses = await Promise.all([...pushes, ...retries]);
    for (const r of responses) expect(r.status).toBe(204);
    const pulls = await Promise.all(Array.from({ length: 12 }, () => requestPull(name, true)));
    const deliveries = await Promise.all(
      pulls.map((r) => r.json() as Promise<{ value: { n: number; retry?: boolean }; id: string }>),
    );
    const ns_ = deliveries.map((d) => d.value.n).sort((a, b) => a - b);
    expect(ns_).toEqual([...Array(12).keys()]);
    for (const d of deliveries) expect(d.id).toBe(`job-${d.value.n}`);
    const s = await durableChannel(ns(), name).stats();
    expect(s).toMatchObject({ size: 0, leased: 0 });
  });

  it('separate requests: a pull request waiting is served by a later push request', async () => {
    const name = freshName('bo-req-wait');
    const pull = requestPull(name);
    await until(async () => (await durableChannel(ns(), name).stats()).waitingPullers === 1); // polled: a fixed sleep is no guarantee on a loaded machine
    await requestPush(name, 'hello');
    const res = await within(pull, 5000, 'pull request');
    expect(await res.json()).toBe('hello');
  });
});

describe('closing seen by every client', () => {
  it('waiting pulls of three clients all reject with ChannelClosedError carrying the reason; later clients too', async () => {
    const name = freshName('bo-close-all');
    const clients = [0, 1, 2].map(() => durableChannel<number>(ns(), name));
    const waits = clients.map((c) => rejection(c.pull()));
    await sleep(150);
    await durableChannel<number>(ns(), name).close({ kind: 'shutdown', code: 7 });
    for (const e of await within(Promise.all(waits), 5000, 'closed pulls')) {
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toEqual({ kind: 'shutdown', code: 7 });
    }
    const late = durableChannel<number>(ns(), name);
    const e = await rejection(late.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toEqual({ kind: 'shutdown', code: 7 });
    expect(await rejection(late.push(1))).toBeInstanceOf(ChannelClosedError);
    expect(await late.tryPush(1)).toBe(false);
    expect(await late.tryPull()).toBeUndefined();
    expect((await late.stats()).closed).toBe(true);
  });

  it('buffered values stay readable by other clients after close; then every for await throws the reason', async () => {
    const name = freshName('bo-close-drain');
    const p = durableChannel<number>(ns(), name, { capacity: 10 });
    for (let i = 0; i < 6; i++) await p.push(i);
    await p.close('bye');
    const a = durableChannel<number>(ns(), name);
    const b = durableChannel<number>(ns(), name);
    const seen: number[][] = [[], []];
    const loops = [a, b].map(async (c, k) => {
      try {
        for await (const v of c) seen[k]!.push(v);
        return 'ended normally';
      } catch (e) {
        return e;
      }
    });
    const outcomes = await within(Promise.all(loops), 10_000, 'for await loops');
    expect(outcomes).toEqual(['bye', 'bye']);
    expect([...seen[0]!, ...seen[1]!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const s of seen) expect(s).toEqual([...s].sort());
  });

  it('close() without reason: for await over it ends normally in every client, pull rejects without cause', async () => {
    const name = freshName('bo-close-noreason');
    const a = durableChannel<number>(ns(), name);
    await a.push(1);
    const loop = (async () => {
      const got: number[] = [];
      for await (const v of durableChannel<number>(ns(), name)) got.push(v);
      return got;
    })();
    await sleep(150);
    await a.close();
    expect(await within(loop, 5000, 'loop')).toEqual([1]);
    const e = await rejection(a.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBeUndefined();
  });

  it('waiting pushes of several clients reject with ChannelClosedError and their values are not delivered', async () => {
    const name = freshName('bo-close-pushers');
    const first = durableChannel<string>(ns(), name, { capacity: 1 });
    await first.push('kept');
    const waits = [1, 2, 3].map((i) => rejection(durableChannel<string>(ns(), name).push(`lost${i}`)));
    await until(async () => (await first.stats()).waitingPushers === 3); // polled: a fixed sleep is no guarantee on a loaded machine
    await durableChannel(ns(), name).close('stop');
    for (const e of await within(Promise.all(waits), 5000, 'pushes')) {
      expect(e).toBeInstanceOf(ChannelClosedError);
    }
    expect(await first.pull()).toBe('kept');
    const e = await rejection(first.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('stop');
  });

  it('close is idempotent across clients: the first reason stays', async () => {
    const name = freshName('bo-close-twice');
    await durableChannel(ns(), name).close('first');
    await durableChannel(ns(), name).close('second');
    const e = await rejection(durableChannel(ns(), name).pull());
    expect(e.cause).toBe('first');
  });
});
