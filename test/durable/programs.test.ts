/**
 * Programs a Workers developer writes with `chanasync/durable`, each small but complete, against
 * the public API as a user imports it (`chanasync`, `chanasync/durable`): a job queue fed and
 * drained by separate requests, consumers that crash, producers that retry, a bounded queue,
 * long waits, `for await` and `pullMany` consumers, a stats dashboard, a stream to a client that
 * leaves, and the slips users make. Each checks exact results, that it finishes, and what it
 * leaves behind (waiting operations, leases, timers, abort listeners). Runs inside workerd
 * (vitest project `workers`); the requests go through the Worker of `worker.ts`
 * (`exports.default.fetch`), or through a handler written here as a user would write it.
 */
import { env, exports as worker } from 'cloudflare:workers';
import { after as afterMs, Channel, ChannelClosedError, from, merge, pull, select, toReadableStream } from 'chanasync';
import { type DurableChannel, type DurableDelivery, durableChannel } from 'chanasync/durable';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { freshName, instanceId, observed, resetObject, sleep, timerCount, until } from './helpers.js';

/** A request to the Worker of worker.ts, as a client elsewhere would send it. */
function request(path: string, init?: RequestInit): Promise<Response> {
  return worker.default.fetch(`http://worker${path}`, init);
}

/** `POST /push`: pushes `body` as JSON; 204 once stored. */
function postJob(name: string, body: unknown, query = ''): Promise<Response> {
  return request(`/push?name=${name}${query}`, { method: 'POST', body: JSON.stringify(body) });
}

/** `GET /pull?withId=1`: one delivery, as JSON. */
async function takeJob<T>(name: string, query = ''): Promise<DurableDelivery<T>> {
  return (await (await request(`/pull?name=${name}&withId=1${query}`)).json()) as DurableDelivery<T>;
}

/** What a dashboard shows for a channel nobody waits on: everything at rest. */
function atRest(name: string, rest: { capacity?: number; size?: number; closed?: boolean } = {}) {
  return {
    name,
    capacity: rest.capacity ?? Infinity,
    size: rest.size ?? 0,
    leased: 0,
    closed: rest.closed ?? false,
    waitingPushers: 0,
    waitingPullers: 0,
  };
}

/** Counts the `abort` listeners on `signal` that are still registered. */
function abortListeners(signal: AbortSignal): () => number {
  const live = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort') live.add(listener);
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === 'abort') live.delete(listener);
    remove(type, listener, options as EventListenerOptions);
  }) as typeof signal.removeEventListener;
  // A `once` listener leaves when it fires.
  signal.addEventListener('abort', () => live.clear(), { once: true });
  live.clear();
  return () => live.size;
}

/** `ReadableStream.from` (workerd has it; this project's DOM types do not). */
const streamFrom = <T>(source: AsyncIterable<T>): ReadableStream<T> =>
  (ReadableStream as unknown as { from(source: AsyncIterable<T>): ReadableStream<T> }).from(source);

/** Reads NDJSON lines from `reader` until `count` have arrived. */
async function readLines(reader: ReadableStreamDefaultReader<Uint8Array>, count: number): Promise<unknown[]> {
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\n').length <= count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/**
 * A Worker route that streams a durable channel to its client as NDJSON, the way that loses
 * nothing when the client leaves: one stream, `highWaterMark` 0, whose `pull` takes one value
 * from the channel's iterator only when the client is ready for more, and whose `cancel` (the
 * client is gone) ends the iteration, withdrawing a pull that still waits.
 */
