/**
 * The SPEC's "Durable channels on Cloudflare (chanasync/durable)" section read by an outsider
 * who has never seen the implementation, through the public entries (`chanasync`,
 * `chanasync/durable`) inside workerd (vitest project `workers`): FIFO and durable commit,
 * restarts, capacity fixed by the first call, waiting in slices without losing a place, leases
 * that give back what a pull that went away did not take, idempotent pushes, close, stats,
 * iteration and bad input.
 */
import { abortAllDurableObjects } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { ChannelClosedError, pull, select } from 'chanasync';
import { ChannelObject, type DurableChannelOptions, durableChannel } from 'chanasync/durable';
import { describe, expect, test } from 'vitest';

let count = 0;
const fresh = (label: string) => `outsider-${label}-${++count}-${crypto.randomUUID()}`;
const open = <T>(name: string, options?: DurableChannelOptions) => durableChannel<T>(env.CHANNELS, name, options);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(ms);
  return !done;
}

describe('durable commit and order', () => {
  test('ChannelObject is a class a Worker exports and binds', () => {
    expect(typeof ChannelObject).toBe('function');
  });

  test('values come out in FIFO order', async () => {
    const ch = open<number>(fresh('fifo'));
    for (let i = 0; i < 20; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a resolved push is stored: another client of the same name sees and pulls it', async () => {
    const name = fresh('stored');
    await open<string>(name).push('kept');
    const other = open<string>(name);
    expect((await other.stats()).size).toBe(1);
    expect(await other.pull()).toBe('kept');
  });

  test('values survive a reset of every Durable Object, in order', async () => {
    const name = fresh('survive');
    const ch = open<{ n: number }>(name);
    await ch.push({ n: 1 });
    await ch.push({ n: 2 });
    await abortAllDurableObjects();
    const after = open<{ n: number }>(name);
    expect(await after.pull()).toEqual({ n: 1 });
    expect(await after.pull()).toEqual({ n: 2 });
  });

  test('structured-cloneable values keep their types (Date, Map, Uint8Array, nested)', async () => {
    const ch = open<unknown>(fresh('clone'));
    const value = {
      at: new Date(3),
      map: new Map([[1, 'one']]),
      bytes: new Uint8Array([1, 2]),
      deep: { list: [null] },
    };
    await ch.push(value);
    const got = (await ch.pull()) as typeof value;
    expect(got).toEqual(value);
    expect(got.at).toBeInstanceOf(Date);
    expect(got.map).toBeInstanceOf(Map);
  });

  test('undefined and null are values like any other', async () => {
    const ch = open<unknown>(fresh('nullish'));
    await ch.push(undefined);
    await ch.push(null);
    expect((await ch.stats()).size).toBe(2);
    expect(await ch.pull()).toBeUndefined();
    expect(await ch.pull()).toBeNull();
  });

  test('concurrent producers on separate clients: every value stored exactly once, each producer in its order', async () => {
    const name = fresh('producers');
    await Promise.all(
      [0, 1, 2].map(async (p) => {
        const ch = open<string>(name);
        for (let i = 0; i < 10; i++) await ch.push(`${p}:${i}`);
      }),
    );
    const all = await open<string>(name).pullMany(1000);
    expect(all.length).toBe(30);
    for (const p of [0, 1, 2]) {
      expect(all.filter((v) => v.startsWith(`${p}:`))).toEqual(Array.from({ length: 10 }, (_, i) => `${p}:${i}`));
    }
  });

  test('concurrent consumers: each value goes to exactly one of them', async () => {
    const name = fresh('consumers');
    const ch = open<number>(name);
    for (let i = 0; i < 24; i++) await ch.push(i);
    await ch.close();
    const consume = async () => {
      const got: number[] = [];
      for await (const v of open<number>(name)) got.push(v);
      return got;
    };
    const results = await Promise.all([consume(), consume(), consume()]);
    expect(results.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });
});

describe('capacity', () => {
  test('capacity is fixed by the first call: a client with another capacity is refused with a RangeError', async () => {
    const name = fresh('capacity');
    await open<number>(name, { capacity: 2 }).push(1);
    const { error } = await outcome(open<number>(name, { capacity: 3 }).push(2));
    expect(error).toBeInstanceOf(RangeError);
    expect((await open<number>(name).stats()).capacity).toBe(2);
  });

  test('the first capacity is kept across a reset', async () => {
    const name = fresh('capacity-reset');
    await open<number>(name, { capacity: 5 }).stats();
    await abortAllDurableObjects();
    expect((await open<number>(name).stats()).capacity).toBe(5);
    expect((await outcome(open<number>(name, { capacity: 4 }).tryPull())).error).toBeInstanceOf(RangeError);
  });

  test('a push on a full channel waits until a pull makes room, and is then stored after the others', async () => {
    const ch = open<string>(fresh('full'), { capacity: 1, sliceMs: 100 });
    await ch.push('a');
    const waiting = ch.push('b');
    expect(await pendingAfter(waiting, 250)).toBe(true);
    expect(await ch.pull()).toBe('a');
    await waiting;
    expect(await ch.pull()).toBe('b');
  });

  test('waiting pushers are stored in the order they started waiting, across several wait slices', async () => {
    const name = fresh('push-fifo');
    const ch = open<string>(name, { capacity: 1, sliceMs: 50 });
    await ch.push('0');
    const first = ch.push('1');
    await until(async () => (await ch.stats()).waitingPushers === 1);
    const second = open<string>(name, { capacity: 1, sliceMs: 50 }).push('2');
    await until(async () => (await ch.stats()).waitingPushers === 2);
    await sleep(200); // several slices pass: nobody loses its place
    const got = [await ch.pull(), await ch.pull(), await ch.pull()];
    await Promise.all([first, second]);
    expect(got).toEqual(['0', '1', '2']);
  });

  test('tryPush returns false on a full channel and stores nothing', async () => {
    const ch = open<number>(fresh('try-full'), { capacity: 1 });
    expect(await ch.tryPush(1)).toBe(true);
    expect(await ch.tryPush(2)).toBe(false);
    expect((await ch.stats()).size).toBe(1);
    expect(await ch.tryPull()).toBe(1);
    expect(await ch.tryPull()).toBeUndefined();
  });
});

describe('waiting pulls', () => {
  test('a pull on an empty channel waits, across slices, and gets the next value pushed', async () => {
    const ch = open<string>(fresh('wait-pull'), { sliceMs: 50 });
    const pulled = ch.pull();
    expect(await pendingAfter(pulled, 250)).toBe(true);
    await ch.push('late');
    expect(await pulled).toBe('late');
    expect((await ch.stats()).size).toBe(0);
  });

  test('waiting pullers are served in the order they started waiting', async () => {
    const name = fresh('pull-fifo');
    const ch = open<number>(name, { sliceMs: 50 });
    const first = ch.pull();
    await until(async () => (await ch.stats()).waitingPullers === 1);
    const second = open<number>(name, { sliceMs: 50 }).pull();
    await until(async () => (await ch.stats()).waitingPullers === 2);
    await sleep(150);
    await ch.push(1);
    await ch.push(2);
    expect([await first, await second]).toEqual([1, 2]);
  });

  test('a value pushed while a pull waits goes to that pull, not to a tryPull that comes after it', async () => {
    const name = fresh('waiter-first');
    const ch = open<string>(name, { sliceMs: 50 });
    const waiting = ch.pull();
    await until(async () => (await ch.stats()).waitingPullers === 1);
    await ch.push('mine');
    expect(await open<string>(name).tryPull()).toBeUndefined();
    expect(await waiting).toBe('mine');
  });

  test('room freed while a push waits goes to that push, not to a tryPush that comes after it', async () => {
    const name = fresh('pusher-first');
    const ch = open<string>(name, { capacity: 1, sliceMs: 50 });
    await ch.push('a');
    const waiting = ch.push('b');
    await until(async () => (await ch.stats()).waitingPushers === 1);
    expect(await ch.pull()).toBe('a');
    expect(await open<string>(name, { capacity: 1 }).tryPush('c')).toBe(false);
    await waiting;
    expect(await ch.pullMany(10)).toEqual(['b']);
  });

  test('pullMany waits for at least one value, then takes up to max in FIFO order', async () => {
    const ch = open<number>(fresh('pull-many'));
    const batch = ch.pullMany(3);
    expect(await pendingAfter(batch, 100)).toBe(true);
    await ch.push(1);
    expect(await batch).toEqual([1]);
    for (let i = 2; i <= 6; i++) await ch.push(i);
    expect(await ch.pullMany(3)).toEqual([2, 3, 4]);
    expect(await ch.pullMany(10)).toEqual([5, 6]);
  });

  test('pullMany with a large max takes what there is', async () => {
    const ch = open<number>(fresh('pull-many-large'));
    for (let i = 0; i < 3; i++) await ch.push(i);
    expect(await ch.pullMany(5000)).toEqual([0, 1, 2]);
  });

  test('pullMany rejects a max that is not a positive integer with a RangeError', async () => {
    const ch = open<number>(fresh('pull-many-bad'));
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect((await outcome(ch.pullMany(max))).error).toBeInstanceOf(RangeError);
    }
  });
});

describe('signals', () => {
  test('a pull with an already aborted signal rejects with signal.reason and consumes nothing', async () => {
    const ch = open<number>(fresh('pull-aborted'));
    await ch.push(1);
    const reason = new Error('gave up');
    const { error } = await outcome(ch.pull({ signal: AbortSignal.abort(reason) }));
    expect((error as Error).message).toBe('gave up');
    expect(await ch.pull()).toBe(1);
  });

  test('a waiting pull that is aborted rejects with the reason, and the next value goes to the next puller', async () => {
    const ch = open<number>(fresh('pull-abort-wait'), { sliceMs: 50 });
    const controller = new AbortController();
    const pulled = ch.pull({ signal: controller.signal });
    await until(async () => (await ch.stats()).waitingPullers === 1);
    controller.abort('stop');
    expect((await outcome(pulled)).error).toBe('stop');
    await until(async () => (await ch.stats()).waitingPullers === 0);
    await ch.push(5);
    expect((await ch.stats()).size).toBe(1);
    expect(await ch.pull()).toBe(5);
  });

  test('a push with an already aborted signal rejects with the reason, even on a closed channel, and stores nothing', async () => {
    const ch = open<number>(fresh('push-aborted'));
    const reason = new Error('no');
    expect((await outcome(ch.push(1, { signal: AbortSignal.abort(reason) }))).error).toBe(reason);
    expect((await ch.stats()).size).toBe(0);
    await ch.close();
    expect((await outcome(ch.push(2, { signal: AbortSignal.abort(reason) }))).error).toBe(reason);
  });

  test('a push waiting for room that is aborted rejects with the reason and its value is never stored', async () => {
    const ch = open<string>(fresh('push-abort-wait'), { capacity: 1, sliceMs: 50 });
    await ch.push('a');
    const controller = new AbortController();
    const waiting = ch.push('b', { signal: controller.signal });
    await until(async () => (await ch.stats()).waitingPushers === 1);
    controller.abort('enough');
    expect((await outcome(waiting)).error).toBe('enough');
    expect(await ch.pull()).toBe('a');
    await sleep(100);
    expect(await ch.tryPull()).toBeUndefined();
  });

  test('pulls aborted at random moments lose and duplicate nothing: every value is pulled exactly once', async () => {
    const name = fresh('abort-storm');
    const ch = open<number>(name, { leaseMs: 300, sliceMs: 50 });
    const total = 30;
    for (let i = 0; i < total; i++) await ch.push(i);
    const got: number[] = [];
    const attempts: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const controller = new AbortController();
      const delay = i % 7;
      setTimeout(() => controller.abort(new Error('late')), delay);
      attempts.push(
        ch.pull({ signal: controller.signal }).then(
          (v) => {
            got.push(v);
          },
          () => undefined,
        ),
      );
    }
    await Promise.all(attempts);
    // whatever an aborted pull had leased goes back once its lease ends (late on a loaded machine)
    await until(async () => (await ch.stats()).leased === 0, 10_000);
    await ch.close();
    for await (const v of open<number>(name)) got.push(v);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});

describe('a caller that goes away', () => {
  test('a request cancelled while its pull waits takes nothing: a value pushed afterwards still comes out of the next pull', async () => {
    const name = fresh('disconnect');
    const ch = open<string>(name);
    const client = new AbortController();
    const request = exports.default
      .fetch(`http://worker/pull?name=${name}&leaseMs=200&sliceMs=100`, { signal: client.signal })
      .catch((error: unknown) => error);
    await until(async () => (await ch.stats()).waitingPullers === 1);
    client.abort();
    await request;
    await ch.push('survivor');
    const delivery = await ch.pullWithId({ signal: AbortSignal.timeout(10_000) });
    expect(delivery.value).toBe('survivor');
    expect(await ch.tryPull()).toBeUndefined();
  });
});

describe('pushes aborted at random moments', () => {
  test('exactly the pushes that resolved are stored: a rejected push delivered nothing', async () => {
    const name = fresh('push-storm');
    const ch = open<number>(name, { capacity: 2, sliceMs: 50 });
    const resolved: number[] = [];
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('late')), (i * 3) % 11);
      pushes.push(
        ch.push(i, { signal: controller.signal }).then(
          () => {
            resolved.push(i);
          },
          () => undefined,
        ),
      );
    }
    const pulled: number[] = [];
    let settled = false;
    const all = Promise.all(pushes).then(() => {
      settled = true;
    });
    // A consumer makes room now and then while the pushes wait or give up.
    while (!settled) {
      const v = await ch.tryPull();
      if (v !== undefined) pulled.push(v);
      await sleep(3);
    }
    await all;
    await ch.close();
    for await (const v of open<number>(name)) pulled.push(v);
    expect([...pulled].sort((a, b) => a - b)).toEqual([...resolved].sort((a, b) => a - b));
  });
});

