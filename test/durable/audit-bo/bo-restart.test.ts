/**
 * Auditor BO — object restarts (a fresh instance over the same storage, as after an eviction or a
 * deploy), lease expiry through the object's alarm, and a seeded model with restarts interleaved.
 */
import * as cloudflareTest from 'cloudflare:test';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { rawLimits, resetFlagged } from '../helpers.js';
import { freshName, ns, rawStub, rejection, resetObject, sleep, within } from './bo-helpers.js';

const { runDurableObjectAlarm } = cloudflareTest as unknown as {
  runDurableObjectAlarm(stub: unknown): Promise<boolean>;
};
const flagged = () => resetFlagged() as never;

describe('restarts', () => {
  for (const seed of [21, 77]) {
    it(`seed ${seed}: random ops from several clients with object restarts in between match the model`, async () => {
      const rnd = seededRandom(seed);
      const name = freshName(`bo-rs-model-${seed}`);
      const capacity = 2 + Math.floor(rnd() * 4);
      const clients = [0, 1, 2].map(() => durableChannel<{ n: number }>(ns(), name, { capacity }));
      const model: { n: number; id: string }[] = [];
      let next = 0;
      let resets = 0;
      for (let step = 0; step < 45; step++) {
        const c = clients[Math.floor(rnd() * clients.length)]!;
        const r = rnd();
        if (r < 0.12) {
          await resetObject(name);
          resets++;
        } else if (r < 0.5) {
          const n = next++;
          const ok = await c.tryPush({ n }, { id: `r${n}` });
          expect(ok).toBe(model.length < capacity);
          if (ok) model.push({ n, id: `r${n}` });
        } else if (r < 0.75) {
          if (model.length === 0) expect(await c.tryPull()).toBeUndefined();
          else {
            const d = await c.pullWithId();
            const m = model.shift()!;
            expect(d.value).toEqual({ n: m.n });
            expect(d.id).toBe(m.id);
          }
        } else if (r < 0.9) {
          const max = 1 + Math.floor(rnd() * 3);
          if (model.length === 0) expect(await c.tryPull()).toBeUndefined();
          else expect(await c.pullMany(max)).toEqual(model.splice(0, max).map((m) => ({ n: m.n })));
        } else {
          expect(await c.stats()).toMatchObject({ capacity, size: model.length, leased: 0, closed: false });
        }
      }
      expect(resets).toBeGreaterThan(0);
      await clients[0]!.close('end');
      await resetObject(name);
      const rest: number[] = [];
      let thrown: unknown = 'nothing';
      try {
        for await (const v of durableChannel<{ n: number }>(ns(), name)) rest.push(v.n);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBe('end');
      expect(rest).toEqual(model.map((m) => m.n));
      // capacity persisted: a client with another capacity is refused
      const e = await rejection(durableChannel(ns(), name, { capacity: capacity + 1 }).stats());
      expect(e).toBeInstanceOf(RangeError);
    }, 30_000);
  }

  it('closed state and reason persist across a restart; waiting pulls of other clients see the close after it', async () => {
    const name = freshName('bo-rs-close');
    const a = durableChannel<number>(flagged(), name);
    await a.push(1);
    await a.close({ why: 'maintenance' });
    await resetObject(name);
    const b = durableChannel<number>(flagged(), name);
    expect((await b.stats()).closed).toBe(true);
    expect(await b.pull()).toBe(1);
    const e = await rejection(b.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toEqual({ why: 'maintenance' });
    expect(await rejection(b.push(2))).toBeInstanceOf(ChannelClosedError);
  });

  it('pulls of three clients parked across a restart each get one value pushed after it', async () => {
    const name = freshName('bo-rs-parked');
    const pulls = [0, 1, 2].map(() => durableChannel<number>(flagged(), name).pull());
    await sleep(150);
    await resetObject(name);
    await sleep(50);
    const p = durableChannel<number>(flagged(), name);
    for (const v of [1, 2, 3]) await p.push(v);
    const got = await within(Promise.all(pulls), 15_000, 'parked pulls');
    expect(got.sort()).toEqual([1, 2, 3]);
    await sleep(100);
    expect(await p.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });
});

describe('leases and the alarm (a caller that vanished after the hand-out)', () => {
  it('a value handed to a vanished caller comes back at the head after leaseMs, same id, attempt 2', async () => {
    const name = freshName('bo-lease');
    const ch = durableChannel<string>(ns(), name, { leaseMs: 300 });
    await ch.push('a', { id: 'A' });
    await ch.push('b', { id: 'B' });
    // A caller that pulled and then disappeared: its pull reached the object, no acknowledgement ever comes.
    const answer = (await rawStub(name).pull({ ticket: 'vanished', max: 1, ...rawLimits(300) })) as {
      kind: string;
      deliveries: { id: string }[];
    };
    expect(answer.kind).toBe('values');
    expect(answer.deliveries[0]!.id).toBe('A');
    expect(await ch.stats()).toMatchObject({ size: 1, leased: 1 });
    // Meanwhile another client gets the next ready value.
    expect(await ch.pullWithId()).toMatchObject({ value: 'b', id: 'B', attempt: 1 });
    // A pull now waits (capacity counts the leased value, nothing is ready) until the lease ends.
    const waiting = durableChannel<string>(ns(), name, { leaseMs: 300 }).pullWithId();
    await sleep(500);
    await runDurableObjectAlarm(rawStub(name)).catch(() => false);
    const d = await within(waiting, 10_000, 'pull after the lease ended');
    expect(d).toMatchObject({ value: 'a', id: 'A', attempt: 2 });
    await sleep(50);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  it('a closed channel with a value leased to a vanished caller: a pull waits for the lease, then gets the value, then ChannelClosedError', async () => {
    const name = freshName('bo-lease-close');
    const ch = durableChannel<string>(ns(), name, { leaseMs: 300 });
    await ch.push('x', { id: 'X' });
    await rawStub(name).pull({ ticket: 'gone', max: 1, ...rawLimits(300) });
    await ch.close('closing');
    const d = await within(ch.pullWithId(), 10_000, 'pull of the value whose lease ends');
    expect(d).toMatchObject({ value: 'x', id: 'X', attempt: 2 });
    const e = await rejection(ch.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('closing');
  });

  it('values leased when the object restarts are back at the head, in order, with their ids', async () => {
    const name = freshName('bo-lease-reset');
    const ch = durableChannel<number>(ns(), name);
    for (const v of [1, 2, 3, 4]) await ch.push(v, { id: `v${v}` });
    await rawStub(name).pull({ ticket: 't', max: 2, ...rawLimits(60_000) });
    expect(await ch.stats()).toMatchObject({ size: 2, leased: 2 });
    await resetObject(name);
    const got = await ch.pullMany(10);
    expect(got).toEqual([1, 2, 3, 4]);
  });
});