function streamJobs(request: Request, namespace: typeof env.CHANNELS): Response {
  const name = new URL(request.url).searchParams.get('name') ?? 'jobs';
  const jobs = durableChannel<unknown>(namespace, name);
  const iterator = jobs[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
}

describe('a job queue shared by requests', () => {
  test('three producer requests and three consumer requests process every job exactly once, with exact totals, and a POST retried while the first is in flight is stored once', async () => {
    const name = freshName('job-queue');
    const jobs = durableChannel<{ producer: number; n: number; amount: number }>(env.CHANNELS, name);
    type Job = { producer: number; n: number; amount: number };
    const processed = new Map<string, Job>();
    let duplicates = 0;
    // The consumers start first: their first pulls wait for the producers.
    const consumers = [0, 1, 2].map(async () => {
      const seen: DurableDelivery<Job>[] = [];
      for (let k = 0; k < 6; k++) {
        const delivery = await takeJob<Job>(name);
        if (processed.has(delivery.id)) duplicates++;
        else processed.set(delivery.id, delivery.value);
        seen.push(delivery);
      }
      return seen;
    });
    const producers = [0, 1, 2].map(async (producer) => {
      for (let n = 0; n < 6; n++) {
        const job = { producer, n, amount: producer * 100 + n };
        const id = `&id=order-${producer}-${n}`;
        // Job 2 of each producer: the client times out and POSTs again while the first is in flight.
        const sent = n === 2 ? [postJob(name, job, id), postJob(name, job, id)] : [postJob(name, job, id)];
        for (const response of await Promise.all(sent)) expect(response.status).toBe(204);
      }
    });
    await Promise.all(producers);
    const received = await Promise.all(consumers);

    expect(duplicates).toBe(0);
    expect(processed.size).toBe(18);
    expect([...processed.keys()].sort()).toEqual(
      [0, 1, 2].flatMap((p) => [0, 1, 2, 3, 4, 5].map((n) => `order-${p}-${n}`)).sort(),
    );
    expect([...processed.values()].reduce((sum, job) => sum + job.amount, 0)).toBe(3 * 15 + 100 * 6 + 200 * 6);
    expect(received.flat().every((delivery) => delivery.attempt === 1)).toBe(true);
    // FIFO: what one consumer got from one producer came in that producer's order.
    for (const seen of received) {
      for (const producer of [0, 1, 2]) {
        const order = seen.filter((d) => d.value.producer === producer).map((d) => d.value.n);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
    expect(await jobs.stats()).toEqual(atRest(name));
  });

  test('a consumer request cancelled while the job travels to it loses nothing: the next consumer gets the job with the same delivery id, attempt 2, and processes it once', async () => {
    const name = freshName('crashed-consumer');
    const jobs = durableChannel<string>(env.CHANNELS, name);
    const processed = new Map<string, number>();
    const consume = (delivery: DurableDelivery<string>) => {
      processed.set(delivery.id, (processed.get(delivery.id) ?? 0) + 1);
    };
    // A consumer request whose client gives up while its pull waits; the job arrives just then.
    const client = new AbortController();
    const crashed = request(`/pull?name=${name}&withId=1&leaseMs=300`, { signal: client.signal }).catch(
      (error: unknown) => error,
    );
    await until(async () => (await jobs.stats()).waitingPullers === 1);
    client.abort();
    expect(await crashed).toMatchObject({ name: 'AbortError' });
    await jobs.push('resize photo 7', { id: 'job-7' });
    // Handed to the vanished request: leased, not lost.
    expect(await jobs.stats()).toMatchObject({ size: 0, leased: 1 });

    const started = Date.now();
    const delivery = await takeJob<string>(name);
    expect(Date.now() - started).toBeLessThan(5000); // the lease (300 ms) ended; no slice or deadline was waited for
    expect(delivery).toEqual({ value: 'resize photo 7', id: 'job-7', attempt: 2 });
    consume(delivery);
    expect([...processed]).toEqual([['job-7', 1]]);
    expect(await jobs.stats()).toEqual(atRest(name));
  });

  test('a consumer that fails after pull returned has taken the job: requeued under its delivery id it is not stored again, under a new id it comes back', async () => {
    const name = freshName('requeue');
    const jobs = durableChannel<{ photo: number }>(env.CHANNELS, name);
    await jobs.push({ photo: 7 }, { id: 'job-7' });
    const { value, id } = await jobs.pullWithId();
    // Processing failed; the consumer puts the job back — under the same id first.
    await jobs.push(value, { id });
    expect(await jobs.stats()).toEqual(atRest(name)); // the id is remembered: that push stored nothing
    expect(await jobs.tryPull()).toBeUndefined();
    // Under a new id derived from the delivery id, it is a new value.
    await jobs.push(value, { id: `${id}#retry-1` });
    expect(await jobs.pullWithId()).toEqual({ value: { photo: 7 }, id: 'job-7#retry-1', attempt: 1 });
  });

  test('a producer that retries after durableObjectReset with the same id stores its job once', async () => {
    const name = freshName('producer-retry');
    let resets = 0;
    // Each of the first six push calls is stored, then the object is reset before it answers.
    const { namespace, calls } = observed({
      push: async (real) => {
        const answer = await real();
        if (resets >= 6) return answer;
        resets++;
        await resetObject(name);
        throw Object.assign(new Error('Durable Object reset because its code was updated.'), {
          durableObjectReset: true,
        });
      },
    });
    const jobs = durableChannel<{ invoice: number }>(namespace, name);
    // The producer's own retry loop, as the Workers docs suggest for durableObjectReset.
    let userAttempts = 0;
    for (;;) {
      userAttempts++;
      try {
        await jobs.push({ invoice: 9 }, { id: 'invoice-9' });
        break;
      } catch (error) {
        if ((error as { durableObjectReset?: boolean }).durableObjectReset !== true || userAttempts >= 3) throw error;
      }
    }
    expect(userAttempts).toBe(2); // the client's own six attempts failed, then the producer's retry went through
    expect(calls.push).toBe(7);
    const reader = durableChannel<{ invoice: number }>(env.CHANNELS, name);
    expect(await reader.stats()).toEqual(atRest(name, { size: 1 }));
    expect(await reader.pullWithId()).toEqual({ value: { invoice: 9 }, id: 'invoice-9', attempt: 1 });
    expect(await reader.tryPull()).toBeUndefined();
  });

  test('a bounded queue of capacity 2: producer requests wait for room across several slices and are stored in the order they started waiting', async () => {
    const name = freshName('bounded');
    const queue = durableChannel<string | number>(env.CHANNELS, name, { capacity: 2 }); // the dashboard creates it
    await queue.push('a');
    await queue.push('b');
    const producers: Promise<Response>[] = [];
    for (let k = 1; k <= 4; k++) {
      producers.push(postJob(name, k, `&id=wait-${k}&sliceMs=30`));
      await until(async () => (await queue.stats()).waitingPushers === k);
    }
    await sleep(200); // several 30 ms slices each
    expect(await queue.stats()).toMatchObject({ size: 2, leased: 0, waitingPushers: 4 });
    const got: unknown[] = [];
    for (let k = 0; k < 6; k++) got.push((await takeJob<unknown>(name)).value);
    expect(got).toEqual(['a', 'b', 1, 2, 3, 4]);
    expect((await Promise.all(producers)).map((response) => response.status)).toEqual([204, 204, 204, 204]);
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2 }));
  });

  test('a producer whose push times out on a full queue stores nothing, and its retry with the same id later is stored once', async () => {
    const name = freshName('push-timeout');
    const queue = durableChannel<string>(env.CHANNELS, name, { capacity: 1, sliceMs: 40 });
    await queue.push('occupying');
    const refused = await queue
      .push('report 12', { id: 'report-12', signal: AbortSignal.timeout(150) })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'TimeoutError' });
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 1, size: 1 }));
    expect(await queue.pull()).toBe('occupying');
    // The client retries the same report later, as the 503's Retry-After told it to.
    await queue.push('report 12', { id: 'report-12' });
    await queue.push('report 12', { id: 'report-12' }); // a duplicate retry on the full queue: the id is stored, it resolves
    expect(await queue.pullWithId()).toEqual({ value: 'report 12', id: 'report-12', attempt: 1 });
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 1 }));
  });

  test('request and reply over durable channels: each of three callers gets the answer to its own question', async () => {
    const requests = freshName('rpc-requests');
    type Question = { id: string; replyTo: string; a: number; b: number };
    // The server: one loop, in its own request, until the requests channel is closed.
    const server = (async () => {
      let served = 0;
      for await (const question of durableChannel<Question>(env.CHANNELS, requests)) {
        await durableChannel<number>(env.CHANNELS, question.replyTo).push(question.a * question.b, {
          id: `answer-${question.id}`,
        });
        served++;
      }
      return served;
    })();
    const ask = async (id: string, a: number, b: number) => {
      const replyTo = freshName(`rpc-reply-${id}`);
      await durableChannel<Question>(env.CHANNELS, requests).push({ id, replyTo, a, b }, { id });
      const replies = durableChannel<number>(env.CHANNELS, replyTo);
      const answer = await replies.pull({ signal: AbortSignal.timeout(10_000) });
      await replies.close(); // the caller's reply channel is done
      return answer;
    };
    expect(await Promise.all([ask('q1', 6, 7), ask('q2', 3, 3), ask('q3', 12, 12)])).toEqual([42, 9, 144]);
    await durableChannel(env.CHANNELS, requests).close();
    expect(await server).toBe(3);
    expect(await durableChannel(env.CHANNELS, requests).stats()).toEqual(atRest(requests, { closed: true }));
  });

  test('merging two durable channels with from() and merge() delivers every value of both once, and ends when both are closed', async () => {
    const names = [freshName('merge-a'), freshName('merge-b')];
    const [a, b] = names.map((name) => durableChannel<string>(env.CHANNELS, name));
    for (let i = 0; i < 5; i++) {
      await a!.push(`a${i}`);
      await b!.push(`b${i}`);
    }
    await a!.close();
    await b!.close();
    const got: string[] = [];
    for await (const value of merge(from(a!), from(b!))) got.push(value);
    expect(got.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(got.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(got).toHaveLength(10);
    for (const [i, channel] of [a!, b!].entries()) {
      expect(await channel.stats()).toEqual(atRest(names[i]!, { closed: true }));
    }
  });

  test('a pull request that waits through several slices is served by a push that comes later', async () => {
    const name = freshName('long-pull');
    const jobs = durableChannel<string>(env.CHANNELS, name);
    const waiting = takeJob<string>(name, '&sliceMs=25');
    await sleep(200); // about eight slices
    expect(await jobs.stats()).toMatchObject({ waitingPullers: 1, size: 0 });
    await jobs.push('late job', { id: 'late' });
    expect(await waiting).toEqual({ value: 'late job', id: 'late', attempt: 1 });
    expect(await jobs.stats()).toEqual(atRest(name));
  });
});

