// Audit BR-peers-e: a fast-check model test in the spirit of .NET's Stress.cs and of the
// BoundedChannelTests matrix (every FullMode × capacity), against a plain-array model of the SPEC:
// FIFO buffer, FIFO parked pushers and pullers, drop policies, abort and close. Every operation
// must settle exactly as the model says, exactly once.
import { Channel, ChannelClosedError, type Overflow } from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flush, type State, track } from './helpers.js';

type Op =
  | { kind: 'push' }
  | { kind: 'tryPush' }
  | { kind: 'pull' }
  | { kind: 'tryPull' }
  | { kind: 'pullMany'; max: number }
  | { kind: 'abort'; which: number }
  | { kind: 'close' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'push' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'tryPush' }) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'pull' }) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'tryPull' }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map<Op>((max) => ({ kind: 'pullMany', max })) },
  { weight: 2, arbitrary: fc.nat(20).map<Op>((which) => ({ kind: 'abort', which })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'close' }) },
);

type Expected =
  | { status: 'fulfilled'; value: unknown }
  | { status: 'rejected'; closed: boolean }
  | { status: 'pending' };

const configArb = fc.oneof(
  fc.record({ capacity: fc.constant(0), overflow: fc.constant<Overflow>('block') }),
  fc.record({
    capacity: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(Number.POSITIVE_INFINITY)),
    overflow: fc.constantFrom<Overflow>('block', 'drop-oldest', 'drop-newest'),
  }),
);

describe('model: Channel against a plain-array model (BoundedChannelTests matrix, Stress.cs)', () => {
  it('every operation settles as the model says, exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(opArb, { maxLength: 40 }), async ({ capacity, overflow }, ops) => {
        const c = new Channel<number>(capacity, { overflow });
        // model
        const buffer: number[] = [];
        type Parked = { id: number; value?: number | undefined; max?: number | undefined; ac: AbortController };
        const pushers: Parked[] = [];
        const pullers: Parked[] = [];
        let closed = false;
        const expected = new Map<number, Expected>();
        const actual = new Map<number, { readonly state: State<unknown>; readonly settlements: number }>();
        const parkedOrder: Parked[] = [];
        let nextValue = 0;
        let nextId = 0;

        const giveToPuller = (p: Parked, v: number) => {
          expected.set(p.id, { status: 'fulfilled', value: p.max === undefined ? v : [v] });
        };
        const modelPush = (v: number): 'committed' | 'wait' | 'closed' => {
          if (closed) return 'closed';
          const p = pullers.shift();
          if (p) {
            giveToPuller(p, v);
            return 'committed';
          }
          if (buffer.length < capacity) {
            buffer.push(v);
            return 'committed';
          }
          if (overflow === 'drop-oldest') {
            buffer.shift();
            buffer.push(v);
            return 'committed';
          }
          if (overflow === 'drop-newest') return 'committed';
          return 'wait';
        };
        const takeOne = (): number | undefined => {
          if (buffer.length > 0) {
            const v = buffer.shift()!;
            const w = pushers.shift();
            if (w) {
              buffer.push(w.value!);
              expected.set(w.id, { status: 'fulfilled', value: undefined });
            }
            return v;
          }
          const w = pushers.shift();
          if (w) {
            expected.set(w.id, { status: 'fulfilled', value: undefined });
            return w.value!;
          }
          return undefined;
        };

        for (const op of ops) {
          const id = nextId++;
          switch (op.kind) {
            case 'push': {
              const v = nextValue++;
              const ac = new AbortController();
              actual.set(id, track<unknown>(c.push(v, { signal: ac.signal })));
              const r = modelPush(v);
              if (r === 'committed') expected.set(id, { status: 'fulfilled', value: undefined });
              else if (r === 'closed') expected.set(id, { status: 'rejected', closed: true });
              else {
                const p = { id, value: v, ac };
                pushers.push(p);
                parkedOrder.push(p);
                expected.set(id, { status: 'pending' });
              }
              break;
            }
            case 'tryPush': {
              const v = nextValue++;
              const got = c.tryPush(v);
              const r = closed ? 'closed' : modelPush(v);
              expect(got).toBe(r === 'committed');
              break;
            }
            case 'pull':
            case 'pullMany': {
              const ac = new AbortController();
              const max = op.kind === 'pullMany' ? op.max : undefined;
              actual.set(
                id,
                track<unknown>(
                  max === undefined ? c.pull({ signal: ac.signal }) : c.pullMany(max, { signal: ac.signal }),
                ),
              );
              const first = takeOne();
              if (first !== undefined) {
                if (max === undefined) expected.set(id, { status: 'fulfilled', value: first });
                else {
                  const got = [first];
                  while (got.length < max) {
                    const v = takeOne();
                    if (v === undefined) break;
                    got.push(v);
                  }
                  expected.set(id, { status: 'fulfilled', value: got });
                }
              } else if (closed) expected.set(id, { status: 'rejected', closed: true });
              else {
                const p = { id, max, ac };
                pullers.push(p);
                parkedOrder.push(p);
                expected.set(id, { status: 'pending' });
              }
              break;
            }
            case 'tryPull': {
              const got = c.tryPull();
              expect(got).toBe(takeOne());
              break;
            }
            case 'abort': {
              const live = parkedOrder.filter((p) => expected.get(p.id)?.status === 'pending');
              if (live.length === 0) break;
              const p = live[op.which % live.length]!;
              p.ac.abort(new Error(`abort ${p.id}`));
              expected.set(p.id, { status: 'rejected', closed: false });
              for (const q of [pushers, pullers]) {
                const i = q.indexOf(p);
                if (i >= 0) q.splice(i, 1);
              }
              break;
            }
            case 'close': {
              c.close();
              if (!closed) {
                closed = true;
                for (const p of [...pushers, ...pullers]) expected.set(p.id, { status: 'rejected', closed: true });
                pushers.length = 0;
                pullers.length = 0;
              }
              break;
            }
          }
          expect(c.size).toBe(buffer.length);
        }
        await flush();
        await flush();
        for (const [id, t] of actual) {
          const want = expected.get(id)!;
          const got = t.state;
          expect(t.settlements, `op ${id}`).toBe(want.status === 'pending' ? 0 : 1);
          expect(got.status, `op ${id}`).toBe(want.status);
          if (want.status === 'fulfilled' && got.status === 'fulfilled')
            expect(got.value, `op ${id}`).toEqual(want.value);
          if (want.status === 'rejected' && got.status === 'rejected') {
            expect(got.reason instanceof ChannelClosedError, `op ${id}`).toBe(want.closed);
          }
        }
        expect(c.stats()).toMatchObject({
          size: buffer.length,
          waitingPushers: pushers.length,
          waitingPullers: pullers.length,
          closed,
        });
        c.close();
      }),
      { numRuns: 400 },
    );
  });
});
