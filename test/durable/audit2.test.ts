/**
 * chanasync/durable, second audit round: what the first round (audit.test.ts) left out — push
 * ids as they travel through storage (odd characters, one id with two values), values and names
 * at the edges of structured clone and of `idFromName`, hundreds of waiters at once, close racing
 * waiters of other clients, partial acknowledgements, calls an aborted signal must never send,
 * and the alarm a finished channel leaves behind. Runs inside workerd (vitest project `workers`).
 */
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env, exports as workerExports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DurableChannelOptions, durableChannel } from '../../src/durable/index.js';
import type { PullAnswer } from '../../src/durable/protocol.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, observed, rawLimits, rawStub, settled, sleep, until } from './helpers.js';

const open = <T>(label: string, options?: DurableChannelOptions) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

describe('push ids travel through storage unchanged', () => {
  test('a push id with a lone surrogate is refused with a TypeError naming the call, and nothing is stored', async () => {
    // Storage keeps ids as UTF-8: "k\uD800" came back from pullWithId as "k\uFFFD\uFFFD\uFFFD",
    // so the delivery id was not the push id, and ids differing by a lone surrogate looked alike.
    const channel = open<string>('lone-surrogate-id');
    const error = await channel.push('a', { id: 'k\uD800' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'push(value, options): options.id must be well-formed Unicode (no lone surrogate), got "k\\ud800"',
    );
    await expect(channel.tryPush('b', { id: '\uDC00k' })).rejects.toThrow(
      /^tryPush\(value, options\): options\.id must be well-formed Unicode/,
    );
    expect((await channel.stats()).size).toBe(0);
  });

  test('push ids with a NUL, emoji, combining marks and SQL quotes come back from pullWithId exactly as pushed', async () => {
    const channel = open<number>('odd-ids');
    const ids = ['k\0a', 'k\0b', '😀\uD83D\uDE01', 'e\u0301', 'é', "'; DROP TABLE chanasync_values; --", ' ', '%_'];
    for (const [i, id] of ids.entries()) await channel.push(i, { id });
    for (const id of ids) await channel.push(-1, { id }); // retries: stored once each
    const deliveries = [];
    for (let i = 0; i < ids.length; i++) deliveries.push(await channel.pullWithId());
    expect(deliveries.map(({ value, id }) => [value, id])).toEqual(ids.map((id, i) => [i, id]));
    expect(await channel.tryPull()).toBeUndefined();
  });
});

describe('one push id, two values', () => {
  test('a second push with the same id and another value while the first waits resolves, and only the first value is stored', async () => {
    const channel = open<string>('same-id-two-values', { capacity: 1 });
    await channel.push('filler');
    const first = channel.push('first value', { id: 'order-7' });
    await until(async () => (await channel.stats()).waitingPushers === 1);
    const second = channel.push('second value', { id: 'order-7' });
    await sleep(30);
    expect(await channel.pull()).toBe('filler');
    await Promise.all([first, second]);
    expect(await channel.pullWithId()).toMatchObject({ value: 'first value', id: 'order-7', attempt: 1 });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
  });

  test('tryPush with the id of a push that waits for room returns false, and the waiting value is stored once', async () => {
    const channel = open<string>('try-same-id-waiting', { capacity: 1 });
    await channel.push('filler');
    const waiting = channel.push('waiting', { id: 'w' });
    await until(async () => (await channel.stats()).waitingPushers === 1);
    expect(await channel.tryPush('tried', { id: 'w' })).toBe(false);
    expect(await channel.pull()).toBe('filler');
    await waiting;
    expect(await channel.pullMany(5)).toEqual(['waiting']);
  });
});

describe('values and names at the edges', () => {
  test('-0, NaN, BigInt, Date, Map, Set, RegExp, sparse arrays, typed arrays and lone-surrogate strings arrive as structured clones', async () => {
    const channel = open<unknown>('exotic-values');
    const values: unknown[] = [
      -0,
      Number.NaN,
      10n ** 30n,
      new Date(5),
      new Map([[1, { a: 2 }]]),
      new Set(['x']),
      /x+/gi,
      // biome-ignore lint/suspicious/noSparseArray: a hole is what this value is about
      [1, , 3],
      new Float64Array([1.5, -2]),
      'a\uD800b',
    ];
    for (const value of values) await channel.push(value);
    const out = await channel.pullMany(100);
    expect(out).toHaveLength(values.length);
    expect(Object.is(out[0], -0)).toBe(true);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(10n ** 30n);
    expect((out[3] as Date).getTime()).toBe(5);
    expect(out[4]).toEqual(new Map([[1, { a: 2 }]]));
    expect(out[5]).toEqual(new Set(['x']));
    expect(String(out[6])).toBe('/x+/gi');
    expect(out[7]).toHaveLength(3);
    expect(1 in (out[7] as unknown[])).toBe(false);
    expect(out[8]).toBeInstanceOf(Float64Array);
    expect([...(out[8] as Float64Array)]).toEqual([1.5, -2]);
    expect(out[9]).toBe('a\uD800b');
  });

  test('tryPush refuses a function and a symbol with a TypeError naming tryPush, and stores nothing', async () => {
    const channel = open<unknown>('try-unstorable');
    await expect(channel.tryPush(() => 1)).rejects.toThrow(/^tryPush\(value\): /);
    const error = await channel.tryPush(Symbol('s')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^tryPush\(value\): /);
    expect((await channel.stats()).size).toBe(0);
  });

  test('a value whose getter throws while it is sent is refused with a TypeError naming the call, with that error as cause', async () => {
    const channel = open<unknown>('throwing-getter');
    const boom = new RangeError('boom');
    const value = {
      get field() {
        throw boom;
      },
    };
    for (const [call, operation] of [
      [() => channel.push(value), 'push'],
      [() => channel.tryPush(value), 'tryPush'],
    ] as const) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(new RegExp(`^${operation}\\(value\\): the value cannot be sent`));
      expect((error as Error).cause).toBe(boom);
    }
    expect((await channel.stats()).size).toBe(0);
  });

  test('names that differ only by a lone surrogate, or after a NUL, are different channels', async () => {
    const base = freshName('odd-names');
    const names = [`${base}\uD800`, `${base}\uDC00`, `${base}\0a`, `${base}\0b`, base];
    for (const [i, name] of names.entries()) await durableChannel<number>(env.CHANNELS, name).push(i);
    for (const [i, name] of names.entries()) {
      const channel = durableChannel<number>(env.CHANNELS, name);
      expect(await channel.pullMany(10)).toEqual([i]);
      expect(channel.name).toBe(name);
    }
  });

  test('a channel name of a million characters reaches one channel like any other', async () => {
    const name = `${'n'.repeat(1_000_000)}${crypto.randomUUID()}`;
    await durableChannel<string>(env.CHANNELS, name).push('long');
    expect(await durableChannel<string>(env.CHANNELS, name).pull()).toBe('long');
    expect((await durableChannel(env.CHANNELS, name.slice(1)).stats()).size).toBe(0);
  });
});

