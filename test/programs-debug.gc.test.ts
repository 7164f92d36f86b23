/**
 * Fifth audit, debug mode with a garbage collector (the vitest `gc` project, `--expose-gc`):
 * programs that drop a channel while an operation is parked on it — the leaks users write —
 * and programs that finish cleanly, which must report nothing. Imported as a user imports it
 * ('chanasync', 'chanasync/debug' → dist/). Every "no leak" test first proves that the
 * program's channels were collected.
 */

import { after as afterMs, Channel, fromEvent, merge, pull, select } from 'chanasync';
import { type DebugSnapshot, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage } from 'chanasync/protocol';
import { expect, test } from 'vitest';
import type { FrameInfo } from '../inspector-extension/src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, rowsOf, withSnapshot } from '../inspector-extension/src/panel/model.js';
import { collectAll, tick } from './helpers/gc.js';
import { until } from './helpers/ports.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const warn = useQuietDebug(disableDebug);

/** The leaks of the current snapshot as `kind channel-name`. */
const leaks = () => (snapshot().leaked ?? []).map((leak) => `${leak.kind} ${leak.channel.name}`);
/** The texts of the leak warnings so far. */
const warnings = (): string[] => warn().mock.calls.map((call: unknown[]) => String(call[0]));

/** Collects until `ref`'s channel is gone and its finalizer ran, then a few more rounds. */
async function dropAndCollect(refs: WeakRef<object>[]): Promise<void> {
  await collectAll(refs);
  for (let round = 0; round < 3; round++) {
    gc();
    await tick();
  }
}

/** The rows of the inspector's panel for `snap`, `laterMs` after it arrived, as `label:state`. */
function panelRows(snap: DebugSnapshot, thresholdMs: number, laterMs: number): string[] {
  expect(isPageToInspectorMessage(snap)).toBe(true);
  const top: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'd', origin: 'https://app.example' };
  const receivedAt = Date.now();
  const data = withSnapshot(EMPTY_DATA, top, snap, receivedAt);
  return rowsOf(data, { ...DEFAULT_VIEW, thresholdMs }, receivedAt + laterMs).rows.map(
    (row) => `${row.label}:${row.state}`,
  );
}

/** A fetch that answers after `ms`. */
const slowFetch = (ms: number) => sleep(ms).then(() => 'body');
/**
 * How long the fetch-with-timeout programs' fetch takes, against their 1 ms timeout. At 30 ms a
 * busy run lost the race: the fetch's timer is set before the timeout's, and the stacks debug
 * mode captures in between (the timeout channel's, the select's) took longer than that.
 */
const FETCH_MS = 300;

