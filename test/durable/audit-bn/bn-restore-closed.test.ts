/**
 * Auditor BN — durable: an iterator's return() while next()'s acknowledgement is under way, on a
 * CLOSED channel with another consumer waiting. The acknowledgement drains the closed channel
 * (the waiting consumer is told "closed and drained"), then the put-back brings the value back.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, observed, until } from '../helpers.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** What a pull made afterwards gets: the value, `null` for `ChannelClosedError`, else the error. */
function laterPull(channel: { pull(options: { signal: AbortSignal }): Promise<unknown> }) {
  return channel.pull({ signal: AbortSignal.timeout(3000) }).then(
    (value) => ({ laterPullGot: value as string | null }),
    (error: unknown) => ({ laterPullGot: error instanceof ChannelClosedError ? null : String(error) }),
  );
}

it('closed channel: a consumer told "closed and drained" while another iterator returns mid-acknowledgement; the value must not then reappear unread', async () => {
  const name = freshName('bn-restore-closed');
  const producer = durableChannel<string>(env.CHANNELS as any, name);
  await producer.push('last job', { id: 'last' });
  await producer.close();

  // Consumer A: an iterator whose next() is held after its acknowledgement was handled by the object.
  const acking = gate();
  const go = gate();
  const acked = gate();
  const release = gate();
  const { namespace } = observed({
    ack: async (real) => {
      acking.open();
      await go.opened;
      const answer = await real(); // the object removed the value: closed and drained now
      acked.open();
      await release.opened;
      return answer;
    },
  });
  const a = durableChannel<string>(namespace, name)[Symbol.asyncIterator]();

  // Consumer B: waits (the value is leased to A), then is failed by the drain.
  const b = durableChannel<string>(env.CHANNELS as any, name);
  const next = a.next();
  await acking.opened;
  expect((await producer.stats()).leased).toBe(1);
  const bLoop = (async () => {
    const got: string[] = [];
    for await (const v of b) got.push(v);
    return got;
  })();
  await until(async () => (await producer.stats()).waitingPullers === 1);
  go.open();
  await acked.opened;
  const bGot = await bLoop; // B's loop ended: "closed and drained"
  const left = a.return!(); // A leaves while its acknowledgement is under way
  release.open();
  const aNext = await next;
  await left;

  // B's for-await loop ended: the channel told it "closed and drained". SPEC (Close, as local):
  // buffered values stay readable, THEN pulls reject — once a pull was told drained, no value may
  // become readable again; and the value must have reached someone (A's next(), or B).
  const after = await laterPull(producer);
  const stats = await producer.stats();
  expect({
    bLoopEnded: bGot.length === 0,
    deliveredToAOrB: aNext.done === false || bGot.length > 0,
    ...after,
    heldAfter: stats.size + stats.leased,
  }).toEqual({ bLoopEnded: true, deliveredToAOrB: true, laterPullGot: null, heldAfter: 0 });
});

it('open channel closed between the acknowledgement and the put-back: the waiting consumer is told drained, then the value comes back into the closed channel', async () => {
  const name = freshName('bn-restore-close-between');
  const producer = durableChannel<string>(env.CHANNELS as any, name);
  await producer.push('job', { id: 'job' });
  const acking = gate();
  const go = gate();
  const acked = gate();
  const release = gate();
  const { namespace } = observed({
    ack: async (real) => {
      acking.open();
      await go.opened;
      const answer = await real();
      acked.open();
      await release.opened;
      return answer;
    },
  });
  const a = durableChannel<string>(namespace, name)[Symbol.asyncIterator]();
  const next = a.next();
  await acking.opened;
  const b = durableChannel<string>(env.CHANNELS as any, name);
  const bPull = b.pull().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await until(async () => (await producer.stats()).waitingPullers === 1);
  go.open();
  await acked.opened; // the value is removed; B still waits (the channel is open)
  await producer.close(new Error('shutting down'));
  const bOutcome = await bPull; // closed and drained: B is failed
  const left = a.return!();
  release.open();
  const aNext = await next;
  await left;
  const after = await laterPull(producer);
  expect({
    bToldDrained: 'error' in bOutcome && bOutcome.error instanceof ChannelClosedError,
    deliveredToAOrB: aNext.done === false || 'value' in bOutcome,
    ...after,
  }).toEqual({ bToldDrained: true, deliveredToAOrB: true, laterPullGot: null });
});
