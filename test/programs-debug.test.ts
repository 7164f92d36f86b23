/**
 * Fifth audit, debug mode: programs with the bugs users actually write — a deadlock, a
 * forgotten consumer, a pipeline whose middle stage threw, a select that can never fire — and
 * the programs that only look idle (a UI loop on `fromEvent`, a ticker loop), run against the
 * public API as a user imports it ('chanasync', 'chanasync/debug' → dist/; `npm run build`
 * first). Each test checks what a developer hunting the bug sees in `snapshot()` — kinds,
 * counts, names, order — and, where the panel's judgement matters, what the inspector's own
 * model makes of that very snapshot (stuck, waiting for input, idle; blocked producers first).
 * Leaks need a garbage collector: they are in programs-debug.gc.test.ts.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker as Thread } from 'node:worker_threads';
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  fromEvent,
  type PullChannel,
  type PushChannel,
  pull,
  select,
  ticker,
} from 'chanasync';
import { type DebugSnapshot, disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage } from 'chanasync/protocol';
import { describe, expect, expectTypeOf, test, vi } from 'vitest';
import type { FrameInfo } from '../inspector-extension/src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, type Row, rowsOf, withSnapshot } from '../inspector-extension/src/panel/model.js';
import { useQuietDebug } from './helpers/quiet-debug.js';
import { pendingTimers } from './helpers/timers.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a settled-or-not promise did, without awaiting it (and marking a rejection handled). */
function watch<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'fulfilled', value }),
    (reason: unknown) => Object.assign(state, { status: 'rejected', reason }),
  );
  return state;
}

/** The snapshot's channels by name. */
function byName(snap: DebugSnapshot) {
  return Object.fromEntries(snap.channels.map((channel) => [channel.name, channel]));
}

/** `name: pushers×kind / pullers×kind` of every listed channel, in snapshot order. */
function summary(snap: DebugSnapshot): string[] {
  return snap.channels.map(
    (c) =>
      `${c.name}: push[${c.pushers.map((w) => w.kind).join(',')}] pull[${c.pullers.map((w) => w.kind).join(',')}]` +
      (c.input === true ? ' input' : '') +
      (c.closed ? ' closed' : ''),
  );
}

/** The top frame of an inspected page, for the panel's model. */
const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };

/**
 * What the inspector panel shows for `snap` (checked by the protocol guard, as the extension
 * does), `laterMs` after it was received, with a stuck threshold of `thresholdMs`: each row as
 * `label:state`, in the panel's order.
 */
function panelRows(snap: DebugSnapshot, thresholdMs: number, laterMs: number): string[] {
  expect(isPageToInspectorMessage(snap)).toBe(true);
  const receivedAt = Date.now();
  const data = withSnapshot(EMPTY_DATA, TOP, snap, receivedAt);
  const { rows } = rowsOf(data, { ...DEFAULT_VIEW, thresholdMs }, receivedAt + laterMs);
  return rows.map((row: Row) => `${row.label}:${row.state}`);
}

const warn = useQuietDebug(disableDebug);

