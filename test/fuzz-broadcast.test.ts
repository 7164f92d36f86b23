/**
 * Fuzzing `broadcast`: a source (a channel of random capacity and overflow fed by a producer
 * task, or `from` over a generator, an async generator or a `ReadableStream`) and one to four
 * subscribers of random capacity and overflow, each read by its own task whose steps are chosen
 * at random — pull, pullMany, tryPull, a select over two subscribers, iteration left early, a
 * `toReadableStream` read and cancelled, leaving by close or by its signal — all interleaved by
 * fast-check's scheduler, plus one steady subscriber that never leaves. Checked, once every task
 * is done: each subscriber received its values once and in order; a `'block'` subscriber has
 * no gap (every value the broadcast took between its first and its last was delivered to it);
 * the steady subscriber plus what is left in the source is every value that entered the source,
 * in order; every subscriber is closed, nothing is parked, no abort listener is left, and a
 * `from` source is released. Then `from(...)` over each kind of source, read by concurrent
 * consumers — `toReadableStream` of every highWaterMark among them, cancelled while it reads —
 * and aborted or closed at random.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  type Overflow,
  pull,
  select,
  toReadableStream,
} from '../src/index.js';
import { describe as describeError, microtasks, quiesce } from './helpers/fuzz-program.js';
import { countListeners } from './helpers/track.js';

type SourceKind = 'channel' | 'iterable' | 'async iterable' | 'stream';

interface SubscriberSpec {
  readonly capacity: number;
  readonly overflow: Overflow;
  /** No signal, one of its own, or the controller shared with the producer's pushes. */
  readonly signal: 'none' | 'own' | 'shared';
}

type ConsumerStep =
  | { readonly do: 'pull'; readonly abortAfter: number | null }
  | { readonly do: 'pullMany'; readonly max: number }
  | { readonly do: 'tryPull' }
  | { readonly do: 'select' }
  | { readonly do: 'iterate'; readonly k: number }
  | { readonly do: 'stream'; readonly reads: number; readonly cancelAfter: number | null }
  | { readonly do: 'micro'; readonly n: number }
  | { readonly do: 'leave'; readonly how: 'close' | 'abort' | 'stream'; readonly highWaterMark: number };

type ProducerStep =
  | { readonly do: 'push' | 'tryPush' }
  | { readonly do: 'pushShared' | 'pushAllShared'; readonly n: number }
  | { readonly do: 'abortShared' }
  | { readonly do: 'pushAll'; readonly n: number }
  | { readonly do: 'hubClose' }
  | { readonly do: 'micro'; readonly n: number };

const subscriberArb: fc.Arbitrary<SubscriberSpec> = fc.constantFrom(0, 1, 1, 3).chain((capacity) =>
  fc.record({
    capacity: fc.constant(capacity),
    overflow:
      capacity === 0
        ? fc.constant<Overflow>('block')
        : fc.constantFrom<Overflow>('block', 'block', 'drop-oldest', 'drop-newest'),
    signal: fc.constantFrom('none' as const, 'own' as const, 'shared' as const),
  }),
);

const consumerStepArb: fc.Arbitrary<ConsumerStep> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ do: fc.constant('pull' as const), abortAfter: fc.option(fc.nat(3)) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant<ConsumerStep>({ do: 'tryPull' }) },
  { weight: 2, arbitrary: fc.constant<ConsumerStep>({ do: 'select' }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('iterate' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constant('stream' as const),
      reads: fc.integer({ min: 0, max: 2 }),
      cancelAfter: fc.option(fc.nat(3)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('micro' as const), n: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant('leave' as const),
      how: fc.constantFrom('close' as const, 'abort' as const, 'stream' as const),
      highWaterMark: fc.integer({ min: 1, max: 4 }),
    }),
  },
);

