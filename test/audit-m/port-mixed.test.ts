/**
 * Audit M, property: two port streams read by a random mix of consumers at once — plain and
 * aborted pulls, pullMany, tryPull, select over both remote channels and a local one, iteration
 * with break, a ReadableStream read — while the producers push with random pauses. Every value
 * arrives exactly once, in order per stream, and both toPorts account for all they pulled.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Channel, ChannelClosedError, pull, select } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, ports, sleep } from '../helpers/ports.js';

closePortsAfterEach();

type Op =
  | { kind: 'pull'; s: 0 | 1; abortAfter: number | null }
  | { kind: 'pullMany'; s: 0 | 1; max: number }
  | { kind: 'tryPull'; s: 0 | 1 }
  | { kind: 'select'; abortAfter: number | null }
  | { kind: 'iterate'; s: 0 | 1; take: number }
  | { kind: 'stream'; s: 0 | 1; take: number }
  | { kind: 'pause'; ms: number };

const s = fc.constantFrom<0 | 1>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('pull' as const), s, abortAfter: fc.option(fc.nat(3)) }),
  fc.record({ kind: fc.constant('pullMany' as const), s, max: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('tryPull' as const), s }),
  fc.record({ kind: fc.constant('select' as const), abortAfter: fc.option(fc.nat(3)) }),
  fc.record({ kind: fc.constant('iterate' as const), s, take: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('stream' as const), s, take: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('pause' as const), ms: fc.nat(3) }),
);

const COUNT = 25;

test('random consumers on two remote channels: every value once, in order per stream, accounted for', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.nat(4), fc.nat(4)),
      fc.tuple(fc.nat(2), fc.nat(2)),
      fc.array(op, { minLength: 5, maxLength: 30 }),
      async (capacities, pauses, ops) => {
        const [a1, a2] = ports();
        const [b1, b2] = ports();
        const locals = [new Channel<number>(0), new Channel<number>(1)];
        const remotes = [
          fromPort<number>(a2, { capacity: capacities[0] }),
          fromPort<number>(b2, { capacity: capacities[1] }),
        ];
        const sendings = [toPort(locals[0] as Channel<number>, a1), toPort(locals[1] as Channel<number>, b1)];
        const producers = locals.map(async (local, i) => {
          for (let v = 0; v < COUNT; v++) {
            await local.push(i * 1000 + v);
            if (pauses[i] && v % 5 === 0) await sleep(pauses[i] as number);
          }
          local.close();
        });
        const got: number[][] = [[], [], []];
        const take = (v: number) => got[v >= 1000 ? 1 : 0]?.push(v);
        const side = new Channel<number>(0);
        const timed = (ms: number | null) => (ms === null ? undefined : AbortSignal.timeout(ms));
        const closed = (e: unknown) => {
          if (!(e instanceof ChannelClosedError) && !(e instanceof DOMException)) throw e;
        };
        for (const o of ops) {
          const remote = 's' in o ? (remotes[o.s] as Channel<number>) : undefined;
          switch (o.kind) {
            case 'pull':
              await remote?.pull({ signal: timed(o.abortAfter) }).then(take, closed);
              break;
            case 'pullMany':
              await remote?.pullMany(o.max, { signal: AbortSignal.timeout(5) }).then((vs) => vs.forEach(take), closed);
              break;
            case 'tryPull': {
              const v = remote?.tryPull();
              if (v !== undefined) take(v);
              break;
            }
            case 'select':
              await select([pull(remotes[0] as Channel<number>), pull(remotes[1] as Channel<number>), pull(side)], {
                signal: timed(o.abortAfter ?? 5),
              }).then((r) => {
                if (r.ok) take(r.value as number);
              }, closed);
              break;
            case 'iterate': {
              let n = 0;
              const deadline = AbortSignal.timeout(10);
              const iterator = remote?.[Symbol.asyncIterator]();
              while (n < o.take && iterator) {
                const next = iterator.next();
                const r = await Promise.race([
                  next,
                  new Promise<'late'>((resolve) => deadline.addEventListener('abort', () => resolve('late'))),
                ]);
                if (r === 'late') {
                  await iterator.return?.();
                  const settled = await next;
                  if (!settled.done) take(settled.value);
                  break;
                }
                if (r.done) break;
                take(r.value);
                n++;
              }
              break;
            }
            case 'stream': {
              const reader = remote?.toReadableStream().getReader();
              for (let n = 0; n < o.take && reader; n++) {
                const read = reader.read();
                const timer = sleep(10).then(() => 'late' as const);
                const r = await Promise.race([read.catch(() => ({ done: true, value: undefined })), timer]);
                if (r === 'late') {
                  await reader.cancel();
                  const settled = await read.catch(() => ({ done: true as const, value: undefined }));
                  if (!settled.done && settled.value !== undefined) take(settled.value);
                  break;
                }
                if (r.done) break;
                take(r.value as number);
              }
              reader?.releaseLock();
              break;
            }
            case 'pause':
              await sleep(o.ms);
              break;
          }
        }
        // Drain what is left, then check.
        for (const remote of remotes) for await (const v of remote) take(v);
        await Promise.all(producers);
        const results = await Promise.all(sendings);
        const range = (base: number) => Array.from({ length: COUNT }, (_, i) => base + i);
        expect(got[0]).toEqual(range(0));
        expect(got[1]).toEqual(range(1000));
        expect(results).toEqual([
          { sent: COUNT, undelivered: [] },
          { sent: COUNT, undelivered: [] },
        ]);
        for (const p of [a1, a2, b1, b2]) p.close();
      },
    ),
    { numRuns: 60 },
  );
}, 120_000);
