/**
 * Audit J: chanasync/durable against a plain-array model, step by step (fast-check).
 *
 * The earlier model tests check a sequential program without waiters (audit.test.ts) or check
 * invariants after a concurrent run (fuzz.test.ts, faults.test.ts). This one keeps operations
 * *waiting* across steps and checks, after every step, exactly which callers settled with which
 * value or error, which are still waiting, and `stats()` field by field — with several clients
 * (one without a capacity option), capacity 1, 2, 3 or unbounded, short and long slices, pushes
 * with repeated ids (also while one with the same id waits), pulls of every kind, tries,
 * iteration with `break`, close with and without a reason, aborts before the call and while
 * waiting, a client whose capacity differs, pullers that vanish holding a lease (its end by a
 * late acknowledgement, a withdrawal, the alarm or a reset: back to the head, same delivery id,
 * next attempt, counted against the capacity meanwhile), and object resets between steps.
 *
 * Runs inside workerd (vitest project `workers`).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DurableChannel, type DurableDelivery, durableChannel } from '../../src/durable/index.js';
import type { PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/index.js';
import { freshName, rawLimits, rawStub, resetFlagged, resetObject, settled, sleep } from './helpers.js';

type Outcome = { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'pending' };

/** A call the test watches: how it settled, as soon as it did. */
class Watched {
  outcome: Outcome = { kind: 'pending' };
  readonly done: Promise<void>;
  constructor(
    readonly label: string,
    promise: Promise<unknown>,
  ) {
    this.done = promise.then(
      (value) => {
        this.outcome = { kind: 'resolved', value };
      },
      (error: unknown) => {
        this.outcome = { kind: 'rejected', error };
      },
    );
  }
}

type Expect =
  | { kind: 'void' }
  | { kind: 'value'; value: unknown }
  | { kind: 'values'; values: number[] }
  | { kind: 'delivery'; value: number; id: string | undefined; attempt: number }
  | { kind: 'closed' }
  | { kind: 'abort'; reason: unknown };

type Client = 0 | 1 | 2;
type Step =
  | { kind: 'push'; client: Client; id: string | undefined; abortedBefore: boolean }
  | { kind: 'tryPush'; client: Client; id: string | undefined }
  | { kind: 'pull'; client: Client; variant: 'pull' | 'withId' | 'many'; max: number; abortedBefore: boolean }
  | { kind: 'tryPull'; client: Client }
  | { kind: 'iterate'; client: Client; take: number }
  | { kind: 'close'; client: Client; reason: string | undefined }
  | { kind: 'abortWaiter'; pick: number }
  | { kind: 'reset' }
  | { kind: 'lease'; max: number }
  | { kind: 'endLease'; how: 'ack' | 'withdraw' | 'expire'; pick: number }
  | { kind: 'mismatch'; op: 'push' | 'tryPush' | 'pull' | 'tryPull' | 'pullMany' | 'stats' | 'close' };

const clientArb = fc.constantFrom<Client>(0, 1, 2);
const idArb = fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined });
const abortedBeforeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 21,
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      client: clientArb,
      id: idArb,
      abortedBefore: abortedBeforeArb,
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tryPush' as const), client: clientArb, id: idArb }) },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant('pull' as const),
      client: clientArb,
      variant: fc.constantFrom('pull' as const, 'withId' as const, 'many' as const),
      max: fc.integer({ min: 1, max: 3 }),
      abortedBefore: abortedBeforeArb,
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tryPull' as const), client: clientArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('iterate' as const),
      client: clientArb,
      take: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      client: clientArb,
      reason: fc.option(fc.constantFrom('done', ''), { nil: undefined }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('abortWaiter' as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('lease' as const), max: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('endLease' as const),
      how: fc.constantFrom('ack' as const, 'withdraw' as const, 'expire' as const),
      pick: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mismatch' as const),
      op: fc.constantFrom(
        'push' as const,
        'tryPush' as const,
        'pull' as const,
        'tryPull' as const,
        'pullMany' as const,
        'stats' as const,
        'close' as const,
      ),
    }),
  },
);