describe('idempotent push and delivery ids', () => {
  test('tryPush with an id already stored answers true and stores nothing more', async () => {
    const ch = open<string>(fresh('try-idem'));
    expect(await ch.tryPush('x', { id: 'once' })).toBe(true);
    expect(await ch.tryPush('x', { id: 'once' })).toBe(true);
    expect((await ch.stats()).size).toBe(1);
  });

  test('an empty id is refused with a TypeError', async () => {
    const ch = open<string>(fresh('empty-id'));
    expect((await outcome(ch.push('x', { id: '' }))).error).toBeInstanceOf(TypeError);
    expect((await ch.stats()).size).toBe(0);
  });

  test('a push retried with the same id is stored once', async () => {
    const ch = open<string>(fresh('idem'));
    await ch.push('x', { id: 'k' });
    await ch.push('x', { id: 'k' });
    await ch.push('x', { id: 'k' });
    expect((await ch.stats()).size).toBe(1);
  });

  test('the same id retried after a reset is still stored once', async () => {
    const name = fresh('idem-reset');
    await open<string>(name).push('x', { id: 'k' });
    await abortAllDurableObjects();
    await open<string>(name).push('x', { id: 'k' });
    expect((await open<string>(name).stats()).size).toBe(1);
  });

  test('the same id on two channels stores a value in each', async () => {
    const a = open<string>(fresh('idem-a'));
    const b = open<string>(fresh('idem-b'));
    await a.push('x', { id: 'shared' });
    await b.push('y', { id: 'shared' });
    expect(await a.pull()).toBe('x');
    expect(await b.pull()).toBe('y');
  });

  test('pullWithId returns the value with the id given to push', async () => {
    const ch = open<string>(fresh('with-id'));
    await ch.push('job', { id: 'job-1' });
    const delivery = await ch.pullWithId();
    expect(delivery).toMatchObject({ value: 'job', id: 'job-1' });
  });

  test('pushes without an id get distinct generated ids', async () => {
    const ch = open<number>(fresh('gen-ids'));
    await ch.push(1);
    await ch.push(1);
    const first = await ch.pullWithId();
    const second = await ch.pullWithId();
    expect(typeof first.id).toBe('string');
    expect(first.id).not.toBe(second.id);
    expect([first.value, second.value]).toEqual([1, 1]);
  });
});