const producerStepArb: fc.Arbitrary<ProducerStep> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<ProducerStep>({ do: 'push' }, { do: 'tryPush' }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('pushAll' as const), n: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      do: fc.constantFrom('pushShared' as const, 'pushAllShared' as const),
      n: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant<ProducerStep>({ do: 'abortShared' }) },
  { weight: 1, arbitrary: fc.constant<ProducerStep>({ do: 'hubClose' }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('micro' as const), n: fc.nat(3) }) },
);

const sourceConfigArb = fc.constantFrom(0, 1, 3, Infinity).chain((capacity) =>
  fc.record({
    capacity: fc.constant(capacity),
    overflow:
      capacity === 0
        ? fc.constant<Overflow>('block')
        : fc.constantFrom<Overflow>('block', 'block', 'drop-oldest', 'drop-newest'),
  }),
);

/** Per subscriber: what its consumer saw. */
interface Seen {
  readonly spec: SubscriberSpec;
  readonly steady: boolean;
  readonly channel: Channel<number>;
  readonly got: number[];
  /** It left before the end (closed by its consumer or its signal). */
  left: boolean;
  /**
   * It left through a stream of this highWaterMark, whose queued values are gone with it: `got`
   * may skip up to that many values at index `at` (the buffer's values after them are still
   * drained).
   */
  lostTail: { readonly at: number; readonly highWaterMark: number } | undefined;
  /** How its consumer's final drain ended: normally, or with this error. */
  ending: { readonly error: unknown } | 'normal' | undefined;
}

