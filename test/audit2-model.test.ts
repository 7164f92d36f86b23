/**
 * Second audit round, core: property tests that mix what the first round's model test keeps
 * apart — one AbortController shared by many operations at once (a component's one controller),
 * aborts that run code of their own during the abort dispatch (an earlier `abort` listener that
 * pushes, pulls or closes), a `merge` of the channels used as one more channel (pulled, pushed
 * into, and as a select case), an `after()` channel closed by one of the shared signals (an
 * abort whose cancels cascade into other operations parked with that signal), `pushAll` whose iterator does things to the channels as it is
 * read, and closes with operations parked on both sides. The oracle is conservation, not a
 * step-by-step model: every value whose push committed comes out exactly once, no other value
 * ever comes out, every operation settles once everything is closed, every rejection is a
 * `ChannelClosedError` or the reason of the signal the operation was given, and nothing is left
 * behind (no parked operation, no `abort` listener on any signal).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  ChannelError,
  merge,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from '../src/index.js';
import { countListeners, flush } from './helpers/track.js';

/**
 * A channel by index: 0 and 1 are A and B, 2 is M, the merge of A and B, 3 is T, an `after()`
 * channel that never fires here, watched by the first shared signal (aborting it closes T).
 */
type Ch = 0 | 1 | 2 | 3;

/** A side effect that a pushAll iterator or an abort listener runs synchronously. */
type Effect =
  | { readonly do: 'none' }
  | { readonly do: 'tryPush' | 'tryPull' | 'close'; readonly ch: Ch }
  | { readonly do: 'abort'; readonly k: number };

type Step =
  | { readonly op: 'push' | 'pull' | 'next'; readonly ch: Ch; readonly sig: number }
  | { readonly op: 'pullMany'; readonly ch: Ch; readonly sig: number; readonly n: number }
  | { readonly op: 'pushAll'; readonly ch: Ch; readonly sig: number; readonly n: number; readonly effect: Effect }
  | {
      readonly op: 'select' | 'selectNowait';
      readonly cases: readonly { readonly push: boolean; readonly ch: Ch }[];
      readonly sig: number;
    }
  | { readonly op: 'tryPush' | 'tryPull' | 'pushNowait' | 'pullNowait'; readonly ch: Ch }
  | { readonly op: 'abort'; readonly k: number }
  | { readonly op: 'onAbort'; readonly k: number; readonly effect: Effect }
  | { readonly op: 'close'; readonly ch: Ch; readonly withReason: boolean }
  | { readonly op: 'flush' };

const ch = fc.constantFrom<Ch>(0, 1, 2, 3);
/** -1: no signal; 0..2: one of three shared controllers. */
const sig = fc.integer({ min: -1, max: 2 });
const k = fc.integer({ min: 0, max: 2 });
const effect: fc.Arbitrary<Effect> = fc.oneof(
  fc.constant<Effect>({ do: 'none' }),
  fc.record({ do: fc.constantFrom<'tryPush' | 'tryPull'>('tryPush', 'tryPull'), ch }),
  fc.record({ do: fc.constant<'close'>('close'), ch }),
  fc.record({ do: fc.constant<'abort'>('abort'), k }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constantFrom<'push' | 'pull' | 'next'>('push', 'pull', 'next'), ch, sig }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant<'pullMany'>('pullMany'), ch, sig, n: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant<'pushAll'>('pushAll'), ch, sig, n: fc.integer({ min: 0, max: 4 }), effect }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom<'select' | 'selectNowait'>('select', 'select', 'selectNowait'),
      cases: fc.array(fc.record({ push: fc.boolean(), ch }), { minLength: 1, maxLength: 3 }),
      sig,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom<'tryPush' | 'tryPull' | 'pushNowait' | 'pullNowait'>(
        'tryPush',
        'tryPull',
        'pushNowait',
        'pullNowait',
      ),
      ch,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant<'abort'>('abort'), k }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'onAbort'>('onAbort'), k, effect }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'close'>('close'), ch, withReason: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant<Step>({ op: 'flush' }) },
);

