/** Auditor BB — durable probes of what held around the three BA fixes (close ordering, halving, retries). */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, observed } from '../helpers.js';

const ns = () => env.CHANNELS as any;
const MiB = 1024 * 1024;
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (v) => `ok ${JSON.stringify(v)}`,
    (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : String(e)),
  );

class Shutdown {
  constructor(readonly message: string) {}
}

it('(holds) close(classReason); push; pull; tryPush; tryPull in one run: all find the channel closed (10 rounds)', async () => {
  for (let round = 0; round < 10; round++) {
    const ch = durableChannel<number>(ns(), freshName('bb-close-then-all'));
    const closing = ch.close(new Shutdown('bye'));
    const got = await Promise.all([
      outcome(ch.push(1)),
      outcome(ch.pull()),
      outcome(ch.tryPush(2)),
      outcome(ch.tryPull()),
    ]);
    await closing;
    expect(got).toEqual(['closed', 'closed', 'ok false', 'ok undefined']);
    expect((await ch.stats()).size).toBe(0);
  }
});

it('(holds) push(1); tryPush(2); close(); tryPull() in one run: 1 and 2 stored, tryPull takes 1, the next pull 2', async () => {
  const ch = durableChannel<number>(ns(), freshName('bb-try-close'));
  const got = await Promise.all([
    outcome(ch.push(1)),
    outcome(ch.tryPush(2)),
    outcome(ch.close()),
    outcome(ch.tryPull()),
  ]);
  expect(got).toEqual(['ok undefined', 'ok true', 'ok undefined', 'ok 1']);
  expect(await ch.pull()).toBe(2);
  await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
});

it('(holds) iterator next(); close(reason) in one run: the buffered value, then the reason is thrown', async () => {
  const name = freshName('bb-iter-close');
  const ch = durableChannel<number>(ns(), name);
  await ch.push(7);
  const it = ch[Symbol.asyncIterator]();
  const first = it.next();
  const closing = ch.close(new Shutdown('done'));
  const second = it.next();
  expect(await first).toEqual({ done: false, value: 7 });
  await closing;
  const error = await second.catch((e: unknown) => e);
  expect((error as Error).message).toBe('done');
});

it('(holds) 40 pulls made together of 1 MiB values (joint answer over 32 MiB) and close() in one run: 0..39 in order, then closed, nothing leased', async () => {
  const name = freshName('bb-big-pulls-close');
  const producer = durableChannel<Uint8Array>(ns(), name);
  for (let i = 0; i < 40; i += 10)
    await Promise.all(Array.from({ length: 10 }, (_, j) => producer.push(new Uint8Array(MiB).fill(i + j))));
  const { namespace, calls } = observed();
  const consumer = durableChannel<Uint8Array>(namespace, name);
  const pulls = Array.from({ length: 40 }, () => consumer.pull());
  const closing = consumer.close();
  const late = outcome(consumer.pull());
  const values = await Promise.all(pulls);
  await closing;
  expect(values.map((v) => v[0])).toEqual(Array.from({ length: 40 }, (_, i) => i));
  expect(await late).toBe('closed');
  const stats = await producer.stats();
  expect([stats.size, stats.leased, stats.closed]).toEqual([0, 0, true]);
  expect(calls.inOrder).toBeGreaterThan(1); // halved joint calls
}, 9_000);

it('(holds) 34 big pushes made together (over 32 MiB), a third aborted a few ms in, then close(): each stored push read once in order, no refused one', async () => {
  const name = freshName('bb-big-abort-close');
  const ch = durableChannel<Uint8Array>(ns(), name);
  const controllers = Array.from({ length: 34 }, () => new AbortController());
  const pushes = controllers.map((c, i) =>
    ch.push(new Uint8Array(i % 2 === 0 ? 1.9 * MiB : 1).fill(i), { signal: c.signal }).then(
      () => true,
      () => false,
    ),
  );
  const closing = ch.close();
  setTimeout(() => {
    for (let i = 0; i < 34; i += 3) controllers[i]!.abort();
  }, 5);
  const stored = await Promise.all(pushes);
  await closing;
  const read: number[] = [];
  for (;;) {
    const batch = await ch.pullMany(8).catch(() => undefined);
    if (batch === undefined) break;
    read.push(...batch.map((v) => v[0]!));
  }
  expect(read).toEqual(stored.flatMap((ok, i) => (ok ? [i] : [])));
}, 9_000);
