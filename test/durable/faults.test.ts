/**
 * chanasync/durable with faults injected at random steps of random programs (fast-check):
 * producers push numbered values (through a client in this isolate, or through a request into the
 * test Worker), consumers pull them in every way the API has, and meanwhile
 * - the object is reset (`ctx.abort()`: a fresh instance over the same storage, as a deploy or an
 *   eviction does), while calls are parked in it;
 * - RPC calls fail with the runtime's transient errors, before they reach the object (nothing
 *   applied) or after (applied, the answer lost), so the client retries them; during an outage,
 *   long enough to use up the client's retries, the caller retries itself with the same push id;
 * - requests into the Worker are cancelled mid-call (the client hangs up);
 * - pullers take values and vanish, leaving their lease to expire;
 * - the channel is closed with a reason and reset before it is drained.
 *
 * What is checked after each run, against what the callers saw and the object's own storage:
 * - no value delivered that no push resolved or could have stored (a push refused by its signal
 *   or by close never is);
 * - every value whose push resolved is delivered at least once — absent a fault, exactly once;
 *   the only values allowed to go missing are those a cancelled pull request may have taken;
 * - a value delivered twice only in a run with a fault, and with the same delivery id, the push's;
 * - each push id stored once (the object's id table against its count of stores);
 * - FIFO: one producer's values stored in push order, each consumer's first deliveries in order;
 * - closed stays closed after the reset, the buffered values stay readable, then the reason;
 * - stats() agree at the end (and their invariants hold mid-run), no lease or waiter is left in
 *   the object, no timer pending, and every call settles within the run's bound.
 * Runs inside workerd (vitest project `workers`).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env, exports as workerExports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DurableChannelStats, durableChannel } from '../../src/durable/index.js';
import type { AckRequest, ChannelRpc, Delivery, PullAnswer, PullRequest } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { seededRandom } from '../helpers/random.js';
import {
  freshName,
  instanceId,
  observed,
  pause,
  RESET_MESSAGE,
  rawStub,
  realSetTimeout,
  resetObject,
  timerCount,
} from './helpers.js';

/** `promise`'s outcome, or `'timeout'` after `ms`. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, pause(ms).then(() => 'timeout' as const)]);

/** The errors of a reset object: ours ({@link resetObject}), or `abortAllDurableObjects()` of a file running alongside. */
const RESET_ERROR = new RegExp(`abortAllDurableObjects|${RESET_MESSAGE}`);
/** The errors a caller may see when every retry failed: a lost connection, a reset object. */
const TRANSIENT_ERROR = new RegExp(`Network connection lost|abortAllDurableObjects|${RESET_MESSAGE}`);

/** An error as the runtime throws them for a lost connection: the client retries it. */
const networkError = () => Object.assign(new Error('Network connection lost.'), { retryable: true });

/** What the faulty namespace did, and what the object answered through it. */
interface FaultLog {
  /** Calls failed on purpose, by method. */
  injected: Record<string, number>;
  /** Calls that failed because the object was reset under them. */
  resetErrors: number;
  /** Every lease handed out through a client of this isolate (and to vanished pullers), with its ticket. */
  leases: { ticket: string; deliveries: Delivery[] }[];
}

/** The fault knobs of one run, changed by the harness as the run goes. */
interface FaultSwitch {
  /** The chance that a call fails (half before reaching the object, half after). */
  rate: number;
  /** Until when every call fails before reaching the object (an outage). */
  outageUntil: number;
  /** Off once the harness closes and drains the channel. */
  on: boolean;
}

/**
 * The CHANNELS namespace as a flaky network shows it: each call may fail with a transient error
 * before or after it reaches the object; the errors of a reset object carry `durableObjectReset`
 * as production's do (the test pool throws a plain Error). Records the leases it sees.
 */