describe('consumers in a request', () => {
  /** A route that drains the channel with `for await` and answers what it got. */
  async function drain(name: string): Promise<Response> {
    const jobs = durableChannel<string>(env.CHANNELS, name);
    const got: string[] = [];
    try {
      for await (const job of jobs) got.push(job);
    } catch (error) {
      return Response.json({ got, error: (error as Error).message }, { status: 500 });
    }
    return Response.json({ got });
  }

  test('a request that drains a closed channel with for await gets every value in order, then ends', async () => {
    const name = freshName('drain');
    const producer = durableChannel<string>(env.CHANNELS, name);
    for (let i = 1; i <= 5; i++) await producer.push(`job ${i}`);
    await producer.close();
    const response = await drain(name);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ got: ['job 1', 'job 2', 'job 3', 'job 4', 'job 5'] });
    expect(await producer.stats()).toEqual(atRest(name, { closed: true }));
  });

  test('a for await loop in a request throws the close reason after the last value', async () => {
    const name = freshName('drain-reason');
    const producer = durableChannel<string>(env.CHANNELS, name);
    await producer.push('last job');
    await producer.close(new Error('queue retired'));
    const response = await drain(name);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ got: ['last job'], error: 'queue retired' });
  });

  test('two for await loops draining one channel share its values: each value once, in order per loop, and both end at close', async () => {
    const name = freshName('two-loops');
    const producer = durableChannel<string>(env.CHANNELS, name);
    const loops = [drain(name), drain(name)];
    await until(async () => (await producer.stats()).waitingPullers === 2);
    for (let i = 10; i < 30; i++) await producer.push(`job ${i}`);
    await producer.close();
    const [a, b] = (await Promise.all(loops.map(async (r) => (await r).json() as Promise<{ got: string[] }>))).map(
      (answer) => answer.got,
    );
    expect([...a!, ...b!].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `job ${i + 10}`));
    expect(a).toEqual([...a!].sort());
    expect(b).toEqual([...b!].sort());
    expect(await producer.stats()).toEqual(atRest(name, { closed: true }));
  });

  test('a consumer taking batches with pullMany gets 10, 10 and 5 jobs in order, then learns the queue is closed', async () => {
    const name = freshName('batches');
    const jobs = durableChannel<number>(env.CHANNELS, name);
    for (let i = 1; i <= 25; i++) await jobs.push(i);
    await jobs.close();
    const batches: number[][] = [];
    for (;;) {
      try {
        batches.push(await jobs.pullMany(10));
      } catch (error) {
        expect(error).toBeInstanceOf(ChannelClosedError);
        expect((error as Error).message).toBe(`pullMany: channel "${name}" is closed`);
        break;
      }
    }
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test('a pull that times out with AbortSignal.timeout consumes nothing and leaves no abort listener, timer or waiting pull', async () => {
    const name = freshName('timeout');
    const jobs = durableChannel<string>(env.CHANNELS, name, { sliceMs: 40 });
    const controller = new AbortController();
    const listeners = abortListeners(controller.signal);
    const timers = timerCount();
    try {
      const waiting = jobs.pull({ signal: controller.signal });
      await sleep(120); // three slices
      expect(listeners()).toBe(1);
      // The waiting slice's timer (in the object); a busy machine may sample between two slices.
      await until(() => timers.pending() > 0, 2000);
      controller.abort(new DOMException('the client waited long enough', 'TimeoutError'));
      await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(listeners()).toBe(0);
      expect(await jobs.stats()).toEqual(atRest(name));
      await jobs.push('next');
      expect(await jobs.tryPull()).toBe('next');
      await until(() => timers.pending() === 0, 1000);
    } finally {
      timers.restore();
    }
  });
});