describe('close', () => {
  test('buffered values stay readable after close, then pull rejects with ChannelClosedError', async () => {
    const ch = open<number>(fresh('close-drain'));
    await ch.push(1);
    await ch.push(2);
    await ch.close();
    expect((await ch.stats()).closed).toBe(true);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    const { error } = await outcome(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).name).toBe('ChannelClosedError');
  });

  test('close(reason): the drained pull rejects with ChannelClosedError whose cause is the reason, and for await throws it', async () => {
    const ch = open<number>(fresh('close-reason'));
    await ch.push(1);
    await ch.close({ code: 42 });
    const seen: number[] = [];
    const thrown = await outcome(
      (async () => {
        for await (const v of ch) seen.push(v);
      })(),
    );
    expect(seen).toEqual([1]);
    expect(thrown.error).toEqual({ code: 42 });
    const { error } = await outcome(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toEqual({ code: 42 });
  });

  test('close(new Error(...)): the cause that comes back is an Error with that message', async () => {
    const ch = open<number>(fresh('close-error'));
    await ch.close(new RangeError('out of jobs'));
    const { error } = await outcome(ch.pull());
    const cause = (error as ChannelClosedError).cause;
    expect(cause).toBeInstanceOf(Error);
    expect((cause as Error).message).toBe('out of jobs');
  });

  test('for await ends normally after close() without a reason', async () => {
    const ch = open<string>(fresh('close-iterate'));
    await ch.push('a');
    await ch.push('b');
    await ch.close();
    const seen: string[] = [];
    for await (const v of ch) seen.push(v);
    expect(seen).toEqual(['a', 'b']);
  });

  test('close is idempotent: a second close keeps the first reason', async () => {
    const ch = open<number>(fresh('close-twice'));
    await ch.close('first');
    await ch.close('second');
    const { error } = await outcome(ch.pull());
    expect((error as ChannelClosedError).cause).toBe('first');
  });

  test('a push to a closed channel rejects with ChannelClosedError and stores nothing; tryPush returns false', async () => {
    const ch = open<number>(fresh('closed-push'));
    await ch.close();
    expect((await outcome(ch.push(1))).error).toBeInstanceOf(ChannelClosedError);
    expect(await ch.tryPush(2)).toBe(false);
    expect((await ch.stats()).size).toBe(0);
  });

  test('a waiting pull rejects with ChannelClosedError when the channel is closed', async () => {
    const ch = open<number>(fresh('close-waiting-pull'), { sliceMs: 50 });
    const pulled = outcome(ch.pull());
    await until(async () => (await ch.stats()).waitingPullers === 1);
    await ch.close();
    expect((await pulled).error).toBeInstanceOf(ChannelClosedError);
  });

  test('a push waiting for room rejects with ChannelClosedError when the channel is closed, and its value is not added', async () => {
    const ch = open<string>(fresh('close-waiting-push'), { capacity: 1, sliceMs: 50 });
    await ch.push('in');
    const waiting = outcome(ch.push('out'));
    await until(async () => (await ch.stats()).waitingPushers === 1);
    await ch.close();
    expect((await waiting).error).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pullMany(10)).toEqual(['in']);
    expect((await outcome(ch.pull())).error).toBeInstanceOf(ChannelClosedError);
  });

  test('a closed channel stays closed across a reset, with its values still readable', async () => {
    const name = fresh('closed-reset');
    await open<number>(name).push(1);
    await open<number>(name).close('done');
    await abortAllDurableObjects();
    const ch = open<number>(name);
    expect((await ch.stats()).closed).toBe(true);
    expect(await ch.pull()).toBe(1);
    expect(((await outcome(ch.pull())).error as ChannelClosedError).cause).toBe('done');
  });

  test('tryPull returns undefined on a closed and drained channel', async () => {
    const ch = open<number>(fresh('try-closed'));
    await ch.close();
    expect(await ch.tryPull()).toBeUndefined();
  });
});

