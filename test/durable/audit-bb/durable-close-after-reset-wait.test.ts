/**
 * Auditor BB — durable: `pull(); close()` (or a push waiting for room, then `close()`) in one run
 * whose joint call a reset fails. The BA-D3 fix makes the close wait until the members' calls
 * made again were answered; a lone member's retry is a call of its own that waits a whole slice.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { flaggedAll, freshName, RESET_MESSAGE, resetObject } from '../helpers.js';

/** A client whose first joint call fails with a reset (a deploy as it leaves). */
function resetOnFirstJoint(name: string, options?: { capacity?: number; sliceMs?: number }) {
  let first = true;
  const { namespace, calls } = flaggedAll(async (method, real) => {
    if (method === 'inOrder' && first) {
      first = false;
      await resetObject(name);
      throw new Error(`the joint call failed: ${RESET_MESSAGE}`);
    }
    return real();
  });
  return { channel: durableChannel<number>(namespace, name, options), calls };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : String(e)),
  );

it('pull(); close() in one run whose joint call a reset fails: the close is answered promptly, as without the reset', async () => {
  const name = freshName('bb-pull-close-reset');
  const { channel } = resetOnFirstJoint(name); // default sliceMs: 5000
  await channel.stats();
  const start = Date.now();
  const pulled = outcome(channel.pull());
  await channel.close();
  const closeMs = Date.now() - start;
  expect(await pulled).toBe('closed');
  // Observed: about 5000 ms (one whole wait slice of the pull's lone retry). Without the reset: a few ms.
  expect(closeMs).toBeLessThan(1500);
}, 9_000);

it('push(x) waiting for room; close() in one run whose joint call a reset fails: the close is answered promptly', async () => {
  const name = freshName('bb-push-close-reset');
  const { channel } = resetOnFirstJoint(name, { capacity: 1 });
  await durableChannel<number>(env.CHANNELS as any, name, { capacity: 1 }).push(0); // full
  const start = Date.now();
  const pushed = outcome(channel.push(1));
  await channel.close();
  const closeMs = Date.now() - start;
  expect(await pushed).toBe('closed');
  expect(closeMs).toBeLessThan(1500);
}, 9_000);

it('(holds) pull(); close() in one run with no failure: the close is answered at once and the pull rejects closed', async () => {
  const name = freshName('bb-pull-close-ok');
  const channel = durableChannel<number>(env.CHANNELS as any, name);
  const start = Date.now();
  const pulled = outcome(channel.pull());
  await channel.close();
  expect(Date.now() - start).toBeLessThan(1500);
  expect(await pulled).toBe('closed');
});

it('(holds) pull(); pull(); close() in one run whose joint call a reset fails: prompt (the two retries go as one joint call)', async () => {
  const name = freshName('bb-pull2-close-reset');
  const { channel } = resetOnFirstJoint(name);
  await channel.stats();
  const start = Date.now();
  const pulled = [outcome(channel.pull()), outcome(channel.pull())];
  await channel.close();
  expect(Date.now() - start).toBeLessThan(1500);
  expect(await Promise.all(pulled)).toEqual(['closed', 'closed']);
});
