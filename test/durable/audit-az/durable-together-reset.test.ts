/**
 * Auditor AZ — durable: operations made together whose joint call a reset fails.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { flaggedAll, freshName, RESET_MESSAGE, resetObject } from '../helpers.js';

it('five pushes made together whose joint call is failed by a reset are stored in the order they were made', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 24; round++) {
    const name = freshName('az-together-reset');
    let first = true;
    const producer = durableChannel<number>(
      flaggedAll(async (method, real) => {
        if (method === 'inOrder' && first) {
          first = false;
          // The deploy lands as the joint call leaves: the call fails, flagged as a reset.
          await resetObject(name);
          throw new Error(`the joint call failed: ${RESET_MESSAGE}`);
        }
        return real();
      }).namespace,
      name,
    );
    await producer.stats(); // the channel exists
    await Promise.all([1, 2, 3, 4, 5].map((v) => producer.push(v)));
    const got = await durableChannel<number>(env.CHANNELS as any, name).pullMany(10);
    outcomes.push(JSON.stringify(got));
  }
  expect(outcomes.filter((o) => o !== '[1,2,3,4,5]')).toEqual([]);
}, 30_000);

it('five pulls made together whose joint call is failed by a reset get the values in the order they were made', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 24; round++) {
    const name = freshName('az-together-reset-pulls');
    const producer = durableChannel<number>(env.CHANNELS as any, name);
    for (const v of [1, 2, 3, 4, 5]) await producer.push(v);
    let first = true;
    const consumer = durableChannel<number>(
      flaggedAll(async (method, real) => {
        if (method === 'inOrder' && first) {
          first = false;
          await resetObject(name);
          throw new Error(`the joint call failed: ${RESET_MESSAGE}`);
        }
        return real();
      }).namespace,
      name,
    );
    const got = await Promise.all([1, 2, 3, 4, 5].map(() => consumer.pull()));
    outcomes.push(JSON.stringify(got));
  }
  expect(outcomes.filter((o) => o !== '[1,2,3,4,5]')).toEqual([]);
}, 30_000);
