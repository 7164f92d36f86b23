/**
 * Audit AB: a queue under repeated object resets (a deploy or an eviction every ~150 ms) while
 * producers and consumers run in their own clients: no value lost, none invented, FIFO per
 * producer, and a value delivered twice only with `attempt` > 1 on the later delivery
 * (at-least-once at worst, as the README's failure table says).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName, pause, resetFlagged, resetObject } from './helpers.js';

describe('audit AB: chaos', () => {
  for (const capacity of [2, Infinity]) {
    it(`capacity ${capacity}: resets every ~150 ms while 3 producers push 12 values each and 3 consumers pull`, async () => {
      const name = freshName(`ab-chaos-${capacity}`);
      const options = { capacity, sliceMs: 100, leaseMs: 600 };
      await durableChannel(env.CHANNELS, name, options).stats();
      let running = true;
      let resets = 0;
      const resetter = (async () => {
        while (running) {
          await pause(150);
          if (!running) break;
          await resetObject(name);
          resets++;
        }
      })();
      const pushed: string[] = [];
      const producers = Array.from({ length: 3 }, async (_, p) => {
        const client = durableChannel<string>(resetFlagged(), name, options);
        for (let k = 0; k < 12; k++) {
          const value = `${p}:${String(k).padStart(2, '0')}`;
          // The application's own retry on top of the client's: same id, so stored once.
          for (let attempt = 0; ; attempt++) {
            try {
              await client.push(value, { id: value });
              break;
            } catch (error) {
              if (attempt > 20) throw error;
              await pause(20);
            }
          }
          pushed.push(value);
        }
      });
      const deliveries: { consumer: number; value: string; id: string; attempt: number }[] = [];
      let producing = true;
      const consumers = Array.from({ length: 3 }, async (_, c) => {
        const client = durableChannel<string>(resetFlagged(), name, options);
        while (producing || new Set(deliveries.map((d) => d.id)).size < 36) {
          try {
            const delivery = await client.pullWithId({ signal: AbortSignal.timeout(400) });
            deliveries.push({ consumer: c, ...delivery });
          } catch {
            // a timeout, or a call that failed on every retry: pull again
          }
        }
      });
      await Promise.all(producers);
      producing = false;
      await Promise.all(consumers);
      running = false;
      await resetter;
      expect(resets).toBeGreaterThan(0);
      expect(pushed.length).toBe(36);
      // Nothing lost, nothing invented.
      expect([...new Set(deliveries.map((d) => d.value))].sort()).toEqual([...pushed].sort());
      for (const d of deliveries) expect(d.id).toBe(d.value);
      // An id delivered twice was handed out twice: its deliveries carry distinct attempts
      // (the later hand-out's above 1; which caller resolves first is not ordered).
      const attempts = new Map<string, number[]>();
      for (const d of deliveries) attempts.set(d.id, [...(attempts.get(d.id) ?? []), d.attempt]);
      for (const list of attempts.values()) {
        expect(new Set(list).size).toBe(list.length);
        if (list.length > 1) expect(Math.max(...list)).toBeGreaterThan(1);
      }
      // FIFO per producer, per consumer (first deliveries only).
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 3; p++) {
          const firsts = deliveries.filter((d) => d.consumer === c && d.attempt === 1 && d.value.startsWith(`${p}:`));
          const values = firsts.map((d) => d.value);
          expect(values).toEqual([...values].sort());
        }
      }
      const plain = durableChannel<string>(env.CHANNELS, name);
      await expect(plain.tryPull()).resolves.toBeUndefined();
      console.log(`capacity ${capacity}: ${resets} resets, ${deliveries.length} deliveries of 36 values`);
    });
  }
});
