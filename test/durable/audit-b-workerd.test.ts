/**
 * Audit B: debug mode (SPEC "Debug mode", and "Debug mode and inspector, second map") and
 * `chanasync/port` inside workerd (vitest project `workers`), through the package entries as a
 * Worker imports them. No other test runs debug mode in workerd, where the README tells users
 * to expose `snapshot()` as a debug route, and where `setTimeout` is refused at the global scope.
 */

import { env } from 'cloudflare:workers';
import { after, Channel, ChannelClosedError, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { durableChannel } from 'chanasync/durable';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, test } from 'vitest';
import { drain } from '../helpers/drain.js';
import { sleep, until } from './helpers.js';

describe('debug mode in workerd', () => {
  afterEach(() => disableDebug());

  test('enableDebug() without options: a parked pull shows in snapshot() with its kind and time, and leaves once it commits', async () => {
    enableDebug();
    const before = Date.now();
    const replies = new Channel<number>(0, { name: 'replies' });
    const pulled = replies.pull();
    const row = snapshot().channels.find((channel) => channel.name === 'replies');
    expect(row).toMatchObject({ capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [] });
    expect(row?.pullers.map((waiter) => waiter.kind)).toEqual(['pull']);
    expect(row?.pullers[0]?.since).toBeGreaterThanOrEqual(before - 1);
    expect(row?.pullers[0]?.since).toBeLessThanOrEqual(Date.now());
    expect(replies.tryPush(1)).toBe(true);
    expect(await pulled).toBe(1);
    expect(snapshot().channels.find((channel) => channel.name === 'replies')?.pullers).toEqual([]);
  });

  test('a debug route answers snapshot() as JSON: capacity Infinity is null, no value is included', async () => {
    enableDebug();
    const jobs = new Channel<{ secret: string }>(Infinity, { name: 'jobs' });
    jobs.pushNowait({ secret: 'do not show' });
    const response = Response.json(snapshot());
    const text = await response.text();
    expect(text).not.toContain('do not show');
    const body = JSON.parse(text) as ReturnType<typeof snapshot>;
    expect(body).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(body.channels.find((channel) => channel.name === 'jobs')).toMatchObject({ capacity: null, size: 1 });
    jobs.close();
  });

  test('with stacks: true, where the channel was created and where the pull parked name this test file', async () => {
    enableDebug({ stacks: true });
    const replies = new Channel<number>(0, { name: 'stacked' });
    const pulled = replies.pull();
    const row = snapshot().channels.find((channel) => channel.name === 'stacked');
    expect(row?.createdAt).toContain('audit-b-workerd');
    expect(row?.pullers[0]?.stack).toContain('audit-b-workerd');
    replies.close();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a select with an after() case waits for input: its case on a plain channel is marked input, and after fires', async () => {
    enableDebug();
    const replies = new Channel<number>(0, { name: 'select-plain' });
    const chosen = select([pull(replies), pull(after(30))]);
    const row = snapshot().channels.find((channel) => channel.name === 'select-plain');
    expect(row?.pullers.map(({ kind, input }) => ({ kind, input }))).toEqual([{ kind: 'select', input: true }]);
    expect((await chosen).index).toBe(1);
  });

  test('parks separated by a timer carry increasing times', async () => {
    enableDebug();
    const first = new Channel<number>(0, { name: 'first' });
    const firstPull = first.pull();
    await sleep(20);
    const second = new Channel<number>(0, { name: 'second' });
    const secondPull = second.pull();
    const rows = snapshot().channels;
    const since = (name: string) => rows.find((channel) => channel.name === name)?.pullers[0]?.since ?? Number.NaN;
    expect(since('second')).toBeGreaterThan(since('first'));
    first.close();
    second.close();
    await Promise.allSettled([firstPull, secondPull]);
  });
});

describe('chanasync/port in workerd, over a MessageChannel', () => {
  test('capacity 0 is a rendezvous: the local push resolves only once the remote pull took the value; the close reason crosses', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2);
    const sending = toPort(local, port1);
    let pushed = false;
    const pushing = local.push(1).then(() => {
      pushed = true;
    });
    await sleep(20);
    expect(pushed).toBe(false);
    expect(await remote.pull()).toBe(1);
    await pushing;
    local.close(new RangeError('done'));
    const { values, error } = await drain(remote);
    expect(values).toEqual([]);
    expect(error).toBeInstanceOf(RangeError);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });

  test('an abort mid-stream: what the remote side received plus what came back undelivered is what was pulled, in order', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, port1, { signal: controller.signal });
    await local.pushAll([1, 2, 3, 4, 5]);
    await until(() => remote.size > 0); // mid-stream: values arrived
    controller.abort(new Error('stop'));
    const result = await sending;
    const { values, error } = await drain(remote);
    expect(values.length).toBe(result.sent);
    const left: number[] = [];
    for (let value = local.tryPull(); value !== undefined; value = local.tryPull()) left.push(value);
    expect([...values, ...result.undelivered, ...left]).toEqual([1, 2, 3, 4, 5]);
    expect((error as Error).message).toBe('stop');
    port1.close();
  });

  test('a select over a fromPort channel and a local one commits the remote value once', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<string>(4);
    const remote = fromPort<string>(port2);
    const other = new Channel<string>(0);
    const sending = toPort(local, port1);
    const chosen = select([pull(remote), pull(other)]);
    await local.push('x');
    expect(await chosen).toMatchObject({ index: 0, value: 'x', ok: true });
    local.close();
    await expect(remote.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });
});

describe('chanasync/durable: a falsy close reason is a reason, as for a local channel', () => {
  let count = 0;
  for (const reason of [0, '', false, Number.NaN]) {
    test(`close(${JSON.stringify(reason) ?? String(reason)}): the values stay readable, then for await throws that reason and pull rejects with it as cause`, async () => {
      const channel = durableChannel<number>(env.CHANNELS, `audit-b-falsy-${++count}-${crypto.randomUUID()}`);
      await channel.push(1);
      await channel.close(reason);
      const values: number[] = [];
      let thrown: unknown = 'nothing';
      try {
        for await (const value of channel) values.push(value);
      } catch (error) {
        thrown = error;
      }
      expect(values).toEqual([1]);
      expect(thrown).toBe(reason);
      const error = await channel.pull().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).cause).toBe(reason);
    });
  }
});