describe('thenables are refused before anything else, as a local channel refuses them', () => {
  test('tryPush of a thenable on a full channel rejects with a TypeError and sends nothing', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<unknown>(namespace, freshName('thenable-full'), { capacity: 1 });
    await channel.push('filler');
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
    const thenable = { then: () => {} };
    await expect(channel.tryPush(thenable)).rejects.toThrow(
      new TypeError('tryPush(value): value is a thenable (wrap it to send it)'),
    );
    expect(calls.push).toBe(1); // the filler's
  });

  test('push of a thenable on a closed channel rejects with a TypeError, not ChannelClosedError', async () => {
    const channel = open<unknown>('thenable-closed');
    await channel.close();
    await expect(channel.push(Promise.resolve(1))).rejects.toThrow(
      new TypeError('push(value): value is a thenable (wrap it to send it)'),
    );
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
    await expect(channel.tryPush({ then: () => {} })).rejects.toBeInstanceOf(TypeError);
  });

  test('a value whose then getter throws is refused with a TypeError whose cause is that error', async () => {
    const channel = open<unknown>('thenable-getter');
    const boom = new Error('boom');
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then getter is what this test is about
      get then() {
        throw boom;
      },
    };
    const error = await channel.push(value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('push(value): reading value.then threw');
    expect((error as Error).cause).toBe(boom);
    expect((await channel.stats()).size).toBe(0);
  });
});

