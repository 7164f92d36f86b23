/**
 * Auditor BO — bad input at each call of chanasync/durable: a clear error (TypeError or RangeError)
 * whose message names the function, and nothing stored or consumed.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, ns, rejection } from './bo-helpers.js';

const thrown = (f: () => unknown): any => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('durableChannel(namespace, name, options)', () => {
  it('refuses a bad namespace, including a stub in its place, naming durableChannel', () => {
    for (const bad of [undefined, null, {}, 'CHANNELS', { idFromName: () => 1 }]) {
      const e = thrown(() => durableChannel(bad as never, 'x'));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('durableChannel');
    }
    const stub = env.CHANNELS.get(env.CHANNELS.idFromName('bo-stub-instead'));
    const e = thrown(() => durableChannel(stub as never, 'x'));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('durableChannel');
  });

  it('refuses a bad name', () => {
    for (const bad of ['', undefined, null, 42, {}, Symbol('s')]) {
      const e = thrown(() => durableChannel(ns(), bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('durableChannel');
    }
  });

  it('refuses bad options: non-object, capacity 0 / negative / fractional / NaN / string, bad sliceMs and leaseMs', () => {
    for (const bad of [1000, 'big', true]) {
      const e = thrown(() => durableChannel(ns(), 'x', bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('durableChannel');
    }
    for (const capacity of [0, -1, 1.5, Number.NaN, -Infinity]) {
      const e = thrown(() => durableChannel(ns(), 'x', { capacity }));
      expect(e, String(capacity)).toBeInstanceOf(RangeError);
      expect(e.message).toContain('durableChannel');
    }
    for (const capacity of ['3', null, {}]) {
      const e = thrown(() => durableChannel(ns(), 'x', { capacity: capacity as never }));
      expect(e, String(capacity)).toBeInstanceOf(TypeError);
    }
    for (const key of ['sliceMs', 'leaseMs'] as const) {
      for (const bad of [0, -5, Number.NaN]) {
        const e = thrown(() => durableChannel(ns(), 'x', { [key]: bad }));
        expect(e, `${key} ${bad}`).toBeInstanceOf(RangeError);
        expect(e.message).toContain(key);
      }
      const e = thrown(() => durableChannel(ns(), 'x', { [key]: '100' as never }));
      expect(e).toBeInstanceOf(TypeError);
    }
  });

  it('a client whose capacity differs from the channel’s gets a RangeError naming the operation', async () => {
    const name = freshName('bo-cap-mismatch');
    await durableChannel<number>(ns(), name, { capacity: 2 }).push(1);
    const other = durableChannel<number>(ns(), name, { capacity: 5 });
    for (const [op, call] of [
      ['push', () => other.push(2)],
      ['pull', () => other.pull()],
      ['pullMany', () => other.pullMany(3)],
      ['tryPush', () => other.tryPush(2)],
      ['tryPull', () => other.tryPull()],
      ['stats', () => other.stats()],
      ['close', () => other.close()],
    ] as const) {
      const e = await rejection((call as () => Promise<unknown>)());
      expect(e, op).toBeInstanceOf(RangeError);
      expect(e.message, op).toContain(op);
      expect(e.message).toContain('2');
      expect(e.message).toContain('5');
    }
    // nothing changed: the channel is open and still holds 1
    const ok = durableChannel<number>(ns(), name);
    expect(await ok.stats()).toMatchObject({ capacity: 2, size: 1, closed: false });
  });
});

describe('operations', () => {
  it('push: bad options and bad ids are TypeErrors naming push; nothing stored', async () => {
    const name = freshName('bo-push-bad');
    const ch = durableChannel<unknown>(ns(), name);
    for (const options of ['key', 5, AbortSignal.timeout(1000)]) {
      const e = await rejection(ch.push(1, options as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('push');
    }
    for (const id of ['', 'x'.repeat(257), '\uD800', 5, {}]) {
      const e = await rejection(ch.push(1, { id: id as never }));
      expect(e, JSON.stringify(id)).toBeInstanceOf(TypeError);
      expect(e.message).toContain('push');
    }
    expect(await rejection(ch.push(1, { signal: 'nope' as never }))).toBeInstanceOf(TypeError);
    // an id of exactly 256 is fine
    await ch.push('ok', { id: 'y'.repeat(256) });
    expect(await ch.pullWithId()).toMatchObject({ value: 'ok', id: 'y'.repeat(256) });
    expect((await ch.stats()).size).toBe(0);
  });

  it('push and tryPush: a value that is not structured-cloneable is a TypeError naming the operation', async () => {
    const name = freshName('bo-push-value');
    const ch = durableChannel<unknown>(ns(), name);
    for (const value of [() => 1, { f: () => 1 }, Symbol('s'), new ReadableStream()]) {
      const e = await rejection(ch.push(value));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('push');
      const e2 = await rejection(ch.tryPush(value));
      expect(e2).toBeInstanceOf(TypeError);
      expect(e2.message).toContain('tryPush');
    }
    expect((await ch.stats()).size).toBe(0);
  });

  it('pull / pullWithId: non-object options are TypeErrors naming the call', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bo-pull-bad'));
    for (const [op, call] of [
      ['pull', (o: unknown) => ch.pull(o as never)],
      ['pullWithId', (o: unknown) => ch.pullWithId(o as never)],
    ] as const) {
      for (const bad of [AbortSignal.timeout(1000), 5, 'x']) {
        const e = await rejection(call(bad));
        expect(e, `${op} ${String(bad)}`).toBeInstanceOf(TypeError);
        expect(e.message).toContain(op);
      }
    }
  });

  it('pullMany: max not a positive integer is a RangeError (TypeError for a non-number) naming pullMany', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bo-pullmany-bad'));
    await ch.push(1);
    for (const max of [0, -1, 1.5, Number.NaN, Infinity]) {
      const e = await rejection(ch.pullMany(max));
      expect(e, String(max)).toBeInstanceOf(RangeError);
      expect(e.message).toContain('pullMany');
    }
    for (const max of ['3', undefined, null]) {
      const e = await rejection(ch.pullMany(max as never));
      expect(e, String(max)).toBeInstanceOf(TypeError);
      expect(e.message).toContain('pullMany');
    }
    expect(await ch.pullMany(1)).toEqual([1]);
  });

  it('tryPush with a signal, or non-object options, is refused naming tryPush', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bo-trypush-bad'));
    const e = await rejection(ch.tryPush(1, 'id' as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('tryPush');
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('methods taken off their client reject with a TypeError naming them', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bo-detached'));
    for (const key of ['push', 'pull', 'pullWithId', 'pullMany', 'tryPush', 'tryPull', 'close', 'stats'] as const) {
      const f = ch[key] as (...a: unknown[]) => Promise<unknown>;
      let e: any;
      try {
        e = await rejection(f(1));
      } catch (sync) {
        e = sync;
      }
      expect(e, key).toBeInstanceOf(TypeError);
      expect(e.message, key).toContain(key);
    }
  });

  it('await using on a client is a TypeError and closes nothing (documented)', async () => {
    const name = freshName('bo-using');
    const ch = durableChannel<number>(ns(), name);
    const dispose = (ch as unknown as Record<symbol, unknown>)[Symbol.asyncDispose] as (() => unknown) | undefined;
    if (dispose !== undefined) {
      let e: any;
      try {
        e = await rejection(Promise.resolve(dispose.call(ch)));
      } catch (sync) {
        e = sync;
      }
      expect(e).toBeInstanceOf(TypeError);
    }
    expect((await ch.stats()).closed).toBe(false);
  });
});
