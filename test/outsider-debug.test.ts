/**
 * The SPEC's "Debug mode (chanasync/debug)" section and the non-GC parts of "Debug mode and
 * inspector, second map" read by an outsider who has never seen the implementation, through the
 * public entries (`chanasync`, `chanasync/debug`, `chanasync/port`): the snapshot's exact shape,
 * what is tracked and when, waiters of each kind, stacks, the transport (announce, hello, bye,
 * throttle, only changes, window or not), foreign messages, bad options, and waits explained by
 * input. Leaks (which need the garbage collector) are in outsider-debug.gc.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { after as afterMs, Channel, fromEvent, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { fromPort } from 'chanasync/port';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A target that records what is posted, and the arguments it was posted with. */
function recorder(window = false) {
  const calls: unknown[][] = [];
  const target: { postMessage(...args: unknown[]): void; window?: unknown } = {
    postMessage: (...args: unknown[]) => {
      calls.push(args);
    },
  };
  if (window) target.window = target;
  const messages = () => calls.map((args) => args[0] as { type: string; [key: string]: unknown });
  const snapshots = () => messages().filter((m) => m.type === 'snapshot') as unknown as ReturnType<typeof snapshot>[];
  return { target, calls, messages, snapshots };
}

const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' };
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' };
const say = (listen: EventTarget, data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));

/** The snapshot entry of `channel` (found by name), or undefined when not tracked. */
function entry(name: string) {
  return snapshot().channels.find((c) => c.name === name);
}

describe('off by default', () => {
  test('without enableDebug, snapshot() has the spelled-out envelope and no channels', () => {
    new Channel(1, { name: 'untracked' });
    const s = snapshot();
    expect(s).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
    expect(typeof s.time).toBe('number');
  });

  test('channels created before enableDebug are not tracked; those created afterwards are', () => {
    new Channel(1, { name: 'before' });
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const later = new Channel(1, { name: 'after' });
    expect(entry('before')).toBeUndefined();
    expect(entry('after')).toBeDefined();
    expect(later.name).toBe('after');
  });
});

