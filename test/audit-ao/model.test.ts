import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { flush } from './helpers.js';

type Outcome = { kind: 'value'; value: unknown } | { kind: 'ok' } | { kind: 'aborted' } | { kind: 'closed' };

describe('model-based: random mixes of blocking, non-blocking, batch and abort operations', () => {
  it.each([0, 1, 2, 3, 7])('capacity %i: every outcome matches a FIFO reference model', async (cap) => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed * 7919 + cap);
      const ch = new Channel<number>(cap);
      // reference model
      const buffer: number[] = [];
      type PPush = { id: number; value: number };
      type PPull = { id: number; many: boolean };
      const pushers: PPush[] = [];
      const pullers: PPull[] = [];
      const expected = new Map<number, Outcome>();
      const actual = new Map<number, Promise<Outcome>>();
      const controllers = new Map<number, AbortController>();
      let nextId = 0;
      let nextValue = 0;

      const deliverToPuller = (v: number) => {
        const p = pullers.shift()!;
        expected.set(p.id, { kind: 'value', value: p.many ? [v] : v });
      };
      const modelPullOne = (): number | undefined => {
        if (buffer.length > 0) {
          const v = buffer.shift()!;
          if (pushers.length > 0) {
            const p = pushers.shift()!;
            buffer.push(p.value);
            expected.set(p.id, { kind: 'ok' });
          }
          return v;
        }
        if (pushers.length > 0) {
          const p = pushers.shift()!;
          expected.set(p.id, { kind: 'ok' });
          return p.value;
        }
        return undefined;
      };
      const observe = <T>(p: Promise<T>, map: (v: T) => Outcome) =>
        p.then(map, (e: unknown) =>
          e instanceof ChannelClosedError ? ({ kind: 'closed' } as Outcome) : ({ kind: 'aborted' } as Outcome),
        );

      for (let step = 0; step < 60; step++) {
        const r = random();
        const id = nextId++;
        if (r < 0.3) {
          const v = nextValue++;
          const c = new AbortController();
          controllers.set(id, c);
          actual.set(
            id,
            observe(ch.push(v, { signal: c.signal }), () => ({ kind: 'ok' })),
          );
          if (pullers.length > 0) {
            deliverToPuller(v);
            expected.set(id, { kind: 'ok' });
          } else if (buffer.length < cap) {
            buffer.push(v);
            expected.set(id, { kind: 'ok' });
          } else pushers.push({ id, value: v });
        } else if (r < 0.4) {
          const v = nextValue++;
          const ok = ch.tryPush(v);
          let exp = false;
          if (pullers.length > 0) {
            deliverToPuller(v);
            exp = true;
          } else if (buffer.length < cap) {
            buffer.push(v);
            exp = true;
          }
          expect(ok).toBe(exp);
        } else if (r < 0.6) {
          const c = new AbortController();
          controllers.set(id, c);
          actual.set(
            id,
            observe(ch.pull({ signal: c.signal }), (value) => ({ kind: 'value', value })),
          );
          const v = modelPullOne();
          if (v !== undefined) expected.set(id, { kind: 'value', value: v });
          else pullers.push({ id, many: false });
        } else if (r < 0.7) {
          const got = ch.tryPull();
          expect(got).toBe(modelPullOne());
        } else if (r < 0.82) {
          const max = 1 + Math.floor(random() * 4);
          const c = new AbortController();
          controllers.set(id, c);
          actual.set(
            id,
            observe(ch.pullMany(max, { signal: c.signal }), (value) => ({ kind: 'value', value })),
          );
          const taken: number[] = [];
          for (let i = 0; i < max; i++) {
            const v = modelPullOne();
            if (v === undefined) break;
            taken.push(v);
          }
          if (taken.length > 0) expected.set(id, { kind: 'value', value: taken });
          else pullers.push({ id, many: true });
        } else {
          // abort a random parked operation (or a settled one: no effect)
          const ids = [...controllers.keys()];
          if (ids.length === 0) continue;
          const victim = ids[Math.floor(random() * ids.length)]!;
          controllers.get(victim)!.abort('stop');
          controllers.delete(victim);
          const pi = pushers.findIndex((p) => p.id === victim);
          if (pi >= 0) {
            pushers.splice(pi, 1);
            expected.set(victim, { kind: 'aborted' });
          }
          const qi = pullers.findIndex((p) => p.id === victim);
          if (qi >= 0) {
            pullers.splice(qi, 1);
            expected.set(victim, { kind: 'aborted' });
          }
        }
        expect(ch.size).toBe(buffer.length);
        expect(ch.stats().waitingPushers).toBe(pushers.length);
        expect(ch.stats().waitingPullers).toBe(pullers.length);
        if (random() < 0.2) await flush();
      }
      ch.close();
      for (const p of pushers) expected.set(p.id, { kind: 'closed' });
      for (const p of pullers) expected.set(p.id, { kind: 'closed' });
      const rest: number[] = [];
      for await (const v of ch) rest.push(v);
      expect(rest).toEqual(buffer);
      for (const [id, promise] of actual) {
        expect({ seed, id, outcome: await promise }).toEqual({ seed, id, outcome: expected.get(id) });
      }
    }
  });

  it.each([
    [Infinity, 'block'],
    [3000, 'block'],
    [2500, 'drop-oldest'],
    [2000, 'drop-newest'],
    [1100, 'drop-oldest'],
  ] as const)(
    'capacity %s %s: large bursts through a growing and shrinking buffer keep FIFO',
    async (cap, overflow) => {
      const random = seededRandom(4242);
      const ch = new Channel<number>(cap, { overflow });
      const model: number[] = [];
      let next = 0;
      for (let step = 0; step < 300; step++) {
        const r = random();
        if (r < 0.45) {
          const n = Math.floor(random() * (random() < 0.15 ? 4000 : 50));
          for (let i = 0; i < n; i++) {
            const v = next++;
            const ok = ch.tryPush(v);
            if (model.length < cap) {
              model.push(v);
              expect(ok).toBe(true);
            } else if (overflow === 'drop-oldest') {
              model.shift();
              model.push(v);
            } else if (overflow === 'block') expect(ok).toBe(false);
          }
        } else if (r < 0.8) {
          const n = Math.floor(random() * (random() < 0.15 ? 4000 : 60));
          for (let i = 0; i < n; i++) expect(ch.tryPull()).toBe(model.shift());
        } else {
          const max = 1 + Math.floor(random() * 3000);
          const exp = model.splice(0, max);
          if (exp.length === 0) continue;
          expect(await ch.pullMany(max)).toEqual(exp);
        }
        expect(ch.size).toBe(model.length);
      }
    },
  );
});
