/**
 * chanasync/durable, third audit round: what users of Durable Objects, Workers RPC and
 * Cloudflare Queues reported as bugs in their own code and libraries, replayed against a durable
 * channel — stubs that stay broken after they threw, values that Workers RPC streams rather than
 * copies, alarms that run more than once or are used up when they fire, values at the storage
 * limit, batches that Queues would redeliver whole, iteration cut short by `from()` or a stream,
 * and a long run that must leave nothing behind. Each test cites the report it answers. Runs
 * inside workerd (vitest project `workers`).
 */
import * as cloudflareTest from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { type DurableChannelOptions, durableChannel } from '../../src/durable/index.js';
import type { PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { from } from '../../src/interop/from.js';
import { freshName, observed, rawLimits, rawStub, sleep, until } from './helpers.js';

const { runInDurableObject } = cloudflareTest;
/** Runs the object's alarm now, if one is set, removing it first (as a fired alarm is used up). */
const { runDurableObjectAlarm } = cloudflareTest as unknown as {
  runDurableObjectAlarm(stub: unknown): Promise<boolean>;
};

/** `ReadableStream.from` (workerd has it; the DOM types of this project do not). */
const streamFrom = <T>(source: AsyncIterable<T>) =>
  (ReadableStream as unknown as { from(source: AsyncIterable<T>): ReadableStream<T> }).from(source);

const open = <T>(label: string, options?: DurableChannelOptions) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

/** The object behind a channel name, as `runInDurableObject` takes it. */
const objectOf = (name: string) => env.CHANNELS.get(env.CHANNELS.idFromName(name));

/** An error as the runtime throws them for an overloaded, lost or reset object. */
const platformError = (flags: Record<string, boolean>) =>
  Object.assign(new Error('Durable Object is overloaded. Requests queued for too long.'), flags);

/**
 * The CHANNELS namespace with stubs that behave as Workers' do after an exception: once a stub
 * has thrown, every later call on it throws the same error. `fail(n)` decides whether the n-th
 * stub's first call throws (and with what). `stubs` counts the stubs handed out.
 */
function breakingStubs(fail: (stub: number) => Error | undefined) {
  let stubs = 0;
  const namespace = {
    idFromName: (name: string) => env.CHANNELS.idFromName(name),
    get(id: unknown) {
      const real = env.CHANNELS.get(id) as unknown as Record<string, (request: unknown) => Promise<unknown>>;
      const error = fail(++stubs);
      let broken: Error | undefined;
      return new Proxy(real, {
        get(target, key) {
          if (typeof key !== 'string' || key === 'then') return undefined;
          return async (request: unknown) => {
            if (broken !== undefined) throw broken;
            if (error !== undefined) {
              broken = error;
              throw error;
            }
            return target[key]!(request);
          };
        },
      });
    },
  };
  return { namespace, stubs: () => stubs };
}

describe('a stub that threw is never used again', () => {
  // https://github.com/cloudflare/azul/pull/80 and https://github.com/tldraw/tldraw/pull/5409:
  // "If an exception is thrown by a Durable Object stub all in-flight calls and future calls
  // will fail … a Worker must recreate the stub."
  test('after an operation fails because its stub threw, the next operation of the same client reaches the object', async () => {
    const name = freshName('broken-stub');
    const { namespace, stubs } = breakingStubs((stub) =>
      stub === 1 ? platformError({ overloaded: true, retryable: true }) : undefined,
    );
    const channel = durableChannel<string>(namespace, name);
    await expect(channel.push('lost to the overload')).rejects.toThrow(/overloaded/);
    await channel.push('through a new stub');
    expect(await channel.pull()).toBe('through a new stub');
    expect(stubs()).toBeGreaterThanOrEqual(3);
  });

  // https://github.com/cloudflare/cloudflare-os/pull/58 and https://github.com/cloudflare/daphne/pull/586:
  // a stub is "permanently poisoned" by a reset; a retry must go through a fresh stub.
  test('a push retried after durableObjectReset goes through a new stub, and is stored once', async () => {
    const name = freshName('reset-new-stub');
    const { namespace, stubs } = breakingStubs((stub) =>
      stub === 1 ? platformError({ durableObjectReset: true }) : undefined,
    );
    await durableChannel<string>(namespace, name).push('once');
    expect(stubs()).toBe(2);
    const channel = durableChannel<string>(env.CHANNELS, name);
    expect(await channel.stats()).toMatchObject({ size: 1 });
    expect(await channel.pullWithId()).toMatchObject({ value: 'once', attempt: 1 });
  });

  // https://github.com/cloudflare/workers-sdk/issues/11388: Workers RPC throws DataCloneError
  // for a value it cannot serialize. One client's operations must not share that failure.
  test('a push refused by Workers RPC does not disturb a pull waiting on the same client', async () => {
    const channel = open<unknown>('refused-beside-pull');
    const waiting = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 1);
    await expect(channel.push(new URL('https://example.com/'))).rejects.toBeInstanceOf(TypeError);
    await channel.push('delivered');
    expect(await waiting).toBe('delivered');
  });
});