describe('broadcast with random sources, subscribers and consumers (property)', () => {
  test('every subscriber gets its values once and in order, block subscribers without a gap, and the steady one everything that left the source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SourceKind>('channel', 'channel', 'iterable', 'async iterable', 'stream'),
        sourceConfigArb,
        fc.integer({ min: 0, max: 12 }),
        fc.array(producerStepArb, { maxLength: 12 }),
        fc.record({ capacity: fc.constantFrom(0, 1, 3), steps: fc.array(consumerStepArb, { maxLength: 6 }) }),
        fc.array(fc.record({ spec: subscriberArb, steps: fc.array(consumerStepArb, { maxLength: 6 }) }), {
          maxLength: 3,
        }),
        fc.boolean(),
        fc.scheduler(),
        async (kind, sourceConfig, total, producerSteps, steadySpec, specs, withReason, s) => {
          const problems: string[] = [];
          // The source, and how to learn that `from` released what it read.
          let released = false;
          let read = 0;
          const values = Array.from({ length: total }, (_, i) => i);
          let source: Channel<number>;
          if (kind === 'channel') {
            source = new Channel<number>(sourceConfig.capacity, { name: 'source', overflow: sourceConfig.overflow });
          } else if (kind === 'stream') {
            let next = 0;
            const stream = new ReadableStream<number>(
              {
                pull(controller) {
                  if (next < total) {
                    read++;
                    controller.enqueue(next++);
                  } else {
                    controller.close();
                    released = true; // ended: nothing to release
                  }
                },
                cancel() {
                  released = true;
                },
              },
              { highWaterMark: 0 },
            );
            source = from(stream, { capacity: Math.min(sourceConfig.capacity, 3) });
          } else {
            function* generate() {
              try {
                for (const value of values) {
                  read++;
                  yield value;
                }
              } finally {
                released = true;
              }
            }
            async function* generateAsync() {
              try {
                for (const value of values) {
                  await microtasks(1);
                  read++;
                  yield value;
                }
              } finally {
                released = true;
              }
            }
            source = from(kind === 'iterable' ? generate() : generateAsync(), {
              capacity: Math.min(sourceConfig.capacity, 3),
            });
          }
          const hub = broadcast(source);
          const shared = new AbortController();
          const sharedReason = new Error('shared abort');
          let hubClosed = false;
          const counters: { live: number }[] = [countListeners(shared.signal)];
          const reason = withReason ? new Error('end') : undefined;

          // The producer (a channel source only): pushes 0, 1, 2, … in order.
          const committed: number[] = [];
          let nextValue = 0;
          const produce = async () => {
            for (const [index, step] of producerSteps.entries()) {
              // A `from` source feeds itself: its "producer" only closes the broadcast, or waits.
              if (kind !== 'channel' && step.do !== 'hubClose' && step.do !== 'micro' && step.do !== 'abortShared') {
                continue;
              }
              await s.schedule(Promise.resolve(), `producer#${index} ${step.do}`);
              try {
                switch (step.do) {
                  case 'push': {
                    const value = nextValue++;
                    await source.push(value).then(
                      () => committed.push(value),
                      (error: unknown) => {
                        if (!(error instanceof ChannelClosedError)) problems.push(`push: ${describeError(error)}`);
                      },
                    );
                    break;
                  }
                  case 'tryPush': {
                    const value = nextValue++;
                    if (source.tryPush(value)) committed.push(value);
                    break;
                  }
                  case 'pushAll': {
                    const batch = Array.from({ length: step.n }, () => nextValue++);
                    await source.pushAll(batch).then(
                      () => committed.push(...batch),
                      (error: { pushed?: number }) => {
                        if (!(error instanceof ChannelClosedError)) problems.push(`pushAll: ${describeError(error)}`);
                        committed.push(...batch.slice(0, error.pushed));
                      },
                    );
                    break;
                  }
                  case 'pushShared':
                  case 'pushAllShared': {
                    // With the controller some subscribers share: its abort lands amid deliveries.
                    const batch = Array.from({ length: step.n }, () => nextValue++);
                    const signal = shared.signal;
                    const promise =
                      step.do === 'pushShared'
                        ? source.push(batch[0]!, { signal }).then(() => 1)
                        : source.pushAll(batch, { signal }).then(() => batch.length);
                    await promise.then(
                      (count) => committed.push(...batch.slice(0, count)),
                      (error: { pushed?: number }) => {
                        const ok = error instanceof ChannelClosedError || error === signal.reason;
                        if (!ok) problems.push(`${step.do}: ${describeError(error)}`);
                        if (step.do === 'pushAllShared') {
                          if (typeof error.pushed !== 'number') problems.push('pushAll rejected without pushed');
                          committed.push(...batch.slice(0, error.pushed));
                        }
                      },
                    );
                    break;
                  }
                  case 'abortShared':
                    shared.abort(sharedReason);
                    break;
                  case 'hubClose':
                    hub.close();
                    hubClosed = true;
                    break;
                  case 'micro':
                    await microtasks(step.n);
                    break;
                }
              } catch (error) {
                problems.push(`producer#${index}: the harness threw ${describeError(error)}`);
              }
            }
          };

          // The subscribers: the steady one first, then the others, each subscribing when its
          // consumer starts.
          const seen: Seen[] = [];
          const consume = async (spec: SubscriberSpec, steps: readonly ConsumerStep[], steady: boolean) => {
            const label = steady ? 'steady' : `subscriber ${seen.length}`;
            // The steady subscriber is there from the start (it gets everything the broadcast takes).
            if (!steady) await s.schedule(Promise.resolve(), `${label} subscribes`);
            const controller =
              spec.signal === 'own' ? new AbortController() : spec.signal === 'shared' ? shared : undefined;
            if (spec.signal === 'own') counters.push(countListeners((controller as AbortController).signal));
            const channel = hub.subscribe({
              capacity: spec.capacity,
              overflow: spec.overflow,
              signal: controller?.signal,
            });
            const me: Seen = { spec, steady, channel, got: [], left: false, lostTail: undefined, ending: undefined };
            seen.push(me);
            const expectClosed = (error: unknown) => {
              if (!(error instanceof ChannelClosedError)) problems.push(`${label}: ${describeError(error)}`);
            };
            for (const [index, step] of steps.entries()) {
              await s.schedule(Promise.resolve(), `${label}#${index} ${step.do}`);
              if (me.left) break;
              try {
                switch (step.do) {
                  case 'pull': {
                    const own = step.abortAfter === null ? undefined : new AbortController();
                    if (own) {
                      counters.push(countListeners(own.signal));
                      void microtasks(step.abortAfter as number).then(() => own.abort('gave up'));
                    }
                    await channel.pull({ signal: own?.signal }).then(
                      (value) => me.got.push(value),
                      (error: unknown) => {
                        if (error !== 'gave up') expectClosed(error);
                      },
                    );
                    break;
                  }
                  case 'pullMany':
                    await channel.pullMany(step.max).then((got) => me.got.push(...got), expectClosed);
                    break;
                  case 'tryPull': {
                    const value = channel.tryPull();
                    if (value !== undefined) me.got.push(value);
                    break;
                  }
                  case 'select': {
                    // With another subscriber (or alone): whichever has a value first.
                    const other = seen.find((o) => o !== me && !o.channel.closed);
                    const cases = other ? [pull(channel), pull(other.channel)] : [pull(channel)];
                    const result = await select(cases);
                    if (result.ok) (result.index === 0 ? me : (other as Seen)).got.push(result.value as number);
                    break;
                  }
                  case 'iterate': {
                    let taken = 0;
                    for await (const value of channel) {
                      me.got.push(value);
                      if (++taken >= step.k) break;
                    }
                    break;
                  }
                  case 'stream': {
                    // highWaterMark 0: cancelling loses nothing.
                    const reader = toReadableStream(channel).getReader();
                    for (let i = 0; i < step.reads; i++) {
                      const result = await reader.read();
                      if (result.done) break;
                      me.got.push(result.value);
                    }
                    if (step.cancelAfter !== null) {
                      // Cancel while a read waits: its pull is withdrawn, or it got a value first.
                      // (Closed with a reason meanwhile, the read and the cancel reject with it.)
                      const last = reader.read().then(
                        (result) => result,
                        (error: unknown) => ({ error }),
                      );
                      await microtasks(step.cancelAfter);
                      await reader.cancel().catch(() => {});
                      const result = await last;
                      if ('error' in result) throw result.error;
                      if (!result.done) me.got.push(result.value);
                    } else await reader.cancel();
                    break;
                  }
                  case 'micro':
                    await microtasks(step.n);
                    break;
                  case 'leave':
                    if (steady) break;
                    if (step.how === 'abort' && spec.signal === 'own') controller?.abort('leave');
                    else if (step.how === 'stream') {
                      // A stream that pulls ahead: its queued values are gone with it, then leave.
                      const reader = toReadableStream(channel, { highWaterMark: step.highWaterMark }).getReader();
                      const result = await reader.read();
                      if (!result.done) me.got.push(result.value);
                      await reader.cancel();
                      me.lostTail = { at: me.got.length, highWaterMark: step.highWaterMark };
                      channel.close();
                    } else channel.close();
                    me.left = true;
                    break;
                }
              } catch (error) {
                // Iteration and a stream end with the close reason (the source's) once drained.
                if (channel.closed && error === channel.closeReason && error !== undefined) continue;
                problems.push(`${label}#${index} ${step.do}: ${describeError(error)}`);
              }
            }
            // Then read to the end.
            try {
              for await (const value of channel) me.got.push(value);
              me.ending = 'normal';
            } catch (error) {
              me.ending = { error };
            }
          };

          const tasks = [
            consume({ capacity: steadySpec.capacity, overflow: 'block', signal: 'none' }, steadySpec.steps, true),
            produce(),
            ...specs.map((spec) => consume(spec.spec, spec.steps, false)),
          ];
          let done = 0;
          for (const task of tasks) void task.then(() => done++);
          await quiesce(s);
          // The end: the source closes (a `from` source is closed only when the broadcast was
          // closed; else it ends by itself once its values are read). Every consumer must finish.
          if (kind === 'channel') source.close(reason);
          else if (hubClosed) source.close();
          await quiesce(s);
          if (done !== tasks.length) {
            problems.push(`${tasks.length - done} task(s) never finished`);
            expect(problems).toEqual([]);
            return;
          }
          // What is left in the source.
          const left: number[] = [];
          for (let value = source.tryPull(); value !== undefined; value = source.tryPull()) left.push(value);
          source.close();
          await macrotaskSettled();

          for (const [i, sub] of seen.entries()) {
            const got = sub.got;
            for (let j = 1; j < got.length; j++) {
              if (got[j]! <= got[j - 1]!) problems.push(`subscriber ${i}: ${got[j]} after ${got[j - 1]}`);
            }
            if (!sub.channel.closed) problems.push(`subscriber ${i} is open at the end`);
            const stats = sub.channel.stats();
            if (stats.waitingPullers || stats.waitingPushers || stats.size) {
              problems.push(`subscriber ${i} at the end: ${JSON.stringify(stats)}`);
            }
          }
          // Block subscribers: every value any subscriber got between its first and last.
          const all = [...new Set(seen.flatMap((sub) => sub.got))].sort((a, b) => a - b);
          for (const [i, sub] of seen.entries()) {
            if (sub.spec.overflow !== 'block' || sub.got.length === 0) continue;
            const first = sub.got[0]!;
            const last = sub.got.at(-1)!;
            let missing = all.filter((value) => value >= first && value <= last && !sub.got.includes(value));
            // A stream that left had pulled ahead: the values it queued are one gap, at most its
            // highWaterMark long (Node's streams seldom have one queued yet; workerd's often do).
            const lost = sub.lostTail;
            if (lost !== undefined && lost.at > 0 && lost.at < sub.got.length) {
              const seam = (value: number) => value > sub.got[lost.at - 1]! && value < sub.got[lost.at]!;
              if (missing.filter(seam).length <= lost.highWaterMark) missing = missing.filter((value) => !seam(value));
            }
            if (missing.length) problems.push(`subscriber ${i} (block) missed ${missing.join(', ')}`);
          }
          // The steady subscriber, then the source: everything that entered the source, in order.
          const steady = seen.find((sub) => sub.steady)!;
          const through = [...steady.got, ...left];
          if (kind === 'channel') {
            if (sourceConfig.overflow === 'block') {
              if (JSON.stringify(through) !== JSON.stringify(committed)) {
                problems.push(
                  `steady ${JSON.stringify(steady.got)} + left ${JSON.stringify(left)} ≠ committed ${JSON.stringify(committed)}`,
                );
              }
            } else if (through.some((value) => !committed.includes(value))) {
              problems.push(`steady got a value never committed`);
            }
            // Closed with a reason, not by hub.close(): the steady subscriber ends with it.
            const ending = steady.ending;
            const endedRight =
              hubClosed || reason === undefined
                ? ending === 'normal'
                : typeof ending === 'object' && ending.error === reason;
            if (!endedRight) problems.push(`steady ended ${describeError(ending)}`);
          } else {
            // A `from` source: a prefix of its values (the last read one may be dropped when
            // the `from` channel closed while its push waited: README, Interop).
            if (JSON.stringify(through) !== JSON.stringify(values.slice(0, through.length))) {
              problems.push(`steady + left ${JSON.stringify(through)} is not a prefix of the source`);
            }
            if (through.length < read - 1) problems.push(`${read} values read, ${through.length} delivered`);
            // Released: a generator that started ran its `finally` (ended or `return()`ed); a
            // stream ended or was cancelled. (A generator never started has nothing to run.)
            if ((kind === 'stream' || read > 0) && !released) problems.push('the from source was not released');
          }
          const sourceStats = source.stats();
          if (sourceStats.waitingPullers || sourceStats.waitingPushers) {
            problems.push(`source at the end: ${JSON.stringify(sourceStats)}`);
          }
          for (const [i, counter] of counters.entries()) {
            if (counter.live) problems.push(`signal ${i} keeps ${counter.live} abort listener(s)`);
          }
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 1500 },
    );
  }, 60_000);
});

