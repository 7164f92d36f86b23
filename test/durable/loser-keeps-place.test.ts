/**
 * A pull that loses its value to another pull's late acknowledgement keeps its place among the
 * waiting pulls (SPEC "Durable channels on Cloudflare": a pull on an empty channel "waits without
 * losing its place … FIFO among waiters").
 *
 * The scene of every test: a pull A (a raw call, so that the test decides when its acknowledgement
 * arrives) is handed values under a short lease; pulls B, C, … park behind it; A's lease ends and
 * its values go to B (and C); A's late acknowledgement then takes them, so B's acknowledgement
 * finds them gone and B pulls again.
 *
 * What was wrong: B pulled again under a new ticket, at the tail of the waiting pulls, behind C,
 * which parked after it: values pushed next went to C first (the order `C, B` for pulls parked
 * `B, C`). Now B's acknowledgement asks the object to queue B again at its place, and B pulls
 * again with the same ticket. Runs inside workerd (vitest project `workers`).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { type DurableChannelOptions, durableChannel } from '../../src/durable/index.js';
import type { AckAnswer, Delivery, PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import {
  flaggingReset,
  freshName,
  observed,
  rawStub,
  resetFlagged,
  resetObject,
  timerCount,
  until,
} from './helpers.js';

/** A's lease: long enough for B, C, … to park behind it on a loaded machine. */
const A_LEASE_MS = 1500;

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A client whose first acknowledgement waits: `handed` opens when it is sent (the value was handed
 * to this pull), and it reaches the object only once `release` is opened. `pulls()` counts its
 * pull calls. Its calls failed by {@link resetObject} are retried.
 */
function heldClient<T>(name: string, options?: DurableChannelOptions) {
  const handed = gate();
  const release = gate();
  let first = true;
  let pulls = 0;
  const { namespace } = observed({
    pull: (real) => {
      pulls++;
      return flaggingReset(real);
    },
    ack: async (real) => {
      if (first) {
        first = false;
        handed.open();
        await release.opened;
      }
      return flaggingReset(real);
    },
    cancel: flaggingReset,
    push: flaggingReset,
    stats: flaggingReset,
  });
  const client = durableChannel<T>(namespace, name, { leaseMs: 5000, ...options });
  return { client, handed, release, pulls: () => pulls };
}

/** A raw pull A that takes up to `max` ready values under a lease of {@link A_LEASE_MS}. */
async function rawTake(name: string, ticket: string, max: number): Promise<Delivery[]> {
  const answer: PullAnswer = await rawStub(name).pull({
    capacity: null,
    wait: false,
    sliceMs: 30_000,
    leaseMs: A_LEASE_MS,
    ticket,
    max,
  });
  if (answer.kind !== 'values') throw new Error(`expected values, got ${answer.kind}`);
  return answer.deliveries;
}

/** A's late acknowledgement: it takes its values (they are still in the channel). */
async function lateAck(name: string, ticket: string, deliveries: Delivery[]): Promise<AckAnswer> {
  return rawStub(name).ack({
    capacity: null,
    ticket,
    deliveries: deliveries.map((d): [number, number] => [d.seq, d.attempt]),
    exact: true,
  });
}

/**
 * The scene's start: a fresh channel holding `values` (each pushed with its own id), the first
 * `max` of them taken by the raw pull A; `waiting(n)` waits until `n` pulls are parked on it, and
 * `park(...pulls)` starts each pull once the ones before it are parked, and returns them.
 */
async function scene(label: string, values: string[], max = values.length) {
  const name = freshName(label);
  const producer = durableChannel<string>(env.CHANNELS, name);
  for (const value of values) await producer.push(value, { id: value });
  const taken = await rawTake(name, 'A', max);
  const waiting = (n: number) => until(async () => (await producer.stats()).waitingPullers === n);
  const park = async <T extends unknown[]>(...pulls: { [K in keyof T]: () => Promise<T[K]> }) => {
    const parked = [] as Promise<unknown>[];
    for (const pull of pulls) {
      parked.push(pull());
      await waiting(parked.length);
    }
    return parked as { [K in keyof T]: Promise<T[K]> };
  };
  return { name, producer, taken, waiting, park };
}

/**
 * The scene of the abort tests: B (with a signal, and a lease of a minute: a ghost place would
 * hold a value that long) and C park behind A; 'v' went to B, and A's late acknowledgement took it.
 */
