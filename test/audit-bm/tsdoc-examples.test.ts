/**
 * Audit BM: the TSDoc `@example` blocks of dist/*.d.ts are type-checked by test/docs.test.ts
 * but never run. Here each is run as a newcomer would paste it, and the output its comment
 * promises is compared with what it prints.
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  merge,
  pull,
  push,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, test } from 'vitest';

describe('TSDoc examples, run', () => {
  test('Channel class example prints 0 1 2 3 4', async () => {
    const out: number[] = [];
    const jobs = new Channel<number>(2, { name: 'jobs' });
    void (async () => {
      for (let i = 0; i < 5; i++) await jobs.push(i);
      jobs.close();
    })();
    for await (const job of jobs) out.push(job);
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  test('Channel.from example prints a b c', async () => {
    const out: string[] = [];
    for await (const letter of Channel.from(['a', 'b', 'c'])) out.push(letter);
    expect(out).toEqual(['a', 'b', 'c']);
  });

  test('stats example prints 1 0', () => {
    const jobs = new Channel<number>(4, { name: 'jobs' });
    jobs.tryPush(1);
    const { size, waitingPullers } = jobs.stats();
    expect([size, waitingPullers]).toEqual([1, 0]);
  });

  test('toJSON example prints the stats fields', () => {
    const jobs = new Channel<number>(4, { name: 'jobs' });
    expect(JSON.stringify(jobs)).toBe(
      '{"name":"jobs","capacity":4,"size":0,"closed":false,"overflow":"block","waitingPushers":0,"waitingPullers":0}',
    );
  });

  test('push example: waits for room, resolves after a pull frees it', async () => {
    const jobs = new Channel<string>(1);
    await jobs.push('a');
    setTimeout(() => void jobs.pull(), 10);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1000);
    await jobs.push('b', { signal: controller.signal });
    clearTimeout(timer);
    expect(jobs.pullNowait()).toBe('b');
  });

  test('pull example prints pong', async () => {
    const replies = new Channel<string>();
    setTimeout(() => void replies.push('pong'), 10);
    expect(await replies.pull()).toBe('pong');
  });

  test('pushNowait example prints ChannelFullError', () => {
    const events = new Channel<string>(1);
    events.pushNowait('click');
    let name = '';
    try {
      events.pushNowait('scroll');
    } catch (error) {
      name = (error as Error).name;
    }
    expect(name).toBe('ChannelFullError');
  });

  test('pullNowait example prints ChannelEmptyError', () => {
    const events = new Channel<string>(4);
    let name = '';
    try {
      events.pullNowait();
    } catch (error) {
      name = (error as Error).name;
    }
    expect(name).toBe('ChannelEmptyError');
  });

  test('tryPull example prints 1 2', () => {
    const jobs = new Channel<number>(8);
    jobs.tryPush(1);
    jobs.tryPush(2);
    const out: number[] = [];
    for (let job = jobs.tryPull(); job !== undefined; job = jobs.tryPull()) out.push(job);
    expect(out).toEqual([1, 2]);
  });

  test('pullMany example prints [1, 2, 3]; pushAll example size 3', async () => {
    const jobs = new Channel<number>(256);
    await jobs.pushAll([1, 2, 3]);
    expect(await jobs.pullMany(64)).toEqual([1, 2, 3]);
    const results = new Channel<number>(8);
    await results.pushAll([1, 2, 3]);
    expect(results.size).toBe(3);
  });

  test('close examples: buffered value stays readable; pushAll then close prints 1 2', async () => {
    const a = new Channel<number>(4);
    await a.push(1);
    a.close();
    const outA: number[] = [];
    for await (const job of a) outA.push(job);
    expect(outA).toEqual([1]);
    const jobs = new Channel<number>(4);
    void jobs.pushAll([1, 2]).then(() => jobs.close());
    const out: number[] = [];
    for await (const job of jobs) out.push(job);
    expect(out).toEqual([1, 2]);
  });

  test('await using / using examples close the channel', async () => {
    let kept: Channel<number> | undefined;
    {
      await using jobs = new Channel<number>(4);
      await jobs.push(1);
      kept = jobs;
    }
    expect(kept.closed).toBe(true);
    let kept2: Channel<number> | undefined;
    {
      using jobs = new Channel<number>(4);
      jobs.tryPush(1);
      kept2 = jobs;
    }
    expect(kept2.closed).toBe(true);
    expect(kept2.pullNowait()).toBe(1);
  });

  test('select example prints 0 order 1 true', async () => {
    const orders = new Channel<string>(8);
    const cancellations = new Channel<number>(8);
    await orders.push('order 1');
    const { index, value, ok } = await select([pull(orders), pull(cancellations)]);
    expect([index, value, ok]).toEqual([0, 'order 1', true]);
    expect(cancellations.stats().waitingPullers).toBe(0);
  });

  test('push-case example prints 0 (out had room)', async () => {
    const out = new Channel<string>(1);
    const stop = new Channel<void>();
    const { index } = await select([push(out, 'job 1'), pull(stop)]);
    expect(index).toBe(0);
    expect(out.pullNowait()).toBe('job 1');
  });

  test('after example prints "no reply within 100 ms" (index 1) and leaves no waiter', async () => {
    const replies = new Channel<string>();
    const result = await select([pull(replies), pull(afterMs(100))]);
    expect(result.index).toBe(1);
    expect(replies.stats().waitingPullers).toBe(0);
  });

  test('selectNowait example prints nothing yet', () => {
    const messages = new Channel<string>(8);
    expect(selectNowait([pull(messages)])).toBeUndefined();
  });

  test('broadcast close example prints true false', () => {
    const prices = new Channel<number>(16);
    const hub = broadcast(prices);
    const chart = hub.subscribe();
    hub.close();
    expect([chart.closed, prices.closed]).toEqual([true, false]);
  });

  test('broadcast using example closes hub and chart', () => {
    const prices = new Channel<number>(16);
    let chart: Channel<number> | undefined;
    {
      using hub = broadcast(prices);
      chart = hub.subscribe();
    }
    expect(chart.closed).toBe(true);
    expect(prices.closed).toBe(false);
  });

  test('broadcast subscribe example prints 101 101', async () => {
    const prices = new Channel<number>(16);
    const hub = broadcast(prices);
    const chart = hub.subscribe();
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await prices.push(101);
    expect([await chart.pull(), await latest.pull()]).toEqual([101, 101]);
    hub.close();
  });

  test('ChannelError example prints "ChannelFullError pushNowait: channel "jobs" is full"', () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    let line = '';
    try {
      jobs.pushNowait(1);
    } catch (error) {
      if (error instanceof ChannelError) line = `${error.name} ${error.message}`;
    }
    expect(line).toBe('ChannelFullError pushNowait: channel "jobs" is full');
  });

  test('ChannelClosedError example prints "pull: channel is closed shutting down"', async () => {
    const jobs = new Channel<number>(1);
    jobs.close('shutting down');
    let line = '';
    try {
      await jobs.pull();
    } catch (error) {
      if (error instanceof ChannelClosedError) line = `${error.message} ${String(error.cause)}`;
    }
    expect(line).toBe('pull: channel is closed shutting down');
  });

  test('ChannelFullError / ChannelEmptyError examples', () => {
    const jobs = new Channel<number>(1);
    jobs.pushNowait(1);
    expect(() => jobs.pushNowait(2)).toThrow(ChannelFullError);
    const empty = new Channel<number>(1);
    expect(() => empty.pullNowait()).toThrow(ChannelEmptyError);
  });
});

describe('TSDoc examples of the interop and debug entries, run', () => {
  test('toReadableStream closeOnCancel example: the client going away closes the channel; the next push rejects', async () => {
    const lines = new Channel<string>(8);
    const body = toReadableStream(lines, { closeOnCancel: true }).pipeThrough(new TextEncoderStream());
    const response = new Response(body);
    await lines.push('first\n');
    const reader = response.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe('first\n');
    await reader?.cancel();
    for (let i = 0; i < 20 && !lines.closed; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(lines.closed).toBe(true);
    await expect(lines.push('second\n')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('clearLeaks example prints undefined (debug on)', () => {
    enableDebug({ target: { postMessage() {} } });
    try {
      clearLeaks();
      expect(snapshot().leaked).toBeUndefined();
    } finally {
      disableDebug();
    }
  });

  test('merge example: for await over merge(chat, alerts) gets string | number values', async () => {
    const chat = new Channel<string>(8);
    const alerts = new Channel<number>(8);
    chat.pushNowait('hi');
    alerts.pushNowait(3);
    chat.close();
    alerts.close();
    const out: (string | number)[] = [];
    for await (const message of merge(chat, alerts)) out.push(message);
    expect(out).toEqual(['hi', 3]);
  });
});