describe('free when off', () => {
  test('with debug never enabled, pushes, pulls, selects and close read no clock', () => {
    const index = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
    const script = `
      let clock = 0;
      const now = Date.now; Date.now = () => { clock++; return now(); };
      const perf = performance.now.bind(performance); performance.now = () => { clock++; return perf(); };
      const { Channel, select, pull, push } = await import(${JSON.stringify(index)});
      const before = clock;
      const ch = new Channel(0, { name: 'quiet' });
      const other = new Channel(1);
      for (let i = 0; i < 50; i++) {
        const p = ch.pull();
        await ch.push(i);
        await p;
        const s = select([pull(ch), push(other, i)]);
        await s;
        other.pullNowait();
      }
      const c = new Channel(0); const q = c.pull().catch(() => {}); c.close(); await q;
      console.log(JSON.stringify({ clock: clock - before }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ clock: 0 });
  });

  test('a bundle that imports only the core contains none of the debug code', async () => {
    const result = await esbuild.build({
      stdin: {
        contents: "import { Channel, select } from 'chanasync'; console.log(Channel, select);",
        resolveDir: import.meta.dirname,
      },
      bundle: true,
      format: 'esm',
      write: false,
      minify: false,
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code.length).toBeGreaterThan(0);
    expect(code).not.toContain('chanasync-inspector');
    expect(code).not.toContain('announce');
    expect(code).not.toContain('leaked');
  });
});

describe('the snapshot', () => {
  test('a channel is described exactly as { id, name, capacity, size, closed, overflow, pushers, pullers }', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<string>(3, { name: 'jobs' });
    ch.pushNowait('secret');
    const s = snapshot();
    expect(s).toEqual({
      source: 'chanasync',
      version: 1,
      type: 'snapshot',
      time: expect.any(Number),
      channels: [
        {
          id: expect.any(Number),
          name: 'jobs',
          capacity: 3,
          size: 1,
          closed: false,
          overflow: 'block',
          pushers: [],
          pullers: [],
        },
      ],
    });
  });

  test('time is the current time in ms since the epoch', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const before = Date.now();
    const { time } = snapshot();
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  test('capacity Infinity is null, so the snapshot survives JSON', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    new Channel(Number.POSITIVE_INFINITY, { name: 'unbounded' });
    expect(entry('unbounded')?.capacity).toBeNull();
    const s = snapshot();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  test('an unnamed channel has name "" and each channel its own id', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    new Channel();
    new Channel();
    const { channels } = snapshot();
    expect(channels.map((c) => c.name)).toEqual(['', '']);
    expect(new Set(channels.map((c) => c.id)).size).toBe(2);
  });

  test('overflow, closed and size follow the channel', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(2, { name: 'sliding', overflow: 'drop-oldest' });
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    ch.close();
    expect(entry('sliding')).toMatchObject({ overflow: 'drop-oldest', size: 2, closed: true, capacity: 2 });
  });

  test('buffered values are never included, only counts', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget(), stacks: true });
    const ch = new Channel<string>(2, { name: 'private' });
    ch.pushNowait('hunter2-password');
    const blocked = new Channel<string>(0, { name: 'blocked' });
    void blocked.push('another-secret-value').catch(() => {});
    const text = JSON.stringify(snapshot());
    expect(text).not.toContain('hunter2-password');
    expect(text).not.toContain('another-secret-value');
    blocked.close();
  });

  test('a snapshot with non-cloneable values in the channels is structured-clone safe', () => {
    enableDebug({ target: recorder().target, listen: new EventTarget(), stacks: true });
    const ch = new Channel<() => void>(1, { name: 'functions' });
    ch.pushNowait(() => {});
    expect(() => structuredClone(snapshot())).not.toThrow();
  });

  test('a parked push is listed as { kind: "push", since } and leaves once it commits', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'rendezvous' });
    const before = Date.now();
    const pushed = ch.push(1);
    const waiter = entry('rendezvous')?.pushers;
    expect(waiter).toEqual([{ kind: 'push', since: expect.any(Number) }]);
    expect(waiter?.[0]?.since).toBeGreaterThanOrEqual(before);
    expect(entry('rendezvous')?.pullers).toEqual([]);
    expect(await ch.pull()).toBe(1);
    await pushed;
    expect(entry('rendezvous')?.pushers).toEqual([]);
  });

  test('a parked pull is listed as { kind: "pull", since } and leaves when aborted', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(1, { name: 'waiting' });
    const controller = new AbortController();
    const pulled = ch.pull({ signal: controller.signal }).catch((e) => e);
    expect(entry('waiting')?.pullers).toEqual([{ kind: 'pull', since: expect.any(Number) }]);
    controller.abort('stop');
    expect(await pulled).toBe('stop');
    expect(entry('waiting')?.pullers).toEqual([]);
  });

  test('parked operations are listed oldest first, and leave when the channel closes', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'queue' });
    const a = ch.pull().catch(() => 'closed');
    await new Promise((r) => setTimeout(r, 5));
    const b = ch.pull().catch(() => 'closed');
    const pullers = entry('queue')?.pullers ?? [];
    expect(pullers.map((w) => w.kind)).toEqual(['pull', 'pull']);
    expect((pullers[0]?.since ?? 0) <= (pullers[1]?.since ?? 0)).toBe(true);
    ch.close();
    expect(await Promise.all([a, b])).toEqual(['closed', 'closed']);
    expect(entry('queue')).toMatchObject({ closed: true, pullers: [], pushers: [] });
  });

  test('a waiting select is listed with kind "select" on every channel it waits on, and leaves them all when it commits', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const left = new Channel<number>(0, { name: 'left' });
    const right = new Channel<number>(0, { name: 'right' });
    const chosen = select([pull(left), push(right, 5)]);
    expect(entry('left')?.pullers.map((w) => w.kind)).toEqual(['select']);
    expect(entry('right')?.pushers.map((w) => w.kind)).toEqual(['select']);
    expect(left.stats().waitingPullers).toBe(1);
    left.pushNowait(1);
    expect((await chosen).index).toBe(0);
    expect(entry('left')?.pullers).toEqual([]);
    expect(entry('right')?.pushers).toEqual([]);
  });

  test('a for await loop waiting on a channel is listed as a parked pull', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'loop' });
    const loop = (async () => {
      for await (const _ of ch) {
        // nothing
      }
    })();
    await flush();
    expect(entry('loop')?.pullers.map((w) => w.kind)).toEqual(['pull']);
    ch.close();
    await loop;
  });
});

describe('stacks', () => {
  test('without stacks: true, no createdAt and no stack are recorded', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'plain' });
    const p = ch.pull().catch(() => {});
    const e = entry('plain');
    expect(e && 'createdAt' in e).toBe(false);
    expect(e?.pullers[0] && 'stack' in e.pullers[0]).toBe(false);
    ch.close();
    await p;
  });

  test('with stacks: true, createdAt and each parked stack are strings that point at the calling code', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget(), stacks: true });
    const ch = new Channel<number>(0, { name: 'traced' });
    const p = ch.pull().catch(() => {});
    const e = entry('traced');
    expect(typeof e?.createdAt).toBe('string');
    expect(e?.createdAt).toContain('outsider-debug.test');
    expect(typeof e?.pullers[0]?.stack).toBe('string');
    expect(e?.pullers[0]?.stack).toContain('outsider-debug.test');
    ch.close();
    await p;
  });

  test('a parked stack keeps at least Error.stackTraceLimit frames of the caller’s own, however many of chanasync’s come first', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget(), stacks: true });
    const limit = Error.stackTraceLimit;
    const ch = new Channel<number>(1, { name: 'deep' });
    const other = new Channel<number>(0);
    const parked: Promise<unknown>[] = [];
    // pushAll parks inside its loop; a select parks after its poll: chanasync's deepest paths
    function level(n: number): void {
      if (n > 0) {
        level(n - 1);
        return;
      }
      parked.push(ch.pushAll([1, 2, 3], { signal: new AbortController().signal }).catch(() => {}));
      parked.push(select([pull(other), push(ch, 9)]).catch(() => {}));
    }
    level(limit + 5);
    const e = entry('deep');
    expect(e?.pushers).toHaveLength(2);
    for (const waiter of e?.pushers ?? []) {
      const frames = (waiter.stack ?? '').split('\n');
      // the innermost user frames, at least as many as the limit: every one is `level`
      expect(frames.filter((frame) => /\blevel\b/.test(frame)).length).toBeGreaterThanOrEqual(limit);
    }
    expect(Error.stackTraceLimit).toBe(limit);
    ch.close();
    other.close();
    await Promise.all(parked);
  });
});

describe('transport', () => {
  test('enableDebug posts announce with source, version and type', () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: new EventTarget() });
    expect(r.messages()).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  test('a target that is not a window gets postMessage(message) with no origin', () => {
    const r = recorder(false);
    enableDebug({ target: r.target, listen: new EventTarget() });
    expect(r.calls[0]?.length).toBe(1);
  });

  test('a window target gets postMessage(message, "*")', () => {
    const r = recorder(true);
    enableDebug({ target: r.target, listen: new EventTarget() });
    expect(r.calls[0]?.[1]).toBe('*');
    expect(r.calls[0]?.length).toBe(2);
  });

  test('no snapshot is posted before hello, even when channels change', async () => {
    const r = recorder();
    enableDebug({ target: r.target, listen: new EventTarget(), intervalMs: 10 });
    const ch = new Channel<number>(1, { name: 'quiet' });
    ch.pushNowait(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.snapshots()).toEqual([]);
  });

  test('after hello, snapshots of the tracked channels are posted; after bye, none', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 100 });
    const ch = new Channel<number>(2, { name: 'watched' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(150);
    const first = r.snapshots();
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.at(-1)?.channels.map((c) => c.name)).toContain('watched');
    expect(first.at(-1)).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    say(listen, bye);
    const count = r.snapshots().length;
    ch.pushNowait(1);
    ch.pushNowait(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.snapshots().length).toBe(count);
  });

  test('at most one snapshot per intervalMs however often channels change', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 100 });
    const ch = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'busy' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    const start = r.snapshots().length;
    for (let ms = 0; ms < 1000; ms += 5) {
      ch.pushNowait(ms);
      await vi.advanceTimersByTimeAsync(5);
    }
    const posted = r.snapshots().length - start;
    expect(posted).toBeGreaterThanOrEqual(5);
    expect(posted).toBeLessThanOrEqual(11);
  });

  test('no snapshot is posted when nothing changed', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 50 });
    new Channel<number>(1, { name: 'still' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(200);
    const count = r.snapshots().length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.snapshots().length).toBe(count);
  });

  test('the default interval is 250 ms', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen });
    const ch = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'default-interval' });
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(1);
    const start = r.snapshots().length;
    for (let ms = 0; ms < 2500; ms += 10) {
      ch.pushNowait(ms);
      await vi.advanceTimersByTimeAsync(10);
    }
    const posted = r.snapshots().length - start;
    expect(posted).toBeGreaterThanOrEqual(8);
    expect(posted).toBeLessThanOrEqual(11);
  });

  test('every posted message carries version 1', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 10 });
    new Channel(1, { name: 'v' }).pushNowait(1);
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(50);
    expect(r.messages().length).toBeGreaterThanOrEqual(2);
    for (const m of r.messages()) expect(m).toMatchObject({ source: 'chanasync', version: 1 });
  });

  test('messages not of the exact hello shape are ignored without error', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 10 });
    new Channel(1, { name: 'ignored' }).pushNowait(1);
    for (const data of [
      null,
      undefined,
      'hello',
      42,
      { type: 'hello' },
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: 'chanasync-inspector', version: 1, type: 'HELLO' },
      Object.create(null),
      {
        get source(): string {
          throw new Error('hostile getter');
        },
      },
      new Proxy(
        {},
        {
          get() {
            throw new Error('hostile proxy');
          },
        },
      ),
    ]) {
      expect(() => say(listen, data)).not.toThrow();
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(r.snapshots()).toEqual([]);
  });

  test('disableDebug stops tracking and posting: snapshot() has no channels, hello is no longer heard', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const listen = new EventTarget();
    enableDebug({ target: r.target, listen, intervalMs: 10 });
    new Channel(1, { name: 'gone' });
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    const count = r.calls.length;
    say(listen, hello);
    await vi.advanceTimersByTimeAsync(100);
    expect(r.calls.length).toBe(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('hello and bye arriving through a MessagePort given as listen are heard', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const r = recorder();
      enableDebug({ target: r.target, listen: port1 as unknown as EventTarget, intervalMs: 10 });
      new Channel(1, { name: 'over-port' }).pushNowait(1);
      port2.postMessage(hello);
      const deadline = Date.now() + 5000;
      while (r.snapshots().length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      expect(
        r
          .snapshots()
          .at(-1)
          ?.channels.map((c) => c.name),
      ).toContain('over-port');
    } finally {
      disableDebug();
      port1.close();
      port2.close();
    }
  });
});

describe('bad options', () => {
  test('a target without postMessage is a TypeError', () => {
    expect(() => enableDebug({ target: {} as never })).toThrow(TypeError);
  });

  test('a negative, zero or NaN intervalMs is a RangeError, and debug mode stays off', () => {
    for (const intervalMs of [-1, 0, Number.NaN]) {
      expect(() => enableDebug({ target: recorder().target, listen: new EventTarget(), intervalMs })).toThrow(
        RangeError,
      );
    }
    new Channel(1, { name: 'still-off' });
    expect(snapshot().channels).toEqual([]);
  });
});

describe('idle is not stuck: waits explained by input', () => {
  test('a wait on a plain channel is not marked as input; a channel declared input marks its waits', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const plain = new Channel<number>(0, { name: 'plain' });
    const fed = new Channel<number>(0, { name: 'fed', input: true });
    const a = plain.pull().catch(() => {});
    const b = fed.pull().catch(() => {});
    expect(entry('plain')?.pullers[0]?.input).toBeUndefined();
    expect(entry('fed')?.pullers[0]?.input).toBe(true);
    expect(entry('fed')?.input).toBe(true);
    plain.close();
    fed.close();
    await Promise.all([a, b]);
  });

  test('waits on fromEvent, after, ticker and fromPort channels are waiting for input', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const controller = new AbortController();
    const events = fromEvent(new EventTarget(), 'ping', { signal: controller.signal });
    const timer = afterMs(60_000, { signal: controller.signal });
    const ticks = ticker(60_000, { signal: controller.signal });
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort<number>(port1 as never);
    const pulls = [events, timer, ticks, remote].map((c) => (c as Channel<unknown>).pull().catch(() => {}));
    const waits = snapshot()
      .channels.filter((c) => c.pullers.length > 0)
      .map((c) => c.pullers[0]?.input);
    expect(waits).toEqual([true, true, true, true]);
    controller.abort();
    remote.close();
    await Promise.all(pulls);
    port1.close();
    port2.close();
  });

  test('a select that includes a case on an input channel is waiting for input on every channel it waits on', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const controller = new AbortController();
    const timeout = afterMs(60_000, { signal: controller.signal });
    const work = new Channel<number>(0, { name: 'work' });
    const chosen = select([pull(work), pull(timeout)], { signal: controller.signal }).catch(() => {});
    expect(entry('work')?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    controller.abort();
    await chosen;
  });

  test('channels whose waits nothing explains are listed before those waiting for input, and idle ones last', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    new Channel<number>(1, { name: 'idle' });
    const fed = new Channel<number>(0, { name: 'fed', input: true });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const a = fed.pull().catch(() => {});
    const b = stuck.pull().catch(() => {});
    expect(snapshot().channels.map((c) => c.name)).toEqual(['stuck', 'fed', 'idle']);
    fed.close();
    stuck.close();
    await Promise.all([a, b]);
  });

  test('among stuck channels, the one blocked longest comes first', async () => {
    enableDebug({ target: recorder().target, listen: new EventTarget() });
    const newer = new Channel<number>(0, { name: 'newer' });
    const older = new Channel<number>(0, { name: 'older' });
    const a = older.push(1).catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    const b = newer.push(2).catch(() => {});
    expect(snapshot().channels.map((c) => c.name)).toEqual(['older', 'newer']);
    older.close();
    newer.close();
    await Promise.all([a, b]);
  });
});

describe('channels in another context', () => {
  test('a worker that enables debug mode shows its channels in the page, tagged with its context', async () => {
    const dir = tempDir('outsider-debug-');
    const dist = (file: string) => pathToFileURL(join(import.meta.dirname, '..', 'dist', file)).href;
    const script = join(dir, 'worker.mjs');
    writeFileSync(
      script,
      `import { workerData } from 'node:worker_threads';
import { Channel } from ${JSON.stringify(dist('index.js'))};
import { enableDebug } from ${JSON.stringify(dist('debug.js'))};
const port = workerData.port;
enableDebug({ target: port, listen: port, intervalMs: 10 });
const jobs = new Channel(0, { name: 'worker-jobs' });
jobs.pull(); // parked for good
setInterval(() => {}, 1000);
`,
    );
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(script, { workerData: { port: port2 }, transferList: [port2] });
    const r = recorder();
    const listen = new EventTarget();
    const stop = relayDebug(port1 as unknown as Parameters<typeof relayDebug>[0], {
      target: r.target,
      listen,
      url: 'worker://jobs',
    });
    try {
      say(listen, hello);
      const deadline = Date.now() + 10_000;
      const found = () =>
        r.snapshots().find((m) => m.channels.some((c) => c.name === 'worker-jobs' && c.pullers.length === 1));
      while (!found() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const message = found();
      expect(message?.context).toMatchObject({ kind: 'worker', url: 'worker://jobs' });
      expect(message?.channels.find((c) => c.name === 'worker-jobs')?.pullers).toEqual([
        { kind: 'pull', since: expect.any(Number) },
      ]);
    } finally {
      stop();
      await worker.terminate();
      port1.close();
    }
  });

  test('enableDebug() with no options works where globalThis cannot post (Node): snapshot() still answers', () => {
    expect(() => enableDebug()).not.toThrow();
    new Channel(1, { name: 'no-transport' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['no-transport']);
  });

  test('enableDebug called again starts over with the new options', () => {
    const first = recorder();
    const second = recorder();
    enableDebug({ target: first.target, listen: new EventTarget() });
    new Channel(1, { name: 'kept' });
    enableDebug({ target: second.target, listen: new EventTarget(), stacks: true });
    const fresh = new Channel(1, { name: 'fresh' });
    expect(second.messages().map((m) => m.type)).toEqual(['announce']);
    expect(typeof entry('fresh')?.createdAt).toBe('string');
    expect(fresh.name).toBe('fresh');
  });
});
