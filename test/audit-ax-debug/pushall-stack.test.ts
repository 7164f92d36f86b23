// AX-D2: with `stacks: true`, a `pushAll` that waits a second time has no "Parked at".
// SPEC (Debug mode): "`stacks: true` records the stack of each parked operation"; README: each
// parked operation "carries the user frames of the stack where it was ... parked". The panel's
// Parked at column (and a leak's "Parked at:") is how a developer finds the blocked producer,
// which the SPEC ranks first. A loop of `await push(v)` keeps its user frame at every wait; an
// `await pushAll(values)` keeps it only for its first wait.
import { afterEach, expect, it } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { Channel } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
afterEach(() => disableDebug());

async function producer(jobs: Channel<number>): Promise<void> {
  await jobs.pushAll([1, 2, 3, 4]);
}

it('a pushAll that parks again after a value was taken still says where it was called', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
  const jobs = new Channel<number>(1, { name: 'jobs' });
  const done = producer(jobs).catch(() => {});
  await sleep(5);
  const first = snapshot().channels.find((c) => c.name === 'jobs')?.pushers[0]?.stack ?? '';
  expect(first).toMatch(/producer/); // holds: the first wait is found
  jobs.pullNowait(); // room: value 2 commits, pushAll goes on and parks with value 3
  await sleep(5);
  const second = snapshot().channels.find((c) => c.name === 'jobs')?.pushers[0];
  expect(second).toBeDefined();
  expect(second?.stack ?? '').toMatch(/producer/); // observed: ''
  jobs.close();
  await done;
});
