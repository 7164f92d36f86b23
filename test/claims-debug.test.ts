/**
 * Sixth audit: the docs' claims about debug mode, each pinned as written — the README's "Debug
 * mode" section and its Reference rows, the Semantic-details bullets about debug mode and the
 * inspector, and the TSDoc of `chanasync/debug`. Claims that the earlier rounds already pin
 * exactly (test/debug*.test.ts, test/audit*-debug*, test/programs-debug*) are not repeated;
 * each group names the README line it checks. Leak claims, which need the collector, are in
 * claims-debug.gc.test.ts.
 *
 * Imports from src/, as the other debug tests do (one core, one debug hook).
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type Effect, Router } from '../inspector-extension/src/background/router.js';
import { TAB_BUDGET_CHARS } from '../inspector-extension/src/background/store.js';
import {
  BACKGROUND_SOURCE,
  CONTENT_SOURCE,
  type FrameInfo,
  PANEL_SOURCE,
} from '../inspector-extension/src/messages.js';
import {
  DEFAULT_VIEW,
  EMPTY_DATA,
  MAX_CONTEXTS_PER_DOCUMENT,
  MAX_DISMISSED,
  MAX_LEAKS,
  rowsOf,
  withSnapshot,
} from '../inspector-extension/src/panel/model.js';
import { formatAge as panelAge } from '../inspector-extension/src/panel/render.js';
import { clearLeaks, disableDebug, enableDebug, relayDebug, snapshot } from '../src/debug/index.js';
import { formatAge as warningAge } from '../src/debug/warn.js';
import { Channel, merge, pull, select } from '../src/index.js';
import { INSPECTOR_SOURCE, isPageToInspectorMessage, type SnapshotMessage } from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';

/** Leaves an operation parked; its rejection when the test closes the channel is expected. */
function parked(operation: Promise<unknown>): void {
  operation.catch(() => {});
}

const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