describe('capacity between callers', () => {
  test('a client whose options say capacity: undefined accepts a channel created with a capacity', async () => {
    const name = freshName('capacity-undefined');
    await durableChannel<number>(env.CHANNELS, name, { capacity: 2 }).push(1);
    const loose = durableChannel<number>(env.CHANNELS, name, { capacity: undefined });
    await loose.push(2);
    expect(await loose.stats()).toMatchObject({ capacity: 2, size: 2 });
    expect(await loose.tryPush(3)).toBe(false); // the channel's capacity, not unbounded
  });

  test('a bounded client reaching an unbounded channel gets a RangeError that names both capacities', async () => {
    const name = freshName('capacity-vs-unbounded');
    await durableChannel<number>(env.CHANNELS, name).push(1);
    await expect(durableChannel<number>(env.CHANNELS, name, { capacity: 1 }).pull()).rejects.toThrow(
      new RangeError(
        `pull: durable channel "${name}" has capacity Infinity, fixed when it was created; this client asked for 1`,
      ),
    );
    expect((await durableChannel(env.CHANNELS, name).stats()).size).toBe(1);
  });
});

describe('capacity race', () => {
  test('two clients with different capacities racing to create a channel: one wins, the other gets a RangeError and stores nothing', async () => {
    const name = freshName('capacity-race');
    const results = await Promise.allSettled([
      durableChannel<string>(env.CHANNELS, name, { capacity: 2 }).push('two'),
      durableChannel<string>(env.CHANNELS, name, { capacity: 3 }).push('three'),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RangeError);
    const winner = results[0]!.status === 'fulfilled' ? { capacity: 2, value: 'two' } : { capacity: 3, value: 'three' };
    const channel = durableChannel<string>(env.CHANNELS, name);
    expect(await channel.stats()).toMatchObject({ capacity: winner.capacity, size: 1 });
    expect(await channel.pull()).toBe(winner.value);
  });
});

describe('many waiters at once', () => {
  test('200 pulls parked at once across slices are served in the order they started, and none is left waiting', async () => {
    const channel = open<number>('many-pullers', { sliceMs: 200 });
    const count = 200;
    const got: number[] = [];
    const pulls: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      pulls.push(
        channel.pull().then((value) => {
          got[i] = value;
        }),
      );
      await until(async () => (await channel.stats()).waitingPullers === i + 1);
    }
    for (let i = 0; i < count; i++) await channel.push(i);
    await Promise.all(pulls);
    expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0 });
  });

  test('100 pushes waiting on a capacity-1 channel across slices are each stored once, in the order they started', async () => {
    const channel = open<number>('many-pushers', { capacity: 1, sliceMs: 50 });
    await channel.push(-1);
    const count = 100;
    const pushes: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      pushes.push(channel.push(i));
      await until(async () => (await channel.stats()).waitingPushers === i + 1);
    }
    const got: number[] = [];
    for (let i = 0; i <= count; i++) got.push(await channel.pull());
    await Promise.all(pushes);
    expect(got).toEqual(Array.from({ length: count + 1 }, (_, i) => i - 1));
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
  });
});

describe('one signal shared by many waiters', () => {
  test('50 pushes parked with one signal all reject when it aborts, none is stored, and no place is kept', async () => {
    const channel = open<number>('shared-signal-pushes', { capacity: 1, sliceMs: 30 });
    await channel.push(-1);
    const controller = new AbortController();
    const pushes = Array.from({ length: 50 }, (_, i) =>
      channel.push(i, { signal: controller.signal }).catch((error: unknown) => error),
    );
    await until(async () => (await channel.stats()).waitingPushers === 50);
    controller.abort('all of them');
    expect(await Promise.all(pushes)).toEqual(Array.from({ length: 50 }, () => 'all of them'));
    expect(await channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(await channel.pull()).toBe(-1);
    expect(await channel.tryPush(7)).toBe(true);
    expect(await channel.pullMany(10)).toEqual([7]);
  });

  test('50 pulls parked with one signal all reject when it aborts, and the next value goes to the next pull at once', async () => {
    const channel = open<number>('shared-signal-pulls', { sliceMs: 30 });
    const controller = new AbortController();
    const pulls = Array.from({ length: 50 }, () =>
      channel.pull({ signal: controller.signal }).catch((error: unknown) => error),
    );
    await until(async () => (await channel.stats()).waitingPullers === 50);
    controller.abort('all of them');
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 50 }, () => 'all of them'));
    expect(await channel.stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
    await channel.push(1);
    expect(await channel.tryPull()).toBe(1); // no ghost waiter holds it under a lease
  });
});