async function abortableLoser(label: string) {
  const { name, producer, taken, waiting, park } = await scene(label, ['v']);
  const b = heldClient<string>(name, { leaseMs: 60_000 });
  const c = durableChannel<string>(env.CHANNELS, name);
  const controller = new AbortController();
  const [pulledB, pulledC] = await park(
    () => b.client.pull({ signal: controller.signal }).catch((error: unknown) => error),
    () => c.pull(),
  );
  await b.handed.opened;
  await lateAck(name, 'A', taken);
  return { producer, waiting, b, controller, pulledB, pulledC };
}

describe('a pull that loses its value to a late acknowledgement keeps its place', () => {
  // Before the fix: `first` went to C and `second` to B (C, B for pulls parked B, C).
  test('pulls parked B, C: B loses its value to A’s late acknowledgement and is still served before C', async () => {
    const { name, producer, taken, park } = await scene('loser-place', ['v']);
    const b = heldClient<string>(name);
    const c = durableChannel<string>(env.CHANNELS, name);
    const [pulledB, pulledC] = await park(
      () => b.client.pullWithId(),
      () => c.pull(),
    );
    await b.handed.opened; // A's lease ended: 'v' went to B, whose acknowledgement is held
    expect(await lateAck(name, 'A', taken)).toEqual({ kind: 'acks', fates: ['acked'], exact: true });
    b.release.open(); // B's acknowledgement finds 'v' gone: B pulls again
    await until(async () => b.pulls() >= 2 && (await producer.stats()).waitingPullers === 2);
    await producer.push('first');
    await producer.push('second');
    expect(await pulledB).toEqual({ value: 'first', id: expect.any(String), attempt: 1 });
    expect(await pulledC).toBe('second');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('several losers (A’s late acknowledgement takes a batch handed to B and C) keep their places ahead of D', async () => {
    const { name, producer, taken, park } = await scene('losers-place', ['v1', 'v2']);
    const b = heldClient<string>(name);
    const c = heldClient<string>(name);
    const d = durableChannel<string>(env.CHANNELS, name);
    const [pulledB, pulledC, pulledD] = await park(
      () => b.client.pull(),
      () => c.client.pull(),
      () => d.pull(),
    );
    await Promise.all([b.handed.opened, c.handed.opened]); // 'v1' went to B, 'v2' to C
    expect(await lateAck(name, 'A', taken)).toEqual({ kind: 'acks', fates: ['acked', 'acked'], exact: true });
    c.release.open(); // C's acknowledgement first: C must still not pass B
    await until(async () => c.pulls() >= 2);
    b.release.open();
    await until(async () => b.pulls() >= 2 && (await producer.stats()).waitingPullers === 3);
    for (const value of ['x', 'y', 'z']) await producer.push(value);
    expect([await pulledB, await pulledC, await pulledD]).toEqual(['x', 'y', 'z']);
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a slow loser whose own lease also ended before its acknowledgement (the value went on and was taken) keeps its place ahead of D', async () => {
    const { name, producer, taken, park } = await scene('slow-loser-place', ['v']);
    const b = heldClient<string>(name, { leaseMs: 300 });
    const c = durableChannel<string>(env.CHANNELS, name);
    const d = durableChannel<string>(env.CHANNELS, name);
    const [pulledB, pulledC, pulledD] = await park(
      () => b.client.pull(),
      () => c.pull(),
      () => d.pull(),
    );
    await b.handed.opened; // A's lease ended: 'v' went to B, whose acknowledgement is held…
    expect(await pulledC).toBe('v'); // …until B's lease ended too: 'v' went on to C, which took it
    expect(await lateAck(name, 'A', taken)).toEqual({ kind: 'acks', fates: ['gone'], exact: true });
    b.release.open(); // B's acknowledgement finds 'v' gone
    await until(async () => b.pulls() >= 2 && (await producer.stats()).waitingPullers === 2);
    await producer.push('first');
    await producer.push('second');
    expect(await pulledB).toBe('first');
    expect(await pulledD).toBe('second');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a loser whose signal aborts while it is queued again rejects with the reason, leaves its place, and holds nothing back', async () => {
    const { producer, waiting, b, controller, pulledB, pulledC } = await abortableLoser('loser-abort');
    b.release.open();
    await until(async () => b.pulls() >= 2 && (await producer.stats()).waitingPullers === 2);
    controller.abort('changed my mind');
    expect(await pulledB).toBe('changed my mind');
    await waiting(1);
    await producer.push('first');
    expect(await pulledC).toBe('first');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a loser whose signal aborts during its losing acknowledgement: its place is withdrawn too', async () => {
    const { producer, waiting, b, controller, pulledB, pulledC } = await abortableLoser('loser-abort-in-ack');
    controller.abort('gone');
    b.release.open(); // the object queues B again; the client then withdraws that ticket
    expect(await pulledB).toBe('gone');
    await waiting(1);
    await producer.push('first');
    expect(await pulledC).toBe('first');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a loser at close: when A’s late acknowledgement drains the closed channel, B and C both reject with ChannelClosedError', async () => {
    const { name, producer, taken, park } = await scene('loser-close', ['v']);
    const b = heldClient<string>(name);
    const c = durableChannel<string>(env.CHANNELS, name);
    const [pulledB, pulledC] = await park(
      () => b.client.pull().catch((error: unknown) => error),
      () => c.pull().catch((error: unknown) => error),
    );
    await producer.close('done'); // 'v' is leased: not drained yet, the pulls wait
    await b.handed.opened;
    await lateAck(name, 'A', taken); // drained: C fails now
    expect(await pulledC).toBeInstanceOf(ChannelClosedError);
    b.release.open();
    const error = await pulledB;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBe('done');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, closed: true });
  });

  test('a loser at close while another value is still leased: B waits at its place and gets that value when its lease ends', async () => {
    const { name, producer, taken, park } = await scene('loser-close-rest', ['v', 'w'], 1);
    const held = await rawStub(name).pull({
      capacity: null,
      wait: false,
      sliceMs: 30_000,
      leaseMs: 3 * A_LEASE_MS,
      ticket: 'W',
      max: 1,
    }); // 'w', leased to a caller that vanished
    expect(held).toMatchObject({ kind: 'values' });
    const b = heldClient<string>(name);
    const c = durableChannel<string>(env.CHANNELS, name);
    const [pulledB, pulledC] = await park(
      () => b.client.pull().catch((error: unknown) => error),
      () => c.pull().catch((error: unknown) => error),
    );
    await producer.close();
    await b.handed.opened;
    await lateAck(name, 'A', taken);
    b.release.open();
    expect(await pulledB).toBe('w'); // before C, which parked after it
    expect(await pulledC).toBeInstanceOf(ChannelClosedError);
  });

  test('once the loser was served, the object keeps no alarm due later and no timer', async () => {
    const timers = timerCount();
    try {
      const { name, producer, taken, waiting } = await scene('loser-idle', ['v']);
      const b = heldClient<string>(name, { leaseMs: 2000 });
      const pulledB = b.client.pull();
      await waiting(1);
      await b.handed.opened;
      await lateAck(name, 'A', taken);
      b.release.open();
      await until(async () => b.pulls() >= 2 && (await producer.stats()).waitingPullers === 1);
      await producer.push('next');
      expect(await pulledB).toBe('next');
      await until(
        async () => (await runInDurableObject(rawStub(name), (_instance, state) => state.storage.getAlarm())) === null,
        10_000,
      );
      expect(timers.pending()).toBe(0);
      expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
    } finally {
      timers.restore();
    }
  });

  // Places live in the object's memory: after a restart, the loser's ticket is not known, and its
  // next call queues at the tail, behind the pulls that came back before it (as every waiter
  // does after a restart). Raw calls: a real client's acknowledgement on the stub broken by the
  // reset is retried and then returns the value unsure of it (at-least-once, documented).
  test('a loser whose acknowledgement reaches an object that restarted gets no place: its ticket pulls again at the tail', async () => {
    const { name, producer, taken, waiting } = await scene('loser-restart', ['v']);
    const request = { capacity: null, wait: true, sliceMs: 30_000, leaseMs: 60_000, ticket: 'B', max: 1 };
    const pulledB = rawStub(name).pull(request);
    await waiting(1);
    const c = durableChannel<string>(resetFlagged(), name);
    const pulledC = c.pull();
    await waiting(2);
    const answerB = await pulledB; // A's lease ended: 'v' went to B
    if (answerB.kind !== 'values') throw new Error(`expected values, got ${answerB.kind}`);
    expect(await lateAck(name, 'A', taken)).toMatchObject({ fates: ['acked'] });
    await resetObject(name); // every place and lease is forgotten; C's parked call is retried…
    await waiting(1); // …and parks in the fresh instance
    const ack = await rawStub(name).ack({
      capacity: null,
      ticket: 'B',
      deliveries: answerB.deliveries.map((d): [number, number] => [d.seq, d.attempt]),
      exact: true,
      requeue: true,
    });
    expect(ack).toEqual({ kind: 'acks', fates: ['forgotten'], exact: true });
    expect(await producer.stats()).toMatchObject({ waitingPullers: 1 }); // no place for B
    const againB = rawStub(name).pull(request);
    await waiting(2);
    await producer.push('first');
    expect(await pulledC).toBe('first');
    await producer.push('second');
    expect(await againB).toMatchObject({ kind: 'values', deliveries: [{ value: 'second' }] });
  });
});