// README Reference, `disableDebug()`: "Stops tracking, posting and listening; …" — and the
// panel must not keep showing the channels of a page that turned debug mode off as live.
describe('disableDebug() with an inspector connected', () => {
  test('disableDebug posts one last snapshot with no channels, and nothing after it', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const jobs = new Channel<number>(0, { name: 'jobs' });
    parked(jobs.pull());
    inspector.say('hello');
    expect(inspector.snapshots().map((s) => s.channels.length)).toEqual([1]);
    disableDebug();
    expect(inspector.snapshots().map((s) => s.channels.length)).toEqual([1, 0]);
    jobs.pushNowait(1); // a change after it
    new Channel<number>(1, { name: 'later' });
    inspector.say('hello'); // nobody listens any more
    vi.advanceTimersByTime(1000);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('the last snapshot is a valid snapshot of the same copy: the next seq, the same instance', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const jobs = new Channel<number>(0, { name: 'jobs' });
    parked(jobs.pull());
    inspector.say('hello');
    disableDebug();
    const [first, last] = inspector.snapshots();
    expect(last).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
    expect(last?.instance).toBe(first?.instance);
    expect(last?.seq).toBeGreaterThan(first?.seq ?? Infinity);
    expect(isPageToInspectorMessage(last)).toBe(true);
    jobs.close();
  });

  test('the last snapshot goes at once, even within intervalMs of the one before', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 60_000 });
    new Channel<number>(1, { name: 'jobs' });
    inspector.say('hello');
    vi.advanceTimersByTime(10);
    disableDebug();
    expect(inspector.snapshots().map((s) => s.channels.length)).toEqual([1, 0]);
  });

  test('disableDebug with no inspector connected posts nothing but the announce posted before', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    new Channel<number>(1, { name: 'jobs' });
    disableDebug();
    expect(inspector.posted).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  test('disableDebug after the inspector said bye posts nothing', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    new Channel<number>(1, { name: 'jobs' });
    inspector.say('hello');
    inspector.say('bye');
    disableDebug();
    expect(inspector.snapshots()).toHaveLength(1);
  });

  test('disableDebug when the last snapshot posted listed no channels posts nothing more', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    inspector.say('hello');
    disableDebug();
    expect(inspector.snapshots().map((s) => s.channels)).toEqual([[]]);
  });

  test('disableDebug throws nothing when the target throws on the last snapshot, and leaves no listener or timer', () => {
    vi.useFakeTimers();
    const listen = new EventTarget();
    const removed = vi.spyOn(listen, 'removeEventListener');
    let snapshots = 0;
    const target = {
      postMessage(message: unknown) {
        if ((message as { type: string }).type === 'snapshot' && ++snapshots === 2) throw new Error('port closed');
      },
    };
    enableDebug({ target, listen });
    new Channel<number>(1, { name: 'jobs' });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }),
    );
    expect(() => disableDebug()).not.toThrow();
    expect(snapshots).toBe(2);
    expect(removed).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(snapshot().channels).toEqual([]);
  });

  test('the inspector panel stops listing a page’s channels once the page turned debug mode off', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const replies = new Channel<string>(0, { name: 'replies' });
    parked(replies.pull());
    inspector.say('hello');
    disableDebug();
    const [live, last] = inspector.snapshots() as [SnapshotMessage, SnapshotMessage];
    const receivedAt = Date.now();
    let data = withSnapshot(EMPTY_DATA, TOP, live, receivedAt);
    expect(rowsOf(data, DEFAULT_VIEW, receivedAt).rows.map((row) => row.label)).toEqual(['replies']);
    data = withSnapshot(data, TOP, last, receivedAt + 1);
    // A minute later, nothing ages into "stuck": the rows are gone.
    expect(rowsOf(data, DEFAULT_VIEW, receivedAt + 60_000).rows).toEqual([]);
    replies.close();
  });

  test('a Worker that turns debug mode off leaves no rows behind in the page’s inspector, through relayDebug', () => {
    // The worker side: its debug mode posts to its scope, which the page's Worker object emits.
    const workerObject = new EventTarget() as EventTarget & { postMessage(message: unknown): void };
    const workerScope = new EventTarget();
    workerObject.postMessage = (message) => workerScope.dispatchEvent(new MessageEvent('message', { data: message }));
    const page = fakeInspector();
    relayDebug(workerObject, { target: page.target, listen: page.listen, url: 'https://app.example/w.js' });
    enableDebug({
      target: { postMessage: (message) => workerObject.dispatchEvent(new MessageEvent('message', { data: message })) },
      listen: workerScope,
    });
    const jobs = new Channel<number>(0, { name: 'worker-jobs' });
    parked(jobs.pull());
    page.say('hello');
    disableDebug(); // in the worker
    const [live, last] = page.snapshots();
    expect(live?.channels.map((c) => c.name)).toEqual(['worker-jobs']);
    expect(last).toMatchObject({ channels: [], context: { kind: 'worker', url: 'https://app.example/w.js' } });
    jobs.close();
  });

  // Reference, `enableDebug`: "Calling it again starts over."
  test('enableDebug called again with an inspector connected tells it the old session’s channels are gone', () => {
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen });
    const before = new Channel<number>(0, { name: 'before' });
    parked(before.pull());
    inspector.say('hello');
    enableDebug({ target: inspector.target, listen: inspector.listen });
    inspector.say('hello'); // the inspector answers the new session's announce
    expect(inspector.snapshots().map((s) => s.channels.map((c) => c.name))).toEqual([['before'], [], []]);
    before.close();
  });
});

// Semantic details, "A failed enableDebug changes nothing: … unknown option names are ignored."
describe('enableDebug options', () => {
  test('enableDebug ignores option names it does not know, and keeps the defaults', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    const options = { target: inspector.target, listen: inspector.listen, interval: 5, stack: true };
    expect(() => enableDebug(options as never)).not.toThrow();
    const channel = new Channel<number>(4, { name: 'c' });
    inspector.say('hello');
    channel.pushNowait(1);
    vi.advanceTimersByTime(100); // not 5 ms: the default 250 ms still holds
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(150);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels[0]?.createdAt).toBeUndefined(); // `stack` is not `stacks`
  });
});

// README "Stuck or waiting for input": "a `merge` with an input channel among its inputs is one too"
// — and a consumer parked on such a merge waits for input.
describe('waiting for input', () => {
  test('a pull parked on a merge of an input channel and an ordinary one waits for input', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const clicks = new Channel<string>(1, { name: 'clicks', input: true });
    const replies = new Channel<string>(1, { name: 'replies' });
    const merged = merge(clicks, replies);
    parked(merged.pull());
    const entry = snapshot().channels.find((c) => c.id === Math.max(...snapshot().channels.map((x) => x.id)));
    expect(entry?.input).toBe(true);
    expect(entry?.pullers).toEqual([expect.objectContaining({ kind: 'pull', input: true })]);
    merged.close();
  });
});

