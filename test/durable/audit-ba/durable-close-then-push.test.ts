/**
 * Auditor BA — durable: operations made in the same synchronous run right after `close(reason)`
 * (close not awaited), when the reason is one that Workers RPC refuses (a class instance, which
 * the README says is stored as an Error with its message).
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

it('a push made right after close(reason) in the same run rejects with ChannelClosedError, also when the reason is a class instance', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 10; round++) {
    const jobs = durableChannel<string>(ns(), freshName('ba-close-then-push'));
    const closing = jobs.close(new Shutdown('deploying'));
    const late = jobs.push('late').then(
      () => 'stored',
      (error: unknown) => (error instanceof ChannelClosedError ? 'closed' : String(error)),
    );
    await closing;
    outcomes.push(`${await late}, size ${(await jobs.stats()).size}`);
  }
  // Observed: "stored, size 1" in every round — the value was stored in a channel closed before it was pushed.
  expect(outcomes).toEqual(Array(10).fill('closed, size 0'));
});

it('tryPush right after close(reason) in the same run answers false, also when the reason is a class instance', async () => {
  const answers: boolean[] = [];
  for (let round = 0; round < 10; round++) {
    const jobs = durableChannel<string>(ns(), freshName('ba-close-then-trypush'));
    const closing = jobs.close(new Shutdown('deploying'));
    const late = jobs.tryPush('late');
    await closing;
    answers.push(await late);
  }
  expect(answers).toEqual(Array(10).fill(false));
});

it('(holds) the close reason of that class is stored as an Error with its message', async () => {
  const jobs = durableChannel<string>(ns(), freshName('ba-close-class-reason'));
  await jobs.close(new Shutdown('deploying'));
  const error = await jobs.pull().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelClosedError);
  expect((error as Error).cause).toBeInstanceOf(Error);
  expect(((error as Error).cause as Error).message).toBe('deploying');
});

// Found while fixing BA-D2: the second close of a run went at once, so it could overtake the
// pushes made before the first (which waits for them), and they were refused as closed.
it('push(1); push(2); close(); close() in one run stores both values before the channel closes', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 10; round++) {
    const jobs = durableChannel<number>(ns(), freshName('ba-close-twice'));
    const pushes = Promise.allSettled([jobs.push(1), jobs.push(2)]);
    const closes = Promise.all([jobs.close(), jobs.close(new Shutdown('again'))]);
    await closes;
    const settled = (await pushes).map((outcome) => outcome.status).join(',');
    const read = await jobs.pullMany(10).catch((error: unknown) => (error instanceof ChannelClosedError ? [] : error));
    outcomes.push(`${settled} ${JSON.stringify(read)}`);
  }
  expect(outcomes).toEqual(Array(10).fill('fulfilled,fulfilled [1,2]'));
});
