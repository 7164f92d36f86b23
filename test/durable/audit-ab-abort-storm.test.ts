/**
 * Audit AB: aborts at random moments — while a call is in flight, between two slices, during a
 * hand-out — never lose, duplicate or smuggle in a value: a push that rejected with its signal's
 * reason stored nothing, a push that resolved is read exactly once, a pull that rejected took
 * nothing.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { seededRandom } from '../helpers/random.js';
import { freshName, pause } from './helpers.js';

describe('audit AB: abort storm', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: pushes and pulls aborted at random moments, short slices, capacity 3: every resolved push read exactly once, nothing else`, async () => {
      const random = seededRandom(seed); // replays a failing run from its seed
      const name = freshName(`ab-storm-${seed}`);
      const options = { capacity: 3, sliceMs: 15, leaseMs: 5000 };
      const resolvedPushes = new Set<string>();
      const rejectedPushes = new Set<string>();
      const pulled: string[] = [];
      const producers = Array.from({ length: 3 }, async (_, p) => {
        const client = durableChannel<string>(env.CHANNELS, name, options);
        for (let k = 0; k < 15; k++) {
          const value = `${p}:${k}`;
          const ac = new AbortController();
          const timer = setTimeout(() => ac.abort(new Error('push timeout')), Math.floor(random() * 40));
          try {
            await client.push(value, { signal: ac.signal });
            resolvedPushes.add(value);
          } catch (error) {
            expect((error as Error).message).toBe('push timeout');
            rejectedPushes.add(value);
          } finally {
            clearTimeout(timer);
          }
        }
      });
      let producing = true;
      const consumers = Array.from({ length: 3 }, async (_, c) => {
        const client = durableChannel<string>(env.CHANNELS, name, options);
        while (producing) {
          const ac = new AbortController();
          const timer = setTimeout(() => ac.abort(new Error('pull timeout')), Math.floor(random() * 40));
          try {
            if (c === 2) pulled.push(...(await client.pullMany(2, { signal: ac.signal })));
            else pulled.push(await client.pull({ signal: ac.signal }));
          } catch (error) {
            expect((error as Error).message).toBe('pull timeout');
          } finally {
            clearTimeout(timer);
          }
        }
      });
      await Promise.all(producers);
      producing = false;
      await Promise.all(consumers);
      const drain = durableChannel<string>(env.CHANNELS, name, options);
      // Anything left is ready or comes back from a lease soon (none should be leased: every
      // pull either acknowledged or withdrew).
      const stats = await drain.stats();
      expect(stats.leased).toBe(0);
      expect(stats.waitingPullers).toBe(0);
      while (true) {
        const value = await drain.tryPull();
        if (value === undefined) break;
        pulled.push(value);
      }
      await pause(0);
      expect(resolvedPushes.size + rejectedPushes.size).toBe(45);
      expect(new Set(pulled).size).toBe(pulled.length); // no duplicate
      expect([...pulled].sort()).toEqual([...resolvedPushes].sort());
      // Stored values keep each producer's order, as read by the consumers overall is not
      // checked (three consumers), but the set is exact.
      await drain.close();
    });
  }
});