describe('a dashboard and the channel’s settings', () => {
  test('stats() follows a queue through stored, waiting, leased and closed states exactly', async () => {
    const name = freshName('dashboard');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A consumer whose acknowledgement is slow to arrive: its value stays leased meanwhile.
    const slow = observed({
      ack: async (real) => {
        await gate;
        return real();
      },
    });
    const queue = durableChannel<string>(env.CHANNELS, name, { capacity: 2 });
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2 }));

    const consumer = takeJob<string>(name);
    await until(async () => (await queue.stats()).waitingPullers === 1);
    expect(await queue.stats()).toEqual({ ...atRest(name, { capacity: 2 }), waitingPullers: 1 });
    await queue.push('a');
    expect((await consumer).value).toBe('a');

    await queue.push('b');
    await queue.push('c');
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2, size: 2 }));
    const blocked = queue.push('d');
    await until(async () => (await queue.stats()).waitingPushers === 1);
    expect(await queue.stats()).toEqual({ ...atRest(name, { capacity: 2, size: 2 }), waitingPushers: 1 });

    const taking = durableChannel<string>(slow.namespace, name).pull();
    await until(async () => (await queue.stats()).leased === 1);
    // The leased value still counts against the capacity: 'd' still waits.
    expect(await queue.stats()).toEqual({ ...atRest(name, { capacity: 2, size: 1 }), leased: 1, waitingPushers: 1 });
    release();
    expect(await taking).toBe('b');
    await blocked;
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2, size: 2 }));

    await queue.close();
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2, size: 2, closed: true }));
    expect(await queue.pullMany(5)).toEqual(['c', 'd']);
    expect(await queue.stats()).toEqual(atRest(name, { capacity: 2, closed: true }));
  });

  test('a second caller that gives another capacity gets a RangeError naming the channel and both capacities, and stores nothing', async () => {
    const name = freshName('capacity-clash');
    const first = durableChannel<string>(env.CHANNELS, name, { capacity: 2 });
    await first.push('x');
    const second = durableChannel<string>(env.CHANNELS, name, { capacity: 5 });
    const message = `durable channel "${name}" has capacity 2, fixed when it was created; this client asked for 5`;
    await expect(second.push('y')).rejects.toThrow(new RangeError(`push: ${message}`));
    await expect(second.tryPush('y')).rejects.toThrow(new RangeError(`tryPush: ${message}`));
    await expect(second.stats()).rejects.toThrow(new RangeError(`stats: ${message}`));
    await expect(second.pull()).rejects.toThrow(new RangeError(`pull: ${message}`));
    const third = durableChannel<string>(env.CHANNELS, name); // no capacity: accepts the channel's
    expect(await third.stats()).toEqual(atRest(name, { capacity: 2, size: 1 }));
    expect(await third.pullMany(10)).toEqual(['x']);
  });

  test('close(reason) is seen by every later caller, and still after the object restarts', async () => {
    const name = freshName('retired');
    const owner = durableChannel<string>(env.CHANNELS, name);
    await owner.push('last job');
    await owner.close(new Error('queue retired: use jobs-v2'));

    const later = durableChannel<string>(env.CHANNELS, name);
    const refused = await later.push('too late').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChannelClosedError);
    expect((refused as Error).message).toBe(`push: channel "${name}" is closed`);
    expect((refused as Error).cause).toEqual(new Error('queue retired: use jobs-v2'));
    expect(await later.tryPush('too late')).toBe(false);
    expect(await later.pull()).toBe('last job'); // stored values stay readable

    const before = await instanceId(name);
    await resetObject(name);
    expect(await instanceId(name)).not.toBe(before);

    const afterRestart = durableChannel<string>(env.CHANNELS, name);
    expect(await afterRestart.stats()).toEqual(atRest(name, { closed: true }));
    const drained = await afterRestart.pull().catch((error: unknown) => error);
    expect(drained).toBeInstanceOf(ChannelClosedError);
    expect((drained as Error).message).toBe(`pull: channel "${name}" is closed`);
    expect((drained as Error).cause).toEqual(new Error('queue retired: use jobs-v2'));
    const loop = async () => {
      for await (const job of afterRestart) throw new Error(`unexpected ${job}`);
    };
    await expect(loop()).rejects.toEqual(new Error('queue retired: use jobs-v2'));
    await expect(afterRestart.push('after restart')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await afterRestart.stats()).toEqual(atRest(name, { closed: true }));
  });
});