describe('bugs users write, as snapshot() shows them', () => {
  test('a deadlock of two tasks pushing to each other over unbuffered channels shows one parked push on each channel, named after the tasks', async () => {
    enableDebug({ stacks: true });
    const requests = new Channel<string>(0, { name: 'requests' });
    const approvals = new Channel<string>(0, { name: 'approvals' });
    async function transfer() {
      await requests.push('pay 10'); // waits for audit() to pull…
      return approvals.pull();
    }
    async function audit() {
      await approvals.push('ok'); // …which first waits for transfer() to pull
      return requests.pull();
    }
    const left = watch(transfer());
    const right = watch(audit());
    await sleep(20);
    const snap = snapshot();
    expect(summary(snap)).toEqual(['requests: push[push] pull[]', 'approvals: push[push] pull[]']);
    const channels = byName(snap);
    expect(channels.requests?.pushers[0]?.stack).toMatch(/^at transfer \(/);
    expect(channels.approvals?.pushers[0]?.stack).toMatch(/^at audit \(/);
    expect(channels.requests?.pushers[0]?.input).toBeUndefined();
    expect(requests.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 0 });
    expect([left.status, right.status]).toEqual(['pending', 'pending']);
  });

  test('the inspector marks both channels of the deadlock stuck once the threshold passed, and only waiting before', async () => {
    enableDebug();
    const requests = new Channel<string>(0, { name: 'requests' });
    const approvals = new Channel<string>(0, { name: 'approvals' });
    void requests.push('pay 10').then(() => approvals.pull());
    void approvals.push('ok').then(() => requests.pull());
    await sleep(5);
    const snap = snapshot();
    expect(panelRows(snap, 1000, 0).sort()).toEqual(['approvals:waiting', 'requests:waiting']);
    expect(panelRows(snap, 1000, 1500).sort()).toEqual(['approvals:stuck', 'requests:stuck']);
  });

  test('closing the deadlocked channels fails both parked pushes with ChannelClosedError and leaves nothing parked', async () => {
    enableDebug();
    const requests = new Channel<string>(0, { name: 'requests' });
    const approvals = new Channel<string>(0, { name: 'approvals' });
    const left = watch(requests.push('pay 10').then(() => approvals.pull()));
    const right = watch(approvals.push('ok').then(() => requests.pull()));
    await sleep(5);
    requests.close();
    approvals.close();
    await sleep(0);
    expect(left.reason).toBeInstanceOf(ChannelClosedError);
    expect(right.reason).toBeInstanceOf(ChannelClosedError);
    expect(summary(snapshot())).toEqual(['requests: push[] pull[] closed', 'approvals: push[] pull[] closed']);
  });

  test('a producer whose consumer was never started shows a full buffer and one parked push, and finishes once a consumer comes', async () => {
    enableDebug();
    const jobs = new Channel<number>(3, { name: 'jobs' });
    async function produce() {
      for (let i = 0; i < 5; i++) await jobs.push(i);
      jobs.close();
    }
    const producer = watch(produce());
    await sleep(10);
    const stuck = byName(snapshot()).jobs;
    expect(stuck).toMatchObject({ size: 3, capacity: 3, closed: false, overflow: 'block' });
    expect(stuck?.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(stuck?.pullers).toEqual([]);
    // The fix: start the consumer.
    const received: number[] = [];
    for await (const job of jobs) received.push(job);
    expect(received).toEqual([0, 1, 2, 3, 4]);
    expect(producer.status).toBe('fulfilled');
    expect(summary(snapshot())).toEqual(['jobs: push[] pull[] closed']);
  });

  test('a pipeline whose middle stage threw shows its source stuck on a push and its sink stuck on a pull', async () => {
    enableDebug();
    const numbers = new Channel<number>(0, { name: 'numbers' });
    const squares = new Channel<number>(0, { name: 'squares' });
    async function generate(out: PushChannel<number>) {
      for (let i = 1; i <= 5; i++) await out.push(i);
      out.close();
    }
    async function square(input: PullChannel<number>, out: PushChannel<number>) {
      for await (const n of input) {
        if (n === 3) throw new Error('cannot square 3'); // the bug: out is never closed
        await out.push(n * n);
      }
      out.close();
    }
    const printed: number[] = [];
    async function print(input: PullChannel<number>) {
      for await (const n of input) printed.push(n);
    }
    const source = watch(generate(numbers));
    const middle = watch(square(numbers, squares));
    const sink = watch(print(squares));
    await sleep(20);
    expect(middle.status).toBe('rejected');
    expect([source.status, sink.status]).toEqual(['pending', 'pending']);
    expect(printed).toEqual([1, 4]);
    expect(summary(snapshot())).toEqual(['numbers: push[push] pull[]', 'squares: push[] pull[pull]']);
  });

  test('the same pipeline with the middle stage closing both of its channels in finally ends every stage and shows nothing parked', async () => {
    enableDebug();
    const numbers = new Channel<number>(0, { name: 'numbers' });
    const squares = new Channel<number>(0, { name: 'squares' });
    async function generate(out: PushChannel<number> & { close(reason?: unknown): void }) {
      for (let i = 1; i <= 5; i++) await out.push(i);
      out.close();
    }
    async function square(input: Channel<number>, out: Channel<number>) {
      let failure: unknown;
      try {
        for await (const n of input) {
          if (n === 3) throw new Error('cannot square 3');
          await out.push(n * n);
        }
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        input.close(); // tell upstream to stop
        out.close(failure); // and downstream why
      }
    }
    const printed: number[] = [];
    async function print(input: PullChannel<number>) {
      for await (const n of input) printed.push(n);
    }
    const results = await Promise.allSettled([generate(numbers), square(numbers, squares), print(squares)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ChannelClosedError);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('cannot square 3'));
    expect(printed).toEqual([1, 4]);
    expect(summary(snapshot())).toEqual(['numbers: push[] pull[] closed', 'squares: push[] pull[] closed']);
  });

  test('a select with no ready case and no timeout shows one select case on each channel, sharing one select id', async () => {
    enableDebug();
    const results = new Channel<string>(0, { name: 'results' });
    const shutdown = new Channel<void>(0, { name: 'shutdown' });
    const waiting = watch(select([pull(results), pull(shutdown)]));
    await sleep(5);
    const snap = snapshot();
    expect(summary(snap)).toEqual(['results: push[] pull[select]', 'shutdown: push[] pull[select]']);
    const [a, b] = snap.channels.map((channel) => channel.pullers[0]?.select);
    expect(typeof a).toBe('number');
    expect(b).toBe(a);
    expect(panelRows(snap, 1, 50)).toEqual([
      'select: pull results | pull shutdown:stuck',
      'results:idle',
      'shutdown:idle',
    ]);
    expect(waiting.status).toBe('pending');
  });

  test('the same select with an after() timeout case waits for input, is never stuck, and leaves nothing once the timeout fired', async () => {
    enableDebug();
    const results = new Channel<string>(0, { name: 'results' });
    const shutdown = new Channel<void>(0, { name: 'shutdown' });
    const outcome = select([pull(results), pull(shutdown), pull(afterMs(40))]);
    await sleep(5);
    const snap = snapshot();
    expect(snap.channels.flatMap((channel) => channel.pullers.map((w) => [channel.name, w.kind, w.input]))).toEqual([
      ['results', 'select', true],
      ['shutdown', 'select', true],
      ['after(40)', 'select', true],
    ]);
    expect(panelRows(snap, 1, 60_000)[0]).toBe('select: pull results | pull shutdown | pull after(40):input');
    expect((await outcome).index).toBe(2);
    expect(snapshot().channels.flatMap((channel) => [...channel.pushers, ...channel.pullers])).toEqual([]);
  });

  test('a UI loop idle on fromEvent is listed as waiting for input, and the inspector never calls it stuck', async () => {
    enableDebug();
    const button = new EventTarget();
    const controller = new AbortController();
    const clicks: string[] = [];
    async function ui() {
      for await (const event of fromEvent(button, 'click', { signal: controller.signal })) clicks.push(event.type);
    }
    const loop = watch(ui());
    button.dispatchEvent(new Event('click'));
    await sleep(5);
    const snap = snapshot();
    expect(summary(snap)).toEqual(['fromEvent(click): push[] pull[pull] input']);
    expect(snap.channels[0]?.pullers[0]?.input).toBe(true);
    expect(panelRows(snap, 1, 3_600_000)).toEqual(['fromEvent(click):input']);
    controller.abort();
    await sleep(0);
    expect(loop.status).toBe('fulfilled');
    expect(clicks).toEqual(['click']);
    expect(summary(snapshot())).toEqual(['fromEvent(click): push[] pull[] input closed']);
  });

  test('a ticker-driven loop between ticks is listed as waiting for input, and stopping it leaves no timer', async () => {
    const live = pendingTimers();
    try {
      enableDebug();
      const controller = new AbortController();
      let ticks = 0;
      async function poll() {
        for await (const _ of ticker(10, { signal: controller.signal })) ticks++;
      }
      const loop = watch(poll());
      await sleep(35);
      const snap = snapshot();
      expect(summary(snap)).toEqual(['ticker(10): push[] pull[pull] input']);
      expect(panelRows(snap, 1, 3_600_000)).toEqual(['ticker(10):input']);
      controller.abort();
      await sleep(0);
      expect(loop.status).toBe('fulfilled');
      expect(ticks).toBeGreaterThanOrEqual(1);
      disableDebug();
      expect(live.pending()).toBe(0);
    } finally {
      live.restore();
    }
  });

  test('a page with a deadlock, an idle UI loop, a ticker loop and an idle channel lists the deadlock first, then the input waits, then the idle channel', async () => {
    enableDebug();
    const controller = new AbortController();
    const { signal } = controller;
    const cache = new Channel<string>(4, { name: 'cache' }); // idle: nobody waits on it
    const keys = fromEvent(new EventTarget(), 'keydown', { signal });
    const ticks = ticker(1000, { signal });
    void (async () => {
      for await (const _ of keys);
    })();
    void (async () => {
      for await (const _ of ticks);
    })();
    const requests = new Channel<string>(0, { name: 'requests' });
    const approvals = new Channel<string>(0, { name: 'approvals' });
    void requests.push('pay').then(
      () => approvals.pull(),
      () => {},
    );
    void approvals.push('ok').then(
      () => requests.pull(),
      () => {},
    );
    await sleep(5);
    const snap = snapshot();
    expect(snap.channels.map((channel) => channel.name)).toEqual([
      'requests',
      'approvals',
      'fromEvent(keydown)',
      'ticker(1000)',
      'cache',
    ]);
    expect(panelRows(snap, 1, 60_000)).toEqual([
      'requests:stuck',
      'approvals:stuck',
      'fromEvent(keydown):input',
      'ticker(1000):input',
      'cache:idle',
    ]);
    controller.abort();
    requests.close();
    approvals.close();
    cache.close();
  });

  test('among stuck channels, the inspector ranks blocked producers first, the longest-blocked first, before older stuck pulls', async () => {
    enableDebug();
    const orphanReplies = new Channel<string>(0, { name: 'orphan-replies' });
    void orphanReplies.pull().catch(() => {}); // the oldest wait of all, but a pull
    await sleep(15);
    const uploads = new Channel<string>(1, { name: 'uploads' });
    await uploads.push('a.png');
    void uploads.push('b.png').catch(() => {}); // blocked producer, older
    await sleep(15);
    const numbers = new Channel<number>(0, { name: 'numbers' });
    void numbers.push(1).catch(() => {}); // blocked producer, younger
    await sleep(5);
    const snap = snapshot();
    // snapshot() itself ranks the waits nothing explains by age alone…
    expect(snap.channels.map((channel) => channel.name)).toEqual(['orphan-replies', 'uploads', 'numbers']);
    // …and the panel puts the blocked producers first.
    expect(panelRows(snap, 1, 60_000)).toEqual(['uploads:stuck', 'numbers:stuck', 'orphan-replies:stuck']);
  });

  test('a program with 1,000 channels gets a complete snapshot quickly, with its stuck channels first, longest-blocked first', async () => {
    enableDebug();
    const pool = Array.from({ length: 990 }, (_, i) => new Channel<number>(1, { name: `pool-${i}` }));
    const controller = new AbortController();
    const inputs = Array.from({ length: 5 }, (_, i) =>
      fromEvent(new EventTarget(), `key${i}`, { signal: controller.signal }),
    );
    for (const input of inputs) void input.pull().catch(() => {});
    const stuck = Array.from({ length: 5 }, (_, i) => new Channel<number>(0, { name: `stuck-${i}` }));
    // Parked in reverse order of creation, a few milliseconds apart: age, not id, decides.
    for (const channel of [...stuck].reverse()) {
      void channel.pull().catch(() => {});
      await sleep(4);
    }
    const started = performance.now();
    const snap = snapshot();
    const took = performance.now() - started;
    expect(snap.channels.length).toBe(1000);
    expect(snap.truncated).toBeUndefined();
    expect(snap.channels.slice(0, 5).map((channel) => channel.name)).toEqual([
      'stuck-4',
      'stuck-3',
      'stuck-2',
      'stuck-1',
      'stuck-0',
    ]);
    expect(snap.channels.slice(5, 10).every((channel) => channel.input === true)).toBe(true);
    expect(snap.channels.slice(10).map((channel) => channel.name)).toEqual(pool.map((channel) => channel.name));
    expect(took).toBeLessThan(500); // generous: about a millisecond here
    const rows = panelRows(snap, 1, 60_000);
    expect(rows.length).toBe(1000);
    expect(rows.slice(0, 6)).toEqual([
      'stuck-4:stuck',
      'stuck-3:stuck',
      'stuck-2:stuck',
      'stuck-1:stuck',
      'stuck-0:stuck',
      'fromEvent(key0):input',
    ]);
    controller.abort();
  });

  test('a producer that forgot to await its pushes shows the first 100 of its 5,000 parked pushes and counts the rest', async () => {
    enableDebug();
    const events = new Channel<number>(0, { name: 'events' });
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) pending.push(events.push(i)); // the slip: no await, no consumer
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels[0]?.pushers.length).toBe(100);
    expect(snap.channels[0]?.pushers.every((waiter) => waiter.kind === 'push')).toBe(true);
    expect(snap.truncated).toEqual({ channels: 0, waiters: 4900 });
    expect(events.stats().waitingPushers).toBe(5000);
    expect(panelRows(snap, 1, 60_000)).toEqual(['events:stuck']);
    // The fix arrives: a consumer takes them all, in order.
    expect(await events.pullMany(5000)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    await Promise.all(pending);
    expect(snapshot().truncated).toBeUndefined();
  });

  test('a pool of 1,000 tasks each blocked pushing its result ranks in the panel longest-blocked first, within a second', async () => {
    enableDebug({ stacks: true });
    const outs = Array.from({ length: 1000 }, (_, i) => new Channel<number>(0, { name: `result-${i}` }));
    for (const [i, out] of outs.entries()) {
      void out.push(i).catch(() => {});
      if (i % 250 === 249) await sleep(3); // four waves, a few milliseconds apart
    }
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels.length).toBe(1000);
    expect(JSON.stringify(snap).length).toBeLessThan(2 * 1024 * 1024); // the extension keeps 2 MB a tab
    const started = performance.now();
    const rows = panelRows(snap, 1, 60_000);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(rows.length).toBe(1000);
    expect(rows.every((entry) => entry.endsWith(':stuck'))).toBe(true);
    expect(rows.slice(0, 3)).toEqual(['result-0:stuck', 'result-1:stuck', 'result-2:stuck']);
    expect(rows.at(-1)).toBe('result-999:stuck');
    for (const out of outs) out.close();
  });

  test('past 1,000 channels a snapshot leaves out idle channels first and counts them in truncated', async () => {
    enableDebug();
    const idle = Array.from({ length: 1200 }, (_, i) => new Channel<number>(1, { name: `idle-${i}` }));
    const stuck = new Channel<number>(0, { name: 'stuck' });
    void stuck.push(1).catch(() => {});
    const snap = snapshot();
    expect(snap.channels.length).toBe(1000);
    expect(snap.channels[0]?.name).toBe('stuck');
    expect(snap.truncated).toEqual({ channels: 201, waiters: 0 });
    expect(idle.length).toBe(1200); // kept alive until the snapshot
  });
});

