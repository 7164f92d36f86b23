/**
 * Audit BN-core: property test of `pushAll`'s `pushed` accounting (SPEC "Non-blocking and batch
 * operations": "If it is aborted or the channel closes part-way, it rejects with that error and
 * the error's `pushed` property (a number) says how many values were committed; the rest were
 * not delivered").
 *
 * Several `pushAll` calls run at once on one channel — sharing one `AbortController` (the
 * everyday case: one controller for a component's work, so one reason stops pushAlls that
 * committed different counts), each with its own, or with none — against consumers using every
 * pull-side API (`pull`, `pullMany`, `tryPull`, `selectNowait`, an iterator's `next()`), with
 * microtask turns between steps, and an abort or a close at a random step. At the end the
 * channel is closed and drained. For every producer, the values delivered anywhere must be
 * exactly the first `pushed` of its values (all of them when it resolved), each once, and in
 * its order in the final drain; a rejection must be the abort (an `AbortError`, its own copy
 * carrying the reason as `cause` when another pushAll wrote a different count on the shared
 * reason) or a `ChannelClosedError` naming `pushAll`.
 */
import { Channel, ChannelClosedError, pull, selectNowait } from 'chanasync';
import fc from 'fast-check';
import { expect, it } from 'vitest';

async function flush(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await null;
}

type Step =
  | { kind: 'pull' }
  | { kind: 'pullMany'; max: number }
  | { kind: 'tryPull' }
  | { kind: 'selectNowait' }
  | { kind: 'next' }
  | { kind: 'flush'; turns: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'pull' }),
  fc.integer({ min: 1, max: 4 }).map((max): Step => ({ kind: 'pullMany', max })),
  fc.constant<Step>({ kind: 'tryPull' }),
  fc.constant<Step>({ kind: 'selectNowait' }),
  fc.constant<Step>({ kind: 'next' }),
  fc.integer({ min: 1, max: 6 }).map((turns): Step => ({ kind: 'flush', turns })),
);

it('every pushAll delivers exactly its first `pushed` values, once each and in order, whatever stops it and whoever pulls', async () => {
  const seen = { abortedPartWay: 0, closedPartWay: 0, copies: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 1, 2, 3, Number.POSITIVE_INFINITY),
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom('shared', 'own', 'none'),
      fc.constantFrom('abort', 'close', 'closeReason'),
      fc.array(stepArb, { maxLength: 14 }),
      fc.nat(15),
      async (capacity, lengths, signals, stopKind, steps, stopAt) => {
        const ch = new Channel<string>(capacity);
        const shared = new AbortController();
        const controllers: AbortController[] = [];
        const values = lengths.map((length, p) => Array.from({ length }, (_, i) => `${p}:${i}`));
        const outcomes = values.map((list) => {
          let controller: AbortController | undefined;
          if (signals === 'shared') controller = shared;
          else if (signals === 'own') {
            controller = new AbortController();
            controllers.push(controller);
          }
          const state: { status: 'pending' | 'fulfilled' | 'rejected'; reason?: unknown } = { status: 'pending' };
          ch.pushAll(list, controller ? { signal: controller.signal } : undefined).then(
            () => {
              state.status = 'fulfilled';
            },
            (reason: unknown) => {
              state.status = 'rejected';
              state.reason = reason;
            },
          );
          return state;
        });
        const received: string[] = [];
        const pending: Promise<unknown>[] = [];
        const iterator = ch[Symbol.asyncIterator]();
        const closeReason = new Error('stop');
        const stop = () => {
          if (stopKind === 'abort') {
            shared.abort();
            for (const c of controllers) c.abort();
          } else ch.close(stopKind === 'closeReason' ? closeReason : undefined);
        };
        for (let i = 0; i < steps.length; i++) {
          if (i === stopAt) stop();
          const step = steps[i] as Step;
          switch (step.kind) {
            case 'pull':
              pending.push(
                ch.pull().then(
                  (v) => received.push(v),
                  () => {},
                ),
              );
              break;
            case 'pullMany':
              pending.push(
                ch.pullMany(step.max).then(
                  (vs) => received.push(...vs),
                  () => {},
                ),
              );
              break;
            case 'tryPull': {
              const v = ch.tryPull();
              if (v !== undefined) received.push(v);
              break;
            }
            case 'selectNowait': {
              const r = selectNowait([pull(ch)]);
              if (r?.ok) received.push(r.value);
              break;
            }
            case 'next':
              pending.push(
                iterator.next().then(
                  (r) => {
                    if (!r.done) received.push(r.value);
                  },
                  () => {},
                ),
              );
              break;
            case 'flush':
              await flush(step.turns);
              break;
          }
        }
        if (stopAt >= steps.length) stop();
        await flush(10);
        ch.close();
        await flush(30);
        const drained: string[] = [];
        for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) drained.push(v);
        await Promise.all(pending);
        const delivered = [...received, ...drained];
        expect(new Set(delivered).size).toBe(delivered.length);
        values.forEach((list, p) => {
          const outcome = outcomes[p] as (typeof outcomes)[number];
          expect(outcome.status).not.toBe('pending');
          let pushed = list.length;
          if (outcome.status === 'rejected') {
            const error = outcome.reason as { pushed?: unknown; name?: unknown; cause?: unknown; message?: unknown };
            expect(typeof error.pushed).toBe('number');
            pushed = error.pushed as number;
            if (pushed > 0) {
              if (error instanceof ChannelClosedError) seen.closedPartWay++;
              else seen.abortedPartWay++;
            }
            if (signals === 'shared' && error !== shared.signal.reason && !(error instanceof ChannelClosedError))
              seen.copies++;
            if (error instanceof ChannelClosedError) {
              expect(error.message).toBe('pushAll: channel is closed');
              expect(error.channel).toBe(ch);
            } else {
              expect(stopKind).toBe('abort');
              expect(error.name).toBe('AbortError');
              if (signals === 'shared' && error !== shared.signal.reason)
                expect(error.cause).toBe(shared.signal.reason);
            }
          }
          const mine = delivered.filter((v) => v.startsWith(`${p}:`));
          expect(new Set(mine)).toEqual(new Set(list.slice(0, pushed)));
          const mineDrained = drained.filter((v) => v.startsWith(`${p}:`));
          expect(mineDrained).toEqual(
            [...mineDrained].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])),
          );
        });
        expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
      },
    ),
    { numRuns: 400 },
  );
  // The runs did reach the interesting cases: stopped part-way by each cause, and shared reasons copied.
  expect(seen.abortedPartWay).toBeGreaterThan(0);
  expect(seen.closedPartWay).toBeGreaterThan(0);
  expect(seen.copies).toBeGreaterThan(0);
});
