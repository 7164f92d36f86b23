/**
 * Audit BG-errors, the errors of `chanasync/port` seen through the core's contract. SPEC: "the
 * receiving channel closes with a `ChannelError` whose message says the other side is gone";
 * "the remote channel is closed after the last value, with the same reason when it can be
 * structured-cloned (else an `Error` with its message)". Over a Node `MessageChannel`.
 */
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError, ChannelError } from '../../dist/index.js';
import { expectChannelError, iterationEnd, settle } from './helpers.js';

function pair() {
  const { port1, port2 } = new MessageChannel();
  return {
    port1,
    port2,
    [Symbol.dispose]() {
      port1.close();
      port2.close();
    },
  };
}

describe('chanasync/port errors', () => {
  for (const name of [undefined, 'jobs']) {
    it(`(holds) the sender's port closes: the fromPort channel (${name ?? 'unnamed'}) closes with a ChannelError saying the other side is gone`, async () => {
      using ports = pair();
      const local = new Channel<number>(4);
      const remote = fromPort<number>(ports.port2, name === undefined ? { capacity: 2 } : { capacity: 2, name });
      const sending = toPort(local, ports.port1, name === undefined ? {} : { name });
      await settle();
      ports.port1.close();
      const end = await iterationEnd(remote);
      expect(end.threw).toBe(true);
      const gone = (end as { error: unknown }).error as ChannelError;
      expect(gone).toBeInstanceOf(ChannelError);
      expect(gone.name).toBe('ChannelError');
      expect(gone.channel).toBe(remote);
      expect(gone.message).toMatch(name === undefined ? /^fromPort: channel [^"]/ : /^fromPort: channel "jobs" /);
      expect(gone.message).toMatch(/gone/);
      const error = await remote.pull().catch((e: unknown) => e);
      expectChannelError(error, {
        type: 'ChannelClosedError',
        operation: 'pull',
        problem: 'is closed',
        channel: remote,
        cause: { value: gone },
      });
      await sending;
    });
  }

  it('(holds) a cloneable close reason arrives as an equal clone (an Error keeps its message and class)', async () => {
    using ports = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(ports.port2, { capacity: 2 });
    const sending = toPort(local, ports.port1);
    local.close(new RangeError('upstream out of range'));
    const end = await iterationEnd(remote);
    const reason = (end as { error: unknown }).error as Error;
    expect(reason).toBeInstanceOf(RangeError);
    expect(reason.message).toBe('upstream out of range');
    await sending;
  });

  it('(holds) a ChannelClosedError as close reason arrives as an Error with its message (the channel is not cloned)', async () => {
    using ports = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(ports.port2, { capacity: 2 });
    const sending = toPort(local, ports.port1);
    const upstream = new Channel<number>(0, { name: 'upstream' });
    upstream.close();
    const original = await upstream.pull().catch((e: unknown) => e as ChannelClosedError);
    local.close(original);
    const end = await iterationEnd(remote);
    const reason = (end as { error: unknown }).error as Error;
    expect(reason).toBeInstanceOf(Error);
    expect(reason.message).toContain('pull: channel "upstream" is closed');
    await sending;
  });

  it("(holds) toPort's signal aborting closes the remote channel with (a clone of) signal.reason", async () => {
    using ports = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(ports.port2, { capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, ports.port1, { signal: controller.signal });
    await settle();
    controller.abort(new Error('sender stops'));
    const end = await iterationEnd(remote);
    expect(((end as { error: unknown }).error as Error).message).toBe('sender stops');
    await sending;
  });

  it('(holds) a value that cannot be cloned: toPort rejects with a TypeError naming toPort, with sent and undelivered', async () => {
    using ports = pair();
    const local = new Channel<unknown>(4);
    const remote = fromPort(ports.port2, { capacity: 2 });
    const sending = toPort(local, ports.port1);
    const fn = () => 1;
    local.pushNowait(fn);
    const error = (await sending.catch((e: unknown) => e)) as TypeError & { sent?: number; undelivered?: unknown[] };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^toPort/);
    expect(error.sent).toBe(0);
    expect(error.undelivered).toEqual([fn]);
    const remoteError = await remote.pull().catch((e: unknown) => e);
    expect(remoteError).toBeInstanceOf(ChannelClosedError);
  });
});
