/**
 * Auditor AZ — durable: one client kept across request contexts (module scope, as the README
 * allows: "No I/O; keep it anywhere"), whose waiting pulls an object reset fails.
 *
 * A second request context is made with `runInDurableObject` on another object (a Durable
 * Object's call is an I/O context of its own, as a Worker request is).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, rawStub, resetFlagged, resetObject, until } from '../helpers.js';

async function round(reset: boolean, elsewhere = true): Promise<string> {
  const name = freshName('az-shared');
  const shared = durableChannel<number>(resetFlagged(), name, { leaseMs: 300 }); // kept at module scope by the app
  const producer = durableChannel<number>(env.CHANNELS as any, name);
  // Request A (another context) and request B (this one) each pull through the shared client,
  // with a time-out (values come within milliseconds; the time-out only ends a hung pull).
  const pullA = () => shared.pull({ signal: AbortSignal.timeout(1500) });
  const a = (elsewhere ? runInDurableObject(rawStub(freshName('az-host')), pullA) : pullA()).then(
    (v) => `A:${v}`,
    (e: unknown) => `A:error ${String(e)}`,
  );
  const b = shared.pull({ signal: AbortSignal.timeout(1500) }).then(
    (v) => `B:${v}`,
    (e: unknown) => `B:error ${String(e)}`,
  );
  await until(async () => (await producer.stats()).waitingPullers === 2);
  if (reset) await resetObject(name); // a deploy while both wait
  await producer.push(1);
  await producer.push(2);
  const outcome = `${await a} ${await b}`;
  const stats = await producer.stats();
  // Whatever is still in the channel once the leases have ended (300 ms): a value a pull
  // returned here is a duplicate; one no pull returned is the hung pull's.
  const left = await producer.pullMany(5, { signal: AbortSignal.timeout(800) }).catch(() => []);
  return `${outcome} leased=${stats.leased} left=${JSON.stringify(left)}`;
}

it('two requests pulling through one module-scope client across an object reset both get a value', async () => {
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => round(true)));
  console.log('reset rounds:', outcomes);
  expect(outcomes.filter((o) => !/^A:[12] B:[12] leased=0 left=\[\]$/.test(o))).toEqual([]);
}, 20_000);

it('(holds) two requests pulling through one module-scope client, no reset: both get a value', async () => {
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => round(false)));
  expect(outcomes.filter((o) => !/^A:[12] B:[12] leased=0 left=\[\]$/.test(o))).toEqual([]);
}, 20_000);

it('(holds) two pulls through one client in one request context across an object reset both get a value', async () => {
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => round(true, false)));
  expect(outcomes.filter((o) => !/^A:[12] B:[12] leased=0 left=\[\]$/.test(o))).toEqual([]);
}, 20_000);
