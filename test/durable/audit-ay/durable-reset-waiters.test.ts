/**
 * Auditor AY — durable: waiting pulls of one client across an object reset.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, resetFlagged, resetObject, until } from '../helpers.js';

it('two pulls of one client parked when the object resets get the next values in the order they were made', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 12; round++) {
    const name = freshName('reset-waiters');
    const consumer = durableChannel<number>(resetFlagged(), name);
    const producer = durableChannel<number>(env.CHANNELS as any, name);
    const first = consumer.pull();
    const second = consumer.pull();
    await until(async () => (await producer.stats()).waitingPullers === 2);
    await resetObject(name);
    await producer.push(1);
    await producer.push(2);
    outcomes.push(JSON.stringify([await first, await second]));
  }
  expect(outcomes.filter((o) => o !== '[1,2]')).toEqual([]);
}, 30_000);

it('two pushes of one client waiting on a full channel when the object resets are stored in the order they were made', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 12; round++) {
    const name = freshName('reset-pushers');
    const producer = durableChannel<number>(resetFlagged(), name, { capacity: 1 });
    const consumer = durableChannel<number>(env.CHANNELS as any, name, { capacity: 1 });
    await producer.push(0);
    const first = producer.push(1);
    const second = producer.push(2);
    await until(async () => (await consumer.stats()).waitingPushers === 2);
    await resetObject(name);
    const got = [await consumer.pull(), await consumer.pull(), await consumer.pull()];
    await Promise.all([first, second]);
    outcomes.push(JSON.stringify(got));
  }
  expect(outcomes.filter((o) => o !== '[0,1,2]')).toEqual([]);
}, 30_000);

it('(holds) two pulls of one client parked when the object resets, and queued again before the pushes come, get 1 then 2', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 12; round++) {
    const name = freshName('reset-waiters-late');
    const consumer = durableChannel<number>(resetFlagged(), name);
    const producer = durableChannel<number>(env.CHANNELS as any, name);
    const first = consumer.pull();
    const second = consumer.pull();
    await until(async () => (await producer.stats()).waitingPullers === 2);
    await resetObject(name);
    await until(async () => (await producer.stats()).waitingPullers === 2);
    await producer.push(1);
    await producer.push(2);
    outcomes.push(JSON.stringify([await first, await second]));
  }
  expect(outcomes.filter((o) => o !== '[1,2]')).toEqual([]);
}, 30_000);
