// AY-1 probe: after the only input channel of a merge has ended, waits on the merged channel
// (and on a broadcast subscriber of it) are still reported `input: true`.
import { after as afterMs, broadcast, Channel, fromEvent, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
afterEach(() => disableDebug());

const byName = () => Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));

it("a consumer's pull on a merge whose only input channel has ended is no longer reported as waiting for input", async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const jobs = new Channel<string>(0, { name: 'jobs' });
  const stop = new AbortController();
  const clicks = fromEvent(new EventTarget(), 'click', { signal: stop.signal });
  const merged = merge(jobs, clicks);
  stop.abort();
  await sleep(0);
  expect(clicks.closed).toBe(true);
  const waiting = merged.pull().catch(() => {});
  await sleep(0);
  const rows = byName();
  expect(rows.merge?.pullers.length).toBe(1);
  // The merge's own pull on `jobs` is judged (the AX-D1 fix: the merge knows it is no longer fed
  // from outside)…
  expect(rows.jobs?.pullers.length).toBe(1);
  expect(rows.jobs?.pullers[0]?.input).toBeUndefined();
  // …but debug mode still reports the merged channel, and the consumer's wait on it, as input.
  expect(rows.merge?.input).toBeUndefined();
  expect(rows.merge?.pullers[0]?.input).toBeUndefined();
  merged.close();
  jobs.close();
  await waiting;
});

it('a subscriber of a broadcast of a merge whose timer input has fired is no longer an input channel', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const app = new Channel<number>(0, { name: 'app' });
  const timer = afterMs(5);
  const hub = broadcast(merge(app, timer));
  const sub = hub.subscribe();
  expect((await sub.pull()) > 0).toBe(true); // the timer's value: `timer` is closed and drained now
  await sleep(0);
  expect(timer.closed).toBe(true);
  const waiting = sub.pull().catch(() => {});
  await sleep(0);
  const rows = byName();
  expect(rows.subscriber?.pullers.length).toBe(1);
  expect(rows.subscriber?.pullers[0]?.input).toBeUndefined();
  hub.close();
  app.close();
  await waiting;
});

it("in the panel, the consumer's row on such a merge turns stuck, not 'waiting for input'", async () => {
  const { DEFAULT_VIEW, EMPTY_DATA, rowsOf, withSnapshot } = await import(
    '../../inspector-extension/src/panel/model.js'
  );
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const jobs = new Channel<string>(0, { name: 'jobs' });
  const stop = new AbortController();
  const merged = merge(jobs, fromEvent(new EventTarget(), 'click', { signal: stop.signal }));
  stop.abort();
  await sleep(0);
  const waiting = merged.pull().catch(() => {});
  await sleep(0);
  const top = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };
  const now = Date.now();
  const { rows } = rowsOf(withSnapshot(EMPTY_DATA, top, snapshot(), now), DEFAULT_VIEW, now + 60_000);
  const state = Object.fromEntries(rows.map((row) => [row.label, row.state]));
  expect(state.jobs).toBe('stuck'); // the merge's own pull: judged since the AX-D1 fix
  expect(state.merge).toBe('stuck'); // observed: 'input' — the consumer's wait reads "waiting for input"
  merged.close();
  jobs.close();
  await waiting;
});
