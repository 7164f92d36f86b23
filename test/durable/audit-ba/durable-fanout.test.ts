/**
 * Auditor BA — durable: fan-out, one channel per subscriber in one namespace.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

const ns = () => env.CHANNELS as any;

it('(holds) one message fanned out to 80 subscriber channels at once, with the same push id in each, is read once from each, in order after an earlier one', async () => {
  const room = freshName('ba-room');
  const inboxes = Array.from({ length: 80 }, (_, i) => `${room}/user-${i}`);
  await Promise.all(
    inboxes.map((inbox) => durableChannel<string>(ns(), inbox, { capacity: 10 }).push('hello', { id: 'msg-1' })),
  );
  await Promise.all(
    inboxes.map((inbox) => durableChannel<string>(ns(), inbox, { capacity: 10 }).push('again', { id: 'msg-2' })),
  );
  // A retried fan-out of msg-1 (same id) stores nothing more anywhere.
  await Promise.all(inboxes.map((inbox) => durableChannel<string>(ns(), inbox).push('hello', { id: 'msg-1' })));
  const read = await Promise.all(
    inboxes.map(async (inbox) => {
      const ch = durableChannel<string>(ns(), inbox);
      const first = await ch.pullWithId();
      const rest = await ch.pullMany(10);
      return `${first.id}:${first.value}:${first.attempt} ${rest.join(',')}`;
    }),
  );
  expect(new Set(read)).toEqual(new Set(['msg-1:hello:1 again']));
}, 10_000);
