/**
 * Auditor BA — durable: `push(1); push(2); close()` in one run when an object reset fails the
 * pushes' joint call (a deploy as it leaves): the pushes are retried, the close must still come
 * after them.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { flaggedAll, freshName, RESET_MESSAGE, resetObject } from '../helpers.js';

it('push(1); push(2); close() in one run whose joint call a reset fails: both values are stored before the close, as when nothing fails', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 8; round++) {
    const name = freshName('ba-close-after-reset');
    let first = true;
    const producer = durableChannel<number>(
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
    await producer.stats(); // the channel exists
    const pushes = [1, 2].map((v) =>
      producer.push(v).then(
        () => 'stored',
        (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : String(e)),
      ),
    );
    const closing = producer.close();
    const pushed = await Promise.all(pushes);
    await closing;
    const read = await durableChannel<number>(env.CHANNELS as any, name)
      .pullMany(10)
      .catch((e: unknown) => String(e));
    outcomes.push(`${pushed.join(',')} read ${JSON.stringify(read)}`);
  }
  expect(outcomes).toEqual(Array(8).fill('stored,stored read [1,2]'));
}, 10_000);

it('(holds) push(1); push(2); close() in one run with no failure stores both, then the channel is closed', async () => {
  const name = freshName('ba-close-after-ok');
  const producer = durableChannel<number>(env.CHANNELS as any, name);
  const pushes = [producer.push(1), producer.push(2)];
  const closing = producer.close();
  await Promise.all(pushes);
  await closing;
  expect(await producer.pullMany(10)).toEqual([1, 2]);
  await expect(producer.pull()).rejects.toBeInstanceOf(ChannelClosedError);
});