/** Lets the source's release (a microtask chain) and any stream cancel run. */
async function macrotaskSettled(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

type FromKind = 'array' | 'generator' | 'async generator' | 'stream';

type ReaderStep =
  | { readonly do: 'pull' | 'tryPull' | 'select' | 'abort' | 'close' | 'closeWithReason' }
  | { readonly do: 'pullMany'; readonly max: number }
  | { readonly do: 'iterate'; readonly k: number }
  | {
      readonly do: 'stream';
      readonly highWaterMark: number;
      readonly reads: number;
      readonly cancelAfter: number | null;
    }
  | { readonly do: 'micro'; readonly n: number };

const readerStepArb: fc.Arbitrary<ReaderStep> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<ReaderStep>({ do: 'pull' }, { do: 'tryPull' }, { do: 'select' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<ReaderStep>({ do: 'abort' }, { do: 'close' }, { do: 'closeWithReason' }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('iterate' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      do: fc.constant('stream' as const),
      highWaterMark: fc.constantFrom(0, 0, 1, 2, 4),
      reads: fc.integer({ min: 0, max: 3 }),
      cancelAfter: fc.option(fc.nat(3)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('micro' as const), n: fc.nat(3) }) },
);

describe('from(...) read by concurrent consumers, toReadableStream cancelled, aborted or closed at random (property)', () => {
  test('each value read from the source reaches one consumer, in order, except those queued in a cancelled stream and the one read when the channel closed; the source is released', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FromKind>('array', 'generator', 'async generator', 'stream'),
        fc.constantFrom(0, 1, 3),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        fc.array(fc.array(readerStepArb, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.scheduler(),
        async (kind, capacity, total, withSignal, readers, s) => {
          const problems: string[] = [];
          const values = Array.from({ length: total }, (_, i) => i);
          let read = 0;
          let released = false;
          let source: Iterable<number> | AsyncIterable<number> | ReadableStream<number>;
          if (kind === 'array') {
            source = values;
            released = true; // an array iterator has no return(): nothing to release
          } else if (kind === 'generator') {
            source = (function* () {
              try {
                for (const value of values) {
                  read++;
                  yield value;
                }
              } finally {
                released = true;
              }
            })();
          } else if (kind === 'async generator') {
            source = (async function* () {
              try {
                for (const value of values) {
                  await microtasks(1);
                  read++;
                  yield value;
                }
              } finally {
                released = true;
              }
            })();
          } else {
            let next = 0;
            source = new ReadableStream<number>(
              {
                pull(controller) {
                  if (next < total) {
                    read++;
                    controller.enqueue(next++);
                  } else {
                    controller.close();
                    released = true; // ended: nothing to release
                  }
                },
                cancel() {
                  released = true;
                },
              },
              { highWaterMark: 0 },
            );
          }
          const controller = new AbortController();
          const listeners = countListeners(controller.signal);
          const channel = from(source, { capacity, signal: withSignal ? controller.signal : undefined });
          const got: number[][] = readers.map(() => []);
          /** Values that may be gone: at most the highWaterMark of each stream cancelled. */
          let mayLose = 0;
          const closeReason = new Error('closed by a reader');
          let stoppedEarly = false;
          const ended = (error: unknown) => {
            if (!(error instanceof ChannelClosedError)) problems.push(`rejected with ${describeError(error)}`);
          };
          const readerTask = async (steps: readonly ReaderStep[], me: number) => {
            const mine = got[me]!;
            for (const [index, step] of steps.entries()) {
              await s.schedule(Promise.resolve(), `reader ${me}#${index} ${step.do}`);
              switch (step.do) {
                case 'pull':
                  await channel.pull().then((value) => mine.push(value), ended);
                  break;
                case 'tryPull': {
                  const value = channel.tryPull();
                  if (value !== undefined) mine.push(value);
                  break;
                }
                case 'select': {
                  const result = await select([pull(channel)]);
                  if (result.ok) mine.push(result.value);
                  break;
                }
                case 'pullMany':
                  await channel.pullMany(step.max).then((values) => mine.push(...values), ended);
                  break;
                case 'iterate': {
                  let taken = 0;
                  try {
                    for await (const value of channel) {
                      mine.push(value);
                      if (++taken >= step.k) break;
                    }
                  } catch (error) {
                    if (error !== closeReason) problems.push(`reader ${me}: iteration threw ${describeError(error)}`);
                  }
                  break;
                }
                case 'stream': {
                  const reader = toReadableStream(channel, { highWaterMark: step.highWaterMark }).getReader();
                  // A stream of a channel closed with a reason errors with it, but only once
                  // every value it queued was read: nothing is lost then.
                  const read = () =>
                    reader.read().catch((error: unknown) => {
                      if (error !== closeReason) problems.push(`stream read: ${describeError(error)}`);
                      return 'errored' as const;
                    });
                  let errored = false;
                  for (let i = 0; i < step.reads && !errored; i++) {
                    const result = await read();
                    if (result === 'errored') errored = true;
                    else if (result.done) break;
                    else mine.push(result.value);
                  }
                  if (errored) break;
                  if (step.cancelAfter !== null) {
                    const last = read();
                    await microtasks(step.cancelAfter);
                    await reader.cancel().catch(() => {}); // errored meanwhile: cancel rejects
                    const result = await last;
                    if (result !== 'errored' && !result.done) mine.push(result.value);
                  } else await reader.cancel().catch(() => {});
                  mayLose += step.highWaterMark;
                  break;
                }
                case 'abort':
                  if (withSignal) {
                    controller.abort('done');
                    stoppedEarly = true;
                  }
                  break;
                case 'close':
                  channel.close();
                  stoppedEarly = true;
                  break;
                case 'closeWithReason':
                  channel.close(closeReason);
                  stoppedEarly = true;
                  break;
                case 'micro':
                  await microtasks(step.n);
                  break;
              }
            }
            // Then read to the end (the source ends, or the channel was closed).
            try {
              for await (const value of channel) mine.push(value);
            } catch (error) {
              if (error !== closeReason) problems.push(`reader ${me}: iteration threw ${describeError(error)}`);
            }
          };
          let done = 0;
          const tasks = readers.map((steps, me) => readerTask(steps, me).then(() => done++));
          await quiesce(s);
          if (done !== tasks.length) {
            // Everyone waits and the source has no more: that can only be a source not ended.
            problems.push(`${tasks.length - done} reader(s) never finished`);
          }
          await Promise.all(tasks.map((task) => Promise.race([task, Promise.resolve()])));
          for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));

          for (const [me, mine] of got.entries()) {
            for (let i = 1; i < mine.length; i++) {
              if (mine[i]! <= mine[i - 1]!) problems.push(`reader ${me}: ${mine[i]} after ${mine[i - 1]}`);
            }
          }
          const all = got.flat().sort((a, b) => a - b);
          if (new Set(all).size !== all.length) problems.push(`a value came out twice: ${JSON.stringify(all)}`);
          if (all.some((value) => value >= total)) problems.push('a value never in the source came out');
          // Read from the source (an array counts as read up to what came out).
          const readCount = kind === 'array' ? (all.at(-1) ?? -1) + 1 : read;
          const lost = readCount - all.length;
          const allowed = mayLose + (stoppedEarly ? 1 : 0);
          if (lost < 0 || lost > allowed)
            problems.push(`read ${readCount}, came out ${all.length}, may lose ${allowed}`);
          if (!stoppedEarly && mayLose === 0 && all.length !== total) {
            problems.push(`only ${all.length} of ${total} values came out`);
          }
          if (!channel.closed) problems.push('the channel is open at the end');
          if (!released && (kind === 'stream' || read > 0)) problems.push('the source was not released');
          const stats = channel.stats();
          if (stats.waitingPullers || stats.waitingPushers || stats.size) {
            problems.push(`channel at the end: ${JSON.stringify(stats)}`);
          }
          if (listeners.live) problems.push(`the signal keeps ${listeners.live} listener(s)`);
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);
});
