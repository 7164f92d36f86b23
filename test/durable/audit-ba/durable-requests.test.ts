/**
 * Auditor BA — durable: the Worker's own requests (exports.default.fetch), dozens at once, a
 * third of them cancelled by their client while they wait.
 */
import { env, exports } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, until } from '../helpers.js';

const base = 'http://worker.test';

it('(holds) 30 pull requests waiting, 10 cancelled by their clients, 30 push requests: the 20 live pulls get distinct values and the 10 others come back to the channel', async () => {
  const name = freshName('ba-requests');
  const admin = durableChannel<number>(env.CHANNELS as any, name);
  const controllers = Array.from({ length: 30 }, () => new AbortController());
  const pulls = controllers.map((ac) =>
    exports.default
      .fetch(`${base}/pull?name=${encodeURIComponent(name)}&withId=1&leaseMs=300&sliceMs=100`, { signal: ac.signal })
      .then(
        async (response) => (await response.json()) as { value: number; id: string; attempt: number },
        (error: unknown) => (error as Error).name,
      ),
  );
  await until(async () => (await admin.stats()).waitingPullers === 30);
  controllers.forEach((ac, i) => {
    if (i % 3 === 0) ac.abort();
  });
  const pushes = Array.from({ length: 30 }, (_, v) =>
    exports.default.fetch(`${base}/push?name=${encodeURIComponent(name)}&id=v${v}`, {
      method: 'POST',
      body: JSON.stringify(v),
    }),
  );
  for (const response of await Promise.all(pushes)) expect(response.status).toBe(204);
  const outcomes = await Promise.all(pulls);
  const live = outcomes.filter((o): o is { value: number; id: string; attempt: number } => typeof o === 'object');
  expect(outcomes.filter((o) => o === 'AbortError')).toHaveLength(10);
  expect(live).toHaveLength(20);
  // The values handed to the departed requests come back once their leases end.
  await until(async () => {
    const s = await admin.stats();
    return s.size === 10 && s.leased === 0;
  });
  const rest = await admin.pullMany(100);
  const all = [...live.map((o) => o.value), ...rest].sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
}, 10_000);
