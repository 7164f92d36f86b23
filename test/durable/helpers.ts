/** Helpers of the durable-channel tests (they run inside workerd). */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { ChannelRpc } from '../../src/durable/protocol.js';

let count = 0;
/** A channel name no other test uses (storage persists across the tests of a run). */
export function freshName(label: string): string {
  return `${label}-${++count}-${crypto.randomUUID()}`;
}

/** The raw RPC stub of a channel's object: what a client that vanished at a given point would have sent. */
export function rawStub(name: string): ChannelRpc {
  return env.CHANNELS.get(env.CHANNELS.idFromName(name)) as ChannelRpc;
}

/** Limits of a raw call: no slice end during a test, a lease of `leaseMs`. */
export function rawLimits(leaseMs = 10_000, wait = true) {
  return { capacity: null, wait, sliceMs: 30_000, leaseMs };
}

/** The timer functions as they were before any test wrapped them (see {@link timerCount}). */
export const realSetTimeout = globalThis.setTimeout;

/** Resolves after `ms`, on the real timers: a harness's own waits are not counted by {@link timerCount}. */
export const pause = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/**
 * Counts the timers created while it is installed (by clients, the Worker and the object) that
 * are still pending; `restore()` puts the real timer functions back.
 */
export { pendingTimers as timerCount } from '../helpers/timers.js';

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns true (every 5 ms, at most `timeoutMs`). */
export async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error('until: condition not met in time');
    await sleep(5);
  }
}

/**
 * Starts the operations one by one, each once those before it wait at the object as `waiting()`
 * counts them (`stats()`'s `waitingPullers` or `waitingPushers`), and returns their promises.
 * For FIFO among the waiters of several clients: between clients the only order is the one
 * their calls reach the object in, and a fixed gap between the starts (60–150 ms) is no guarantee
 * on a loaded machine — CI and stress runs saw such calls arrive out of order.
 */
export async function startInOrder<T>(
  starts: readonly (() => Promise<T>)[],
  waiting: () => Promise<number>,
): Promise<Promise<T>[]> {
  const started: Promise<T>[] = [];
  for (const start of starts) {
    started.push(start());
    await until(async () => (await waiting()) === started.length);
  }
  return started;
}

/** Whether a promise has settled yet (checked after a macrotask). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(20);
  return done;
}

/** A stand-in for one RPC method: it gets the real call and the request. */
export type Intercept = (real: () => Promise<unknown>, request: unknown) => Promise<unknown>;

/**
 * The CHANNELS namespace seen through a proxy: `calls` counts the RPC calls per method, and a
 * method listed in `intercepts` goes through its function (which gets the real call).
 */
export function observed(intercepts: Partial<Record<keyof ChannelRpc, Intercept>> = {}) {
  const calls: Record<string, number> = {};
  const namespace = {
    idFromName: (name: string) => env.CHANNELS.idFromName(name),
    get(id: unknown) {
      const stub = env.CHANNELS.get(id) as Record<string, (request: unknown) => Promise<unknown>>;
      return new Proxy(stub, {
        get(target, key) {
          if (typeof key !== 'string' || key === 'then') return undefined;
          return (request: unknown) => {
            calls[key] = (calls[key] ?? 0) + 1;
            const real = () => target[key]!(request);
            const intercept = intercepts[key as keyof ChannelRpc];
            return intercept === undefined ? real() : intercept(real, request);
          };
        },
      });
    },
  };
  return { namespace, calls };
}

/** What the pending calls of an object reset by {@link resetObject} fail with (in their error's message). */
export const RESET_MESSAGE = 'chanasync test: object reset';

/**
 * Resets the object behind one channel name, as a deploy or an eviction does: a fresh instance
 * over the same storage, whose pending calls fail with an Error whose message has
 * {@link RESET_MESSAGE}. Unlike `abortAllDurableObjects()`, it leaves alone the objects of the
 * test files that run alongside.
 */
export async function resetObject(name: string): Promise<void> {
  await runInDurableObject(rawStub(name), (_instance, state) => {
    (state as unknown as { abort(reason?: unknown): void }).abort(new Error(RESET_MESSAGE));
  }).catch(() => {}); // the abort fails this call too
}

/** Makes `call`, its error flagged `durableObjectReset` as production flags a reset when {@link resetObject} caused it. */
export async function flaggingReset(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (String(error).includes(RESET_MESSAGE)) Object.assign(error as Error, { durableObjectReset: true });
    throw error;
  }
}

/** The CHANNELS namespace with the errors of {@link resetObject} flagged as production flags a reset. */
export function resetFlagged() {
  const flag = (real: () => Promise<unknown>) => flaggingReset(real);
  return observed({ pull: flag, push: flag, ack: flag, cancel: flag, stats: flag, close: flag }).namespace;
}

/**
 * As {@link resetFlagged}, for every RPC method the client calls, the joint `inOrder` and
 * `restore` included, each through `hook` when given (which gets the method's name and the real
 * call); with `calls`, as {@link observed}.
 */
export function flaggedAll(hook?: (method: string, real: () => Promise<unknown>) => Promise<unknown>) {
  const methods = ['push', 'pull', 'ack', 'cancel', 'stats', 'close', 'inOrder', 'restore'] as const;
  return observed(
    Object.fromEntries(
      methods.map((method) => [
        method,
        (real: () => Promise<unknown>) => flaggingReset(() => (hook === undefined ? real() : hook(method, real))),
      ]),
    ),
  );
}

const INSTANCE = Symbol('test instance id');

/** An id of the object instance behind a channel name: a different id later means it was reset in between. */
export function instanceId(name: string): Promise<string> {
  return runInDurableObject(rawStub(name), (instance) => {
    const marked = instance as unknown as { [INSTANCE]?: string };
    marked[INSTANCE] ??= crypto.randomUUID();
    return marked[INSTANCE];
  });
}

/**
 * `minutes` pass for the object's memory of push ids: every remembered id of channel `name` is
 * made that much older, and the object's last purge forgotten (so its next store purges).
 */
export async function agePushIds(name: string, minutes: number): Promise<void> {
  await runInDurableObject(rawStub(name), (instance, state) => {
    const storage = state.storage as unknown as { sql: { exec(query: string, ...bindings: unknown[]): unknown } };
    storage.sql.exec('UPDATE chanasync_ids SET at = at - ?', minutes * 60_000);
    (instance as unknown as { $purgedAt: number }).$purgedAt = 0;
  });
}