describe('close racing the waiters of other clients', () => {
  test('a close racing a push parked on a full channel: the push resolves and its value is read, or rejects and nothing is stored', async () => {
    for (let round = 0; round < 8; round++) {
      const name = freshName('close-vs-push');
      const producer = durableChannel<string>(env.CHANNELS, name, { capacity: 1, sliceMs: 40 });
      const other = durableChannel<string>(env.CHANNELS, name);
      await producer.push('kept');
      const parked = producer.push('raced').then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await until(async () => (await other.stats()).waitingPushers === 1);
      // The pull makes room (storing the parked value) about when the close arrives: the close
      // is sent up to a few ms after the pull, whose acknowledgement is a second call.
      const [pulled] = await Promise.all([other.pull(), sleep(round).then(() => other.close('done'))]);
      const outcome = await parked;
      const rest = await other.pullMany(5).catch((error: unknown) => error);
      expect(pulled).toBe('kept');
      if (outcome === 'resolved') {
        expect(rest).toEqual(['raced']);
      } else {
        expect(outcome).toBeInstanceOf(ChannelClosedError);
        expect((outcome as ChannelClosedError).cause).toBe('done');
        expect(rest).toBeInstanceOf(ChannelClosedError);
      }
    }
  });

  test('a close racing a push into a channel where a pull waits: the value is pulled, or it was never stored', async () => {
    for (let round = 0; round < 8; round++) {
      const name = freshName('close-vs-pull');
      const consumer = durableChannel<string>(env.CHANNELS, name, { sliceMs: 40 });
      const producer = durableChannel<string>(env.CHANNELS, name);
      const closer = durableChannel<string>(env.CHANNELS, name);
      const pulled = consumer.pull().catch((error: unknown) => error);
      await until(async () => (await closer.stats()).waitingPullers === 1);
      // Odd rounds send the close first, even rounds the push; the other follows a few ms later.
      const lag = (first: boolean) => sleep(first ? 0 : round >> 1);
      const [pushed] = await Promise.all([
        lag(round % 2 === 0).then(() =>
          producer.push('raced').then(
            () => true,
            () => false,
          ),
        ),
        lag(round % 2 === 1).then(() => closer.close()),
      ]);
      const got = await pulled;
      if (pushed) expect(got).toBe('raced');
      else expect(got).toBeInstanceOf(ChannelClosedError);
      expect(await closer.stats()).toMatchObject({ size: 0, leased: 0, closed: true, waitingPullers: 0 });
    }
  });
});

describe('close across an object reset', () => {
  /**
   * The CHANNELS namespace with the errors of `abortAllDurableObjects()` flagged as production
   * flags a reset (`durableObjectReset`), so that the client retries them.
   */
  const resetFlagged = () => ({
    idFromName: (name: string) => env.CHANNELS.idFromName(name),
    get(id: unknown) {
      const stub = env.CHANNELS.get(id) as Record<string, (request: unknown) => Promise<unknown>>;
      return new Proxy(stub, {
        get(target, key) {
          if (typeof key !== 'string' || key === 'then') return undefined;
          return async (request: unknown) => {
            try {
              return await target[key]!(request);
            } catch (error) {
              if (String(error).includes('abortAllDurableObjects')) {
                Object.assign(error as Error, { durableObjectReset: true });
              }
              throw error;
            }
          };
        },
      });
    },
  });

  test('a closed channel whose last value is leased to a vanished puller: a reset ends the lease, the waiting pull gets it, the next rejects', async () => {
    const name = freshName('reset-closed-leased');
    const channel = durableChannel<string>(resetFlagged(), name, { sliceMs: 50 });
    await channel.push('last');
    await rawStub(name).pull({ ...rawLimits(600_000), ticket: 'vanished', max: 1 }); // never acknowledged
    await channel.close('done');
    const pulled = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 1);
    await abortAllDurableObjects();
    expect(await pulled).toBe('last');
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('done');
  });

  test('a push that waited for room before a reset is failed by a close after it, and is not stored', async () => {
    const name = freshName('reset-then-close-push');
    const channel = durableChannel<string>(resetFlagged(), name, { capacity: 1, sliceMs: 50 });
    await channel.push('kept');
    const waiting = channel.push('never', { id: 'never' }).catch((e: unknown) => e);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await abortAllDurableObjects();
    await until(async () => (await channel.stats()).waitingPushers === 1); // queued again
    await channel.close('shutdown');
    const error = await waiting;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('shutdown');
    expect(await channel.pullMany(5)).toEqual(['kept']);
  });
});

