/**
 * Auditor AZ — durable: the iterator's return() while next()'s acknowledgement is on its way,
 * with the object reset (or the put-back failing) between the acknowledgement and the put-back.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, observed, resetObject } from '../helpers.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A consumer iterating `name` whose next() is held at its acknowledgement; return() is called
 * while it is held; `afterAck` runs once the acknowledgement was answered, before the client
 * sees the answer (and so before the put-back).
 */
async function returnDuringAck(
  name: string,
  afterAck: () => Promise<void>,
  restore?: (real: () => Promise<unknown>) => Promise<unknown>,
) {
  const acking = gate();
  const release = gate();
  const { namespace } = observed({
    ack: async (real) => {
      acking.open();
      await release.opened;
      const answer = await real();
      await afterAck();
      return answer;
    },
    ...(restore === undefined ? {} : { restore: (real: () => Promise<unknown>) => restore(real) }),
  });
  const consumer = durableChannel<string>(namespace, name);
  const iterator = consumer[Symbol.asyncIterator]();
  const next = iterator.next();
  await acking.opened;
  const left = iterator.return!();
  release.open();
  const outcome = { next: await next.catch((e: unknown) => e), left: await left.catch((e: unknown) => e) };
  return outcome;
}

it('return() while next() is being acknowledged, with the object reset before the put-back: the value is not lost', async () => {
  const lost: string[] = [];
  for (let round = 0; round < 10; round++) {
    const name = freshName('az-restore-reset');
    const producer = durableChannel<string>(env.CHANNELS as any, name);
    await producer.push('job', { id: 'job-1' });
    const { next } = await returnDuringAck(name, () => resetObject(name));
    const stats = await producer.stats();
    // The caller of next() got nothing (done), so the value must still be in the channel.
    const delivered = (next as IteratorResult<string>).done === false;
    if (!delivered && stats.size + stats.leased === 0) lost.push(`round ${round}: ${JSON.stringify(next)}`);
  }
  expect(lost).toEqual([]);
});

it('return() while next() is being acknowledged, with the put-back refused by an overloaded object: the value is not lost silently', async () => {
  const name = freshName('az-restore-overloaded');
  const producer = durableChannel<string>(env.CHANNELS as any, name);
  await producer.push('job', { id: 'job-1' });
  let restores = 0;
  const { next, left } = await returnDuringAck(
    name,
    async () => {},
    async () => {
      restores++;
      throw Object.assign(new Error('Durable Object is overloaded'), { overloaded: true });
    },
  );
  expect(restores).toBe(1);
  const stats = await producer.stats();
  // Either the value is back in the channel, or some caller learns of it (next() gets it, or an
  // error says the put-back failed): not `done` everywhere with the value gone.
  const told = (next as IteratorResult<string>).done === false || next instanceof Error || left instanceof Error;
  expect({ inChannel: stats.size + stats.leased, told }).not.toEqual({ inChannel: 0, told: false });
});

it('(holds) return() while next() is being acknowledged, no fault: the value is back at the head with attempt 2', async () => {
  const name = freshName('az-restore-ok');
  const producer = durableChannel<string>(env.CHANNELS as any, name);
  await producer.push('job', { id: 'job-1' });
  const { next, left } = await returnDuringAck(name, async () => {});
  expect(next).toEqual({ done: true, value: undefined });
  expect(left).toEqual({ done: true, value: undefined });
  expect(await producer.pullWithId()).toEqual({ value: 'job', id: 'job-1', attempt: 2 });
});

// Decided (README, "The iterator's return()"): the put-back goes back at the head even when a
// waiting push took the slot its acknowledgement freed, so the channel holds one value beyond
// its capacity until it is read; nothing is lost and the order holds.
it('a put-back on a capacity-1 channel whose freed slot a waiting push took keeps both values, in order (one beyond capacity for a while)', async () => {
  const name = freshName('az-restore-capacity');
  const producer = durableChannel<string>(env.CHANNELS as any, name, { capacity: 1 });
  await producer.push('first');
  const waiting = producer.push('second'); // waits for room
  await new Promise((r) => setTimeout(r, 50));
  await returnDuringAck(name, async () => {});
  await waiting;
  const stats = await producer.stats();
  const got = [await producer.pull(), await producer.pull()];
  expect(got).toEqual(['first', 'second']);
  expect(stats.size + stats.leased).toBeLessThanOrEqual(2);
});