describe('turning debug mode on, off and on again in a running program', () => {
  test('channels created before enableDebug are not listed, even with a parked operation, and those created after are', async () => {
    const early = new Channel<number>(0, { name: 'early' });
    void early.pull().catch(() => {});
    enableDebug();
    const late = new Channel<number>(0, { name: 'late' });
    void late.pull().catch(() => {});
    void early.push(1);
    void early.pull().catch(() => {});
    await sleep(0);
    expect(summary(snapshot())).toEqual(['late: push[] pull[pull]']);
    early.close();
    late.close();
  });

  test('an app whose module creates its channels is seen only when enableDebug runs in a module imported before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chanasync-modules-'));
    try {
      const dist = new URL('../dist/', import.meta.url).href;
      const write = (name: string, code: string) => writeFileSync(join(dir, name), code);
      write(
        'app.mjs',
        `import { Channel } from '${dist}index.js';
        export const replies = new Channel(0, { name: 'replies' });
        replies.pull().catch(() => {});`,
      );
      write('debug-setup.mjs', `import { enableDebug } from '${dist}debug.js';\nenableDebug();`);
      const report = `import { snapshot } from '${dist}debug.js';\nconsole.log(JSON.stringify(snapshot().channels.map((c) => c.name)));`;
      write('report.mjs', report);
      // The slip: ES modules evaluate their imports first, so this enableDebug runs after app.mjs.
      write(
        'late.mjs',
        `import { enableDebug } from '${dist}debug.js';\nimport './app.mjs';\nenableDebug();\nawait import('./report.mjs');`,
      );
      // The fix: debug mode set up in a module of its own, imported first.
      write('early.mjs', `import './debug-setup.mjs';\nimport './app.mjs';\nawait import('./report.mjs');`);
      const run = (file: string) => execFileSync(process.execPath, [join(dir, file)], { encoding: 'utf8' }).trim();
      expect(run('late.mjs')).toBe('[]');
      expect(run('early.mjs')).toBe('["replies"]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a select on a ticker created before enableDebug still waits for input, though the ticker itself is not listed', async () => {
    const controller = new AbortController();
    const heartbeat = ticker(60_000, { signal: controller.signal }); // module-level, before enableDebug
    enableDebug();
    const jobs = new Channel<string>(0, { name: 'jobs' });
    void select([pull(jobs), pull(heartbeat)], { signal: controller.signal }).catch(() => {});
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels.map((channel) => [channel.name, channel.pullers[0]?.kind, channel.pullers[0]?.input])).toEqual(
      [['jobs', 'select', true]],
    );
    controller.abort();
  });

  test('after disableDebug, snapshot() lists nothing, whatever the program still has parked', async () => {
    enableDebug();
    const replies = new Channel<string>(0, { name: 'replies' });
    void replies.pull().catch(() => {});
    await sleep(0);
    expect(snapshot().channels.length).toBe(1);
    disableDebug();
    expect(snapshot()).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
    expect(replies.stats().waitingPullers).toBe(1);
    replies.close();
  });

  test('re-enabling lists only the channels created since, with ids that never repeat', async () => {
    enableDebug();
    const first = new Channel<string>(0, { name: 'first-session' });
    void first.pull().catch(() => {});
    await sleep(0);
    const firstId = snapshot().channels[0]?.id as number;
    disableDebug();
    enableDebug();
    const second = new Channel<string>(0, { name: 'second-session' });
    void second.pull().catch(() => {});
    await sleep(0);
    const snap = snapshot();
    expect(snap.channels.map((channel) => channel.name)).toEqual(['second-session']);
    expect(snap.channels[0]?.id).toBeGreaterThan(firstId);
    first.close();
    second.close();
  });

  test('disableDebug with an inspector connected leaves no message listener and no timer behind', async () => {
    const live = pendingTimers();
    try {
      const listen = new CountingTarget();
      const posted: unknown[] = [];
      enableDebug({ target: { postMessage: (message) => posted.push(message) }, listen, intervalMs: 5 });
      listen.dispatchEvent(
        new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
      );
      const jobs = new Channel<number>(0, { name: 'jobs' });
      const results: number[] = [];
      const consumer = (async () => {
        for await (const job of jobs) results.push(job);
      })();
      for (let i = 0; i < 5; i++) {
        await jobs.push(i);
        await sleep(6);
      }
      expect(listen.listeners).toBe(1);
      expect(posted.filter((m) => (m as { type: string }).type === 'snapshot').length).toBeGreaterThan(1);
      jobs.close();
      await consumer;
      disableDebug();
      expect(listen.listeners).toBe(0);
      expect(live.pending()).toBe(0);
      const count = posted.length;
      await sleep(20);
      expect(posted.length).toBe(count);
      expect(results).toEqual([0, 1, 2, 3, 4]);
    } finally {
      live.restore();
    }
  });

  test('a worker pool that finishes cleanly shows every channel closed with nothing parked, and warns about nothing', async () => {
    enableDebug({ stacks: true });
    const jobs = new Channel<number>(2, { name: 'jobs' });
    const results = new Channel<number>(2, { name: 'results' });
    async function worker() {
      for await (const job of jobs) await results.push(job * 10);
    }
    const workers = Promise.all([worker(), worker(), worker()]).then(() => results.close());
    void (async () => {
      for (let i = 1; i <= 20; i++) await jobs.push(i);
      jobs.close();
    })();
    let sum = 0;
    for await (const result of results) sum += result;
    await workers;
    expect(sum).toBe(2100);
    const snap = snapshot();
    expect(summary(snap)).toEqual(['jobs: push[] pull[] closed', 'results: push[] pull[] closed']);
    expect(snap.leaked).toBeUndefined();
    expect(warn()).not.toHaveBeenCalled();
  });
});