describe('stats and iteration', () => {
  test('stats reports name, capacity, size, closed and the waiting counts', async () => {
    const name = fresh('stats');
    const ch = open<number>(name, { capacity: 3 });
    await ch.push(1);
    expect(await ch.stats()).toMatchObject({
      name,
      capacity: 3,
      size: 1,
      closed: false,
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test('a channel created without capacity is unbounded (capacity Infinity)', async () => {
    const ch = open<number>(fresh('unbounded'));
    for (let i = 0; i < 50; i++) expect(await ch.tryPush(i)).toBe(true);
    expect((await ch.stats()).capacity).toBe(Number.POSITIVE_INFINITY);
  });

  test('returning an iterator while its next() waits withdraws that pull: a value pushed afterwards stays in the channel', async () => {
    const name = fresh('return-waiting');
    const ch = open<number>(name, { sliceMs: 50 });
    const iterator = ch[Symbol.asyncIterator]();
    const next = iterator.next();
    await until(async () => (await ch.stats()).waitingPullers === 1);
    await iterator.return?.();
    expect(await next).toEqual({ done: true, value: undefined });
    await ch.push(42);
    await sleep(100);
    expect(await ch.pullMany(10)).toEqual([42]);
  });

  test('leaving a for await early consumes nothing more', async () => {
    const ch = open<number>(fresh('break'));
    for (let i = 0; i < 3; i++) await ch.push(i);
    for await (const v of ch) {
      expect(v).toBe(0);
      break;
    }
    await sleep(50);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });
});

describe('out of scope', () => {
  test('select over a durable channel is refused with a TypeError, consuming nothing', async () => {
    const ch = open<number>(fresh('select'));
    await ch.push(1);
    const { error } = await outcome((async () => select([pull(ch as unknown as Parameters<typeof pull>[0])]))());
    expect(error).toBeInstanceOf(TypeError);
    expect(await ch.pull()).toBe(1);
  });
});

describe('bad input', () => {
  test('an empty name is a TypeError', () => {
    expect(() => durableChannel(env.CHANNELS, '')).toThrow(TypeError);
  });

  test('a namespace that is not one is a TypeError', () => {
    expect(() => durableChannel({} as never, 'x')).toThrow(TypeError);
  });

  test('a negative or fractional capacity is a RangeError', () => {
    expect(() => durableChannel(env.CHANNELS, 'x', { capacity: -1 })).toThrow(RangeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { capacity: 1.5 })).toThrow(RangeError);
  });

  test('a value that is not structured-cloneable is refused with a TypeError and nothing is stored', async () => {
    const ch = open<unknown>(fresh('uncloneable'));
    expect((await outcome(ch.push(() => 1))).error).toBeInstanceOf(TypeError);
    expect((await ch.stats()).size).toBe(0);
  });
});
