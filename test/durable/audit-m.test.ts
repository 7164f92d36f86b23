/**
 * Audit M: durable channels composed with the core's features and with each other — what a user
 * tries next to a local channel: merge, broadcast, toReadableStream, toPort over a durable
 * channel (each refused clearly or working), batches and non-blocking calls on a closed channel
 * with its reason, falsy values, abort and close racing. Runs inside workerd (project `workers`).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { broadcast, ChannelClosedError, from, merge, selectNowait, toReadableStream } from '../../src/index.js';
import { toPort } from '../../src/port/index.js';
import { pull as pullCase } from '../../src/select.js';
import { freshName, sleep } from './helpers.js';

const open = <T>(label: string, options?: Parameters<typeof durableChannel>[2]) =>
  durableChannel<T>(env.CHANNELS, freshName(label), options);

/** Two durable channels, `a` holding 0–4 and `b` 10–14. */
async function filledPair(label: string) {
  const a = open<number>(`${label}-a`);
  const b = open<number>(`${label}-b`);
  for (let i = 0; i < 5; i++) await a.push(i);
  for (let i = 10; i < 15; i++) await b.push(i);
  return [a, b] as const;
}

describe('core helpers given a durable channel', () => {
  test('merge, broadcast, toReadableStream, toPort and selectNowait refuse a durable channel with a TypeError naming the function', async () => {
    const channel = open<number>('helpers');
    const attempts: [string, () => unknown][] = [
      // @ts-expect-error a durable channel is not a PullChannel
      ['merge', () => merge(channel)],
      // @ts-expect-error a durable channel is not a PullChannel
      ['broadcast', () => broadcast(channel)],
      // @ts-expect-error a durable channel is not a Channel
      ['toReadableStream', () => toReadableStream(channel)],
      // @ts-expect-error a durable channel is not a PullChannel
      ['selectNowait', () => selectNowait([pullCase(channel)])],
    ];
    for (const [name, attempt] of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(TypeError);
      expect(String((error as Error).message), name).toMatch(/channel/i);
    }
    const { port1, port2 } = new MessageChannel();
    // @ts-expect-error a durable channel is not a PullChannel
    const sending = toPort(channel, port1).catch((e: unknown) => e);
    expect(await sending).toBeInstanceOf(TypeError);
    port1.close();
    port2.close();
  });

  test('from(durable) is the way to a local channel: merge and broadcast then work, every value once in order', async () => {
    const [a, b] = await filledPair('from');
    await a.close();
    await b.close();
    const hub = broadcast(merge(from(a), from(b)));
    const subs = [hub.subscribe(), hub.subscribe({ capacity: 4 })];
    const results = await Promise.all(
      subs.map(async (sub) => {
        const got: number[] = [];
        for await (const v of sub) got.push(v);
        return got;
      }),
    );
    for (const got of results) {
      expect(got.filter((v) => v < 10)).toEqual([0, 1, 2, 3, 4]);
      expect(got.filter((v) => v >= 10)).toEqual([10, 11, 12, 13, 14]);
    }
    expect(await a.stats()).toMatchObject({ size: 0, leased: 0 });
    expect(await b.stats()).toMatchObject({ size: 0, leased: 0 });
  });

  test('from(durable) closed with a reason closes the merge with it at once; the other input keeps what the merge did not take', async () => {
    const [a, b] = await filledPair('reason');
    await a.close();
    const over = new Error('b over');
    await b.close(over);
    const local = from(a);
    const merged = merge(local, from(b));
    const got: number[] = [];
    let failure: unknown;
    try {
      for await (const v of merged) got.push(v);
    } catch (e) {
      failure = e;
    }
    // iteration throws the close reason itself (it crossed the object, so it is a copy)
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(over.message);
    // b's values all came before its close; a's that the merge took are a prefix, in order, and
    // the rest are still in from(a): nothing lost, nothing twice.
    expect(got.filter((v) => v >= 10)).toEqual([10, 11, 12, 13, 14]);
    const taken = got.filter((v) => v < 10);
    const left: number[] = [];
    for await (const v of local) left.push(v);
    expect([...taken, ...left]).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('batches and non-blocking calls around close', () => {
  test('pullMany takes the stored values after close, then rejects with ChannelClosedError whose cause is the reason', async () => {
    const channel = open<unknown>('many-closed');
    for (const v of [0, null, undefined, '', false]) await channel.push(v);
    await channel.close('why');
    expect(await channel.pullMany(3)).toEqual([0, null, undefined]);
    expect(await channel.pullMany(10)).toEqual(['', false]);
    const error = await channel.pullMany(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBe('why');
    expect(await channel.tryPull()).toBeUndefined();
    expect(await channel.tryPush(1)).toBe(false);
  });

  test('for await over a closed durable channel yields the values then throws the reason; break leaves the rest', async () => {
    const channel = open<number>('iter-closed');
    for (let i = 0; i < 6; i++) await channel.push(i);
    await channel.close(new RangeError('done'));
    const got: number[] = [];
    for await (const v of channel) {
      got.push(v);
      if (v === 2) break;
    }
    expect(await channel.stats()).toMatchObject({ size: 3, leased: 0 });
    let failure: unknown;
    try {
      for await (const v of channel) got.push(v);
    } catch (e) {
      failure = e;
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('done');
  });

  test('a pull waiting on an empty channel, closed and aborted at once: it settles once, with one of the two, and nothing is consumed', async () => {
    for (let round = 0; round < 4; round++) {
      const channel = open<number>(`race-${round}`, { sliceMs: 1000 });
      const controller = new AbortController();
      const waiting = channel.pull({ signal: controller.signal }).then(
        (v) => ({ v }),
        (e: unknown) => ({ e }),
      );
      await sleep(round * 5);
      const closing = channel.close('closed');
      controller.abort('aborted');
      await closing;
      const outcome = await waiting;
      expect('e' in outcome).toBe(true);
      const e = (outcome as { e: unknown }).e;
      if (e !== 'aborted') {
        expect(e).toBeInstanceOf(ChannelClosedError);
        expect((e as ChannelClosedError).cause).toBe('closed');
      }
      expect(await channel.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, closed: true });
    }
  });

  test('pushes waiting on a full channel, closed and aborted at once: each rejects, none is stored', async () => {
    const channel = open<number>('race-push', { capacity: 1, sliceMs: 1000 });
    await channel.push(0);
    const controller = new AbortController();
    const pushes = [1, 2, 3].map((v) =>
      channel.push(v, { signal: v === 2 ? controller.signal : undefined }).then(
        () => 'stored',
        (e: unknown) => (e instanceof ChannelClosedError ? 'closed' : e),
      ),
    );
    await sleep(20);
    controller.abort('aborted');
    await channel.close();
    const outcomes = await Promise.all(pushes);
    expect(outcomes[0]).toBe('closed');
    expect(['closed', 'aborted']).toContain(outcomes[1]);
    expect(outcomes[2]).toBe('closed');
    expect(await channel.pullMany(10)).toEqual([0]);
    expect(await channel.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });
});

describe('errors and debug mode around durable channels', () => {
  test('ChannelClosedError of every durable operation names the operation and the channel, and carries the client as channel', async () => {
    const name = freshName('errors');
    const channel = durableChannel<number>(env.CHANNELS, name);
    await channel.close('r');
    const attempts: [string, () => Promise<unknown>][] = [
      ['push', () => channel.push(1)],
      ['pull', () => channel.pull()],
      ['pullWithId', () => channel.pullWithId()],
      ['pullMany', () => channel.pullMany(2)],
    ];
    for (const [operation, attempt] of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error, operation).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).name).toBe('ChannelClosedError');
      expect((error as Error).message, operation).toContain(operation);
      expect((error as Error).message, operation).toContain(name);
      expect((error as ChannelClosedError).channel, operation).toBe(channel);
    }
  });

  test('with debug mode on, from(durable) is listed as waiting for input, and nothing is parked once it closed', async () => {
    const { enableDebug, disableDebug, snapshot } = await import('../../src/debug/index.js');
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    try {
      const durable = open<number>('debug');
      const local = from(durable, { name: 'from-durable' });
      const waiting = local.pull();
      await sleep(20);
      const row = snapshot().channels.find((c) => c.name === 'from-durable');
      expect(row?.input).toBe(true);
      expect(row?.pullers.every((w) => w.input === true)).toBe(true);
      await durable.push(7);
      expect(await waiting).toBe(7);
      await durable.close();
      for await (const _ of local) expect.unreachable();
      await sleep(20);
      const after = snapshot().channels.find((c) => c.name === 'from-durable');
      expect(after).toMatchObject({ closed: true, pushers: [], pullers: [] });
      expect(await durable.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
    } finally {
      disableDebug();
    }
  });
});

describe('what a durable channel does not have', () => {
  // SPEC lists push, pull, pullWithId, tryPush, tryPull, pullMany, close, stats and async
  // iteration. `pushAll` and disposal are the local channel's only: a durable channel outlives
  // the block (and the request) that opened a client, so `await using` must not close it for good.
  test('no pushAll and no Symbol.asyncDispose: await using a durable client is a TypeError before anything is closed', async () => {
    const channel = open<number>('not-disposable');
    expect('pushAll' in channel).toBe(false);
    expect(Symbol.asyncDispose in channel).toBe(false);
    let error: unknown;
    try {
      // @ts-expect-error a DurableChannel is not AsyncDisposable
      await using _ = channel;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(await channel.stats()).toMatchObject({ closed: false });
  });
});