describe('values a durable channel cannot keep', () => {
  class Job {
    constructor(readonly url: string) {}
  }
  const refused: [string, unknown][] = [
    ['an object with a callback', { url: 'https://example.com', onDone: () => 1 }],
    ['a symbol', Symbol('job')],
    ['a class instance', new Job('https://example.com')],
    ['a URL', new URL('https://example.com')],
  ];

  test.each(refused)('%s is refused at push with a TypeError naming push, and nothing is stored', async (_, value) => {
    const name = freshName('refused');
    const jobs = durableChannel<unknown>(env.CHANNELS, name);
    const error = await jobs.push(value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^push\(value\): /);
    await expect(jobs.tryPush(value)).rejects.toThrow(/^tryPush\(value\): /);
    expect(await jobs.stats()).toEqual(atRest(name));
    await jobs.push('a plain job');
    expect(await jobs.pullMany(10)).toEqual(['a plain job']);
  });

  test('an object with a callback inside is refused with a message that says it is not structured-cloneable', async () => {
    const jobs = durableChannel<unknown>(env.CHANNELS, freshName('callback'));
    const error = await jobs.push({ url: 'https://example.com', onDone: () => 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^push\(value\): channel ".*" cannot store the value: it is not structured-cloneable \(DataCloneError: .*could not be cloned/,
    );
    expect((error as Error).message).not.toMatch(/RpcStub/);
  });
});

describe('a Worker that streams a durable channel to its client', () => {
  test('the client gets the jobs in order as NDJSON, and when it leaves, the jobs not yet sent stay in the channel', async () => {
    const name = freshName('stream-left');
    const jobs = durableChannel<{ n: number }>(env.CHANNELS, name);
    for (let n = 1; n <= 5; n++) await jobs.push({ n });
    const response = streamJobs(new Request(`http://worker/jobs/stream?name=${name}`), env.CHANNELS);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = response.body!.getReader();
    expect(await readLines(reader, 3)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await reader.cancel(); // the client leaves
    expect(await jobs.stats()).toEqual(atRest(name, { size: 2 }));
    expect(await jobs.pullMany(10)).toEqual([{ n: 4 }, { n: 5 }]);
  });

  test('a client that leaves while the stream waits for the next job withdraws that wait: the next job stays in the channel', async () => {
    const name = freshName('stream-waiting');
    const jobs = durableChannel<{ n: number }>(env.CHANNELS, name);
    const response = streamJobs(new Request(`http://worker/jobs/stream?name=${name}`), env.CHANNELS);
    const reader = response.body!.getReader();
    const first = readLines(reader, 1);
    await jobs.push({ n: 1 });
    expect(await first).toEqual([{ n: 1 }]);
    const pending = reader.read(); // the client is ready for more; the stream's pull waits in the object
    await until(async () => (await jobs.stats()).waitingPullers === 1);
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await jobs.stats()).toEqual(atRest(name));
    await jobs.push({ n: 2 });
    expect(await jobs.tryPull()).toEqual({ n: 2 });
  });

  test('the stream ends when the channel is closed and drained', async () => {
    const name = freshName('stream-end');
    const jobs = durableChannel<{ n: number }>(env.CHANNELS, name);
    await jobs.push({ n: 1 });
    await jobs.close();
    const response = streamJobs(new Request(`http://worker/jobs/stream?name=${name}`), env.CHANNELS);
    expect(await response.text()).toBe('{"n":1}\n');
  });

  test('pinned: ReadableStream.from(channel) piped through a TransformStream and a TextEncoderStream takes two values ahead into the pipe, and they are gone when the client leaves', async () => {
    // Why the route above encodes inside its own pull: every TransformStream keeps a queue.
    const name = freshName('stream-pipe');
    const jobs = durableChannel<{ n: number }>(env.CHANNELS, name);
    for (let n = 1; n <= 6; n++) await jobs.push({ n });
    const body = streamFrom(jobs)
      .pipeThrough(
        new TransformStream<{ n: number }, string>({
          transform: (job, controller) => controller.enqueue(`${JSON.stringify(job)}\n`),
        }),
      )
      .pipeThrough(new TextEncoderStream());
    const reader = body.getReader();
    expect(await readLines(reader, 3)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // 4 and 5 are in the pipe's queues once acknowledged (a value whose acknowledgement is still
    // under way when the stream is cancelled is put back instead: see claims.test.ts).
    await until(async () => {
      const { size, leased } = await jobs.stats();
      return size === 1 && leased === 0;
    });
    await reader.cancel();
    await sleep(50);
    expect(await jobs.stats()).toEqual(atRest(name, { size: 1 }));
    expect(await jobs.pullMany(10)).toEqual([{ n: 6 }]);
  });

  test('pinned: a stream fed by an async generator over the channel keeps its pull waiting after the client left, so the next job is taken for nobody', async () => {
    // Why the route above streams from the iterator itself: an async generator's return() waits
    // for the generator's pending await, here the channel's next(), which then takes a value.
    const name = freshName('stream-generator');
    const jobs = durableChannel<{ n: number }>(env.CHANNELS, name);
    const encoder = new TextEncoder();
    async function* lines() {
      for await (const job of jobs) yield encoder.encode(`${JSON.stringify(job)}\n`);
    }
    const reader = streamFrom(lines()).getReader();
    const pending = reader.read();
    await until(async () => (await jobs.stats()).waitingPullers === 1);
    const cancelled = reader.cancel(); // the client leaves…
    expect(await pending).toEqual({ done: true, value: undefined });
    await sleep(50);
    expect((await jobs.stats()).waitingPullers).toBe(1); // …but the pull still waits, for nobody
    await jobs.push({ n: 1 });
    await cancelled; // the cancel itself waited for that value
    expect(await jobs.stats()).toEqual(atRest(name)); // taken and acknowledged by the abandoned generator
  });
});

describe('slips users make, each caught at once with a clear error', () => {
  test('passing the AbortController instead of its signal fails at once with a TypeError naming pull, and consumes nothing', async () => {
    const name = freshName('controller');
    const jobs = durableChannel<string>(env.CHANNELS, name);
    await jobs.push('job');
    const controller = new AbortController();
    // @ts-expect-error a controller is not a signal
    await expect(jobs.pull({ signal: controller })).rejects.toThrow(
      new TypeError('pull(options): options.signal is not an AbortSignal'),
    );
    // @ts-expect-error a controller is not a signal
    await expect(jobs.push('x', { signal: controller })).rejects.toThrow(
      new TypeError('push(value, options): options.signal is not an AbortSignal'),
    );
    expect(await jobs.stats()).toEqual(atRest(name, { size: 1 }));
  });

  test('closing twice is harmless, and a push in a finally after close rejects with ChannelClosedError naming push and stores nothing', async () => {
    const name = freshName('finally');
    const jobs = durableChannel<string>(env.CHANNELS, name);
    const program = async () => {
      try {
        await jobs.push('work');
        await jobs.close();
      } finally {
        await jobs.close(); // a second close, in cleanup
        await jobs.push('cleanup marker'); // the slip
      }
    };
    const error = await program().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toBe(`push: channel "${name}" is closed`);
    expect(await jobs.stats()).toEqual(atRest(name, { size: 1, closed: true }));
    expect(await jobs.pullMany(10)).toEqual(['work']);
  });

  test('a durable channel given to select, toReadableStream or merge fails at once with a TypeError naming the function', async () => {
    const jobs = durableChannel<string>(env.CHANNELS, freshName('not-local'));
    // @ts-expect-error a durable channel is not a local Channel
    expect(() => select([pull(jobs), pull(afterMs(10))])).toThrow(
      new TypeError('pull(channel): channel is not a chanasync Channel, got DurableChannelClient'),
    );
    // @ts-expect-error a durable channel is not a local Channel
    expect(() => toReadableStream(jobs)).toThrow(
      /^toReadableStream\(channel, options\): channel is not a chanasync Channel/,
    );
    // @ts-expect-error a durable channel is not a local Channel
    expect(() => merge(jobs)).toThrow(/^merge\(...channels\): argument 0 is not a chanasync Channel/);
    expect(await jobs.stats()).toMatchObject({ waitingPullers: 0, size: 0 });
  });

  test('from(durableChannel) is the way to a local Channel: a select over it gets the durable values', async () => {
    const name = freshName('from-durable');
    const jobs = durableChannel<string>(env.CHANNELS, name);
    await jobs.push('job 1');
    const local = from(jobs);
    expect(local).toBeInstanceOf(Channel);
    const got = await select([pull(local), pull(afterMs(5000))]);
    expect(got).toMatchObject({ index: 0, value: 'job 1' });
    local.close();
    expect(await jobs.stats()).toEqual(atRest(name));
  });

  test('tryPush returns a promise: not awaiting it is a type error, and awaited it answers false on a full queue', async () => {
    const name = freshName('try-push');
    const jobs = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await jobs.push('first');
    let thoughtStored = false;
    const attempt = jobs.tryPush('second');
    // @ts-expect-error a Promise is always truthy: the condition is always true
    if (attempt) thoughtStored = true;
    expect(thoughtStored).toBe(true); // the slip's consequence, had it compiled…
    expect(await attempt).toBe(false); // …while the queue was full and nothing was stored
    expect(await jobs.tryPush('third')).toBe(false);
    expect(await jobs.stats()).toEqual(atRest(name, { capacity: 1, size: 1 }));
  });

  test('durableChannel given env instead of its binding, or capacity 0, throws at once naming the problem', () => {
    // @ts-expect-error env is not a namespace
    expect(() => durableChannel(env, 'jobs')).toThrow(
      new TypeError(
        'durableChannel(namespace, name, options): namespace has no idFromName() and get(); pass a Durable Object namespace binding',
      ),
    );
    expect(() => durableChannel(env.CHANNELS, 'jobs', { capacity: 0 })).toThrow(
      new RangeError(
        'durableChannel(namespace, name, options): capacity must be a positive integer or Infinity, got 0',
      ),
    );
  });

  test('pullMany without max rejects with a TypeError naming pullMany, and takes nothing', async () => {
    const name = freshName('pull-many');
    const jobs = durableChannel<number>(env.CHANNELS, name);
    await jobs.push(1);
    // @ts-expect-error max is required
    await expect(jobs.pullMany()).rejects.toThrow(
      new TypeError('pullMany(max, options): max must be a positive integer, got undefined'),
    );
    expect(await jobs.stats()).toEqual(atRest(name, { size: 1 }));
  });

  test('the types follow the value type through every operation without casts', async () => {
    type Job = { url: string; tries: number };
    const jobs: DurableChannel<Job> = durableChannel<Job>(env.CHANNELS, freshName('types'));
    await jobs.push({ url: 'https://example.com', tries: 0 }, { id: 'j1' });
    expectTypeOf(jobs.pull).returns.resolves.toEqualTypeOf<Job>();
    expectTypeOf(jobs.pullWithId).returns.resolves.toEqualTypeOf<DurableDelivery<Job>>();
    expectTypeOf(jobs.pullMany).returns.resolves.toEqualTypeOf<Job[]>();
    expectTypeOf(jobs.tryPull).returns.resolves.toEqualTypeOf<Job | undefined>();
    expectTypeOf(jobs.tryPush).returns.toEqualTypeOf<Promise<boolean>>();
    // @ts-expect-error a value of another type (never called: it would store it)
    const wrongType = () => jobs.push({ url: 1 });
    expectTypeOf(wrongType).toBeFunction();
    // The method pull() where the select case pull(channel) belongs (never called: the method
    // would start a pull whose value nobody reads).
    // @ts-expect-error a promise is not a select case
    const mixedUp = () => select([jobs.pull()]);
    expectTypeOf(mixedUp).toBeFunction();
    for await (const job of jobs) {
      expectTypeOf(job).toEqualTypeOf<Job>();
      expect(job).toEqual({ url: 'https://example.com', tries: 0 });
      break;
    }
  });
});
