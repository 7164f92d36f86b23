/**
 * Audit BD (mutation testing of `own(this, …)` in `src/durable/client.ts`): every method of a
 * durable client taken off its client (`const { tryPull } = jobs`, `items.map(jobs.pullWithId)`)
 * is refused with a TypeError that names the method and the mistake. The durable audit BC-input
 * tests cover push, tryPush, pull, pullMany, close and stats; a mutant that dropped the check from
 * tryPull, pullWithId or `[Symbol.asyncIterator]` survived (the engine's "Cannot read properties
 * of undefined (reading 'line')" came out instead).
 *
 * The check runs before the client touches its namespace, so these run in Node, with a stand-in
 * namespace that is never called and the `cloudflare:workers` module that chanasync/durable
 * imports (for its Durable Object class, unused here) mocked.
 */
import { describe, expect, it, vi } from 'vitest';
import { expectFailure, outcome } from '../audit-bc-input/helpers.js';

vi.mock('cloudflare:workers', () => ({ DurableObject: class {} }));

const { durableChannel } = await import('chanasync/durable');

/** A namespace stand-in that fails the test if the client ever reaches it. */
const namespace = {
  idFromName(): never {
    throw new Error('the namespace was used');
  },
  get(): never {
    throw new Error('the namespace was used');
  },
};

const detached = /called without its durable channel as this \(wrap it in an arrow function\)/;

describe('a durable client method taken off its client', () => {
  it.each([
    ['tryPull()', 'tryPull', (method: any) => method()],
    ['pullWithId(options)', 'pullWithId', (method: any) => method()],
    ['pull(options)', 'pull', (method: any) => method()],
    ['tryPush(value, options)', 'tryPush', (method: any) => method(1)],
  ])('%s rejects with a TypeError that names it and says this is missing', async (label, name, call) => {
    const jobs = durableChannel<number>(namespace as never, 'jobs');
    const got = await outcome(() => call((jobs as any)[name]));
    expectFailure(got, 'reject', TypeError, detached);
    expect(got.how === 'reject' && (got.error as Error).message.startsWith(`${label}: `)).toBe(true);
  });

  it('items.map(jobs.pullWithId) is refused for the missing this (not the index map passes as options)', async () => {
    const jobs = durableChannel<number>(namespace as never, 'jobs');
    const error = await Promise.all([1, 2].map(jobs.pullWithId as never)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^pullWithId\(options\): called without its durable channel as this/);
  });

  it('[Symbol.asyncIterator] taken off its client throws a TypeError that names it, at the call', () => {
    const jobs = durableChannel<number>(namespace as never, 'jobs');
    const iterate = jobs[Symbol.asyncIterator];
    expect(() => iterate()).toThrow(TypeError);
    expect(() => iterate()).toThrow(/^\[Symbol\.asyncIterator\]\(\): called without its durable channel as this/);
  });
});