describe("a Worker's channels in the page (relayDebug)", () => {
  test("a worker thread's stuck channel reaches the page's inspector tagged as the worker's, after the inspector's hello goes through the relay", async () => {
    const dist = new URL('../dist/', import.meta.url).href;
    const code = `
      import { workerData } from 'node:worker_threads';
      const { Channel } = await import(${JSON.stringify(`${dist}index.js`)});
      const { enableDebug } = await import(${JSON.stringify(`${dist}debug.js`)});
      const { port } = workerData;
      enableDebug({ target: port, listen: port, intervalMs: 10 });
      const tasks = new Channel(0, { name: 'worker-tasks' });
      globalThis.keep = tasks;
      tasks.pull().catch(() => {});
    `;
    const { port1, port2 } = new MessageChannel();
    const thread = new Thread(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
      workerData: { port: port2 },
      transferList: [port2],
    });
    const page = new EventTarget(); // the page's window: the inspector listens and speaks here
    const seen: DebugSnapshot[] = [];
    const target = { postMessage: (message: unknown) => void seen.push(message as DebugSnapshot) };
    const stop = relayDebug(port1, {
      target,
      listen: page,
      url: 'crunch-worker.js',
    });
    try {
      const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' };
      await vi.waitFor(
        () => {
          page.dispatchEvent(new MessageEvent('message', { data: hello }));
          expect(seen.some((message) => message.type === 'snapshot')).toBe(true);
        },
        { timeout: 10_000, interval: 100 },
      );
      const snap = seen.find((message) => message.type === 'snapshot') as DebugSnapshot;
      expect(isPageToInspectorMessage(snap)).toBe(true);
      expect(snap.context).toEqual({ kind: 'worker', url: 'crunch-worker.js' });
      expect(summary(snap)).toEqual(['worker-tasks: push[] pull[pull]']);
    } finally {
      stop();
      port1.close();
      await thread.terminate();
    }
  });
});