describe('partial acknowledgements', () => {
  test('a batch whose lease ended and whose head went to a waiting pull: its late ack takes the rest, and the head is read once', async () => {
    const name = freshName('partial-ack');
    const channel = durableChannel<string>(env.CHANNELS, name, { leaseMs: 60_000 });
    for (const value of ['a', 'b', 'c']) await channel.push(value);
    const stub = rawStub(name);
    const batch = (await stub.pull({ ...rawLimits(50), ticket: 'slow', max: 3 })) as Extract<
      PullAnswer,
      { kind: 'values' }
    >;
    expect(batch.deliveries.map((delivery) => delivery.value)).toEqual(['a', 'b', 'c']);
    const waiting = channel.pullWithId(); // nothing ready: it waits, and is first when the lease ends
    const head = await waiting;
    expect(head).toMatchObject({ value: 'a', attempt: 2 });
    const answer = await stub.ack({
      capacity: null,
      ticket: 'slow',
      deliveries: batch.deliveries.map((delivery): [number, number] => [delivery.seq, delivery.attempt]),
    });
    expect(answer).toEqual({ kind: 'acks', fates: ['gone', 'acked', 'acked'] });
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0 });
  });
});

describe('an aborted signal sends nothing', () => {
  test('an operation whose signal is already aborted makes no call to the object at all', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<number>(namespace, freshName('aborted-no-call'));
    const signal = AbortSignal.abort('stop');
    await expect(channel.push(1, { signal })).rejects.toBe('stop');
    await expect(channel.pull({ signal })).rejects.toBe('stop');
    await expect(channel.pullWithId({ signal })).rejects.toBe('stop');
    await expect(channel.pullMany(3, { signal })).rejects.toBe('stop');
    expect(calls).toEqual({});
  });
});

describe('close reasons that resist every reading', () => {
  test('close with a proxy whose every property read throws still closes, with an Error as its reason', async () => {
    const channel = open<number>('close-hostile-proxy');
    await channel.push(1);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no reading me');
        },
      },
    );
    await channel.close(hostile);
    expect(await channel.stats()).toMatchObject({ closed: true, size: 1 });
    expect(await channel.pull()).toBe(1);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).message).toBe('[unreadable object]');
  });

  test('close with a revoked proxy as its reason still closes', async () => {
    const channel = open<number>('close-revoked-proxy');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    await channel.close(proxy);
    expect((await channel.stats()).closed).toBe(true);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('a client kept at module scope', () => {
  test('one client used by request after request pushes and pulls, including a pull that waits while another request pushes', async () => {
    const name = encodeURIComponent(freshName('module-scope'));
    const base = 'http://worker';
    const waiting = workerExports.default.fetch(`${base}/shared-pull?name=${name}`);
    expect(await settled(waiting)).toBe(false);
    const pushed = await workerExports.default.fetch(`${base}/shared-push?name=${name}`, {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
    });
    expect(pushed.status).toBe(204);
    expect(await (await waiting).json()).toEqual({ n: 1 });
    for (const n of [2, 3]) {
      await workerExports.default.fetch(`${base}/shared-push?name=${name}`, {
        method: 'POST',
        body: JSON.stringify(n),
      });
    }
    expect(await (await workerExports.default.fetch(`${base}/shared-pull?name=${name}`)).json()).toBe(2);
    expect(await (await workerExports.default.fetch(`${base}/shared-pull?name=${name}`)).json()).toBe(3);
  });
});

describe('round trips of the try operations', () => {
  test('tryPush is one call; tryPull is one call when nothing is ready and two (take, acknowledge) when it takes a value', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<number>(namespace, freshName('try-round-trips'));
    expect(await channel.tryPull()).toBeUndefined();
    expect(calls).toEqual({ pull: 1 });
    expect(await channel.tryPush(1)).toBe(true);
    expect(calls).toEqual({ pull: 1, push: 1 });
    expect(await channel.tryPull()).toBe(1);
    expect(calls).toEqual({ pull: 2, push: 1, ack: 1 });
  });
});

describe('the alarm alone ends leases', () => {
  test('a pull parked in the object gets the value of a vanished puller when its lease ends, with no other call arriving', async () => {
    const name = freshName('alarm-serves-parked');
    const stub = rawStub(name);
    await stub.push({ ...rawLimits(), id: 'v', value: 'value', op: undefined });
    await stub.pull({ ...rawLimits(150), ticket: 'vanished', max: 1 }); // never acknowledged
    const started = Date.now();
    // One call, parked for up to 30 s: only the alarm can end the lease and serve it.
    const parked = (await stub.pull({ ...rawLimits(), ticket: 'parked', max: 1 })) as Extract<
      PullAnswer,
      { kind: 'values' }
    >;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(parked.deliveries.map(({ value, id, attempt }) => ({ value, id, attempt }))).toEqual([
      { value: 'value', id: 'v', attempt: 2 },
    ]);
  });
});

describe('what a finished channel leaves behind', () => {
  test('no alarm stays set once the last lease of a closed, drained channel has passed', async () => {
    const name = freshName('alarm-after-close');
    const channel = durableChannel<string>(env.CHANNELS, name, { leaseMs: 100 });
    await channel.push('only');
    expect(await channel.pull()).toBe('only');
    await channel.close();
    const stub = rawStub(name);
    // The lease's alarm may still be set; it fires, finds nothing due and sets no other.
    await until(
      async () => (await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())) === null,
      10_000, // an alarm comes late on a loaded machine
    );
    await sleep(150);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a waiting pull aborted between two slices leaves no waiter, lease or pending call', async () => {
    const { namespace, calls } = observed();
    const channel = durableChannel<number>(namespace, freshName('abort-between-slices'), { sliceMs: 30 });
    const controller = new AbortController();
    const pulled = channel.pull({ signal: controller.signal }).catch((error: unknown) => error);
    await until(() => (calls.pull ?? 0) >= 3); // two slices ended, the third call is parked
    controller.abort('late');
    expect(await pulled).toBe('late');
    const pullsAtAbort = calls.pull!;
    await sleep(100);
    expect(calls.pull).toBe(pullsAtAbort); // no slice call after the abort
    expect(await channel.stats()).toMatchObject({ waitingPullers: 0, leased: 0 });
    await channel.push(5);
    expect(await settled(pulled)).toBe(true);
    expect(await channel.tryPull()).toBe(5);
  });
});

