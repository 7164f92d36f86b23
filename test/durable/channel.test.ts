/**
 * chanasync/durable: the local channel's meaning, kept by a Durable Object — FIFO, durable
 * commit, capacity, close that loses nothing, idempotent pushes, many concurrent producers and
 * consumers. Runs inside workerd (vitest project `workers`).
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { ChannelClosedError } from '../../src/errors.js';
import { freshName, settled, sleep, until } from './helpers.js';

const open = <T>(label: string, options?: Parameters<typeof durableChannel>[2]) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

describe('push and pull', () => {
  test('values come out in the order they were pushed', async () => {
    const channel = open<number>('fifo');
    for (let i = 0; i < 5; i++) await channel.push(i);
    const out = [];
    for (let i = 0; i < 5; i++) out.push(await channel.pull());
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  test('a pull on an empty channel waits for the next push', async () => {
    const channel = open<string>('wait');
    const pulled = channel.pull();
    expect(await settled(pulled)).toBe(false);
    await channel.push('late');
    expect(await pulled).toBe('late');
  });

  test('structured-cloneable values arrive intact', async () => {
    const channel = open<unknown>('clone');
    const value = { when: new Date(0), bytes: new Uint8Array([1, 2, 3]), map: new Map([[1, 'one']]), big: 10n };
    await channel.push(value);
    expect(await channel.pull()).toEqual(value);
  });

  test('pullMany takes up to max values at once, in order, and waits for the first', async () => {
    const channel = open<number>('many');
    const first = channel.pullMany(3);
    expect(await settled(first)).toBe(false);
    await channel.push(0);
    expect(await first).toEqual([0]);
    for (let i = 1; i <= 5; i++) await channel.push(i);
    expect(await channel.pullMany(3)).toEqual([1, 2, 3]);
    expect(await channel.pullMany(10)).toEqual([4, 5]);
  });

  test('tryPull returns the next value, or undefined when none is ready', async () => {
    const channel = open<string>('trypull');
    expect(await channel.tryPull()).toBeUndefined();
    await channel.push('a');
    expect(await channel.tryPull()).toBe('a');
    expect(await channel.tryPull()).toBeUndefined();
  });

  test('tryPush stores when there is room and returns false when full or closed, never waiting', async () => {
    const channel = open<number>('trypush', { capacity: 1 });
    expect(await channel.tryPush(1)).toBe(true);
    expect(await channel.tryPush(2)).toBe(false);
    expect(await channel.pull()).toBe(1);
    await channel.close();
    expect(await channel.tryPush(3)).toBe(false);
    expect((await channel.stats()).size).toBe(0);
  });

  test('pullWithId gives the push id as the delivery id, on the first attempt', async () => {
    const channel = open<string>('ids');
    await channel.push('job', { id: 'job-42' });
    expect(await channel.pullWithId()).toEqual({ value: 'job', id: 'job-42', attempt: 1 });
  });

  test('stats counts stored, leased and waiting operations', async () => {
    const channel = open<number>('stats', { capacity: 2 });
    await channel.push(1);
    await channel.push(2);
    const blocked = channel.push(3);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    expect(await channel.stats()).toEqual({
      name: channel.name,
      capacity: 2,
      size: 2,
      leased: 0,
      closed: false,
      waitingPushers: 1,
      waitingPullers: 0,
    });
    await channel.pull();
    await blocked;
    expect((await channel.stats()).size).toBe(2);
  });
});

describe('idempotent push', () => {
  test('a push repeated with the same id is stored once', async () => {
    const channel = open<string>('dedupe');
    await channel.push('first', { id: 'same' });
    await channel.push('again', { id: 'same' });
    expect((await channel.stats()).size).toBe(1);
    expect(await channel.pullWithId()).toMatchObject({ value: 'first', id: 'same' });
  });

  test('a push repeated with the same id after its value was pulled is still not stored again', async () => {
    const channel = open<string>('dedupe-late');
    await channel.push('once', { id: 'k' });
    expect(await channel.pull()).toBe('once');
    await channel.push('once', { id: 'k' });
    expect(await channel.tryPull()).toBeUndefined();
  });
});

describe('capacity', () => {
  test('a push on a full channel waits until a pull makes room', async () => {
    const channel = open<string>('full', { capacity: 1 });
    await channel.push('a');
    const second = channel.push('b');
    expect(await settled(second)).toBe(false);
    expect(await channel.pull()).toBe('a');
    await second;
    expect(await channel.pull()).toBe('b');
  });

  test('the capacity is fixed by the first call that creates the channel', async () => {
    const name = freshName('capacity');
    await durableChannel<number>(env.CHANNELS, name, { capacity: 2 }).push(1);
    const other = durableChannel<number>(env.CHANNELS, name, { capacity: 3 });
    await expect(other.push(2)).rejects.toThrow(RangeError);
    await expect(other.push(2)).rejects.toThrow(/capacity 2, fixed when it was created; this client asked for 3/);
    expect((await durableChannel(env.CHANNELS, name).stats()).capacity).toBe(2);
  });

  test('a channel created without a capacity is unbounded', async () => {
    const channel = open<number>('unbounded');
    for (let i = 0; i < 50; i++) expect(await channel.tryPush(i)).toBe(true);
    expect(await channel.stats()).toMatchObject({ capacity: Infinity, size: 50 });
  });

  test('waiting pushes are stored in the order they started waiting', async () => {
    const channel = open<number>('push-order', { capacity: 1 });
    await channel.push(0);
    const waiting: Promise<void>[] = [];
    for (let i = 1; i <= 3; i++) {
      waiting.push(channel.push(i));
      await until(async () => (await channel.stats()).waitingPushers === i);
    }
    const out = [];
    for (let i = 0; i <= 3; i++) out.push(await channel.pull());
    await Promise.all(waiting);
    expect(out).toEqual([0, 1, 2, 3]);
  });
});

describe('close', () => {
  test('stored values stay readable after close, then pulls reject with ChannelClosedError and its reason', async () => {
    const channel = open<number>('close');
    await channel.push(1);
    await channel.push(2);
    await channel.close('done');
    expect(await channel.pullMany(5)).toEqual([1, 2]);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError<typeof channel>).channel).toBe(channel);
    expect((error as Error).cause).toBe('done');
    expect((error as Error).message).toBe(`pull: channel "${channel.name}" is closed`);
  });

  test('a push on a closed channel rejects with ChannelClosedError and stores nothing', async () => {
    const channel = open<number>('closed-push');
    await channel.close();
    await expect(channel.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect((await channel.stats()).size).toBe(0);
  });

  test('close fails the pushes waiting for room, and their values are not stored', async () => {
    const channel = open<string>('close-waiting', { capacity: 1 });
    await channel.push('kept');
    const waiting = channel.push('dropped').catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    await channel.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    expect(await channel.pullMany(5)).toEqual(['kept']);
  });

  test('close fails the pulls waiting on an empty channel', async () => {
    const channel = open<string>('close-pullers');
    const waiting = channel.pull().catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    await channel.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
  });

  test('close is idempotent: the first reason stays', async () => {
    const channel = open<string>('close-twice');
    await channel.close(new Error('first'));
    await channel.close(new Error('second'));
    const error = await channel.pull().catch((e: unknown) => e);
    expect(((error as Error).cause as Error).message).toBe('first');
  });

  test('for await ends once the channel is closed and drained', async () => {
    const channel = open<number>('iterate');
    for (let i = 0; i < 3; i++) await channel.push(i);
    await channel.close();
    const out = [];
    for await (const value of channel) out.push(value);
    expect(out).toEqual([0, 1, 2]);
  });

  test('for await throws the close reason after the last value', async () => {
    const channel = open<number>('iterate-reason');
    await channel.push(1);
    await channel.close(new Error('upstream failed'));
    const out: number[] = [];
    const error = await (async () => {
      for await (const value of channel) out.push(value);
    })().catch((e: unknown) => e);
    expect(out).toEqual([1]);
    expect((error as Error).message).toBe('upstream failed');
  });

  test('leaving a for await loop early consumes nothing more', async () => {
    const channel = open<number>('iterate-break');
    for (let i = 0; i < 3; i++) await channel.push(i);
    for await (const value of channel) if (value === 0) break;
    expect(await channel.pullMany(5)).toEqual([1, 2]);
  });
});

describe('cancellation', () => {
  test('an already-aborted signal rejects with its reason and consumes nothing', async () => {
    const channel = open<number>('aborted');
    await channel.push(1);
    await expect(channel.pull({ signal: AbortSignal.abort('no') })).rejects.toBe('no');
    await expect(channel.push(2, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    expect(await channel.pullMany(5)).toEqual([1]);
  });

  test('a pull aborted while waiting leaves no trace: the next push goes to the next puller', async () => {
    const channel = open<string>('abort-pull');
    const controller = new AbortController();
    const first = channel.pull({ signal: controller.signal }).catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPullers === 1);
    const second = channel.pull();
    await until(async () => (await channel.stats()).waitingPullers === 2);
    controller.abort(new Error('gone'));
    expect(await first).toEqual(new Error('gone'));
    await channel.push('value');
    expect(await second).toBe('value');
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  test('a push aborted while waiting for room is not stored', async () => {
    const channel = open<string>('abort-push', { capacity: 1 });
    await channel.push('a');
    const controller = new AbortController();
    const waiting = channel.push('b', { signal: controller.signal }).catch((error: unknown) => error);
    await until(async () => (await channel.stats()).waitingPushers === 1);
    controller.abort('stop');
    expect(await waiting).toBe('stop');
    expect(await channel.pull()).toBe('a');
    expect(await channel.tryPull()).toBeUndefined();
  });
});

describe('many concurrent producers and consumers', () => {
  test('every value is delivered exactly once: exact sums, distinct delivery ids, FIFO per producer', async () => {
    const producers = 6;
    const perProducer = 40;
    const name = freshName('concurrent');
    const channel = durableChannel<{ p: number; i: number }>(env.CHANNELS, name, { capacity: 8, sliceMs: 100 });
    const produce = async (p: number) => {
      const mine = durableChannel<{ p: number; i: number }>(env.CHANNELS, name, { capacity: 8, sliceMs: 100 });
      for (let i = 0; i < perProducer; i++) await mine.push({ p, i }, { id: `${p}:${i}` });
    };
    const consume = async () => {
      const mine = durableChannel<{ p: number; i: number }>(env.CHANNELS, name, { capacity: 8, sliceMs: 100 });
      const got: { p: number; i: number; id: string; attempt: number }[] = [];
      for (;;) {
        try {
          const { value, id, attempt } = await mine.pullWithId();
          got.push({ ...value, id, attempt });
        } catch (error) {
          if (error instanceof ChannelClosedError) return got;
          throw error;
        }
      }
    };
    const consumers = Array.from({ length: 6 }, consume);
    await Promise.all(Array.from({ length: producers }, (_, p) => produce(p)));
    await channel.close();
    const received = (await Promise.all(consumers)).flat();

    expect(received).toHaveLength(producers * perProducer);
    expect(new Set(received.map((r) => r.id)).size).toBe(producers * perProducer);
    expect(received.every((r) => r.id === `${r.p}:${r.i}` && r.attempt === 1)).toBe(true);
    for (let p = 0; p < producers; p++) {
      const sum = received.filter((r) => r.p === p).reduce((total, r) => total + r.i, 0);
      expect(sum).toBe((perProducer * (perProducer - 1)) / 2);
    }
    // Each consumer saw each producer's values in the order they were pushed.
    for (const got of await Promise.all(consumers)) {
      for (let p = 0; p < producers; p++) {
        const order = got.filter((r) => r.p === p).map((r) => r.i);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
    expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0, waitingPullers: 0 });
  });

  test('one consumer receives each producer’s values in push order while producers interleave', async () => {
    const name = freshName('interleave');
    const channel = durableChannel<[number, number]>(env.CHANNELS, name, { capacity: 4 });
    const producers = [0, 1, 2].map(async (p) => {
      const mine = durableChannel<[number, number]>(env.CHANNELS, name, { capacity: 4 });
      for (let i = 0; i < 30; i++) await mine.push([p, i]);
    });
    const received: [number, number][] = [];
    while (received.length < 90) received.push(...(await channel.pullMany(7)));
    await Promise.all(producers);
    for (const p of [0, 1, 2]) {
      expect(received.filter(([q]) => q === p).map(([, i]) => i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });
});

describe('many concurrent requests', () => {
  test('producer and consumer requests: each value reaches exactly one consumer request, in order per producer', async () => {
    const name = freshName('requests');
    const base = `http://worker`;
    const producers = [0, 1, 2, 3].map(async (p) => {
      for (let i = 0; i < 15; i++) {
        const response = await exports.default.fetch(`${base}/push?name=${name}&id=${p}:${i}`, {
          method: 'POST',
          body: JSON.stringify({ p, i }),
        });
        expect(response.status).toBe(204);
      }
    });
    const consumers = [0, 1, 2, 3].map(async () => {
      const got: { value: { p: number; i: number }; id: string; attempt: number }[] = [];
      for (let k = 0; k < 15; k++)
        got.push(await (await exports.default.fetch(`${base}/pull?name=${name}&withId=1`)).json());
      return got;
    });
    await Promise.all(producers);
    const received = await Promise.all(consumers);
    const all = received.flat();
    expect(all).toHaveLength(60);
    expect(new Set(all.map((d) => d.id)).size).toBe(60);
    expect(all.every((d) => d.id === `${d.value.p}:${d.value.i}` && d.attempt === 1)).toBe(true);
    expect(all.reduce((sum, d) => sum + d.value.i, 0)).toBe(4 * ((15 * 14) / 2));
    for (const got of received) {
      for (const p of [0, 1, 2, 3]) {
        const order = got.filter((d) => d.value.p === p).map((d) => d.value.i);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
  });
});

describe('bad arguments get a clear error at the call', () => {
  test('durableChannel checks the namespace, the name and the options', () => {
    expect(() => durableChannel(null as never, 'x')).toThrow(
      'durableChannel(namespace, name, options): namespace has no idFromName() and get(); pass a Durable Object namespace binding',
    );
    expect(() => durableChannel(env.CHANNELS, '')).toThrow(TypeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { capacity: 0 })).toThrow(RangeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { capacity: 1.5 })).toThrow(RangeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { capacity: '3' as never })).toThrow(TypeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { sliceMs: -1 })).toThrow(RangeError);
    expect(() => durableChannel(env.CHANNELS, 'x', { leaseMs: Infinity })).toThrow(RangeError);
  });

  test('operations check their arguments before any I/O', async () => {
    const channel = open<unknown>('args');
    await expect(channel.pullMany(0)).rejects.toThrow('pullMany(max, options): max must be a positive integer, got 0');
    await expect(channel.pull({ signal: new AbortController() as never })).rejects.toThrow(
      'pull(options): options.signal is not an AbortSignal',
    );
    await expect(channel.push(1, { id: '' })).rejects.toThrow(TypeError);
    await expect(channel.push(() => 1)).rejects.toThrow(TypeError);
    expect((await channel.stats()).size).toBe(0);
  });

  test('a value that cannot be stored is refused with a TypeError and nothing is stored', async () => {
    const channel = open<unknown>('uncloneable');
    await expect(channel.push({ callback: () => 1 })).rejects.toThrow(TypeError);
    await sleep(0);
    expect((await channel.stats()).size).toBe(0);
  });
});