describe('a worker pool that stops its relays as it terminates its workers', () => {
  const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
  const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;
  /** A worker's snapshot as its debug mode posts it: one stuck pull. */
  const workerSnapshot = {
    source: 'chanasync',
    version: 1,
    type: 'snapshot',
    time: 1_800_000_000_000,
    channels: [
      {
        id: 1,
        name: 'worker-jobs',
        capacity: 1,
        size: 0,
        closed: false,
        overflow: 'block',
        pushers: [],
        pullers: [{ kind: 'pull', since: 1_799_999_999_000 }],
      },
    ],
    seq: 7,
    instance: 'copy-1',
  };
  function setUp() {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const page = new EventTarget();
    const seen: unknown[] = [];
    const stop = relayDebug(worker, { target: { postMessage: (m) => void seen.push(m) }, listen: page, url: 'w.js' });
    return { worker, page, seen, stop };
  }

  test('stopping a relay tells the connected inspector that its worker has no channels any more', () => {
    const { worker, page, seen, stop } = setUp();
    page.dispatchEvent(new MessageEvent('message', { data: hello }));
    worker.dispatchEvent(new MessageEvent('message', { data: workerSnapshot }));
    stop();
    const last = seen.at(-1);
    expect(last).toEqual({
      source: 'chanasync',
      version: 1,
      type: 'snapshot',
      time: expect.any(Number),
      channels: [],
      context: { kind: 'worker', url: 'w.js' },
      instance: 'copy-1',
      seq: 8,
    });
    expect(isPageToInspectorMessage(last)).toBe(true);
    // And the panel drops the worker's rows, which would otherwise age into "stuck".
    const receivedAt = Date.now();
    let data = withSnapshot(EMPTY_DATA, TOP, seen[1] as DebugSnapshot, receivedAt);
    expect(rowsOf(data, DEFAULT_VIEW, receivedAt).rows.map((row) => row.label)).toEqual(['worker-jobs']);
    data = withSnapshot(data, TOP, last as DebugSnapshot, receivedAt + 1);
    expect(rowsOf(data, DEFAULT_VIEW, receivedAt + 60_000).rows).toEqual([]);
  });

  test('stopping a relay after the inspector said bye posts nothing more', () => {
    const { worker, page, seen, stop } = setUp();
    page.dispatchEvent(new MessageEvent('message', { data: hello }));
    worker.dispatchEvent(new MessageEvent('message', { data: workerSnapshot }));
    page.dispatchEvent(new MessageEvent('message', { data: bye }));
    const count = seen.length;
    stop();
    expect(seen.length).toBe(count);
  });

  test('stopping a relay that never relayed a snapshot posts nothing', () => {
    const { page, seen, stop } = setUp();
    page.dispatchEvent(new MessageEvent('message', { data: hello }));
    const count = seen.length;
    stop();
    expect(seen.length).toBe(count);
  });

  test('a relay replaced by a new one for the same worker posts no empty snapshot: the new one serves it', () => {
    const { worker, page, seen } = setUp();
    page.dispatchEvent(new MessageEvent('message', { data: hello }));
    worker.dispatchEvent(new MessageEvent('message', { data: workerSnapshot }));
    const count = seen.length;
    relayDebug(worker, { target: { postMessage: (m) => void seen.push(m) }, listen: page, url: 'w.js' });
    expect(seen.slice(count).map((m) => (m as { type: string }).type)).toEqual(['announce']);
  });
});

