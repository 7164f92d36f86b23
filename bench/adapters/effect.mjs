// Adapter for effect (v4) Queue. Idiomatic Effect code runs producers and
// consumers as fibers, so the async workloads are written here as Effect
// programs (Effect.gen + Queue.offer/take, fibers joined with Effect.all) and
// run with Effect.runPromise on the default scheduler. The nowait workload
// uses the synchronous Queue.offerUnsafe / Queue.takeUnsafe; the batch row (W7) has the
// consumer take `Queue.takeBetween(queue, 1, max)`.
import { Effect, Queue } from 'effect';
import { EMPTY } from './common.mjs';

const makeQueue = (capacity) => Effect.runSync(Queue.bounded(capacity));

const consumer = (queue, n) =>
  Effect.gen(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Queue.take(queue);
    return sum;
  });

const oneToOne = ({ capacity, n }) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const queue = yield* Queue.bounded(capacity);
      const producer = Effect.gen(function* () {
        for (let i = 0; i < n; i++) yield* Queue.offer(queue, i);
      });
      const [sum] = yield* Effect.all([consumer(queue, n), producer], { concurrency: 'unbounded' });
      return { sum, count: n };
    }),
  );

const fanIn = ({ capacity, n, producers }) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const queue = yield* Queue.bounded(capacity);
      const fibers = [consumer(queue, n)];
      for (let p = 0; p < producers; p++) {
        fibers.push(
          Effect.gen(function* () {
            for (let v = p; v < n; v += producers) yield* Queue.offer(queue, v);
          }),
        );
      }
      const [sum] = yield* Effect.all(fibers, { concurrency: 'unbounded' });
      return { sum, count: n };
    }),
  );

// W7: fanIn's producers, the consumer taking batches of 1..max with Queue.takeBetween.
const batchFanIn = ({ capacity, n, producers, max }) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const queue = yield* Queue.bounded(capacity);
      const fibers = [
        Effect.gen(function* () {
          let sum = 0;
          let count = 0;
          while (count < n) {
            const values = yield* Queue.takeBetween(queue, 1, max);
            for (let i = 0; i < values.length; i++) sum += values[i];
            count += values.length;
          }
          return { sum, count };
        }),
      ];
      for (let p = 0; p < producers; p++) {
        fibers.push(
          Effect.gen(function* () {
            for (let v = p; v < n; v += producers) yield* Queue.offer(queue, v);
          }),
        );
      }
      const [result] = yield* Effect.all(fibers, { concurrency: 'unbounded' });
      return result;
    }),
  );

const fanOut = ({ capacity, n, consumers }) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const queue = yield* Queue.bounded(capacity);
      const fibers = [
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* Queue.offer(queue, i);
          for (let c = 0; c < consumers; c++) yield* Queue.offer(queue, -1);
          return { sum: 0, count: 0 };
        }),
      ];
      for (let c = 0; c < consumers; c++) {
        fibers.push(
          Effect.gen(function* () {
            let sum = 0;
            let count = 0;
            for (;;) {
              const v = yield* Queue.take(queue);
              if (v < 0) return { sum, count };
              sum += v;
              count++;
            }
          }),
        );
      }
      const parts = yield* Effect.all(fibers, { concurrency: 'unbounded' });
      return parts.reduce((acc, part) => ({ sum: acc.sum + part.sum, count: acc.count + part.count }));
    }),
  );

export default {
  name: 'effect',
  note: 'async workloads are Effect.gen fibers on Queue.bounded run by Effect.runPromise; nowait uses offerUnsafe/takeUnsafe; batch: `Queue.takeBetween(queue, 1, max)`; a parked pull is a fiber suspended in Queue.take',
  make: makeQueue,
  tryPush: (queue, v) => Queue.offerUnsafe(queue, v),
  tryPull(queue) {
    const exit = Queue.takeUnsafe(queue);
    return exit === undefined ? EMPTY : exit.value;
  },
  // A parked take is a fiber suspended in Queue.take.
  park: (queue) => Effect.runFork(Queue.take(queue)),
  cleanup: (queue) => Effect.runSync(Queue.shutdown(queue)),
  custom: {
    '1:1-unbuffered': oneToOne,
    '1:1-cap128': oneToOne,
    'fan-in': fanIn,
    'fan-out': fanOut,
    'batch-fan-in': batchFanIn,
  },
  na: { abort: 'no AbortSignal on pull (Effect cancels by fiber interruption)' },
};
