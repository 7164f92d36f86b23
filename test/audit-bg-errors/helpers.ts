/**
 * Audit BG-errors: shared helpers. Every test imports the built package as a user does.
 */
import { expect } from 'vitest';
import { ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from '../../dist/index.js';

export const CLASSES = { ChannelClosedError, ChannelEmptyError, ChannelFullError } as const;
export type ClassName = keyof typeof CLASSES;

/** Lets queued microtasks and one timer turn run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The error a synchronous call throws (fails the test if it does not throw). */
export function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const PENDING = Symbol('pending');

/**
 * What a promise-returning call does: it must not throw synchronously (the README: "Functions that
 * return a promise reject with these errors rather than throw"), and its promise must reject
 * within one timer turn. Returns the rejection.
 */
export async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`expected a rejection, but the call threw synchronously: ${String(error)}`);
  }
  return settledRejection(promise);
}

/** The rejection of a promise already made (a parked operation), after one timer turn. */
export async function settledRejection(promise: Promise<unknown>): Promise<unknown> {
  let result: unknown = PENDING;
  let rejected = false;
  promise.then(
    (value) => {
      result = value;
    },
    (error) => {
      rejected = true;
      result = error;
    },
  );
  await settle();
  if (result === PENDING) throw new Error('expected a rejection, but the promise is still pending');
  if (!rejected) throw new Error(`expected a rejection, but it resolved with ${String(result)}`);
  return result;
}

/** The message the README's Reference "### Errors" gives: `operation: channel "name" problem`. */
export function message(operation: string, problem: string, name?: string): string {
  return name === undefined ? `${operation}: channel ${problem}` : `${operation}: channel "${name}" ${problem}`;
}

/**
 * Checks one channel error against the contract: its class (and the hierarchy), `name`, the
 * exact message, `channel` (the channel object itself) and `cause` (absent when `hasCause` is false).
 */
export function expectChannelError(
  error: unknown,
  expected: {
    type: ClassName | 'ChannelError';
    operation: string;
    problem: string;
    channel: { readonly name: string | undefined };
    cause?: { value: unknown } | 'none';
  },
): void {
  const type = expected.type === 'ChannelError' ? ChannelError : CLASSES[expected.type];
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(ChannelError);
  expect(error).toBeInstanceOf(Error);
  const e = error as ChannelError;
  expect(e.name).toBe(expected.type);
  expect(e.message).toBe(message(expected.operation, expected.problem, expected.channel.name));
  expect(e.channel).toBe(expected.channel);
  if (expected.cause === 'none') expect('cause' in e).toBe(false);
  else if (expected.cause !== undefined) {
    expect('cause' in e).toBe(true);
    expect(Object.is(e.cause, expected.cause.value)).toBe(true);
  }
}

/** The reasons of every kind the brief lists (undefined is handled apart: it is no reason). */
export function reasonKinds(): [label: string, reason: unknown][] {
  return [
    ['null', null],
    ['0', 0],
    ["''", ''],
    ['false', false],
    ['an Error', new Error('connection reset')],
    ['a non-Error object', { code: 42 }],
    ['a DOMException AbortError', new DOMException('stopped', 'AbortError')],
    ['a string', 'shutting down'],
    ['a symbol', Symbol('why')],
  ];
}

/** Runs a `for await` over `iterable` and tells how it ended: normally, or by throwing what. */
export async function iterationEnd(
  iterable: AsyncIterable<unknown>,
): Promise<{ values: unknown[]; threw: false } | { values: unknown[]; threw: true; error: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const value of iterable) values.push(value);
  } catch (error) {
    return { values, threw: true, error };
  }
  return { values, threw: false };
}

/**
 * How a promise settles within one timer turn, boxed: an `async` helper that returned a thenable
 * rejection value would adopt it, so thenable reasons are checked through this box.
 */
export async function boxed(
  promise: Promise<unknown>,
): Promise<{ how: 'resolve'; value: unknown } | { how: 'reject'; error: unknown } | { how: 'pending' }> {
  let box: { how: 'resolve'; value: unknown } | { how: 'reject'; error: unknown } | { how: 'pending' } = {
    how: 'pending',
  };
  promise.then(
    (value) => {
      box = { how: 'resolve', value };
    },
    (error) => {
      box = { how: 'reject', error };
    },
  );
  await settle();
  return box;
}

/** Thenable reasons: a promise and a plain thenable. Neither may be adopted. */
export function thenableReasons(): [label: string, make: () => unknown][] {
  return [
    ['a promise', () => Promise.resolve('adopted')],
    // biome-ignore lint/suspicious/noThenProperty: a thenable reason must not be adopted
    ['a thenable', () => ({ then: (resolve: (v: unknown) => void) => resolve('adopted') })],
  ];
}