describe('property: the counters the capacity relies on match storage', () => {
  /** What the object's storage holds: ready and leased rows, and value keys. */
  async function stored(name: string) {
    return runInDurableObject(rawStub(name), (instance, state) => {
      const sql = (state.storage as unknown as { sql: { exec(q: string): { toArray(): Record<string, unknown>[] } } })
        .sql;
      const row = sql
        .exec('SELECT count(*) AS n, coalesce(sum(leased), 0) AS leased FROM chanasync_values')
        .toArray()[0]!;
      const counters = instance as unknown as { $ready: number; $leased: number };
      return {
        rows: Number(row.n),
        leasedRows: Number(row.leased),
        ready: counters.$ready,
        leased: counters.$leased,
      };
    });
  }

  test('after random pushes, tries, batches, aborts and vanished pullers, stats() and capacity agree with the rows in storage', async () => {
    const operation = fc.record({
      kind: fc.constantFrom('push', 'tryPush', 'pull', 'pullMany', 'tryPull', 'vanish' as const),
      abortAfter: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), async (operations) => {
        const name = freshName('counters');
        const channel = durableChannel<number>(env.CHANNELS, name, { capacity: 3, sliceMs: 20, leaseMs: 40 });
        let next = 0;
        const runs = operations.map(async ({ kind, abortAfter }, i) => {
          const controller = new AbortController();
          if (abortAfter !== undefined) setTimeout(() => controller.abort('stop'), abortAfter);
          const signal = controller.signal;
          const swallow = (error: unknown) => {
            if (error !== 'stop' && !(error instanceof ChannelClosedError)) throw error;
          };
          if (kind === 'push') await channel.push(next++, { signal }).catch(swallow);
          else if (kind === 'tryPush') await channel.tryPush(next++);
          else if (kind === 'pull') await channel.pull({ signal }).catch(swallow);
          else if (kind === 'pullMany') await channel.pullMany(2, { signal }).catch(swallow);
          else if (kind === 'tryPull') await channel.tryPull();
          // A caller that takes values and is never heard of again: its lease must end.
          else await rawStub(name).pull({ ...rawLimits(40, false), capacity: 3, ticket: `vanished-${i}`, max: 2 });
        });
        await sleep(50);
        await channel.close();
        await Promise.all(runs);
        await sleep(60); // every lease has ended (leaseMs 40)
        const stats = await channel.stats();
        const storage = await stored(name);
        expect(storage.leasedRows).toBe(0);
        expect(stats).toMatchObject({ size: storage.rows, leased: 0, waitingPushers: 0 });
        expect(storage.rows).toBeLessThanOrEqual(3);
        expect({ ready: storage.ready, leased: storage.leased }).toEqual({ ready: storage.rows, leased: 0 });
      }),
      { numRuns: 15 },
    );
  });
});
