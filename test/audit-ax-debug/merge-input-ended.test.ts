// AX-D1: a merge stays "waiting for input" after every input channel among its inputs has ended.
// SPEC (second map, "Idle is not stuck"): a wait whose channel is fed by the outside world is
// waiting for input; "Stuck marking is for waits that nothing explains". README: "A merge with an
// input channel among its inputs ... waits for input on all of them, as a select does". Once the
// `after` (or `fromEvent`) input has fired and closed, the merge's only remaining input is an
// application channel that nobody pushes: nothing from outside can feed it any more.
import { afterEach, expect, it } from 'vitest';
import type { FrameInfo } from '../../inspector-extension/src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, rowsOf, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { after, Channel, fromEvent, merge } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };

afterEach(() => disableDebug());

it("once a merge's only input channel has fired and closed, the merge's wait on the application channel is no longer marked input", async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const app = new Channel<number>(0, { name: 'app' });
  const timeout = after(5);
  const merged = merge(app, timeout);
  await sleep(20);
  await merged.pull(); // the timer's value; `timeout` is now closed and drained
  expect(timeout.closed).toBe(true);
  const waiting = merged.pull().catch(() => {});
  await sleep(0);
  const appRow = snapshot().channels.find((c) => c.name === 'app');
  expect(appRow?.pullers.length).toBe(1);
  expect(appRow?.pullers[0]?.input).toBeUndefined(); // observed: true
  merged.close();
  app.close();
  await waiting;
});

it('a consumer waiting on a merge whose input channel (fromEvent) was stopped is shown stuck once past the threshold', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const app = new Channel<string>(0, { name: 'jobs' });
  const stop = new AbortController();
  const clicks = fromEvent(new EventTarget(), 'click', { signal: stop.signal });
  const merged = merge(app, clicks);
  stop.abort(); // the clicks source is gone: the merge can only ever get values from `jobs`
  await sleep(0);
  expect(clicks.closed).toBe(true);
  const waiting = merged.pull().catch(() => {});
  await sleep(0);
  const snap = snapshot();
  const receivedAt = Date.now();
  const data = withSnapshot(EMPTY_DATA, TOP, snap, receivedAt);
  const { rows } = rowsOf(data, DEFAULT_VIEW, receivedAt + 60_000);
  const states = rows.filter((row) => row.waiters > 0).map((row) => `${row.label}: ${row.state}`);
  // Observed: ['merge: waiting for input'-ish states only] — nothing is ever stuck.
  expect(
    states.some((state) => state.endsWith('stuck')),
    states.join(', '),
  ).toBe(true);
  merged.close();
  app.close();
  await waiting;
});