function faultyNamespace(log: FaultLog, knobs: FaultSwitch, draw: () => number) {
  const methods: (keyof ChannelRpc)[] = ['push', 'pull', 'ack', 'cancel', 'close', 'stats', 'restore'];
  const intercepts = Object.fromEntries(
    methods.map((method) => [
      method,
      async (real: () => Promise<unknown>, request: unknown) => {
        const outage = knobs.on && Date.now() < knobs.outageUntil;
        const fail = outage ? 'before' : knobs.on && draw() < knobs.rate ? (draw() < 0.5 ? 'before' : 'after') : '';
        if (fail === 'before') {
          log.injected[method] = (log.injected[method] ?? 0) + 1;
          throw networkError();
        }
        let answer: unknown;
        try {
          answer = await real();
        } catch (error) {
          // Ours, or a reset of every object by a test file running alongside.
          if (RESET_ERROR.test(String(error))) {
            log.resetErrors++;
            Object.assign(error as Error, { durableObjectReset: true });
          }
          throw error;
        }
        if (method === 'pull' && (answer as PullAnswer).kind === 'values') {
          log.leases.push({
            ticket: (request as PullRequest).ticket,
            deliveries: (answer as { deliveries: Delivery[] }).deliveries,
          });
        }
        if (fail === 'after') {
          log.injected[method] = (log.injected[method] ?? 0) + 1;
          throw networkError();
        }
        return answer;
      },
    ]),
  );
  return observed(intercepts).namespace;
}

type ConsumerOp =
  | { kind: 'pullWithId'; abortAfter: number | undefined }
  | { kind: 'pullMany'; max: number }
  | { kind: 'tryPull' }
  | { kind: 'iterate'; take: number }
  | { kind: 'vanish'; max: number; leaseMs: number }
  | { kind: 'fetchPull'; cancelAfter: number | undefined }
  | { kind: 'stats' };

interface Producer {
  count: number;
  /** Through a request into the Worker (always with explicit ids, retried by the caller). */
  viaFetch: boolean;
  /** Explicit push ids (the caller retries a failed push with the same id) or generated ones. */
  explicitIds: boolean;
  /** For a push made here: abort it this many ms after the call. */
  abortAfter: (number | undefined)[];
  /** For a push through the Worker: cancel the request this many ms after it started. */
  cancelAfter: (number | undefined)[];
}

interface Program {
  capacity: number;
  sliceMs: number;
  seed: number;
  /** The chance that any call fails on its way. */
  rate: number;
  producers: Producer[];
  consumers: ConsumerOp[][];
  /** When the object is reset, in ms from the start. */
  resets: number[];
  /** When an outage starts, and how long it lasts (longer than the client's retries). */
  outage: { at: number; ms: number } | undefined;
  /** Whether the closed channel is reset before it is drained. */
  resetAfterClose: boolean;
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>, weight = 2) =>
  fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const consumerOpArb: fc.Arbitrary<ConsumerOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pullWithId' as const),
      abortAfter: maybe(fc.integer({ min: 0, max: 40 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pullMany' as const), max: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tryPull' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('iterate' as const), take: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('vanish' as const),
      max: fc.integer({ min: 1, max: 2 }),
      leaseMs: fc.integer({ min: 10, max: 120 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fetchPull' as const),
      cancelAfter: maybe(fc.integer({ min: 0, max: 60 }), 1),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'stats' as const }) },
);

const producerArb: fc.Arbitrary<Producer> = fc.integer({ min: 1, max: 5 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    viaFetch: fc.boolean(),
    explicitIds: fc.boolean(),
    abortAfter: fc.array(maybe(fc.integer({ min: 0, max: 40 }), 4), { minLength: count, maxLength: count }),
    cancelAfter: fc.array(maybe(fc.integer({ min: 0, max: 40 }), 2), { minLength: count, maxLength: count }),
  }),
);