interface Entry {
  seq: number;
  value: number;
  id: string | undefined;
  /** How many times it was handed out. */
  attempts: number;
}

interface PendingPull {
  watched: Watched;
  variant: 'pull' | 'withId' | 'many';
  max: number;
  controller: AbortController;
  expect?: Expect;
}
interface PendingPush {
  value: number;
  id: string | undefined;
  /** Every caller of this push (more than one when pushes with the same id joined it). */
  callers: { watched: Watched; controller: AbortController; expect?: Expect }[];
}

const WAIT_MS = 3000;

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

/** Runs one program; returns a description of the first disagreement with the model, or undefined. */
async function runProgram(capacity: number, sliceMs: number, steps: Step[]): Promise<string | undefined> {
  const name = freshName('audit-j-model');
  const namespace = resetFlagged();
  const clients: DurableChannel<number>[] = [
    durableChannel<number>(namespace, name, { capacity, sliceMs }),
    durableChannel<number>(namespace, name, { capacity, sliceMs }),
    durableChannel<number>(namespace, name, { sliceMs }), // accepts the channel's capacity
  ];
  const other = durableChannel<number>(namespace, name, { capacity: capacity === Infinity ? 5 : capacity + 1 });
  // The first call fixes the capacity: make it one of a client that gives it.
  await clients[0]!.stats();

  /** Ready values, in `seq` order (a value whose lease ends goes back at its own place: the head). */
  const queue: Entry[] = [];
  /** Values leased to a puller that vanished (raw pulls that never acknowledge by themselves), by ticket. */
  const leases = new Map<string, Entry[]>();
  const leasedCount = () => [...leases.values()].reduce((n, entries) => n + entries.length, 0);
  let seq = 1;
  const store = (value: number, id: string | undefined) => queue.push({ seq: seq++, value, id, attempts: 0 });
  const backToHead = (entries: Entry[]) => {
    queue.push(...entries);
    queue.sort((a, b) => a.seq - b.seq);
  };
  // A lease its pull withdrew: its hand-out reached no caller and does not count (audit BS-durable-1).
  const withdrawn = (entries: Entry[]) => {
    for (const entry of entries) entry.attempts--;
    backToHead(entries);
  };
  const ids = new Set<string>();
  let closed = false;
  let reason: { given: boolean; value: unknown } = { given: false, value: undefined };
  const pulls: PendingPull[] = [];
  const pushes: PendingPush[] = [];
  /** Calls whose outcome the model has decided and the test has not checked yet. */
  const decided: { watched: Watched; expect: Expect; step: string }[] = [];
  const deliveryIds = new Map<string, number>();
  let next = 0;
  const log: string[] = [];

  const decide = (watched: Watched, expected: Expect) => decided.push({ watched, expect: expected, step: log.at(-1)! });

  /**
   * Stores waiting pushes while there is room, then serves waiting pulls from the queue, to a
   * fixpoint — the object's order (`#servePushers`): an acknowledgement that frees two places
   * with two pushes waiting stores both before a waiting `pullMany(2)` is served, which then
   * gets both (seed -1773766674: the model served it the first alone).
   */
  const pump = () => {
    for (;;) {
      if (pushes.length > 0 && queue.length + leasedCount() < capacity) {
        const push = pushes.shift()!;
        store(push.value, push.id);
        if (push.id !== undefined) ids.add(push.id);
        for (const caller of push.callers) decide(caller.watched, { kind: 'void' });
        continue;
      }
      if (pulls.length > 0 && queue.length > 0) {
        const pull = pulls.shift()!;
        if (pull.variant === 'many') {
          decide(pull.watched, { kind: 'values', values: queue.splice(0, pull.max).map((e) => e.value) });
        } else {
          const head = queue.shift()!;
          head.attempts++;
          decide(
            pull.watched,
            pull.variant === 'withId'
              ? { kind: 'delivery', value: head.value, id: head.id, attempt: head.attempts }
              : { kind: 'value', value: head.value },
          );
        }
        continue;
      }
      if (closed && pulls.length > 0 && queue.length === 0 && leasedCount() === 0) {
        for (const pull of pulls.splice(0)) closedPull(pull.watched);
        continue;
      }
      return;
    }
  };

  const check = (watched: Watched, expected: Expect, step: string): string | undefined => {
    const outcome = watched.outcome;
    const got =
      outcome.kind === 'resolved' ? JSON.stringify(outcome.value) : String((outcome as { error?: unknown }).error);
    const fail = (what: string) => `${watched.label} (${step}): expected ${what}, got ${outcome.kind} ${got}`;
    switch (expected.kind) {
      case 'void':
        return outcome.kind === 'resolved' && outcome.value === undefined ? undefined : fail('to resolve');
      case 'value':
        return outcome.kind === 'resolved' && Object.is(outcome.value, expected.value)
          ? undefined
          : fail(`value ${expected.value}`);
      case 'values':
        return outcome.kind === 'resolved' && JSON.stringify(outcome.value) === JSON.stringify(expected.values)
          ? undefined
          : fail(`values ${JSON.stringify(expected.values)}`);
      case 'delivery': {
        if (outcome.kind !== 'resolved') return fail(`delivery of ${expected.value}`);
        const delivery = outcome.value as DurableDelivery<number>;
        if (delivery.value !== expected.value || delivery.attempt !== expected.attempt)
          return fail(`delivery of ${expected.value}, attempt ${expected.attempt}`);
        if (typeof delivery.id !== 'string' || delivery.id.length === 0) return fail('a string id');
        if (expected.id !== undefined && delivery.id !== expected.id) return fail(`id ${expected.id}`);
        const seen = deliveryIds.get(delivery.id);
        if (seen !== undefined && seen !== delivery.value) return fail(`a delivery id not used by value ${seen}`);
        deliveryIds.set(delivery.id, delivery.value);
        return undefined;
      }
      case 'closed': {
        if (outcome.kind !== 'rejected' || !(outcome.error instanceof ChannelClosedError))
          return fail('ChannelClosedError');
        return undefined;
      }
      case 'abort':
        return outcome.kind === 'rejected' && outcome.error === expected.reason ? undefined : fail('the abort reason');
    }
  };

  const closedPull = (watched: Watched) => {
    decided.push({ watched, expect: { kind: 'closed' }, step: log.at(-1)! });
  };

  const waitingPushers = () => pushes.length;
  const modelStats = () => ({
    name,
    capacity,
    size: queue.length,
    leased: leasedCount(),
    closed,
    waitingPushers: waitingPushers(),
    waitingPullers: pulls.length,
  });

  /** After a step: the decided calls settle as the model says, the others still wait, stats agree. */
  const sync = async (): Promise<string | undefined> => {
    for (const d of decided.splice(0)) {
      if (!(await within(d.watched.done, WAIT_MS))) return `${d.watched.label} (${d.step}) did not settle`;
      const problem = check(d.watched, d.expect, d.step);
      if (problem) return problem;
    }
    // The pulls that reject on a closed channel also carry the reason as their cause.
    const expected = modelStats();
    const start = Date.now();
    let stats = await clients[0]!.stats();
    while (JSON.stringify(stats) !== JSON.stringify(expected) && Date.now() - start < WAIT_MS) {
      stats = await clients[0]!.stats();
    }
    if (JSON.stringify(stats) !== JSON.stringify(expected)) {
      return `stats ${JSON.stringify(stats)} != model ${JSON.stringify(expected)}`;
    }
    for (const pull of pulls) {
      if (await settled(pull.watched.done)) return `${pull.watched.label} settled while the model has it waiting`;
    }
    for (const push of pushes) {
      for (const caller of push.callers) {
        if (await settled(caller.watched.done)) return `${caller.watched.label} settled while the model has it waiting`;
      }
    }
    return undefined;
  };

  for (const [index, step] of steps.entries()) {
    log.push(`${index}:${JSON.stringify(step)}`);
    const label = `#${index} ${step.kind}`;
    if (step.kind === 'push') {
      const value = next++;
      const controller = new AbortController();
      const abortReason = new Error(`aborted before ${index}`);
      if (step.abortedBefore) controller.abort(abortReason);
      const watched = new Watched(label, clients[step.client]!.push(value, { id: step.id, signal: controller.signal }));
      if (step.abortedBefore) {
        decide(watched, { kind: 'abort', reason: abortReason });
      } else if (step.id !== undefined && ids.has(step.id)) {
        decide(watched, { kind: 'void' }); // a retry of a push that succeeded: stores nothing
      } else if (closed) {
        decide(watched, { kind: 'closed' });
      } else {
        const joined = step.id === undefined ? undefined : pushes.find((p) => p.id === step.id);
        if (joined) joined.callers.push({ watched, controller });
        else pushes.push({ value, id: step.id, callers: [{ watched, controller }] });
        pump();
      }
    } else if (step.kind === 'tryPush') {
      const value = next++;
      const watched = new Watched(label, clients[step.client]!.tryPush(value, { id: step.id }));
      if (step.id !== undefined && ids.has(step.id)) decide(watched, { kind: 'value', value: true });
      else if (closed || pushes.length > 0 || queue.length + leasedCount() >= capacity)
        decide(watched, { kind: 'value', value: false });
      else {
        decide(watched, { kind: 'value', value: true });
        store(value, step.id);
        if (step.id !== undefined) ids.add(step.id);
        pump();
      }
    } else if (step.kind === 'pull') {
      const controller = new AbortController();
      const abortReason = new Error(`aborted before ${index}`);
      if (step.abortedBefore) controller.abort(abortReason);
      const channel = clients[step.client]!;
      const options = { signal: controller.signal };
      const promise =
        step.variant === 'pull'
          ? channel.pull(options)
          : step.variant === 'withId'
            ? channel.pullWithId(options)
            : channel.pullMany(step.max, options);
      const watched = new Watched(`${label} ${step.variant}`, promise);
      if (step.abortedBefore) decide(watched, { kind: 'abort', reason: abortReason });
      else if (queue.length === 0 && closed && leasedCount() === 0) closedPull(watched);
      else {
        pulls.push({ watched, variant: step.variant, max: step.max, controller });
        pump();
      }
    } else if (step.kind === 'tryPull') {
      const watched = new Watched(label, clients[step.client]!.tryPull());
      decide(watched, { kind: 'value', value: queue.shift()?.value });
      pump();
    } else if (step.kind === 'iterate') {
      if (queue.length < step.take && (!closed || leasedCount() > 0)) continue; // would wait
      const take = Math.min(step.take, queue.length);
      const expected = queue.splice(0, take).map((e) => e.value);
      const ends = take < step.take; // closed and drained inside the loop
      const run = async () => {
        const got: number[] = [];
        try {
          for await (const value of clients[step.client]!) {
            got.push(value);
            if (got.length === step.take) break;
          }
          return { got, thrown: undefined as unknown, threw: false };
        } catch (error) {
          return { got, thrown: error, threw: true };
        }
      };
      const watched = new Watched(label, run());
      pump();
      const problem = await sync();
      if (problem) return problem;
      if (!(await within(watched.done, WAIT_MS))) return `${label} did not settle`;
      const outcome = watched.outcome as {
        kind: 'resolved';
        value: { got: number[]; thrown: unknown; threw: boolean };
      };
      if (JSON.stringify(outcome.value.got) !== JSON.stringify(expected)) {
        return `${label}: iterated ${JSON.stringify(outcome.value.got)}, model ${JSON.stringify(expected)}`;
      }
      const shouldThrow = ends && reason.given;
      if (outcome.value.threw !== shouldThrow || (shouldThrow && outcome.value.thrown !== reason.value)) {
        return `${label}: loop ${outcome.value.threw ? `threw ${String(outcome.value.thrown)}` : 'ended'}, model ${shouldThrow ? `throws ${String(reason.value)}` : 'ends'}`;
      }
      continue;
    } else if (step.kind === 'close') {
      const watched = new Watched(label, clients[step.client]!.close(step.reason));
      decide(watched, { kind: 'void' });
      if (!closed) {
        closed = true;
        reason = { given: step.reason !== undefined, value: step.reason };
        for (const push of pushes.splice(0))
          for (const caller of push.callers) decide(caller.watched, { kind: 'closed' });
        pump(); // waiting pulls fail once nothing is ready or leased
      }
    } else if (step.kind === 'abortWaiter') {
      const waiters = [
        ...pulls.map((pull) => ({ side: 'pull' as const, pull })),
        ...pushes.filter((push) => push.callers.length === 1).map((push) => ({ side: 'push' as const, push })),
      ];
      if (waiters.length === 0) continue;
      const target = waiters[step.pick % waiters.length]!;
      const abortReason = new Error(`aborted while waiting at ${index}`);
      if (target.side === 'pull') {
        pulls.splice(pulls.indexOf(target.pull), 1);
        target.pull.controller.abort(abortReason);
        decide(target.pull.watched, { kind: 'abort', reason: abortReason });
      } else {
        pushes.splice(pushes.indexOf(target.push), 1);
        target.push.callers[0]!.controller.abort(abortReason);
        decide(target.push.callers[0]!.watched, { kind: 'abort', reason: abortReason });
      }
    } else if (step.kind === 'reset') {
      // With more than one waiter on a side, the order they queue again in after the reset is
      // not defined (each retries on its own): the model resets only when it stays exact.
      // Nor when callers of one push id wait together: each queues its push again after the
      // reset, and the value kept is the one of whichever comes back first.
      if (pulls.length > 1 || pushes.length > 1 || pushes.some((push) => push.callers.length > 1)) continue;
      await resetObject(name);
      // The leases of the previous instance end with it: their values are back at the head.
      for (const entries of leases.values()) backToHead(entries);
      leases.clear();
      pump();
    } else if (step.kind === 'lease') {
      // A puller that takes values and vanishes before acknowledging them.
      if (queue.length === 0) continue;
      const ticket = `vanished-${index}`;
      const answer = (await rawStub(name).pull({ ...rawLimits(60_000, false), ticket, max: step.max })) as PullAnswer;
      const entries = queue.splice(0, step.max);
      for (const entry of entries) entry.attempts++;
      const got = answer.kind === 'values' ? answer.deliveries.map((d) => [d.value, d.attempt]) : answer;
      const expected = entries.map((e) => [e.value, e.attempts]);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        return `${label}: leased ${JSON.stringify(got)}, model ${JSON.stringify(expected)}\n${log.join('\n')}`;
      }
      if (answer.kind === 'values') {
        answer.deliveries.forEach((d, i) => {
          entries[i]!.seq = d.seq; // the object's positions (the model's follow the same order)
        });
      }
      leases.set(ticket, entries);
    } else if (step.kind === 'endLease') {
      if (leases.size === 0) continue;
      const ticket = [...leases.keys()][step.pick % leases.size]!;
      const entries = leases.get(ticket)!;
      leases.delete(ticket);
      if (step.how === 'ack') {
        const answer = await rawStub(name).ack({
          capacity: null,
          ticket,
          deliveries: entries.map((e): [number, number] => [e.seq, e.attempts]),
          exact: true,
        });
        if (answer.kind !== 'acks' || !answer.fates.every((fate) => fate === 'acked')) {
          return `${label}: late acknowledgement answered ${JSON.stringify(answer)}\n${log.join('\n')}`;
        }
      } else if (step.how === 'withdraw') {
        const answer = await rawStub(name).cancel({ capacity: null, side: 'pull', key: ticket });
        if (answer.kind !== 'cancelled') return `${label}: withdrawal answered ${JSON.stringify(answer)}`;
        withdrawn(entries);
      } else {
        // The same ticket again renews its lease, here for 40 ms; the object's alarm then ends it.
        await rawStub(name).pull({ ...rawLimits(40, false), ticket, max: entries.length });
        await sleep(150);
        backToHead(entries);
      }
      pump();
    } else {
      const channel = other;
      const call: Record<typeof step.op, () => Promise<unknown>> = {
        push: () => channel.push(next++),
        tryPush: () => channel.tryPush(next++),
        pull: () => channel.pull(),
        tryPull: () => channel.tryPull(),
        pullMany: () => channel.pullMany(2),
        stats: () => channel.stats(),
        close: () => channel.close('mismatch'),
      };
      const error = await call[step.op]().then(
        (value) => ({ resolved: value }),
        (e: unknown) => e,
      );
      if (!(error instanceof RangeError) || !error.message.startsWith(`${step.op}`)) {
        return `${label} ${step.op} with another capacity: ${String(error instanceof Error ? error.message : JSON.stringify(error))}`;
      }
    }
    const problem = await sync();
    if (problem) return `${problem}\n${log.join('\n')}`;
  }

  // The end: the vanished pullers' leases are withdrawn; closed stays closed across a reset;
  // every value left comes out in order, once.
  // One withdrawal at a time, as the object serves them: a pull waiting for values gets those
  // of the first lease that ends (a waiting pullMany does not wait for the next one).
  for (const [ticket, entries] of [...leases]) {
    await rawStub(name).cancel({ capacity: null, side: 'pull', key: ticket });
    leases.delete(ticket);
    withdrawn(entries);
    pump();
  }
  log.push('end: withdraw leases');
  const settledFirst = await sync();
  if (settledFirst) return `${settledFirst}\n${log.join('\n')}`;
  await clients[1]!.close('end');
  if (!closed) reason = { given: true, value: 'end' };
  closed = true;
  for (const pull of pulls.splice(0)) closedPull(pull.watched);
  for (const push of pushes.splice(0)) for (const caller of push.callers) decide(caller.watched, { kind: 'closed' });
  log.push('end: close');
  const problem = await sync();
  if (problem) return `${problem}\n${log.join('\n')}`;
  await resetObject(name);
  const rest: number[] = [];
  let thrown: unknown = 'nothing';
  try {
    for await (const value of clients[2]!) rest.push(value);
  } catch (error) {
    thrown = error;
  }
  if (JSON.stringify(rest) !== JSON.stringify(queue.map((e) => e.value))) {
    return `drain after reset: ${JSON.stringify(rest)} != model ${JSON.stringify(queue.map((e) => e.value))}\n${log.join('\n')}`;
  }
  if (reason.given ? thrown !== reason.value : thrown !== 'nothing') {
    return `drain threw ${String(thrown)}, model ${reason.given ? String(reason.value) : 'nothing'}`;
  }
  const closedError = await clients[0]!.pull().catch((e: unknown) => e);
  if (!(closedError instanceof ChannelClosedError)) return `pull after drain: ${String(closedError)}`;
  if (reason.given ? (closedError as Error).cause !== reason.value : 'cause' in (closedError as Error)) {
    return `pull after drain: cause ${String((closedError as Error).cause)}, model ${String(reason.value)}`;
  }
  return undefined;
}

describe('audit J: the durable channel, step by step against a plain-array model', () => {
  test('waiting pushes and pulls of several clients, ids, tries, iteration, close, aborts, vanished pullers’ leases, resets and a mismatched capacity agree with the model after every step', {
    timeout: 240_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 1, 2, 3, Infinity),
        fc.constantFrom(30, 5000),
        fc.array(stepArb, { minLength: 15, maxLength: 35, size: 'max' }),
        async (capacity, sliceMs, steps) => {
          expect(await runProgram(capacity, sliceMs, steps)).toBeUndefined();
        },
      ),
      { numRuns: 40, interruptAfterTimeLimit: 200_000 },
    );
  });
});
