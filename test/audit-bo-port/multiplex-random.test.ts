/**
 * Audit BO-port — several streams over one hand-made port pair, both directions, random (FIFO)
 * delivery delays, random receiver closes and sender aborts: every stream keeps FIFO order and
 * full accounting (sent + undelivered + left local == committed pushes; taken + left remote ==
 * sent), and no stream sees another's values.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { ctlPorts, drainNow, sleep } from './helpers.js';

describe('names multiplexing under random delivery', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 4 streams (3 one way, 1 back), random closes and aborts`, async () => {
      const random = seededRandom(seed * 104729);
      const { a, b } = ctlPorts();
      // random per-message delay, FIFO kept (each timer delivers the queue's head)
      const jitter = (port: typeof a) => {
        const original = port.deliver.bind(port);
        port.deliver = (count?: number) => {
          port.delay = Math.floor(random() * 4);
          return original(count);
        };
      };
      jitter(a);
      jitter(b);
      const specs = [
        { name: 'x', from: a, to: b, cap: 0 },
        { name: 'y', from: a, to: b, cap: 2 },
        { name: '', from: a, to: b, cap: 5 },
        { name: 'x', from: b, to: a, cap: 1 }, // same name, other direction
      ];
      const streams = specs.map((spec, k) => {
        const local = new Channel<string>(Math.floor(random() * 3));
        const remote = fromPort<string>(spec.to, { name: spec.name, capacity: spec.cap });
        const controller = new AbortController();
        const sending = toPort(local, spec.from, { name: spec.name, signal: controller.signal });
        return { k, spec, local, remote, controller, sending, committed: [] as string[], taken: [] as string[] };
      });
      const producers = streams.map(async (s) => {
        for (let i = 0; i < 60; i++) {
          const v = `${s.k}:${i}`;
          try {
            await s.local.push(v);
            s.committed.push(v);
          } catch {
            return;
          }
          if (random() < 0.3) await sleep(0);
        }
        s.local.close();
      });
      const consumers = streams.map(async (s) => {
        const stopAt = random() < 0.4 ? 1 + Math.floor(random() * 59) : -1; // not 0: a close before pairing leaves toPort waiting (documented)
        const abortAt = random() < 0.25 ? Math.floor(random() * 60) : -1;
        try {
          for (;;) {
            if (s.taken.length === stopAt) {
              s.remote.close();
              return;
            }
            if (s.taken.length === abortAt) s.controller.abort(new Error('abort'));
            s.taken.push(await s.remote.pull());
            if (random() < 0.3) await sleep(Math.floor(random() * 3));
          }
        } catch {
          // closed
        }
      });
      await Promise.all(consumers);
      const results = await Promise.all(streams.map((s) => s.sending));
      for (const s of streams) s.local.close();
      await Promise.all(producers);
      streams.forEach((s, i) => {
        const r = results[i] as { sent: number; undelivered: string[] };
        const leftRemote = drainNow(s.remote);
        const leftLocal = drainNow(s.local);
        const where = `seed ${seed} stream ${s.k}`;
        expect([...s.taken, ...leftRemote, ...r.undelivered, ...leftLocal], where).toEqual(s.committed);
        expect(r.sent, where).toBe(s.taken.length + leftRemote.length);
        expect(
          s.taken.every((v) => v.startsWith(`${s.k}:`)),
          where,
        ).toBe(true);
      });
    }, 30_000);
  }
});
