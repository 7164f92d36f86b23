/**
 * Auditor BO — a lease far shorter than a round trip (leaseMs 1), several consumer clients, and
 * a client shared by several Worker requests (module scope): still exactly once when nothing fails.
 */
import { exports } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, ns, sleep, within } from './bo-helpers.js';

describe('leaseMs 1', () => {
  it('three consumers, 30 values: each delivered once (late acknowledgements win), none lost', async () => {
    const name = freshName('bo-lease1');
    const producer = durableChannel<number>(ns(), name, { leaseMs: 1 });
    for (let i = 0; i < 30; i++) await producer.push(i);
    const got: number[][] = [[], [], []];
    await within(
      Promise.all(
        [0, 1, 2].map(async (c) => {
          const ch = durableChannel<number>(ns(), name, { leaseMs: 1 });
          for (;;) {
            const v =
              c === 1
                ? await ch.pullMany(3, { signal: AbortSignal.timeout(400) }).catch(() => [])
                : await ch.pull({ signal: AbortSignal.timeout(400) }).then(
                    (x) => [x],
                    () => [],
                  );
            if (v.length === 0) {
              const s = await ch.stats();
              if (s.size === 0 && s.leased === 0) return;
              continue;
            }
            got[c]!.push(...v);
          }
        }),
      ),
      20_000,
      'consumers',
    );
    const all = got.flat().sort((a, b) => a - b);
    expect(all).toEqual([...Array(30).keys()]);
  });
});

describe('a client kept at module scope, used by several requests', () => {
  it('push and pull requests through the shared client: each value once', async () => {
    const name = freshName('bo-shared');
    const q = `name=${encodeURIComponent(name)}`;
    const pulls = Array.from({ length: 6 }, () => exports.default.fetch(`https://w/shared-pull?${q}`));
    await sleep(150);
    const pushes = Array.from({ length: 6 }, (_, i) =>
      exports.default.fetch(`https://w/shared-push?${q}`, { method: 'POST', body: JSON.stringify(i) }),
    );
    for (const r of await Promise.all(pushes)) expect(r.status).toBe(204);
    const values = await within(
      Promise.all(pulls.map(async (r) => (await r).json() as Promise<number>)),
      10_000,
      'pulls',
    );
    expect(values.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await durableChannel(ns(), name).stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });
});