describe('a Worker without Workers RPC', () => {
  // https://github.com/cloudflare/workerd/issues/2001: with a compatibility date before
  // 2024-04-03 a stub has no RPC methods, and callers saw "env.X.ping is not a function".
  test('an operation through a stub without RPC methods rejects with a TypeError that says what is missing, for every operation', async () => {
    const namespace = { idFromName: (name: string) => name, get: () => ({ fetch: () => new Response() }) };
    const channel = durableChannel<string>(namespace, freshName('no-rpc'));
    const message =
      /^durable channel ".*": the namespace's stub has no RPC methods; chanasync\/durable needs Workers RPC \(compatibility_date 2024-04-03 or later\)/;
    await expect(channel.push('x')).rejects.toThrow(message);
    await expect(channel.pull()).rejects.toThrow(message);
    await expect(channel.tryPull()).rejects.toThrow(message);
    await expect(channel.stats()).rejects.toThrow(message);
    await expect(channel.close()).rejects.toThrow(message);
    await expect(channel.push('x')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('an abort whose withdrawal fails', () => {
  /** The CHANNELS namespace, with every `cancel` call failing as an overloaded object's do. */
  function overloadedCancels() {
    return {
      idFromName: (key: string) => env.CHANNELS.idFromName(key),
      get(id: unknown) {
        const stub = env.CHANNELS.get(id) as unknown as Record<string, (request: unknown) => Promise<unknown>>;
        return new Proxy(stub, {
          get(target, key) {
            if (typeof key !== 'string' || key === 'then') return undefined;
            if (key === 'cancel') return async () => Promise.reject(platformError({ overloaded: true }));
            return (request: unknown) => target[key]!(request);
          },
        });
      },
    };
  }

  // https://github.com/openclaw/clawsweeper/issues/1529 ("Durable Object is overloaded") meets
  // the AbortSignal contract: a pull aborted before its acknowledgement consumed nothing, so it
  // rejects with the signal's reason even when the call that withdraws it fails.
  test('a pull aborted while the object is overloaded rejects with the signal’s reason, and its value is not consumed', async () => {
    const name = freshName('abort-overloaded');
    const channel = durableChannel<string>(overloadedCancels(), name, { leaseMs: 200 });
    const controller = new AbortController();
    const pulled = channel.pull({ signal: controller.signal });
    const plain = durableChannel<string>(env.CHANNELS, name);
    await until(async () => (await plain.stats()).waitingPullers === 1);
    controller.abort('gave up');
    await expect(pulled).rejects.toBe('gave up');
    await plain.push('not consumed');
    expect(await plain.pullWithId()).toMatchObject({ value: 'not consumed' });
  });

  test('a push aborted while the object is overloaded rejects with the platform’s error, since it may still be stored', async () => {
    const name = freshName('abort-push-overloaded');
    const plain = durableChannel<string>(env.CHANNELS, name, { capacity: 1 });
    await plain.push('filler');
    const controller = new AbortController();
    const pushed = durableChannel<string>(overloadedCancels(), name).push('maybe', { signal: controller.signal });
    await until(async () => (await plain.stats()).waitingPushers === 1);
    controller.abort('gave up');
    await expect(pushed).rejects.toMatchObject({ overloaded: true });
  });
});

describe('values that Workers RPC sends as a stream', () => {
  // Workers RPC streams a ReadableStream (and a Request's or Response's body) instead of
  // copying it (https://github.com/cloudflare/workers-sdk/issues/11071): a push of one used to
  // read the caller's body away before storage refused it, and an open stream left an uncaught
  // "Network connection lost." behind.
  test('a Response whose push is refused keeps its body: the caller can still read it', async () => {
    const channel = open<unknown>('response-body');
    const response = new Response('still mine');
    const error = await channel.push(response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'push(value): a Response with a body cannot be stored in a durable channel (it carries a stream); push its contents instead',
    );
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe('still mine');
  });

  test('push and tryPush of a ReadableStream or a Request with a body are refused before any call, leaving the stream unlocked', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<unknown>(namespace, freshName('stream-value'));
    const stream = new ReadableStream<string>(); // never closes: nothing could send it whole
    const request = new Request('https://example.com/', { method: 'POST', body: 'payload' });
    await expect(channel.push(stream)).rejects.toThrow(/^push\(value\): a ReadableStream cannot be stored/);
    await expect(channel.tryPush(request)).rejects.toThrow(/^tryPush\(value\): a Request with a body cannot be stored/);
    expect(calls).toEqual({});
    expect(stream.locked).toBe(false);
    expect(await request.text()).toBe('payload');
  });

  test('a Request or a Response without a body carries no stream: it is stored and comes back with its url, method and status', async () => {
    const channel = open<Request | Response>('bodiless');
    await channel.push(new Request('https://example.com/replay', { method: 'DELETE' }));
    await channel.push(new Response(null, { status: 204 }));
    const request = (await channel.pull()) as Request;
    expect(request).toBeInstanceOf(Request);
    expect([request.url, request.method]).toEqual(['https://example.com/replay', 'DELETE']);
    const response = (await channel.pull()) as Response;
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(204);
  });

  test('a value with a stream inside is refused with a TypeError naming push, and nothing is stored', async () => {
    const channel = open<unknown>('nested-stream');
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        controller.close();
      },
    });
    await expect(channel.push({ body })).rejects.toThrow(/^push\(value\): channel ".*" cannot store the value/);
    expect((await channel.stats()).size).toBe(0);
  });
});

describe('structured clone at the edges', () => {
  // https://github.com/cloudflare/workerd/issues/3184: a Proxy cannot be structured-cloned.
  test('a Proxy is refused with a TypeError naming push, and nothing is stored', async () => {
    const channel = open<unknown>('proxy-value');
    const error = await channel.push(new Proxy({ a: 1 }, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^push\(value\): /);
    expect((await channel.stats()).size).toBe(0);
  });

  // https://github.com/whatwg/html/issues/5665: structured clone keeps an Error's class, name
  // and message, not its other own properties.
  test('an Error value arrives as structuredClone copies it: its class and message, without extra properties', async () => {
    const channel = open<unknown>('error-props');
    const value = Object.assign(new TypeError('bad input'), { code: 'E_INPUT' });
    await channel.push(value);
    const copy = (await channel.pull()) as TypeError & { code?: string };
    const local = structuredClone(value) as TypeError & { code?: string };
    expect(copy).toBeInstanceOf(TypeError);
    expect([copy.name, copy.message, copy.code]).toEqual([local.name, local.message, local.code]);
    expect(copy.code).toBeUndefined();
  });

  // https://github.com/cloudflare/workerd/pull/3922: abort reasons travel between Workers; a
  // channel closed with `signal.reason` must hand the same DOMException to its readers.
  test('close(signal.reason) keeps the DOMException: for await rethrows an AbortError after the values', async () => {
    const channel = open<string>('close-abort-reason');
    await channel.push('last');
    const controller = new AbortController();
    controller.abort();
    await channel.close(controller.signal.reason);
    const seen: string[] = [];
    let thrown: unknown;
    try {
      for await (const value of channel) seen.push(value);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual(['last']);
    expect(thrown).toBeInstanceOf(DOMException);
    expect((thrown as DOMException).name).toBe('AbortError');
  });

  // https://github.com/cloudflare/workerd/issues/7482: Cloudflare's `Rpc.Serializable` turned a
  // method returning a ReadonlyMap into `never`. A durable channel's types take any T.
  test('a channel of ReadonlyMap and ReadonlySet values type-checks and carries them', async () => {
    const channel = open<{ tags: ReadonlySet<string>; counts: ReadonlyMap<string, number> }>('readonly-collections');
    await channel.push({ tags: new Set(['a']), counts: new Map([['a', 1]]) });
    const value = await channel.pull();
    expectTypeOf(value.counts).toEqualTypeOf<ReadonlyMap<string, number>>();
    expect([...value.tags]).toEqual(['a']);
    expect(value.counts.get('a')).toBe(1);
  });

  // https://github.com/withastro/flue/issues/240 and https://github.com/tldraw/tldraw/issues/10133:
  // SQLite in Durable Objects refuses a value over 2 MB (SQLITE_TOOBIG). A value of that size
  // must fit: the channel adds nothing to it.
  test('a 2 MB value, the size storage documents as its limit, is stored and pulled back intact', async () => {
    const channel = open<string>('two-megabytes');
    const value = `${'0123456789'.repeat(199_999)}end!!!!!!!`;
    expect(value.length).toBe(2_000_000);
    await channel.push(value, { id: 'big' });
    const delivery = await channel.pullWithId();
    expect(delivery.id).toBe('big');
    expect(delivery.value.length).toBe(2_000_000);
    expect(delivery.value === value).toBe(true);
  });
});

describe('alarms: at least once, and used up when they fire', () => {
  // https://github.com/cloudflare/cloudflare-docs/pull/15685: "Alarms have guaranteed
  // at-least-once execution and are retried": the same alarm may run twice.
  test('an alarm that runs again after a lease it ended was taken by another pull leaves the new lease alone', async () => {
    const name = freshName('alarm-twice');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('job', { id: 'job' });
    await rawStub(name).pull({ ...rawLimits(30, false), ticket: 'vanished', max: 1 });
    await sleep(60);
    await runInDurableObject(objectOf(name), (instance) => instance.alarm());
    const second = (await rawStub(name).pull({ ...rawLimits(10_000, false), ticket: 'second', max: 1 })) as Extract<
      PullAnswer,
      { kind: 'values' }
    >;
    expect(second.deliveries.map(({ id, attempt }) => [id, attempt])).toEqual([['job', 2]]);
    await runInDurableObject(objectOf(name), (instance) => instance.alarm()); // the retry
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1 });
    expect(await channel.tryPull()).toBeUndefined();
  });

  // https://github.com/iterate/iterate/pull/2520 ("a fired alarm is used up — you must set the
  // next one yourself") and https://github.com/cloudflare/cloudflare-docs/issues/18324.
  test('an alarm that fires before the lease it was set for ends re-arms itself, so the lease still ends with no other call', async () => {
    const name = freshName('alarm-early');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('job', { id: 'job' });
    await rawStub(name).pull({ ...rawLimits(400, false), ticket: 'vanished', max: 1 });
    expect(await runDurableObjectAlarm(objectOf(name))).toBe(true); // fired and removed, too early
    const alarm = await runInDurableObject(objectOf(name), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1 });
    // One call, parked for up to 30 s: only the re-armed alarm can end the lease and serve it.
    const parked = (await rawStub(name).pull({ ...rawLimits(), ticket: 'parked', max: 1 })) as Extract<
      PullAnswer,
      { kind: 'values' }
    >;
    expect(parked.deliveries.map(({ id, attempt }) => [id, attempt])).toEqual([['job', 2]]);
  });
});