// TSDoc of `relayDebug`: "@returns a function that stops the relay (idempotent); a worker that
// was told `hello` is told `bye`, and a connected inspector gets a last snapshot …"
describe('relayDebug’s stop function', () => {
  test('stopping a relay twice says bye to the worker once and posts its last snapshot once', () => {
    const worker = new EventTarget() as EventTarget & { received: unknown[]; postMessage(m: unknown): void };
    worker.received = [];
    worker.postMessage = (message) => void worker.received.push(message);
    const page = fakeInspector();
    const stop = relayDebug(worker, { target: page.target, listen: page.listen, url: 'w.js' });
    page.say('hello');
    const workerSnapshot: SnapshotMessage = {
      source: 'chanasync',
      version: 1,
      type: 'snapshot',
      time: Date.now(),
      seq: 4,
      channels: [
        { id: 1, name: 'jobs', capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [] },
      ],
    };
    worker.dispatchEvent(new MessageEvent('message', { data: workerSnapshot }));
    stop();
    stop();
    const types = worker.received.map((m) => (m as { type: string }).type);
    expect(types).toEqual(['hello', 'bye']);
    expect(page.snapshots().map((s) => s.channels.length)).toEqual([1, 0]);
  });
});

// README "Leaked operations": the warning says how long the operation "waited 4.2 s"; the
// inspector's README: "Ages read in full: `820 ms`, `12.3 s`, `5 min 3 s`, `2 h 10 min`".
test('the leak warning writes ages as the panel does', () => {
  const samples = [0, 820, 4_200, 12_345, 59_999, 60_000, 303_000, 3_599_999, 7_800_000, 90_000_000];
  expect(samples.map(warningAge)).toEqual(samples.map(panelAge));
  expect([820, 4_200, 12_345, 303_000, 7_800_000].map(warningAge)).toEqual([
    '820 ms',
    '4.2 s',
    '12.3 s',
    '5 min 3 s',
    '2 h 10 min',
  ]);
});

// inspector-extension/README.md: "**Filter**: type part of a name (or of a select's cases), or
// `#12` for an unnamed channel."
test('the panel’s filter finds a select by the name of any of its cases', () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const shutdown = new Channel<void>(0, { name: 'shutdown' });
  const cancel = new Channel<void>(0, { name: 'crawl/cancel' });
  parked(select([pull(shutdown), pull(cancel)]));
  const receivedAt = Date.now();
  const data = withSnapshot(EMPTY_DATA, TOP, snapshot(), receivedAt);
  const labels = (filter: string) =>
    rowsOf(data, { ...DEFAULT_VIEW, filter }, receivedAt)
      .rows.map((row) => row.label)
      .sort();
  expect(labels('CRAWL')).toEqual(['crawl/cancel', 'select: pull shutdown | pull crawl/cancel']);
  expect(labels('shutdown')).toEqual(['select: pull shutdown | pull crawl/cancel', 'shutdown']);
  shutdown.close();
});

// TSDoc of `clearLeaks`: "Does nothing when debug mode is off."
test('clearLeaks with debug mode off does nothing and throws nothing', () => {
  expect(() => clearLeaks()).not.toThrow();
  expect(snapshot().leaked).toBeUndefined();
  expect(snapshot().channels).toEqual([]);
});