describe('shared signals, aborts that act, merge and pushAll side effects (property)', () => {
  test('every committed value comes out exactly once, every operation settles, nothing is left behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2, Infinity),
        fc.constantFrom(0, 1),
        fc.array(step, { minLength: 15, maxLength: 45 }),
        async (capacityA, capacityB, steps) => {
          const a = new Channel<number>(capacityA, { name: 'A' });
          const b = new Channel<number>(capacityB, { name: 'B' });
          const m = merge(a, b);
          // T is made below, once the controllers exist.
          let channels: readonly [Channel<number>, Channel<number>, Channel<number>, Channel<number>];
          const committed: number[] = [];
          const received: number[] = [];
          const problems: string[] = [];
          const settling: Promise<unknown>[] = [];
          /** Every reason a controller aborted with (a rejection must carry one of them, or a ChannelError). */
          const reasons = new Set<unknown>();
          const closeReasons = new Set<unknown>();
          const counters: { live: number }[] = [];
          let next = 1;
          const fresh = () => {
            const controller = new AbortController();
            counters.push(countListeners(controller.signal));
            return controller;
          };
          const controllers = [fresh(), fresh(), fresh()];
          const t = afterMs(1e9, { signal: (controllers[0] as AbortController).signal });
          channels = [a, b, m, t];
          const signalOf = (index: number) => (index < 0 ? undefined : (controllers[index] as AbortController).signal);
          const abort = (index: number) => {
            const controller = controllers[index] as AbortController;
            controllers[index] = fresh(); // later operations get a live one
            const reason = { reason: index };
            reasons.add(reason);
            controller.abort(reason);
          };
          const close = (index: Ch, reason?: unknown) => {
            if (reason !== undefined) closeReasons.add(reason);
            channels[index].close(reason);
          };
          const run = (effect: Effect) => {
            switch (effect.do) {
              case 'none':
                return;
              case 'tryPush': {
                const value = next++;
                if (channels[effect.ch].tryPush(value)) committed.push(value);
                return;
              }
              case 'tryPull': {
                const value = channels[effect.ch].tryPull();
                if (value !== undefined) received.push(value);
                return;
              }
              case 'close':
                return close(effect.ch);
              case 'abort':
                return abort(effect.k);
            }
          };
          /** A rejection must be a ChannelError (closed, or pushAll's own) or a reason a signal aborted with. */
          const rejected = (label: string) => (error: unknown) => {
            if (error instanceof ChannelClosedError || reasons.has(error) || closeReasons.has(error)) return;
            if (error instanceof ChannelError && reasons.has(error.cause)) return;
            problems.push(`${label} rejected with ${String(error)}`);
          };
          const pending = new Set<string>();
          /** The signal each operation was given. */
          const signalUsed = new Map<string, AbortSignal | undefined>();
          /** Operations still parked (pending after a flush) when their signal aborted: they must reject. */
          const doomed = new Set<string>();
          const resolved = (label: string) => {
            if (doomed.has(label)) problems.push(`${label} resolved though its signal aborted while it was parked`);
          };
          const watch = <T>(label: string, promise: Promise<T>, onValue: (value: T) => void) => {
            pending.add(label);
            settling.push(
              promise
                .then((value) => {
                  resolved(label);
                  onValue(value);
                }, rejected(label))
                .finally(() => {
                  pending.delete(label);
                }),
            );
          };

          for (const [index, s] of steps.entries()) {
            const label = `#${index} ${s.op}`;
            if ('sig' in s && s.op !== 'next') signalUsed.set(label, signalOf(s.sig)); // next() takes no signal
            switch (s.op) {
              case 'push': {
                const value = next++;
                watch(label, channels[s.ch].push(value, { signal: signalOf(s.sig) }), () => committed.push(value));
                break;
              }
              case 'pull':
                watch(label, channels[s.ch].pull({ signal: signalOf(s.sig) }), (value) => received.push(value));
                break;
              case 'next':
                watch(label, channels[s.ch][Symbol.asyncIterator]().next(), (result) => {
                  if (!result.done) received.push(result.value);
                });
                break;
              case 'pullMany':
                watch(label, channels[s.ch].pullMany(s.n, { signal: signalOf(s.sig) }), (values) => {
                  if (values.length < 1 || values.length > s.n) problems.push(`${label} took ${values.length}`);
                  received.push(...values);
                });
                break;
              case 'pushAll': {
                const values = Array.from({ length: s.n }, () => next++);
                const iterable = {
                  *[Symbol.iterator]() {
                    for (const [i, value] of values.entries()) {
                      if (i === 1) run(s.effect); // reading the second value acts on the channels
                      yield value;
                    }
                  },
                };
                const promise = channels[s.ch].pushAll(iterable, { signal: signalOf(s.sig) });
                pending.add(label);
                settling.push(
                  promise
                    .then(
                      () => {
                        resolved(label);
                        committed.push(...values);
                      },
                      (error: { pushed?: number }) => {
                        rejected(label)(error);
                        const pushed = error.pushed;
                        if (typeof pushed === 'number') committed.push(...values.slice(0, pushed));
                        else if (!reasons.has(error)) problems.push(`${label} rejected without pushed`);
                        // An already aborted signal rejects with the reason untouched: nothing was pushed.
                      },
                    )
                    .finally(() => pending.delete(label)),
                );
                break;
              }
              case 'select':
              case 'selectNowait': {
                const values = s.cases.map((c) => (c.push ? next++ : 0));
                const cases: SelectCase[] = s.cases.map((c, i) =>
                  c.push ? push(channels[c.ch], values[i] as number) : pull(channels[c.ch]),
                );
                const onResult = (result: { index: number; value: unknown; ok: boolean } | undefined) => {
                  if (result === undefined) return;
                  const chosen = s.cases[result.index] as { push: boolean };
                  if (chosen.push) committed.push(values[result.index] as number);
                  else if (result.ok) received.push(result.value as number);
                };
                if (s.op === 'select') watch(label, select(cases, { signal: signalOf(s.sig) }), onResult);
                else {
                  try {
                    onResult(selectNowait(cases));
                  } catch (error) {
                    rejected(label)(error);
                  }
                }
                break;
              }
              case 'tryPush':
              case 'pushNowait': {
                const value = next++;
                try {
                  const ok =
                    s.op === 'tryPush' ? channels[s.ch].tryPush(value) : channels[s.ch].pushNowait(value) === undefined;
                  if (ok) committed.push(value);
                } catch (error) {
                  if (!(error instanceof ChannelError)) problems.push(`${label} threw ${String(error)}`);
                }
                break;
              }
              case 'tryPull':
              case 'pullNowait': {
                try {
                  const value = s.op === 'tryPull' ? channels[s.ch].tryPull() : channels[s.ch].pullNowait();
                  if (value !== undefined) received.push(value);
                } catch (error) {
                  if (!(error instanceof ChannelError)) problems.push(`${label} threw ${String(error)}`);
                }
                break;
              }
              case 'abort': {
                // After a flush, an operation still pending has committed nothing (a commit
                // settles it within a few microtasks), so the abort must be what ends it.
                await flush();
                const signal = (controllers[s.k] as AbortController).signal;
                for (const label of pending) if (signalUsed.get(label) === signal) doomed.add(label);
                abort(s.k);
                break;
              }
              case 'onAbort': {
                // Registered now: it runs before or after the library's own listener on that
                // signal, depending on whether an operation had already parked with it.
                const effectToRun = s.effect;
                const listener = Object.assign(() => run(effectToRun), { own: true });
                (controllers[s.k] as AbortController).signal.addEventListener('abort', listener, { once: true });
                break;
              }
              case 'close':
                close(s.ch, s.withReason ? { closed: s.ch } : undefined);
                break;
              case 'flush':
                await flush();
                break;
            }
          }
          await flush();
          // The end: close everything. Every parked operation fails, so none is left and no
          // signal keeps a listener of the library's (the test's own are not counted) — checked
          // before the signals abort, which would remove listeners left behind.
          a.close();
          b.close();
          m.close();
          t.close();
          await flush(30);
          expect(problems).toEqual([]);
          expect([...pending]).toEqual([]);
          for (const channel of channels) {
            const stats = channel.stats();
            expect([stats.waitingPushers, stats.waitingPullers]).toEqual([0, 0]);
          }
          for (const counter of counters) expect(counter.live).toBe(0);
          for (const channel of channels) {
            for (let value = channel.tryPull(); value !== undefined || channel.size > 0; value = channel.tryPull()) {
              if (value !== undefined) received.push(value);
            }
          }
          for (const index of [0, 1, 2]) abort(index);
          await flush(30);
          expect(problems).toEqual([]);
          // Exactly once: no duplicate, nothing invented, nothing lost.
          expect(new Set(received).size).toBe(received.length);
          expect([...received].sort((x, y) => x - y)).toEqual([...committed].sort((x, y) => x - y));
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);
});