describe('slips in debug-mode calls fail at once, naming the function and the problem', () => {
  test('passing an AbortController where relayDebug wants its signal is a TypeError naming relayDebug', () => {
    const controller = new AbortController();
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const target = { postMessage() {} };
    expect(() =>
      // @ts-expect-error the controller, not its signal
      relayDebug(worker, { signal: controller, target, listen: new EventTarget() }),
    ).toThrow(new TypeError('relayDebug(worker, options): signal is not an AbortSignal'));
  });

  test('relaying a SharedWorker instead of its port is a TypeError that says to pass the port', () => {
    const { port1 } = new MessageChannel();
    const shared = Object.assign(new EventTarget(), { port: port1 }); // a SharedWorker's shape
    try {
      // @ts-expect-error a SharedWorker has no postMessage: its port has
      expect(() => relayDebug(shared, { target: { postMessage() {} }, listen: new EventTarget() })).toThrow(
        new TypeError(
          'relayDebug(worker, options): worker has no postMessage (a SharedWorker? pass its port: relayDebug(worker.port))',
        ),
      );
    } finally {
      port1.close();
    }
  });

  test('relaying a Channel instead of a Worker is a TypeError naming relayDebug', () => {
    // @ts-expect-error a channel is no worker
    expect(() => relayDebug(new Channel(1), { target: { postMessage() {} }, listen: new EventTarget() })).toThrow(
      new TypeError('relayDebug(worker, options): worker has no postMessage'),
    );
  });

  test('stacks given as a string or intervalMs as a string is a TypeError naming enableDebug, and debug mode stays as it was', () => {
    enableDebug();
    const kept = new Channel<number>(0, { name: 'kept' });
    // @ts-expect-error stacks is a boolean
    expect(() => enableDebug({ stacks: 'yes' })).toThrow(
      new TypeError('enableDebug(options): stacks must be a boolean, got string'),
    );
    // @ts-expect-error intervalMs is a number
    expect(() => enableDebug({ intervalMs: '100' })).toThrow(
      new TypeError('enableDebug(options): intervalMs must be a number, got string'),
    );
    expect(snapshot().channels.map((channel) => channel.name)).toEqual(['kept']);
    kept.close();
  });

  test('the types reject an AbortController as enableDebug options and accept the documented ones', () => {
    // @ts-expect-error no option of enableDebug is on an AbortController
    const wrong: Parameters<typeof enableDebug>[0] = new AbortController();
    expect(wrong).toBeInstanceOf(AbortController);
    const right: Parameters<typeof enableDebug>[0] = {
      stacks: true,
      intervalMs: 100,
      warnLeaks: false,
      target: { postMessage() {} },
      listen: new EventTarget(),
    };
    expect(() => enableDebug(right)).not.toThrow();
  });
});