describe('iteration cut short by from() or a stream', () => {
  // Iterator helpers, ReadableStream.from and chanasync's own from() call return() while a
  // next() is still waiting; a durable pull left running would take the next value for nobody.
  test('closing from(durable) while its pull waits consumes nothing: the next value stays in the durable channel', async () => {
    const durable = open<string>('from-close');
    const local = from(durable);
    const waiting = local.pull().catch((e: unknown) => e);
    await until(async () => (await durable.stats()).waitingPullers === 1);
    local.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    await until(async () => (await durable.stats()).waitingPullers === 0);
    await durable.push('kept');
    await sleep(50);
    expect(await durable.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
    expect(await durable.tryPull()).toBe('kept');
  });

  test('cancelling ReadableStream.from(durable) while its read waits consumes nothing: the next value stays in the durable channel', async () => {
    const durable = open<string>('stream-from-cancel');
    const reader = streamFrom(durable).getReader();
    const read = reader.read();
    await until(async () => (await durable.stats()).waitingPullers === 1);
    await reader.cancel('done');
    expect(await read).toEqual({ done: true, value: undefined });
    expect(await durable.stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
    await durable.push('kept');
    await sleep(50);
    expect(await durable.tryPull()).toBe('kept');
  });

  // from()'s pump reads its source for a waiting pull; when that pull gives up, the read goes
  // on (an async iterator's next() cannot be withdrawn without ending the iteration). The value
  // it then takes from the durable channel is acknowledged there, and waits in the local one.
  test('a value from(durable) took for a pull that gave up is not lost: the next local pull gets it', async () => {
    const durable = open<string>('from-gave-up');
    const local = from(durable);
    const controller = new AbortController();
    const gaveUp = local.pull({ signal: controller.signal }).catch((e: unknown) => e);
    await until(async () => (await durable.stats()).waitingPullers === 1);
    controller.abort('no longer');
    expect(await gaveUp).toBe('no longer');
    await durable.push('in flight');
    await until(async () => (await durable.stats()).size === 0);
    expect(await local.pull()).toBe('in flight');
    local.close();
    await until(async () => (await durable.stats()).waitingPullers === 0);
  });

  test('return() during a waiting next() withdraws the pull: next() answers done, and later next() calls too', async () => {
    const durable = open<string>('iterator-return');
    const iterator = durable[Symbol.asyncIterator]();
    const pending = iterator.next();
    await until(async () => (await durable.stats()).waitingPullers === 1);
    expect(await iterator.return!()).toEqual({ done: true, value: undefined });
    expect(await durable.stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
    expect(await pending).toEqual({ done: true, value: undefined });
    await durable.push('kept');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await durable.tryPull()).toBe('kept');
  });

  test('break in for await leaves the remaining values, and a for await that runs to the end still reads them all', async () => {
    const durable = open<number>('break-then-drain');
    for (const n of [1, 2, 3]) await durable.push(n);
    for await (const n of durable) {
      expect(n).toBe(1);
      break;
    }
    expect((await durable.stats()).size).toBe(2);
    await durable.close();
    const rest: number[] = [];
    for await (const n of durable) rest.push(n);
    expect(rest).toEqual([2, 3]);
  });
});

describe('what Cloudflare Queues users expect, and where a durable channel differs', () => {
  // https://github.com/cloudflare/cloudflare-docs/pull/6677: in Queues, "when a single message
  // within a batch fails … the entire batch is retried". A pullMany is acknowledged before it
  // returns: the batch is the caller's, and its processing is the caller's business.
  test('a pullMany batch is the caller’s once it returns: a failure while processing one value redelivers none', async () => {
    const channel = open<number>('batch-owned');
    for (const n of [1, 2, 3]) await channel.push(n);
    const processed: number[] = [];
    const outcome = await (async () => {
      for (const n of await channel.pullMany(3)) {
        if (n === 2) throw new Error('processing failed');
        processed.push(n);
      }
    })().catch((e: unknown) => e);
    expect((outcome as Error).message).toBe('processing failed');
    expect(processed).toEqual([1]);
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
    expect(await channel.tryPull()).toBeUndefined();
  });

  // https://github.com/cloudflare/agents/issues/883: "a single failing callback permanently
  // poisons the entire queue" — the failing head was fetched first forever, blocking the rest.
  test('a value held by a puller that vanished does not hold back the values behind it', async () => {
    const name = freshName('no-head-blocking');
    const channel = durableChannel<string>(env.CHANNELS, name);
    for (const value of ['stuck', 'second', 'third']) await channel.push(value);
    await rawStub(name).pull({ ...rawLimits(10_000, false), ticket: 'vanished', max: 1 });
    expect(await channel.pull()).toBe('second');
    expect(await channel.pullMany(5)).toEqual(['third']);
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 1 });
  });

  // https://github.com/cloudflare/skills/pull/158 (retries end in a dead-letter queue after
  // max_retries): a durable channel has no dead letter; a value whose lease keeps ending is
  // handed out again every time, and `attempt` tells the consumer how often.
  test('a value whose lease ends five times is handed out a sixth time, at attempt 6, and never dropped', async () => {
    const name = freshName('poison');
    const channel = durableChannel<string>(env.CHANNELS, name);
    await channel.push('poison', { id: 'p' });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await until(async () => (await channel.stats()).size === 1);
      const answer = await rawStub(name).pull({ ...rawLimits(20, false), ticket: `t${attempt}`, max: 1 });
      expect(answer).toMatchObject({ kind: 'values', deliveries: [{ id: 'p', attempt }] });
    }
    expect(await channel.pullWithId()).toEqual({ value: 'poison', id: 'p', attempt: 6 });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

describe('long-lived use', () => {
  test('a thousand operations — pushes, pulls, tries and aborted pulls — leave no lease, waiter or value behind', async () => {
    const name = freshName('long-lived');
    const channel = durableChannel<number>(env.CHANNELS, name, { sliceMs: 50 });
    let sum = 0;
    for (let i = 0; i < 250; i++) {
      await channel.push(i);
      if (i % 2 === 0) sum += await channel.pull();
      else sum += (await channel.tryPull()) ?? Number.NaN;
      const controller = new AbortController();
      const aborted = channel.pull({ signal: controller.signal }).catch((e: unknown) => e);
      controller.abort('enough');
      expect(await aborted).toBe('enough');
    }
    expect(sum).toBe((249 * 250) / 2);
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0 });
    const state = await runInDurableObject(objectOf(name), (instance) => {
      const object = instance as unknown as {
        $leases: Map<string, unknown>;
        $pullWaiters: Map<string, unknown>;
        $pushWaiters: Map<string, unknown>;
        $withdrawn: Map<string, number>;
        ctx: { storage: { sql: { exec(query: string): { toArray(): Record<string, unknown>[] } } } };
      };
      const rows = object.ctx.storage.sql.exec('SELECT count(*) AS n FROM chanasync_values').toArray()[0]!.n;
      return {
        leases: object.$leases.size,
        pullWaiters: object.$pullWaiters.size,
        pushWaiters: object.$pushWaiters.size,
        withdrawn: object.$withdrawn.size,
        rows,
      };
    });
    // Withdrawn pulls are remembered for a minute (a late call of one is refused), no longer.
    expect(state).toEqual({ leases: 0, pullWaiters: 0, pushWaiters: 0, withdrawn: expect.any(Number), rows: 0 });
    expect(state.withdrawn).toBeLessThanOrEqual(250);
  });
});
