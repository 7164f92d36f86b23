/**
 * Auditor AX — a toPort that gave up before any receiver answered (a timeout while the other
 * context was still loading) must not close the receiver created later, nor kill the retry.
 *
 * A Node MessagePort queues what is posted to it until its other end listens, as a Worker's
 * `self` queues the page's messages while the worker script still loads.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// Fixed: a toPort that gives up while pairing says when it gave up (its `end` carries `gaveUpAt`), and a
// receiver created after that forgets it and stays open for the next sender (README
// Semantic details, ports).
it('a fromPort created after an earlier toPort of its name timed out pairs with the retried toPort and gets its values', async () => {
  const { port1, port2 } = new MessageChannel();
  // Page: the first attempt gives up while the "worker" has no receiver yet.
  const first = new Channel<string>(4);
  await first.push('a1');
  const resultA = await toPort(first, port1, { name: 'jobs', signal: AbortSignal.timeout(50) });
  expect(resultA).toEqual({ sent: 0, undelivered: [] });
  // Page: retry with a new toPort of the same name.
  const second = new Channel<string>(4);
  await second.push('b1');
  second.close();
  const sending = toPort(second, port1, { name: 'jobs' });
  await sleep(20);
  // "Worker": its script has loaded, it starts receiving.
  const remote = fromPort<string>(port2, { name: 'jobs', capacity: 2 });
  const got: string[] = [];
  let thrown: unknown;
  try {
    for await (const v of remote) got.push(v);
  } catch (e) {
    thrown = e;
  }
  const resultB = await Promise.race([sending, sleep(7000).then(() => 'toPort still pending after 7 s')]);
  port1.close();
  expect(thrown).toBeUndefined(); // it was the first attempt's TimeoutError
  expect(got).toEqual(['b1']);
  expect(resultB).toEqual({ sent: 1, undelivered: [] });
}, 15_000);

it('a fromPort created after a toPort of its name was aborted before pairing stays open for the next sender', async () => {
  const { port1, port2 } = new MessageChannel();
  const ac = new AbortController();
  const done = toPort(new Channel<number>(1), port1, { name: 'n', signal: ac.signal });
  await sleep(10);
  ac.abort(new Error('user cancelled an earlier run'));
  await done;
  await sleep(10); // a later millisecond: a receiver created in the abort's one counts as present (README)
  const remote = fromPort<number>(port2, { name: 'n', capacity: 1 });
  await paired(port1, 'n'); // it answered the queued open, so it heard the end behind it too
  await sleep(50); // time to close, were it going to
  const closed = remote.closed;
  remote.close();
  port1.close();
  expect(closed).toBe(false);
});