test('the fetch-with-timeout leak is warned about once, with where the push parked and where the channel was created', async () => {
  enableDebug({ stacks: true });
  let ref: WeakRef<Channel<string>> | undefined;
  // Held until the snapshot below has listed it: nothing else holds the channel, and a
  // collection the machine runs by itself meanwhile would take it (a CI run listed none).
  const held: { channel?: Channel<string> | undefined } = {};
  async function fetchWithTimeout(ms: number): Promise<string | undefined> {
    const reply = new Channel<string>(0, { name: 'reply' }); // the bug: unbuffered
    ref = new WeakRef(reply);
    held.channel = reply;
    void (async function deliver() {
      await reply.push(await slowFetch(FETCH_MS)); // after the timeout, nobody ever pulls
    })();
    const result = await select([pull(reply), pull(afterMs(ms))]);
    return result.index === 0 ? (result.value as string) : undefined;
  }
  expect(await fetchWithTimeout(1)).toBeUndefined();
  // The fetch answers: its push parks.
  await until(() => snapshot().channels.some((c) => c.name === 'reply' && c.pushers.length > 0));
  const listed = snapshot().channels.filter((c) => c.name === 'reply');
  expect(listed.map((c) => [c.name, c.pushers.map((w) => w.kind)])).toEqual([['reply', ['push']]]);
  held.channel = undefined;
  await dropAndCollect([ref as WeakRef<Channel<string>>]);
  expect(leaks()).toEqual(['push reply']);
  expect(warnings().length).toBe(1);
  const [message] = warnings();
  expect(message).toMatch(/^chanasync: leaked push — a push into channel "reply" \(#\d+, capacity 0\) waited /);
  expect(message).toMatch(/\nParked at:\n {4}at deliver \(/);
  expect(message).toMatch(/\nChannel created at:\n {4}at fetchWithTimeout \(/);
  expect(message).toContain('programs-debug.gc.test.ts');
  for (let round = 0; round < 5; round++) {
    gc();
    await tick();
    snapshot();
  }
  expect(warnings().length).toBe(1); // once, however many collections and snapshots follow
});

test('the fetch-with-timeout fixed with a buffer of one reports no leak once the channel is collected', async () => {
  enableDebug({ stacks: true });
  let ref: WeakRef<Channel<string>> | undefined;
  // Held until the snapshot below has listed it: nothing else holds the channel, and a
  // collection the machine runs by itself meanwhile would take it (a CI run listed none).
  const held: { channel?: Channel<string> | undefined } = {};
  async function fetchWithTimeout(ms: number): Promise<string | undefined> {
    const reply = new Channel<string>(1, { name: 'reply' }); // the fix
    ref = new WeakRef(reply);
    held.channel = reply;
    void (async function deliver() {
      await reply.push(await slowFetch(FETCH_MS));
    })();
    const result = await select([pull(reply), pull(afterMs(ms))]);
    return result.index === 0 ? (result.value as string) : undefined;
  }
  expect(await fetchWithTimeout(1)).toBeUndefined();
  await until(() => snapshot().channels.some((c) => c.name === 'reply' && c.size > 0));
  const listed = snapshot().channels.filter((c) => c.name === 'reply');
  expect(listed.map((c) => [c.name, c.size, c.pushers.length])).toEqual([['reply', 1, 0]]);
  held.channel = undefined;
  await dropAndCollect([ref as WeakRef<Channel<string>>]);
  expect(leaks()).toEqual([]);
  expect(warn()).not.toHaveBeenCalled();
});

test('a worker whose producer forgot to close the jobs channel is reported as one leaked pull, parked in the worker’s loop', async () => {
  enableDebug({ stacks: true });
  const done: number[] = [];
  let ref: WeakRef<Channel<number>> | undefined;
  (() => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    ref = new WeakRef(jobs);
    void (async function worker() {
      for await (const job of jobs) done.push(job);
    })();
    void (async function produce() {
      for (let i = 0; i < 3; i++) await jobs.push(i);
      // the bug: no jobs.close()
    })();
  })();
  await sleep(5);
  expect(done).toEqual([0, 1, 2]);
  await dropAndCollect([ref as WeakRef<Channel<number>>]);
  expect(leaks()).toEqual(['pull jobs']);
  expect(snapshot().leaked?.[0]?.stack).toMatch(/^at worker \(/);
  expect(warnings().length).toBe(1);
});

/**
 * The pipeline of the non-GC file, dropped after its middle stage threw: the source parked on
 * a push, the sink on a pull. `keep` decides what the program does with the stage's error.
 */
async function brokenPipeline(refs: WeakRef<object>[], keep: (error: Error) => unknown): Promise<unknown> {
  const numbers = new Channel<number>(0, { name: 'numbers' });
  const squares = new Channel<number>(0, { name: 'squares' });
  refs.push(new WeakRef(numbers), new WeakRef(squares));
  void (async () => {
    for (let i = 1; ; i++) await numbers.push(i);
  })();
  void (async () => {
    for await (const _ of squares);
  })();
  return (async () => {
    for await (const n of numbers) {
      if (n === 3) throw new Error('cannot square 3');
      await squares.push(n * n);
    }
  })().catch(keep);
}

test('a pipeline dropped after its middle stage threw reports its two stranded stages, the source’s push and the sink’s pull', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  const message = await brokenPipeline(refs, (error) => error.message);
  expect(message).toBe('cannot square 3');
  await dropAndCollect(refs);
  expect(leaks().sort()).toEqual(['pull squares', 'push numbers']);
  expect(warnings().length).toBe(2);
  // Without stacks, the warning says how to get them.
  expect(warnings()[0]).toContain('Call enableDebug({ stacks: true }) to see where it parked');
});

// V8 keeps the functions of an Error's stack (and so what they close over) until the stack is
// formatted: a program that keeps the stage's error unread keeps the stranded stages reachable,
// and they are reported once the error is gone or its stack was read (logging it reads it).
test('a broken pipeline whose error is kept is reported once the error’s stack was read', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  const error = (await brokenPipeline(refs, (failure) => failure)) as Error;
  for (let round = 0; round < 5; round++) {
    gc();
    await tick();
  }
  expect(leaks()).toEqual([]); // still reachable through the error's unread stack
  expect(error.stack).toContain('cannot square 3');
  await dropAndCollect(refs);
  expect(leaks().sort()).toEqual(['pull squares', 'push numbers']);
});

test('a select left waiting on two dropped channels is one leaked select, named by its first case’s channel', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  (() => {
    const results = new Channel<string>(0, { name: 'results' });
    const shutdown = new Channel<void>(0, { name: 'shutdown' });
    refs.push(new WeakRef(results), new WeakRef(shutdown));
    void select([pull(results), pull(shutdown)]);
  })();
  await tick();
  await dropAndCollect(refs);
  expect(leaks()).toEqual(['select results']);
  expect(warnings().length).toBe(1);
});

test('the panel lists a leak first, above a stuck channel and an idle one', async () => {
  enableDebug();
  const live = new Channel<number>(0, { name: 'stuck-live' });
  const idle = new Channel<number>(1, { name: 'idle' });
  void live.push(1).catch(() => {});
  let ref: WeakRef<Channel<number>> | undefined;
  (() => {
    const orphan = new Channel<number>(0, { name: 'orphan' });
    ref = new WeakRef(orphan);
    void orphan.pull();
  })();
  await tick();
  await dropAndCollect([ref as WeakRef<Channel<number>>]);
  expect(panelRows(snapshot(), 1, 60_000)).toEqual(['orphan:leaked', 'stuck-live:stuck', 'idle:idle']);
  live.close();
  idle.close();
});

test('a worker pool that runs to completion and is dropped reports no leak and warns about nothing', async () => {
  enableDebug({ stacks: true });
  const refs: WeakRef<object>[] = [];
  const sum = await (async () => {
    const jobs = new Channel<number>(2, { name: 'jobs' });
    const results = new Channel<number>(0, { name: 'results' });
    refs.push(new WeakRef(jobs), new WeakRef(results));
    const workers = [0, 1, 2].map(async () => {
      for await (const job of jobs) await results.push(job * 2);
    });
    void Promise.all(workers).then(() => results.close());
    void (async () => {
      for (let i = 1; i <= 30; i++) await jobs.push(i);
      jobs.close();
    })();
    let total = 0;
    for await (const value of results) total += value;
    return total;
  })();
  expect(sum).toBe(930);
  await dropAndCollect(refs);
  expect(snapshot().leaked).toBeUndefined();
  expect(warn()).not.toHaveBeenCalled();
});

test('an operation cancelled by its AbortSignal before the program dropped its channel is no leak', async () => {
  enableDebug();
  const controller = new AbortController();
  let ref: WeakRef<Channel<number>> | undefined;
  let outcome: Promise<unknown> | undefined;
  (() => {
    const replies = new Channel<number>(0, { name: 'replies' });
    ref = new WeakRef(replies);
    outcome = replies.pull({ signal: controller.signal }).catch((error: unknown) => error);
  })();
  await tick();
  controller.abort(new Error('user left the page'));
  expect(await outcome).toEqual(new Error('user left the page'));
  outcome = undefined;
  await dropAndCollect([ref as WeakRef<Channel<number>>]);
  expect(snapshot().leaked).toBeUndefined();
  expect(warn()).not.toHaveBeenCalled();
});

test('leaks are not warned about with warnLeaks: false, but are still in snapshots', async () => {
  enableDebug({ warnLeaks: false });
  let ref: WeakRef<Channel<number>> | undefined;
  (() => {
    const orphan = new Channel<number>(0, { name: 'orphan' });
    ref = new WeakRef(orphan);
    void orphan.push(1);
  })();
  await tick();
  await dropAndCollect([ref as WeakRef<Channel<number>>]);
  expect(leaks()).toEqual(['push orphan']);
  expect(warn()).not.toHaveBeenCalled();
});

test('a click loop whose element was dropped without aborting the loop is one leaked pull: its finally never runs', async () => {
  enableDebug({ stacks: true });
  let cleanedUp = false;
  const refs: WeakRef<object>[] = [];
  (() => {
    const button = new EventTarget(); // removed from the page and forgotten
    refs.push(new WeakRef(button));
    void (async function onClicks() {
      try {
        for await (const _ of fromEvent(button, 'click')) console.log('click');
      } finally {
        cleanedUp = true;
      }
    })();
  })();
  await tick();
  await dropAndCollect(refs);
  for (let round = 0; round < 5 && leaks().length === 0; round++) {
    gc();
    await tick();
  }
  expect(leaks()).toEqual(['pull fromEvent(click)']);
  expect(snapshot().leaked?.[0]?.stack).toMatch(/^at onClicks \(/);
  expect(cleanedUp).toBe(false);
});

test('the same click loop stopped through its signal when the element goes reports nothing and runs its finally', async () => {
  enableDebug({ stacks: true });
  let cleanedUp = false;
  const controller = new AbortController();
  const refs: WeakRef<object>[] = [];
  (() => {
    const button = new EventTarget();
    refs.push(new WeakRef(button));
    void (async function onClicks() {
      try {
        for await (const _ of fromEvent(button, 'click', { signal: controller.signal })) console.log('click');
      } finally {
        cleanedUp = true;
      }
    })();
  })();
  await tick();
  controller.abort(); // the component unmounts
  await dropAndCollect(refs);
  expect(cleanedUp).toBe(true);
  expect(snapshot().leaked).toBeUndefined();
  expect(warn()).not.toHaveBeenCalled();
});

test('a deadlock whose two tasks nothing references any more is reported as two leaked pushes, one per task', async () => {
  enableDebug({ stacks: true });
  const refs: WeakRef<object>[] = [];
  (function startTransfer() {
    const requests = new Channel<string>(0, { name: 'requests' });
    const approvals = new Channel<string>(0, { name: 'approvals' });
    refs.push(new WeakRef(requests), new WeakRef(approvals));
    void (async function transfer() {
      await requests.push('pay 10');
      await approvals.pull();
    })();
    void (async function audit() {
      await approvals.push('ok');
      await requests.pull();
    })();
  })();
  await tick();
  await dropAndCollect(refs);
  const leaked = (snapshot().leaked ?? []).map(
    (leak) => `${leak.kind} ${leak.channel.name} ${leak.stack?.split(' ')[1]}`,
  );
  expect(leaked.sort()).toEqual(['push approvals audit', 'push requests transfer']);
  expect(warnings().length).toBe(2);
  expect(warnings().every((message) => message.includes('Channel created at:\n    at startTransfer ('))).toBe(true);
});

// "Concurrency in Go" (Cox-Buday, ch. 4, "Preventing Goroutine Leaks"): newRandStream's producer
// blocks forever once its consumer stopped reading — unless the consumer tells it to stop.
function newRandStream(refs: WeakRef<object>[], signal?: AbortSignal): Channel<number> {
  const randStream = new Channel<number>(0, { name: 'randStream' });
  refs.push(new WeakRef(randStream));
  void (async function produce() {
    try {
      for (let i = 0; ; i++) await randStream.push((i * 7919) % 100, { signal });
    } catch {
      // aborted: the consumer is done
    }
  })();
  return randStream;
}

test('the rand-stream producer whose consumer read three values and left is reported as a leaked push', async () => {
  enableDebug({ stacks: true });
  const refs: WeakRef<object>[] = [];
  const read = await (async () => {
    const values: number[] = [];
    for await (const value of newRandStream(refs)) {
      values.push(value);
      if (values.length === 3) break;
    }
    return values;
  })();
  expect(read).toEqual([0, 19, 38]);
  await dropAndCollect(refs);
  expect(leaks()).toEqual(['push randStream']);
  expect(snapshot().leaked?.[0]?.stack).toMatch(/^at produce \(/);
});

test('the rand-stream producer told to stop through a signal when its consumer leaves reports no leak', async () => {
  enableDebug({ stacks: true });
  const refs: WeakRef<object>[] = [];
  const read = await (async () => {
    const done = new AbortController();
    const values: number[] = [];
    for await (const value of newRandStream(refs, done.signal)) {
      values.push(value);
      if (values.length === 3) break;
    }
    done.abort();
    return values;
  })();
  expect(read).toEqual([0, 19, 38]);
  await dropAndCollect(refs);
  expect(snapshot().leaked).toBeUndefined();
  expect(warn()).not.toHaveBeenCalled();
});

// The Go blog's "Pipelines and cancellation": gen → two sq stages → merge; a consumer that
// takes one value and leaves strands the stages blocked on their sends — unless it cancels them.
function squarePipeline(refs: WeakRef<object>[], signal?: AbortSignal, genClosesOnCancel = true): Channel<number> {
  const gen = new Channel<number>(0, { name: 'gen' });
  refs.push(new WeakRef(gen));
  void (async () => {
    try {
      for (const n of [2, 3, 4, 5]) await gen.push(n, { signal });
      gen.close();
    } catch {
      if (genClosesOnCancel) gen.close(); // cancelled: the stages reading gen end too
    }
  })();
  const sq = (name: string) => {
    const out = new Channel<number>(0, { name });
    refs.push(new WeakRef(out));
    void (async () => {
      try {
        for await (const n of gen) await out.push(n * n, { signal });
        out.close();
      } catch {
        out.close(); // cancelled
      }
    })();
    return out;
  };
  const merged = merge(sq('sq1'), sq('sq2'));
  refs.push(new WeakRef(merged));
  return merged;
}

test('the Go blog’s square pipeline whose consumer takes one value and leaves leaks the pushes of both sq stages', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  const first = await (async () => squarePipeline(refs).pull())();
  expect([4, 9]).toContain(first);
  await dropAndCollect(refs);
  expect(leaks().sort()).toEqual(['push sq1', 'push sq2']);
});

test('a half-done cancellation, where gen stops without closing its channel, is reported: a sq stage still waits on gen', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  await (async () => {
    const done = new AbortController();
    const merged = squarePipeline(refs, done.signal, false);
    await merged.pull();
    done.abort();
    merged.close();
  })();
  await dropAndCollect(refs);
  expect(leaks()).toEqual(['pull gen']);
});

test('the same pipeline cancelled through one AbortSignal when the consumer leaves reports no leak', async () => {
  enableDebug();
  const refs: WeakRef<object>[] = [];
  const first = await (async () => {
    const done = new AbortController();
    const merged = squarePipeline(refs, done.signal);
    const value = await merged.pull();
    done.abort();
    merged.close();
    return value;
  })();
  expect([4, 9]).toContain(first);
  await dropAndCollect(refs);
  expect(snapshot().leaked).toBeUndefined();
  expect(warn()).not.toHaveBeenCalled();
});
