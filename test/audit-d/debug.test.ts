/**
 * Audit D: debug mode's snapshots as an outsider reads them (SPEC.md "Debug mode": snapshots
 * bounded, channels that wait listed before idle ones), through the public entries.
 */
import { MessageChannel } from 'node:worker_threads';
import { Channel, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { LIMITS } from 'chanasync/protocol';
import { afterEach, describe, expect, test, vi } from 'vitest';

afterEach(() => disableDebug());

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('a page with many more channels than a snapshot lists', () => {
  test('the channels that wait come first whenever they were made, then the oldest idle ones in creation order', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const idle = Array.from({ length: LIMITS.channels + 500 }, (_, i) => new Channel<number>(1, { name: `idle-${i}` }));
    const late = Array.from({ length: 3 }, (_, i) => new Channel<number>(0, { name: `late-${i}` }));
    const pulls = late.map((channel) => channel.pull().catch(() => {}));
    idle[7]?.pushNowait(1); // holds a value, waits for nothing: still idle
    const result = snapshot();
    expect(result.channels.map((channel) => channel.name)).toEqual([
      'late-0',
      'late-1',
      'late-2',
      ...Array.from({ length: LIMITS.channels - 3 }, (_, i) => `idle-${i}`),
    ]);
    expect(result.channels.find((channel) => channel.name === 'idle-7')?.size).toBe(1);
    expect(result.truncated).toEqual({ channels: 503, waiters: 0 });
    for (const channel of late) channel.close();
    return Promise.all(pulls);
  });
});

describe('idle is not stuck: a merge with an input among its inputs', () => {
  test('the merge’s own pulls on its other inputs wait for input too, as the cases of a select with an input case do', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const clicks = new Channel<string>(1, { name: 'clicks', input: true }); // fed by the user
    const cancel = new Channel<string>(0, { name: 'cancel' }); // the app pushes here, some day
    const merged = merge(clicks, cancel);
    const next = merged.pull();
    const byName = Object.fromEntries(snapshot().channels.map((channel) => [channel.name, channel]));
    expect(byName.merge?.input).toBe(true);
    expect(byName.merge?.pullers.map((waiter) => waiter.input)).toEqual([true]);
    expect(byName.clicks?.pullers.map((waiter) => [waiter.kind, waiter.input])).toEqual([['pull', true]]);
    // Nothing pushed into `cancel` yet: the merge waits for the user, not for a stuck producer.
    expect(byName.cancel?.pullers.map((waiter) => [waiter.kind, waiter.input])).toEqual([['pull', true]]);
    // Listed after channels whose waits nothing explains, with the other waits for input.
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const parked = stuck.pull().catch(() => {});
    expect(snapshot().channels[0]?.name).toBe('stuck');
    clicks.pushNowait('click');
    expect(await next).toBe('click');
    stuck.close();
    merged.close();
    await parked;
  });

  test('a merge of channels none of which is an input still has waits that nothing explains', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const merged = merge(a, b);
    const byName = Object.fromEntries(snapshot().channels.map((channel) => [channel.name, channel]));
    expect(byName.a?.pullers.map((waiter) => waiter.input)).toEqual([undefined]);
    expect(byName.b?.pullers.map((waiter) => waiter.input)).toEqual([undefined]);
    merged.close();
  });
});

describe('since is when the operation parked, for an operation parked again', () => {
  test('toPort’s pull on an idle local channel is as old as its latest park, not its first', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const { port1, port2 } = new MessageChannel();
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const sending = toPort(jobs, port1 as unknown as Parameters<typeof toPort>[1], { name: 'jobs' });
    const received = fromPort<number>(port2 as unknown as Parameters<typeof fromPort>[0], {
      name: 'jobs',
      capacity: 4,
    });
    const got: number[] = [];
    const consuming = (async () => {
      for await (const value of received) got.push(value);
    })();
    const waiter = () => snapshot().channels.find((channel) => channel.name === 'jobs')?.pullers[0];
    const age = () => {
      const result = snapshot();
      const since = result.channels.find((channel) => channel.name === 'jobs')?.pullers[0]?.since;
      return since === undefined ? undefined : result.time - since;
    };
    // toPort has waited for the producer 350 ms in one park (it parks again once paired, which a
    // loaded machine may delay by hundreds of ms).
    await vi.waitFor(() => expect(age()).toBeGreaterThanOrEqual(350), { timeout: 10_000, interval: 20 });
    const pushedAt = Date.now();
    await jobs.push(1);
    await sleep(50);
    while (waiter() === undefined) await sleep(5);
    // It took the value and parked again: it has waited since the push (the task's clock, read
    // at most a task before), not since its park 350 ms or more before.
    expect(waiter()?.since).toBeGreaterThan(pushedAt - 100);
    jobs.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    await consuming;
    expect(got).toEqual([1]);
    port1.close();
    port2.close();
  });
});
