/**
 * Auditor BB — durable: `close()` called twice in one synchronous run. "close() is idempotent:
 * only the first call's reason counts" (README, Close); SPEC: "Close. As local".
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

/** A reason of the application's own class: structured-cloneable, refused by Workers RPC. */
class Shutdown {
  constructor(readonly message: string) {}
}

/** The message of the reason a fresh client's pull sees (or 'no reason'). */
async function storedReason(name: string): Promise<string> {
  const error = await durableChannel(ns(), name)
    .pull()
    .catch((e: unknown) => e);
  if (!(error instanceof ChannelClosedError)) return `not closed: ${String(error)}`;
  return error.cause === undefined ? 'no reason' : String((error.cause as Error).message);
}

it('close(reason) then close(other) in one run keeps the first reason, also when the first is a class instance', async () => {
  const seen: string[] = [];
  for (let round = 0; round < 10; round++) {
    const name = freshName('bb-close-twice-class');
    const jobs = durableChannel<string>(ns(), name);
    const first = jobs.close(new Shutdown('first'));
    const second = jobs.close(new Error('second'));
    await Promise.all([first, second]);
    seen.push(await storedReason(name));
  }
  expect(seen).toEqual(Array(10).fill('first'));
});

it('close(reason) then close() in one run: the for-await loop still throws the reason (the first close counts)', async () => {
  const seen: string[] = [];
  for (let round = 0; round < 10; round++) {
    const name = freshName('bb-close-twice-none');
    const jobs = durableChannel<string>(ns(), name);
    const first = jobs.close(new Shutdown('deploying'));
    const second = jobs.close();
    await Promise.all([first, second]);
    let outcome = 'ended';
    try {
      for await (const _ of durableChannel<string>(ns(), name)) outcome = 'value';
    } catch (error) {
      outcome = `threw ${(error as Error).message}`;
    }
    seen.push(outcome);
  }
  expect(seen).toEqual(Array(10).fill('threw deploying'));
});

it('close(new Error(a)) then close(new Error(b)) in one run keeps a (repeated rounds)', async () => {
  const seen: string[] = [];
  for (let round = 0; round < 100; round++) {
    const name = freshName('bb-close-twice-plain');
    const jobs = durableChannel<string>(ns(), name);
    await Promise.all([jobs.close(new Error('a')), jobs.close(new Error('b'))]);
    seen.push(await storedReason(name));
  }
  const wrong = seen.filter((reason) => reason !== 'a').length;
  expect(`${wrong} of 100 rounds kept another reason`).toBe('0 of 100 rounds kept another reason');
});

it('(holds) close(reason) then, after it was answered, close(other): the first reason stays', async () => {
  const name = freshName('bb-close-twice-awaited');
  const jobs = durableChannel<string>(ns(), name);
  await jobs.close(new Shutdown('first'));
  await jobs.close(new Error('second'));
  expect(await storedReason(name)).toBe('first');
});