const programArb: fc.Arbitrary<Program> = fc.record({
  capacity: fc.constantFrom(1, 2, 3, Infinity),
  sliceMs: fc.constantFrom(20, 60),
  seed: fc.integer(),
  rate: fc.constantFrom(0, 0.1, 0.25),
  producers: fc.array(producerArb, { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.array(consumerOpArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  resets: fc.array(fc.integer({ min: 0, max: 150 }), { maxLength: 2 }),
  outage: maybe(fc.record({ at: fc.integer({ min: 0, max: 100 }), ms: fc.constant(900) }), 4),
  resetAfterClose: fc.boolean(),
});

/** How long the operations of a run may take to settle once the channel is closed: far above their need. */
const HANG_MS = 4000;
/** The lease of the pulls made here and through the Worker: short, so that a run waits little for a lost one. */
const LEASE_MS = 250;

/** The reason the harness closes the channel with. */
const CLOSE_REASON = 'closed by the harness';

/** The fate of a push, as its caller saw it. */
type PushFate = 'resolved' | 'refused' | 'unknown';

/** One delivery returned to a caller. */
interface Got {
  consumer: string;
  value: string;
  id?: string;
  attempt?: number;
}

/** Runs one program and returns every violation of the contract it found. */
async function runProgram(program: Program): Promise<string[]> {
  const violations: string[] = [];
  const name = freshName('faults');
  const scope = name.slice(-8); // explicit push ids are unique to the run
  const log: FaultLog = { injected: {}, resetErrors: 0, leases: [] };
  const knobs: FaultSwitch = { rate: program.rate, outageUntil: 0, on: true };
  const draw = seededRandom(program.seed);
  const options = { capacity: program.capacity, sliceMs: program.sliceMs, leaseMs: LEASE_MS };
  const faulty = () => durableChannel<string>(faultyNamespace(log, knobs, draw), name, options);
  const start = Date.now();
  const fates = new Map<string, { fate: PushFate; id: string | undefined; producer: number; n: number }>();
  const got: Got[] = [];
  /** Pull requests into the Worker that did not answer a value: each may have taken one. */
  let lostPullRequests = 0;
  let resets = 0;
  let closing = false;
  const current = new Map<string, string>();
  const timers = timerCount();

  const produce = async (p: number, producer: Producer) => {
    const channel = faulty();
    for (let n = 0; n < producer.count; n++) {
      const value = `${p}:${n}`;
      const explicit = producer.viaFetch || producer.explicitIds;
      const id = explicit ? `${scope}-${p}-${n}` : undefined;
      current.set(`producer ${p}`, `push ${n}`);
      let fate: PushFate = 'unknown';
      for (let attempt = 0; fate === 'unknown'; attempt++) {
        // A caller retries a push whose fate it does not know with the same id, until the harness
        // closes the channel; without an explicit id it cannot (a new push would be a new value).
        if (attempt > 0 && (closing || !explicit)) break;
        if (producer.viaFetch) {
          const cancelAfter = attempt === 0 ? producer.cancelAfter[n] : undefined;
          const hangUp = new AbortController();
          if (cancelAfter !== undefined) realSetTimeout(() => hangUp.abort(), cancelAfter);
          try {
            const response = await workerExports.default.fetch(
              `http://worker/push?name=${name}&id=${id}&sliceMs=${program.sliceMs}`,
              {
                method: 'POST',
                body: JSON.stringify(value),
                signal: hangUp.signal,
              },
            );
            if (response.status === 204) fate = 'resolved';
            await response.body?.cancel();
          } catch {
            // Cancelled, or the push failed inside the Worker (a reset object, a closed channel):
            // its fate is unknown to this caller, who retries with the same id.
          }
        } else {
          const abortAfter = attempt === 0 ? producer.abortAfter[n] : undefined;
          const controller = new AbortController();
          if (abortAfter !== undefined) realSetTimeout(() => controller.abort('stop'), abortAfter);
          try {
            await channel.push(value, {
              id,
              signal: abortAfter === undefined ? undefined : controller.signal,
            });
            fate = 'resolved';
          } catch (error) {
            if (error === 'stop' || error instanceof ChannelClosedError) {
              fate = 'refused';
            } else if (!(error instanceof Error && TRANSIENT_ERROR.test(error.message))) {
              violations.push(`push of ${value}: unexpected ${String(error)}`);
            }
          }
        }
        if (fate === 'unknown') await pause(10);
      }
      fates.set(value, { fate, id, producer: p, n });
    }
    current.set(`producer ${p}`, 'done');
  };

  const consume = async (c: number, ops: ConsumerOp[]) => {
    const channel = faulty();
    const consumer = `consumer ${c}`;
    const tolerated = (error: unknown, op: string) => {
      if (error === 'stop' || error instanceof ChannelClosedError) return;
      if (error === CLOSE_REASON && op.endsWith('iterate')) return; // a loop ends by throwing the close reason
      if (error instanceof Error && TRANSIENT_ERROR.test(error.message)) return;
      violations.push(`${consumer} ${op}: unexpected ${String(error)}`);
    };
    for (const [index, op] of ops.entries()) {
      current.set(consumer, `${index} ${op.kind}`);
      try {
        switch (op.kind) {
          case 'pullWithId': {
            const controller = new AbortController();
            if (op.abortAfter !== undefined) realSetTimeout(() => controller.abort('stop'), op.abortAfter);
            const signal = op.abortAfter === undefined ? undefined : controller.signal;
            got.push({ consumer, ...(await channel.pullWithId({ signal })) });
            break;
          }
          case 'pullMany':
            for (const value of await channel.pullMany(op.max)) got.push({ consumer, value });
            break;
          case 'tryPull': {
            const value = await channel.tryPull();
            if (value !== undefined) got.push({ consumer, value });
            break;
          }
          case 'iterate': {
            let taken = 0;
            for await (const value of channel) {
              got.push({ consumer, value });
              if (++taken >= op.take) break;
            }
            break;
          }
          case 'vanish': {
            // A puller that takes values and is never heard of again: its lease must expire.
            const ticket = `vanished-${c}-${index}`;
            const answer = await rawStub(name).pull({
              capacity: null,
              wait: false,
              sliceMs: 1000,
              leaseMs: op.leaseMs,
              ticket,
              max: op.max,
            });
            if (answer.kind === 'values') log.leases.push({ ticket, deliveries: answer.deliveries });
            break;
          }
          case 'fetchPull': {
            const hangUp = new AbortController();
            if (op.cancelAfter !== undefined) realSetTimeout(() => hangUp.abort(), op.cancelAfter);
            let delivered = false;
            try {
              const response = await workerExports.default.fetch(
                `http://worker/pull?name=${name}&withId=1&leaseMs=${LEASE_MS}&sliceMs=${program.sliceMs}`,
                { signal: hangUp.signal },
              );
              if (response.status === 200) {
                got.push({ consumer: `${consumer} (request)`, ...((await response.json()) as Omit<Got, 'consumer'>) });
                delivered = true;
              } else {
                await response.body?.cancel();
              }
            } catch {
              // Cancelled, or failed inside the Worker (closed, reset): it may have taken a value.
            }
            if (!delivered) lostPullRequests++;
            break;
          }
          case 'stats':
            checkStats(await channel.stats(), program.capacity, `${consumer} op ${index}`, violations);
            break;
        }
      } catch (error) {
        tolerated(error, `op ${index} ${op.kind}`);
      }
    }
    current.set(consumer, 'done');
  };

  const drainer = durableChannel<string>(observed().namespace, name, options);
  try {
    // Created with its capacity first: the Worker's clients and the vanishing pullers ask for none.
    await drainer.stats();
    const instance = await instanceId(name);
    const all = Promise.all([
      ...program.producers.map((producer, p) => produce(p, producer)),
      ...program.consumers.map((ops, c) => consume(c, ops)),
    ]);
    const faults = (async () => {
      const events = [
        ...program.resets.map((at) => ({ at, kind: 'reset' as const })),
        ...(program.outage ? [{ at: program.outage.at, kind: 'outage' as const }] : []),
      ].sort((a, b) => a.at - b.at);
      for (const event of events) {
        await pause(Math.max(0, start + event.at - Date.now()));
        if (event.kind === 'reset') {
          resets++;
          await resetObject(name);
        } else {
          knobs.outageUntil = Date.now() + program.outage!.ms;
        }
      }
    })();
    // Pushes and pulls may wait for ever: once everyone has had their go and the faults are over,
    // close the channel (with a reason), which fails waiting pushes and, once drained, pulls.
    await faults;
    await within(all, 300 + Math.max(0, knobs.outageUntil - Date.now()));
    closing = true;
    knobs.on = false;
    await drainer.close(CLOSE_REASON);
    if (program.resetAfterClose) {
      resets++;
      await resetObject(name);
    }
    if ((await within(all, HANG_MS)) === 'timeout') {
      await stopLeftovers(name);
      return [`still pending ${HANG_MS} ms after close: ${JSON.stringify([...current])}`];
    }
    // Closed stays closed across the reset: a new push is refused, the values stay readable.
    const stats = await drainer.stats();
    if (!stats.closed) violations.push('the channel is open again after close and a reset');
    const late = await drainer.push('late').then(
      () => 'stored',
      (error: unknown) => error,
    );
    if (!(late instanceof ChannelClosedError)) violations.push(`a push after close answered ${String(late)}`);
    // Leases of vanished pullers and of cancelled requests end; then every value left comes out.
    await pause(LEASE_MS + 50);
    let thrown: unknown = 'nothing';
    const drain = (async () => {
      try {
        for await (const value of drainer) got.push({ consumer: 'drain', value });
      } catch (reason) {
        thrown = reason;
      }
    })();
    if ((await within(drain, HANG_MS)) === 'timeout') {
      await stopLeftovers(name);
      return [`the drain after close did not end in ${HANG_MS} ms`];
    }
    if (thrown !== CLOSE_REASON) violations.push(`the drained loop threw ${String(thrown)}, not the reason`);
    const after = await drainer.stats();
    if (after.size + after.leased + after.waitingPullers + after.waitingPushers !== 0) {
      violations.push(`stats after the drain: ${JSON.stringify(after)}`);
    }
    // A pull that lost its value to a late acknowledgement, or whose lease ended unacknowledged,
    // keeps its place for one more lease time (README, durable): the object may hold such an
    // empty lease or away waiter that long after the drain, and must then let go by itself.
    const heldInside = () =>
      runInDurableObject(rawStub(name), (instance) => {
        const object = instance as unknown as Record<
          '$leases' | '$pushWaiters' | '$pullWaiters',
          Map<unknown, unknown>
        >;
        return object.$leases.size + object.$pushWaiters.size + object.$pullWaiters.size;
      });
    for (const giveUp = Date.now() + 2 * LEASE_MS + 1000; (await heldInside()) > 0 && Date.now() < giveUp; ) {
      await pause(50);
    }
    const inside = await runInDurableObject(rawStub(name), (instance, state) => {
      const object = instance as unknown as Record<'$leases' | '$pushWaiters' | '$pullWaiters', Map<unknown, unknown>>;
      const sql = (state.storage as unknown as { sql: { exec(q: string): { toArray(): Record<string, unknown>[] } } })
        .sql;
      return {
        held: object.$leases.size + object.$pushWaiters.size + object.$pullWaiters.size,
        stores: Number(sql.exec('SELECT next_seq FROM chanasync_meta').toArray()[0]!.next_seq) - 1,
        ids: sql.exec('SELECT id, seq FROM chanasync_ids ORDER BY seq').toArray() as { id: string; seq: number }[],
        rows: Number(sql.exec('SELECT count(*) AS n FROM chanasync_values').toArray()[0]!.n),
      };
    });
    if (inside.held !== 0 || inside.rows !== 0) violations.push(`the object keeps ${JSON.stringify(inside)}`);
    // A reset made by a test file running alongside (`abortAllDurableObjects()`) is a fault too.
    const reset = resets > 0 || log.resetErrors > 0 || (await instanceId(name)) !== instance;
    const faulted = reset || Object.keys(log.injected).length > 0;
    // Every timer of the run has fired or been cleared. Not checked after a reset: the runtime
    // drops the timers of an aborted instance without running or clearing them.
    if (!reset) {
      const deadline = Date.now() + HANG_MS;
      while (timers.pending() > 0 && Date.now() < deadline) await pause(20);
      if (timers.pending() > 0) violations.push(`${timers.pending()} timer(s) still pending after the run`);
    }
    check({ fates, got, lostPullRequests, faulted, inside, leases: log.leases, violations });
  } finally {
    timers.restore();
  }
  return violations;
}

/** After a run that hung: reset the objects so that its parked calls fail instead of running into the next run. */
async function stopLeftovers(name: string): Promise<void> {
  await resetObject(name);
  await pause(100);
}

/** The object's invariants as `stats()` shows them, at any moment. */
function checkStats(stats: DurableChannelStats, capacity: number, where: string, violations: string[]) {
  const held = stats.size + stats.leased;
  const fail = (what: string) => violations.push(`${where}: ${what} in ${JSON.stringify(stats)}`);
  if (stats.capacity !== capacity) fail('another capacity');
  if (held > capacity) fail('more values than the capacity');
  if (stats.waitingPushers > 0 && (held < capacity || stats.closed)) fail('a push waits with room or after close');
  if (stats.waitingPullers > 0 && stats.size > 0) fail('a pull waits while a value is ready');
}

/** The end-of-run checks: what the callers saw against the object's storage. */
function check(run: {
  fates: Map<string, { fate: PushFate; id: string | undefined; producer: number; n: number }>;
  got: Got[];
  lostPullRequests: number;
  faulted: boolean;
  inside: { stores: number; ids: { id: string; seq: number }[] };
  leases: { ticket: string; deliveries: Delivery[] }[];
  violations: string[];
}) {
  const { fates, got, violations } = run;
  const times = new Map<string, number>();
  const idOf = new Map<string, string>();
  for (const delivery of got) {
    times.set(delivery.value, (times.get(delivery.value) ?? 0) + 1);
    const push = fates.get(delivery.value);
    if (push === undefined) {
      violations.push(`${delivery.consumer} got ${delivery.value}, which nobody pushed`);
      continue;
    }
    if (push.fate === 'refused') violations.push(`${delivery.consumer} got ${delivery.value}, whose push was refused`);
    if (delivery.id !== undefined) {
      if (push.id !== undefined && delivery.id !== push.id) {
        violations.push(`${delivery.value} delivered with id ${delivery.id}, pushed with ${push.id}`);
      }
      const before = idOf.get(delivery.value);
      if (before !== undefined && before !== delivery.id)
        violations.push(`${delivery.value} redelivered with another id`);
      idOf.set(delivery.value, delivery.id);
    }
  }
  // At least once; exactly once without a fault. Missing: only what a cancelled pull request took.
  const missing = [...fates].filter(([value, push]) => push.fate === 'resolved' && !times.has(value)).map(([v]) => v);
  if (missing.length > run.lostPullRequests) {
    violations.push(`resolved pushes never delivered: ${missing.join(', ')} (${run.lostPullRequests} lost requests)`);
  }
  const twice = [...times].filter(([, n]) => n > 1).map(([v]) => v);
  if (twice.length > 0 && !run.faulted) violations.push(`delivered twice without a fault: ${twice.join(', ')}`);
  // Each push id stored once: as many ids in the object's table as stores, and every value
  // delivered is one store.
  const { stores, ids } = run.inside;
  if (ids.length !== stores) violations.push(`${stores} stores but ${ids.length} ids: an id was stored twice`);
  if (stores < times.size || stores > times.size + run.lostPullRequests) {
    violations.push(
      `${stores} stores for ${times.size} distinct values delivered (${run.lostPullRequests} lost requests)`,
    );
  }
  // FIFO: one producer's values are stored in the order it pushed them (their seq, known from the
  // id table for explicit ids and from the leases seen here for the others).
  const seqOf = new Map<string, number>();
  const seqById = new Map(ids.map(({ id, seq }) => [id, Number(seq)]));
  for (const { deliveries } of run.leases) for (const d of deliveries) seqOf.set(d.value as string, d.seq);
  for (const [value, push] of fates) {
    const seq = push.id === undefined ? undefined : seqById.get(push.id);
    if (seq !== undefined) seqOf.set(value, seq);
  }
  const lastOf = new Map<number, number>();
  for (const [value, push] of [...fates].sort((a, b) => a[1].n - b[1].n)) {
    const seq = seqOf.get(value);
    // A push whose fate stayed unknown without a retry may be stored later, behind the next one.
    if (seq === undefined || push.fate === 'unknown') continue;
    if (seq < (lastOf.get(push.producer) ?? 0))
      violations.push(`producer ${push.producer}'s ${value} stored out of order`);
    lastOf.set(push.producer, seq);
  }
  // Each consumer gets first deliveries (attempt 1) in storage order.
  const lastFirst = new Map<string, number>();
  for (const { consumer, value, attempt } of got) {
    const seq = seqOf.get(value);
    if (attempt !== 1 || seq === undefined) continue;
    if (seq < (lastFirst.get(consumer) ?? 0)) violations.push(`${consumer} got ${value} (seq ${seq}) out of order`);
    lastFirst.set(consumer, seq);
  }
}

describe('random programs with faults injected at random steps', () => {
  // Found by the property below (CI, 2026-12-02): a pull that vanished without acknowledging
  // (a 10 ms lease) left its lease, emptied, in the object's memory for good — kept for a late
  // acknowledgement's place (a durable pull keeps its place after losing its value), but with no
  // alarm to forget it, so an idle object held it after everything was drained.
  test('a vanished pull leaves nothing in the object once its lease and its place have ended', async () => {
    const program: Program = {
      capacity: 1,
      sliceMs: 20,
      seed: 0,
      rate: 0,
      producers: [
        {
          count: 2,
          viaFetch: false,
          explicitIds: false,
          abortAfter: [undefined, 0],
          cancelAfter: [undefined, undefined],
        },
      ],
      consumers: [[{ kind: 'vanish', max: 1, leaseMs: 10 }]],
      resets: [],
      outage: { at: 0, ms: 900 },
      resetAfterClose: false,
    };
    expect(await runProgram(program)).toEqual([]);
  }, 30_000);

  // Found by the property below (CI, 2026-12-02, after the test above): cancelled requests and
  // pullMany batches; a place kept for a late acknowledgement was still held right after the
  // drain. It is kept for one more lease time by design; the object must then let go by itself.
  test('places kept for late acknowledgements are let go by the object itself', async () => {
    const program: Program = {
      capacity: 2,
      sliceMs: 20,
      seed: 1856168901,
      rate: 0.1,
      producers: [
        {
          count: 4,
          viaFetch: false,
          explicitIds: true,
          abortAfter: [undefined, 31, 11, undefined],
          cancelAfter: [undefined, undefined, undefined, 23],
        },
        {
          count: 3,
          viaFetch: true,
          explicitIds: false,
          abortAfter: [undefined, 4, undefined],
          cancelAfter: [undefined, 33, undefined],
        },
      ],
      consumers: [
        [{ kind: 'pullMany', max: 2 }],
        [
          { kind: 'fetchPull', cancelAfter: 32 },
          { kind: 'pullMany', max: 3 },
          { kind: 'fetchPull', cancelAfter: 36 },
          { kind: 'pullMany', max: 3 },
          { kind: 'pullWithId', abortAfter: undefined },
        ],
      ],
      resets: [],
      outage: undefined,
      resetAfterClose: false,
    };
    expect(await runProgram(program)).toEqual([]);
  }, 30_000);

  test('resets, lost calls, outages, cancelled requests and expired leases: at least once, exactly once without a fault, ids once, FIFO, closed stays closed', {
    timeout: 90_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (program) => {
        expect(await runProgram(program)).toEqual([]);
      }),
      // A failure's shrinking is cut short (the best counterexample so far is reported) rather
      // than running past the test's time-out.
      { numRuns: 14, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  });
});

describe('an acknowledgement lost around a reset', () => {
  test('a consumer whose acknowledgement is lost while the object resets and another consumer takes and acknowledges the value does not return it too', async () => {
    const name = freshName('ack-lost-reset');
    const other = durableChannel<string>(env.CHANNELS, name);
    await other.push('v');
    await other.push('w');
    let lost = false;
    const namespace = observed({
      async ack(real) {
        if (lost) return real();
        lost = true;
        // This acknowledgement never reaches the object; meanwhile the object is reset (the
        // lease ends) and another consumer takes the value and acknowledges it.
        await resetObject(name);
        expect(await other.pullWithId()).toMatchObject({ value: 'v', attempt: 2 });
        throw networkError();
      },
    }).namespace;
    expect(await durableChannel<string>(namespace, name).pull()).toBe('w');
    expect(await other.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a consumer whose acknowledgement was applied but whose answer was lost in a reset still returns the value', async () => {
    const name = freshName('ack-applied-reset');
    const plain = durableChannel<string>(env.CHANNELS, name);
    await plain.push('v');
    let lost = false;
    const namespace = observed({
      async ack(real) {
        const answer = await real();
        if (lost) return answer;
        lost = true;
        await resetObject(name); // the retry reaches an instance that never saw this ack
        throw networkError();
      },
    }).namespace;
    expect(await durableChannel<string>(namespace, name).pull()).toBe('v');
    expect(await plain.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('a client talking to an object of an earlier version, which cannot tell who removed a value, still returns the value its own lost acknowledgement removed', async () => {
    const name = freshName('ack-old-object');
    const plain = durableChannel<string>(env.CHANNELS, name);
    await plain.push('v');
    let lost = false;
    const namespace = observed({
      // An object of an earlier version: it ignores `exact`, and answers every removed value `gone`.
      async ack(_real, request) {
        const { exact: _, ...earlier } = request as AckRequest;
        const answer = await rawStub(name).ack(earlier);
        if (lost) return answer;
        lost = true;
        throw networkError(); // applied, and the answer lost
      },
    }).namespace;
    expect(await durableChannel<string>(namespace, name).pull()).toBe('v');
    expect(await plain.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});
