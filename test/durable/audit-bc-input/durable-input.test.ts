/**
 * Audit BC-input (durable): `durableChannel` and every method of its client given bad input,
 * inside workerd. Each row checks the failure comes at the call (a throw from `durableChannel`,
 * a rejection from the client's methods, which return promises), with the right class and a
 * message naming the call, and that the channel's values are unchanged afterwards.
 * Failing: BC-I4 (a method taken off its client — `const { push } = jobs` — fails with an engine
 * message about an internal field, naming neither the method nor the mistake). The rest hold.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

async function failure(call: () => unknown): Promise<{ how: string; error?: any }> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { how: 'throw', error };
  }
  if (!(result instanceof Promise)) return { how: 'return' };
  return result.then(
    () => ({ how: 'resolve' }),
    (error: unknown) => ({ how: 'reject', error }),
  );
}

describe('durableChannel(namespace, name, options) given bad input throws at the call', () => {
  const rows: [string, () => unknown, new (...args: any[]) => Error, RegExp][] = [
    ['no namespace', () => durableChannel(undefined as never, 'x'), TypeError, /namespace has no idFromName/],
    ['a stub for a namespace', () => durableChannel(ns().get(ns().idFromName('x')), 'x'), TypeError, /stub/],
    ['name 5', () => durableChannel(ns(), 5 as never), TypeError, /name must be a non-empty string/],
    ['name ""', () => durableChannel(ns(), ''), TypeError, /name must be a non-empty string/],
    ['options 1000', () => durableChannel(ns(), 'x', 1000 as never), TypeError, /options must be an object/],
    ['options signal', () => durableChannel(ns(), 'x', AbortSignal.abort() as never), TypeError, /options is an Abort/],
    ['capacity 0', () => durableChannel(ns(), 'x', { capacity: 0 }), RangeError, /capacity must be a positive/],
    ['capacity -1', () => durableChannel(ns(), 'x', { capacity: -1 }), RangeError, /capacity/],
    ['capacity 1.5', () => durableChannel(ns(), 'x', { capacity: 1.5 }), RangeError, /capacity/],
    ['capacity NaN', () => durableChannel(ns(), 'x', { capacity: Number.NaN }), RangeError, /capacity/],
    [
      'capacity "5"',
      () => durableChannel(ns(), 'x', { capacity: '5' as never }),
      TypeError,
      /capacity must be a number/,
    ],
    ['capacity null', () => durableChannel(ns(), 'x', { capacity: null as never }), TypeError, /capacity must be a/],
    ['sliceMs 0', () => durableChannel(ns(), 'x', { sliceMs: 0 }), RangeError, /sliceMs/],
    ['sliceMs Infinity', () => durableChannel(ns(), 'x', { sliceMs: Number.POSITIVE_INFINITY }), RangeError, /slice/],
    ['leaseMs -1', () => durableChannel(ns(), 'x', { leaseMs: -1 }), RangeError, /leaseMs/],
    ['leaseMs "5"', () => durableChannel(ns(), 'x', { leaseMs: '5' as never }), TypeError, /leaseMs must be a number/],
  ];
  it.each(rows)('(holds) %s', async (_label, call, type, message) => {
    const got = await failure(call);
    expect(got.how).toBe('throw');
    expect(got.error).toBeInstanceOf(type);
    expect(got.error.message).toMatch(/^durableChannel\(namespace, name, options\)/);
    expect(got.error.message).toMatch(message);
  });
});

describe('the durable client’s methods given bad input reject and change nothing', () => {
  const signal = () => new AbortController().signal;
  const rows: [string, (ch: any) => unknown, new (...args: any[]) => Error, RegExp][] = [
    ['push(3, "x")', (ch) => ch.push(3, 'x'), TypeError, /^push\(value, options\): options must be an object/],
    ['push(3, signal)', (ch) => ch.push(3, signal()), TypeError, /^push\(value, options\): options is an AbortSignal/],
    ['push(3, { signal: {} })', (ch) => ch.push(3, { signal: {} }), TypeError, /options\.signal is not an AbortSignal/],
    ['push(3, { signal: null })', (ch) => ch.push(3, { signal: null }), TypeError, /options\.signal/],
    ['push(3, { id: "" })', (ch) => ch.push(3, { id: '' }), TypeError, /options\.id must be a string of 1 to 256/],
    ['push(3, { id: 5 })', (ch) => ch.push(3, { id: 5 }), TypeError, /options\.id/],
    ['push(3, { id: 257 chars })', (ch) => ch.push(3, { id: 'x'.repeat(257) }), TypeError, /options\.id/],
    ['push(3, { id: lone surrogate })', (ch) => ch.push(3, { id: 'a\uD800' }), TypeError, /well-formed Unicode/],
    ['push(promise)', (ch) => ch.push(Promise.resolve(3)), TypeError, /^push\(value\): value is a thenable/],
    ['push(function)', (ch) => ch.push(() => 3), TypeError, /^push\(value\): .*not functions/],
    ['push(Symbol())', (ch) => ch.push(Symbol('s')), TypeError, /^push\(value\)/],
    ['tryPush(promise)', (ch) => ch.tryPush(Promise.resolve(3)), TypeError, /^tryPush\(value\): value is a thenable/],
    ['tryPush(3, "x")', (ch) => ch.tryPush(3, 'x'), TypeError, /^tryPush\(value, options\): options must be/],
    ['tryPush(3, { id: "" })', (ch) => ch.tryPush(3, { id: '' }), TypeError, /^tryPush\(value, options\): options\.id/],
    ['pull("x")', (ch) => ch.pull('x'), TypeError, /^pull\(options\): options must be an object/],
    ['pull(signal)', (ch) => ch.pull(signal()), TypeError, /^pull\(options\): options is an AbortSignal/],
    ['pullWithId(5)', (ch) => ch.pullWithId(5), TypeError, /^pullWithId\(options\): options must be an object/],
    ['pullMany()', (ch) => ch.pullMany(), TypeError, /^pullMany\(max, options\): max must be a positive integer/],
    ['pullMany("3")', (ch) => ch.pullMany('3'), TypeError, /^pullMany\(max, options\)/],
    ['pullMany(0)', (ch) => ch.pullMany(0), RangeError, /^pullMany\(max, options\): .*got 0/],
    ['pullMany(-1)', (ch) => ch.pullMany(-1), RangeError, /got -1/],
    ['pullMany(0.5)', (ch) => ch.pullMany(0.5), RangeError, /got 0\.5/],
    ['pullMany(NaN)', (ch) => ch.pullMany(Number.NaN), RangeError, /got NaN/],
    ['pullMany(Infinity)', (ch) => ch.pullMany(Number.POSITIVE_INFINITY), RangeError, /got Infinity/],
    ['pullMany(1, 5)', (ch) => ch.pullMany(1, 5), TypeError, /^pullMany\(max, options\): options must be/],
  ];
  it.each(rows)('(holds) %s', async (_label, call, type, message) => {
    const ch = durableChannel<number>(ns(), freshName('bc-input'), { capacity: 4 });
    await ch.push(1);
    await ch.push(2);
    const got = await failure(() => call(ch));
    expect(got.how).toBe('reject');
    expect(got.error).toBeInstanceOf(type);
    expect(got.error.message).toMatch(message);
    expect(await ch.stats()).toMatchObject({ size: 2, leased: 0, closed: false, waitingPushers: 0 });
    await ch.push(3);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });

  it('(holds) pullMany(0) and push(promise) on a closed durable channel report the misuse, as locally', async () => {
    const ch = durableChannel<number>(ns(), freshName('bc-input-closed'));
    await ch.close();
    expect((await failure(() => ch.pullMany(0))).error).toBeInstanceOf(RangeError);
    expect((await failure(() => ch.push(Promise.resolve(1) as never))).error).toBeInstanceOf(TypeError);
    expect((await failure(() => ch.tryPush(Promise.resolve(1) as never))).error).toBeInstanceOf(TypeError);
  });

  it('(holds) values a local channel carries — lone surrogates, -0, NaN, undefined, bigint, a cycle — come back unchanged', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bc-input-values'));
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    const sparse = [1, 2, 3];
    delete sparse[1];
    const values = ['a\uD800b', '\uDC00', -0, Number.NaN, undefined, 10n ** 30n, sparse, cycle];
    for (const value of values) await ch.push(value);
    const back = await ch.pullMany(100);
    expect(back).toHaveLength(values.length);
    for (let i = 0; i < values.length - 1; i++) expect(Object.is(back[i], values[i]) || i === 5 || i === 6).toBe(true);
    expect(back[5]).toBe(10n ** 30n);
    expect(back[6]).toEqual(sparse);
    expect(1 in (back[6] as number[])).toBe(false);
    const again = back[7] as { self: unknown };
    expect(again.self).toBe(again);
  });
});

describe('a method taken off its durable client', () => {
  it('push taken off its client (const { push } = jobs) rejects with a TypeError that names push, not an internal field', async () => {
    const jobs = durableChannel<number>(ns(), freshName('bc-detached'));
    const { push } = jobs;
    const error = (await push(1).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    // Observed: "Cannot read properties of undefined (reading 'checkId')".
    expect(error.message).toMatch(/^push/);
    expect((await jobs.stats()).size).toBe(0);
  });

  it('items.map(jobs.push) is refused for the missing this, not for the index map passes as options: a TypeError naming push', async () => {
    const jobs = durableChannel<number>(ns(), freshName('bc-detached-map'));
    const error = (await Promise.all([1, 2].map(jobs.push as never)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^push\(value, options\): called without its durable channel as this/);
    expect((await jobs.stats()).size).toBe(0);
  });

  it.each([
    ['tryPush', (m: any) => m(1)],
    ['pull', (m: any) => m()],
    ['pullMany', (m: any) => m(1)],
    ['close', (m: any) => m()],
    ['stats', (m: any) => m()],
  ])('%s taken off its client rejects with a TypeError that names it (not an internal field)', async (name, call) => {
    const jobs = durableChannel<number>(ns(), freshName('bc-detached'));
    const method = (jobs as any)[name];
    const got = await failure(() => call(method));
    expect(got.how).toBe('reject');
    expect(got.error).toBeInstanceOf(TypeError);
    expect(got.error.message).toMatch(new RegExp(`^${name}`));
  });
});