describe('the TypeScript experience of debug-mode programs', () => {
  test('the documented setups type-check without casts: a window, a module Worker, a stop function and a signal', () => {
    function page(): void {
      enableDebug({ target: window, listen: window, stacks: true, intervalMs: 250 });
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      const stop: () => void = relayDebug(worker, { url: 'worker.js#1', signal: new AbortController().signal });
      stop();
    }
    expectTypeOf(page).returns.toEqualTypeOf<void>();
    type ChannelRow = DebugSnapshot['channels'][number];
    expectTypeOf<ChannelRow['pushers'][number]['kind']>().toEqualTypeOf<'push' | 'pull' | 'select'>();
    expectTypeOf<ChannelRow['capacity']>().toEqualTypeOf<number | null>();
    expectTypeOf<ChannelRow['overflow']>().toEqualTypeOf<'block' | 'drop-oldest' | 'drop-newest'>();
    expectTypeOf<NonNullable<DebugSnapshot['leaked']>[number]['channel']['name']>().toEqualTypeOf<string>();
  });

  test('a URL object given as relayDebug’s url is rejected by the types and by a TypeError naming relayDebug', () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const options = { target: { postMessage() {} }, listen: new EventTarget() };
    // @ts-expect-error url is a string
    expect(() => relayDebug(worker, { ...options, url: new URL('https://app.example/worker.js') })).toThrow(
      new TypeError('relayDebug(worker, options): url must be a string, got object'),
    );
  });
});

/** An EventTarget that counts its `message` listeners. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[0] === 'message' && args[1] !== null) this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[0] === 'message' && args[1] !== null) this.listeners--;
    super.removeEventListener(...args);
  }
}
