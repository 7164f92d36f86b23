/**
 * Auditor BO — waiting in short slices (sliceMs well below the waits): FIFO among the waiters of
 * several clients across slice boundaries, aborts between slices, close while waiters are away.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName, ns, sleep, startInOrder, within } from './bo-helpers.js';

const opts = { sliceMs: 25, leaseMs: 400 };

describe('short slices', () => {
  it('pulls of four clients keep FIFO across many slices', async () => {
    const name = freshName('bo-sl-pulls');
    // Each client's pull starts once the one before it waits at the object (60 ms apart is no
    // guarantee on a loaded machine: the pushes' twin below failed that way).
    const pulls = await startInOrder(
      [0, 1, 2, 3].map(() => () => durableChannel<number>(ns(), name, opts).pull()),
      async () => (await durableChannel(ns(), name).stats()).waitingPullers,
    );
    await sleep(300); // about a dozen slices each
    const s = await durableChannel(ns(), name).stats();
    expect(s.waitingPullers).toBe(4);
    const p = durableChannel<number>(ns(), name, opts);
    for (let i = 0; i < 4; i++) await p.push(i);
    expect(await within(Promise.all(pulls), 5000, 'pulls')).toEqual([0, 1, 2, 3]);
  });

  it('pushes of four clients waiting for room keep FIFO across many slices', async () => {
    const name = freshName('bo-sl-pushes');
    const first = durableChannel<number>(ns(), name, { ...opts, capacity: 1 });
    await first.push(-1);
    // As above: each push starts once the one before it waits at the object (60 ms apart, a
    // stress run of the suite on 2026-12-07 got -1, 1, 2, 0, 3).
    const pushes = await startInOrder(
      [0, 1, 2, 3].map((i) => () => durableChannel<number>(ns(), name, { ...opts, capacity: 1 }).push(i)),
      async () => (await first.stats()).waitingPushers,
    );
    await sleep(300);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await first.pull());
    await within(Promise.all(pushes), 5000, 'pushes');
    expect(got).toEqual([-1, 0, 1, 2, 3]);
  });

  it('close while pulls and pushes of several clients wait between slices: all are told, nothing stored', async () => {
    const name = freshName('bo-sl-close');
    const full = durableChannel<number>(ns(), name, { ...opts, capacity: 1 });
    await full.push(0);
    const pushes = [1, 2].map((v) =>
      durableChannel<number>(ns(), name, { ...opts, capacity: 1 })
        .push(v)
        .then(
          () => v,
          (e) => e,
        ),
    );
    await sleep(200);
    expect(await full.pull()).toBe(0); // frees the slot: push 1 gets stored
    await sleep(100);
    const pulls = [0, 1, 2].map(() =>
      durableChannel<number>(ns(), name, opts)
        .pull()
        .then(
          (v) => v,
          (e) => e,
        ),
    );
    await sleep(200);
    await full.close('closed between slices');
    const pushOutcomes = await within(Promise.all(pushes), 5000, 'pushes');
    const pullOutcomes = await within(Promise.all(pulls), 5000, 'pulls');
    const storedPushes = pushOutcomes.filter((o) => typeof o === 'number');
    for (const o of pushOutcomes) if (typeof o !== 'number') expect(o).toBeInstanceOf(ChannelClosedError);
    const values = pullOutcomes.filter((o) => typeof o === 'number');
    for (const o of pullOutcomes) {
      if (typeof o === 'number') continue;
      expect(o).toBeInstanceOf(ChannelClosedError);
      expect((o as ChannelClosedError).cause).toBe('closed between slices');
    }
    expect(values.sort()).toEqual(storedPushes.sort());
    expect(storedPushes).toContain(1);
    expect(await full.stats()).toMatchObject({
      size: 0,
      leased: 0,
      waitingPushers: 0,
      waitingPullers: 0,
      closed: true,
    });
  });

  it('seeded: random waits, aborts and pushes across slices, exactly once', async () => {
    const rnd = seededRandom(31337);
    const name = freshName('bo-sl-seeded');
    const delivered: number[] = [];
    const stored: number[] = [];
    const tasks: Promise<void>[] = [];
    for (let c = 0; c < 4; c++) {
      const ch = durableChannel<number>(ns(), name, { ...opts, capacity: 2 });
      const plan = Array.from({ length: 8 }, () => ({
        push: rnd() < 0.5,
        abortMs: rnd() < 0.4 ? Math.floor(rnd() * 150) : 600,
        delay: Math.floor(rnd() * 60),
      }));
      tasks.push(
        (async () => {
          for (const [i, step] of plan.entries()) {
            await sleep(step.delay);
            const signal = AbortSignal.timeout(step.abortMs);
            if (step.push) {
              const v = c * 100 + i;
              try {
                await ch.push(v, { signal });
                stored.push(v);
              } catch (e) {
                expect((e as DOMException).name).toBe('TimeoutError');
              }
            } else {
              try {
                delivered.push(await ch.pull({ signal }));
              } catch (e) {
                expect((e as DOMException).name).toBe('TimeoutError');
              }
            }
          }
        })(),
      );
    }
    await within(Promise.all(tasks), 20_000, 'tasks');
    await sleep(100);
    const ch = durableChannel<number>(ns(), name, opts);
    expect(await ch.stats()).toMatchObject({ leased: 0, waitingPushers: 0, waitingPullers: 0 });
    await ch.close();
    for await (const v of ch) delivered.push(v);
    expect([...delivered].sort((a, b) => a - b)).toEqual([...stored].sort((a, b) => a - b));
  }, 30_000);
});
