/**
 * Auditor BJ — durable: an Error's name across the boundary. Values and close reasons cross as
 * the platform's structured clone carries them (README, "Values and reasons that cannot be
 * stored"): an `Error` arrives as the built-in error its `name` names — `Error` for a name of the
 * application's own — with its message; a `DOMException` keeps its name. BJ-D1 found the README
 * promising more ("keeps its class, name and message"); the README now says what the platform does.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, ns, rejection } from './bj-helpers.js';

class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

class LimitError extends RangeError {}

it('close(reason) with an Error subclass that names itself: readers see an Error named Error with its message', async () => {
  const name = freshName('bj-name-subclass');
  await durableChannel<number>(ns(), name).close(new QuotaError('over quota'));
  const error = await rejection(durableChannel<number>(ns(), name).pull());
  expect(error).toBeInstanceOf(ChannelClosedError);
  const cause = error.cause as Error;
  expect(cause).toBeInstanceOf(Error);
  expect(cause.message).toBe('over quota');
  expect(cause.name).toBe('Error');
});

it('close(reason) with a subclass of a built-in error that keeps its name: readers see that built-in error', async () => {
  const name = freshName('bj-name-builtin');
  await durableChannel<number>(ns(), name).close(new LimitError('too many'));
  const error = await rejection(durableChannel<number>(ns(), name).pull());
  const cause = error.cause as Error;
  expect(cause).toBeInstanceOf(RangeError);
  expect(cause.name).toBe('RangeError');
  expect(cause.message).toBe('too many');
});

it('a pushed Error whose name was set ("ValidationError") is pulled as an Error named Error, with its message', async () => {
  const ch = durableChannel<Error>(ns(), freshName('bj-name-value'));
  const sent = new Error('field x');
  sent.name = 'ValidationError';
  await ch.push(sent);
  const got = await ch.pull();
  expect(got).toBeInstanceOf(Error);
  expect(got.message).toBe('field x');
  expect(got.name).toBe('Error');
});

it('a pushed Error named as a built-in ("TypeError") is pulled as that built-in error', async () => {
  const ch = durableChannel<Error>(ns(), freshName('bj-name-value-builtin'));
  const sent = new Error('wrong type');
  sent.name = 'TypeError';
  await ch.push(sent);
  const got = await ch.pull();
  expect(got).toBeInstanceOf(TypeError);
  expect(got.message).toBe('wrong type');
});

it('a close reason that is a plain object keeps an application error kind across the boundary', async () => {
  const name = freshName('bj-name-plain');
  await durableChannel<number>(ns(), name).close({ kind: 'quota', message: 'over quota' });
  const error = await rejection(durableChannel<number>(ns(), name).pull());
  expect(error.cause).toEqual({ kind: 'quota', message: 'over quota' });
});

it("workerd's own structuredClone gives an Error with a name of its own the name Error (the platform rule above)", () => {
  const sent = new Error('field x');
  sent.name = 'ValidationError';
  const cloned = structuredClone(sent);
  expect(cloned.name).toBe('Error');
  expect(cloned.message).toBe('field x');
});
