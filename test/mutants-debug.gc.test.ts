/**
 * Behaviours of debug mode's leak detection that no other test pinned down, found by mutation
 * testing (each test here failed on at least one mutant of src/debug/ that every other debug
 * test let pass). Runs in the `gc` project (`--expose-gc`); imports from src/.
 */
import { afterEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, select } from '../src/index.js';
import { fromPort, toPort } from '../src/port/index.js';
import { syncPorts } from './helpers/fake-ports.js';
import { collectAll, quiet, tick } from './helpers/gc.js';

afterEach(() => disableDebug());

test('a leaked select names the channel of its first case, whichever of its channels was created first', async () => {
  for (const order of [
    ['first', 'second'],
    ['second', 'first'],
  ] as const) {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    const refs = (() => {
      const made = new Map(order.map((name) => [name, new Channel<number>(0, { name })]));
      const first = made.get('first') as Channel<number>;
      const second = made.get('second') as Channel<number>;
      quiet(select([pull(first), pull(second)]));
      return [new WeakRef(first), new WeakRef(second)];
    })();
    await collectAll(refs);
    expect(snapshot().leaked?.map((leak) => [leak.kind, leak.channel.name])).toEqual([['select', 'first']]);
    disableDebug();
  }
});

test('after the youngest of several parked pulls is aborted, a new pull and the older ones are all reported when abandoned', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
  const controller = new AbortController();
  const refs = await (async () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    quiet(jobs.pull());
    await tick();
    quiet(jobs.pull());
    await tick();
    quiet(jobs.pull({ signal: controller.signal }));
    await tick();
    controller.abort();
    await tick();
    quiet(jobs.pull());
    await tick();
    return [new WeakRef(jobs)];
  })();
  await collectAll(refs);
  expect(snapshot().leaked?.map((leak) => `${leak.kind} ${leak.channel.name}`)).toEqual([
    'pull jobs',
    'pull jobs',
    'pull jobs',
  ]);
});

test('after the oldest of several parked pulls is aborted, the younger ones are still reported when abandoned', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
  const controller = new AbortController();
  const refs = await (async () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    quiet(jobs.pull({ signal: controller.signal }));
    await tick();
    quiet(jobs.pull());
    await tick();
    quiet(jobs.pull());
    await tick();
    controller.abort();
    await tick();
    return [new WeakRef(jobs)];
  })();
  await collectAll(refs);
  expect(snapshot().leaked?.map((leak) => `${leak.kind} ${leak.channel.name}`)).toEqual(['pull jobs', 'pull jobs']);
});

test('a waiter that leaves twice under one record (toPort’s pull) does not hide a later operation from leak detection, nor report one that committed', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
  let thirdParkedAt = 0;
  const refs = await (async () => {
    const local = new Channel<number>(0, { name: 'local' });
    const { a, b } = syncPorts(); // each message delivered inside postMessage: no task passes
    const remote = fromPort<number>(b, { capacity: 1 });
    const controller = new AbortController();
    const sending = toPort(local, a, { signal: controller.signal });
    for (let i = 0; i < 20 && local.stats().waitingPullers === 0; i++) await Promise.resolve();
    expect(local.stats().waitingPullers).toBe(1); // toPort's pull
    const second = local.pull();
    expect(snapshot().channels.find((c) => c.name === 'local')?.pullers).toHaveLength(2); // both recorded
    // toPort's pull takes 1 and, with no room over there, does not park again; the second pull
    // takes 2: both records are out of the channel's list.
    local.pushNowait(1);
    local.pushNowait(2);
    expect(await second).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    thirdParkedAt = Date.now();
    quiet(local.pull()); // the third, abandoned below
    expect(snapshot().channels.find((c) => c.name === 'local')?.pullers).toHaveLength(1); // recorded
    // In one task: room over there, so toPort's pull parks again behind the third (noted, not
    // recorded: it still holds its first record), then its signal withdraws it — the second
    // time that record leaves the list.
    expect(await remote.pull()).toBe(1);
    for (let i = 0; i < 20 && local.stats().waitingPullers < 2; i++) await Promise.resolve();
    expect(local.stats().waitingPullers).toBe(2);
    controller.abort();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
    return [new WeakRef(local)];
  })();
  await collectAll(refs);
  // The third pull, and only it: not the second, which committed (and parked 20 ms earlier).
  const leaked = snapshot().leaked ?? [];
  expect(leaked.map((leak) => [leak.kind, leak.channel.name])).toEqual([['pull', 'local']]);
  expect(leaked[0]!.since).toBeGreaterThanOrEqual(thirdParkedAt);
});