// Semantic details, "Inspector": the numbers the bullets state, as a user would check them.
describe('the inspector’s documented numbers', () => {
  const T0 = 1_700_000_000_000;
  const empty = (): SnapshotMessage => ({ source: 'chanasync', version: 1, type: 'snapshot', time: T0, channels: [] });
  const fromPage = () => ({ source: CONTENT_SOURCE, type: 'page', message: empty() });
  const relayed = (effects: Effect<string>[]) =>
    effects.filter(
      (e) => e.kind === 'post' && e.port === 'panel' && (e.message as { type: string }).type === 'snapshot',
    ).length;
  function inspected(): Router<string> {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
    router.frameConnected('content', 1, TOP, T0);
    return router;
  }

  // "Uninspected tabs: … each frame may send 40 messages at once and 20 a second."
  test('a frame may send 40 messages at once, then 20 a second', () => {
    const router = inspected();
    let now = 0;
    for (let i = 0; i < 100; i++) now += relayed(router.received('content', fromPage(), T0));
    expect(now).toBe(40);
    let second = 0;
    for (let i = 0; i < 100; i++) second += relayed(router.received('content', fromPage(), T0 + 1000));
    expect(second).toBe(20);
  });

  // "… answers any snapshot from it with `bye` (at most once a second per frame)"
  test('a frame of a tab without a panel is answered bye at most once a second', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, TOP, T0);
    const byes = (at: number) =>
      router
        .received('content', fromPage(), at)
        .filter((e) => e.kind === 'post' && (e.message as { type: string }).type === 'bye').length;
    expect([byes(T0), byes(T0 + 500), byes(T0 + 999), byes(T0 + 1000)]).toEqual([1, 0, 0, 1]);
  });

  // "Rate limit and catch-up: … 2 s after its first lost one, the extension says hello to it again"
  test('a frame that lost messages is told hello again 2 s after its first lost one', () => {
    const router = inspected();
    const effects: Effect<string>[] = [];
    for (let i = 0; i < 41; i++) effects.push(...router.received('content', fromPage(), T0));
    expect(effects.filter((e) => e.kind === 'later')).toEqual([{ kind: 'later', port: 'content', delayMs: 2000 }]);
    expect(router.catchUp('content')).toEqual([
      { kind: 'post', port: 'content', message: { source: BACKGROUND_SOURCE, type: 'hello' } },
    ]);
  });

  // "Bounds. The panel lists at most the 1000 newest leaks … and remembers at most 10 000
  // cleared ones; … at most 2 MB of JSON per tab."
  test('the panel lists the 1000 newest leaks of 1001, and says it dropped one', () => {
    const leaks = Array.from({ length: 1001 }, (_, i) => ({
      id: i + 1,
      kind: 'pull' as const,
      since: T0 - 1000,
      detectedAt: T0,
      channel: { id: 5000 + i, name: `leak-${i + 1}`, capacity: 0 },
    }));
    const data = withSnapshot(EMPTY_DATA, TOP, { ...empty(), leaked: leaks.slice(0, 100) }, T0);
    let more = data;
    for (let from = 100; from < 1001; from += 100) {
      more = withSnapshot(more, TOP, { ...empty(), seq: from, leaked: leaks.slice(from, from + 100) }, T0 + from);
    }
    const labels = rowsOf(more, DEFAULT_VIEW, T0 + 2000).rows.map((row) => row.label);
    expect(labels).toHaveLength(1000);
    expect(labels).not.toContain('leak-1');
    expect(labels).toContain('leak-1001');
    expect(more.leaksDropped).toBe(1);
  });

  // … and the inspector's README: "The panel keeps at most 64 contexts … per document".
  test('the documented bounds are the panel’s and the store’s: 1000 leaks, 10 000 cleared, 2 MB a tab, 64 contexts', () => {
    expect([MAX_LEAKS, MAX_DISMISSED, TAB_BUDGET_CHARS, MAX_CONTEXTS_PER_DOCUMENT]).toEqual([
      1000,
      10_000,
      2 * 1024 * 1024,
      64,
    ]);
  });
});

// README "Debug mode": "In a Worker (or anywhere without an inspector), expose `snapshot()`
// yourself — say, as a debug route that returns it as JSON"; "Set debug mode up first" (a
// module's top level); Semantic details "Contexts": "outside windows and workers (Node, a
// Cloudflare Worker) snapshots carry no `context`"; "Stacks in a bundle": chanasync's frames
// are cut by their function names. In workerd (Miniflare), with the worker bundled by esbuild.
test('in a Cloudflare Worker, enableDebug at the top level throws nothing and a debug route lists the parked pull, with no context and the worker’s own frames', async () => {
  const worker = `
    import { Channel } from './src/index.ts';
    import { enableDebug, snapshot } from './src/debug/index.ts';
    let failure = null;
    try { enableDebug({ stacks: true }); } catch (error) { failure = String(error); }
    let replies;
    export default {
      async fetch(request) {
        if (new URL(request.url).pathname === '/park') {
          replies = new Channel(0, { name: 'replies' });
          replies.pull().catch(() => {});
          return new Response('parked');
        }
        return Response.json({ failure, snapshot: snapshot() });
      },
    };`;
  const built = await esbuild.build({
    stdin: { contents: worker, resolveDir: join(import.meta.dirname, '..'), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
  });
  const miniflare = new Miniflare({
    modules: true,
    script: built.outputFiles[0]?.text ?? '',
    compatibilityDate: '2026-04-01',
  });
  try {
    expect(await (await miniflare.dispatchFetch('http://worker/park')).text()).toBe('parked');
    const { failure, snapshot: taken } = (await (
      await miniflare.dispatchFetch('http://worker/debug/channels')
    ).json()) as {
      failure: string | null;
      snapshot: SnapshotMessage;
    };
    expect(failure).toBeNull();
    expect(taken).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect('context' in taken).toBe(false);
    const [replies] = taken.channels;
    expect(replies).toMatchObject({ name: 'replies', pullers: [{ kind: 'pull' }] });
    expect(replies?.pullers[0]?.stack?.split('\n')[0]).toMatch(/^at Object\.fetch \(/);
    expect(replies?.createdAt?.split('\n')[0]).toMatch(/^at Object\.fetch \(/);
  } finally {
    await miniflare.dispose();
  }
}, 60_000);