describe('compatibility', () => {
  test('an acknowledgement without requeue (a client of an earlier version) leaves no place behind: the next value goes to C at once', async () => {
    const { name, producer, taken, waiting } = await scene('loser-old-client', ['v']);
    const stub = rawStub(name);
    // B, as an earlier client: a raw pull parked first, and its acknowledgement without requeue.
    const pulledB = stub.pull({ capacity: null, wait: true, sliceMs: 30_000, leaseMs: 60_000, ticket: 'B', max: 1 });
    await waiting(1);
    const c = durableChannel<string>(env.CHANNELS, name);
    const pulledC = c.pull();
    await waiting(2);
    const answerB = await pulledB; // A's lease ended: 'v' went to B
    if (answerB.kind !== 'values') throw new Error(`expected values, got ${answerB.kind}`);
    await lateAck(name, 'A', taken);
    expect(await lateAck(name, 'B', answerB.deliveries)).toEqual({ kind: 'acks', fates: ['gone'], exact: true });
    expect(await producer.stats()).toMatchObject({ waitingPullers: 1 }); // only C
    await producer.push('first');
    expect(await pulledC).toBe('first');
  });

  test('the same acknowledgement with requeue queues B again: its next call with that ticket keeps the place ahead of C', async () => {
    const { name, producer, taken, waiting } = await scene('loser-raw-requeue', ['v']);
    const stub = rawStub(name);
    const request = { capacity: null, wait: true, sliceMs: 30_000, leaseMs: 60_000, ticket: 'B', max: 1 };
    const pulledB = stub.pull(request);
    await waiting(1);
    const c = durableChannel<string>(env.CHANNELS, name);
    const pulledC = c.pull();
    await waiting(2);
    const answerB = await pulledB;
    if (answerB.kind !== 'values') throw new Error(`expected values, got ${answerB.kind}`);
    await lateAck(name, 'A', taken);
    const ack = await stub.ack({
      capacity: null,
      ticket: 'B',
      deliveries: answerB.deliveries.map((d): [number, number] => [d.seq, d.attempt]),
      exact: true,
      requeue: true,
    });
    expect(ack).toEqual({ kind: 'acks', fates: ['gone'], exact: true });
    expect(await producer.stats()).toMatchObject({ waitingPullers: 2 }); // B is back, away
    await producer.push('first'); // leased to B while it is away…
    const again = await stub.pull(request); // …and found by B's next call
    expect(again).toMatchObject({ kind: 'values', deliveries: [{ value: 'first' }] });
    if (again.kind !== 'values') throw new Error('expected values');
    await lateAck(name, 'B', again.deliveries);
    await producer.push('second');
    expect(await pulledC).toBe('second');
  });

  test('a client of this version with an object that ignores requeue (an earlier one): the loser pulls again with its ticket, at the tail, and gets a value', async () => {
    const { name, producer, taken, waiting } = await scene('loser-old-object', ['v']);
    const handed = gate();
    const release = gate();
    let first = true;
    let pulls = 0;
    const { namespace } = observed({
      pull: (real) => {
        pulls++;
        return real();
      },
      ack: async (real, request) => {
        delete (request as { requeue?: unknown }).requeue; // what an earlier object reads of it: nothing
        if (first) {
          first = false;
          handed.open();
          await release.opened;
        }
        return real();
      },
    });
    const b = durableChannel<string>(namespace, name, { leaseMs: 5000 });
    const pulledB = b.pull();
    await waiting(1);
    const c = durableChannel<string>(env.CHANNELS, name);
    const pulledC = c.pull();
    await waiting(2);
    await handed.opened;
    await lateAck(name, 'A', taken);
    release.open();
    await until(async () => pulls >= 2 && (await producer.stats()).waitingPullers === 2);
    await producer.push('first');
    await producer.push('second');
    expect(await pulledC).toBe('first'); // the earlier order: B at the tail
    expect(await pulledB).toBe('second');
    expect(await producer.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });
});
