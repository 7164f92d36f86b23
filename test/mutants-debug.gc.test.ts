/**
 * Behaviours of debug mode's leak detection that no other test pinned down, found by mutation
 * testing (each test here failed on at least one mutant of src/debug/ that every other debug
 * test let pass). Runs in the `gc` project (`--expose-gc`); imports from src/.
 */
import { afterEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, select } from '../src/index.js';
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
