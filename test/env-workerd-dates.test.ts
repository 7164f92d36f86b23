/**
 * chanasync in Cloudflare Workers of every compatibility date: a Worker keeps the behaviour of
 * the date it was deployed with, and older dates lack what a newer workerd has. Before
 * 2025-05-05 there is no `WeakRef` (nor `FinalizationRegistry`) — every parked operation with a
 * `signal` threw a `ReferenceError` and left a ghost waiter; before 2025-08-01 event listeners
 * get the global scope as `this` — no `signal` cancelled anything. Each case of
 * test/fixtures/workerd-dates-worker.ts runs in workerd (Miniflare, in-process) under three dates:
 * one before each change, and the date the examples use.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

/** A date without WeakRef, one with WeakRef but the old `this`, and a current one. */
const DATES = ['2024-09-23', '2025-05-05', '2026-04-01'] as const;

const workers = new Map<string, Miniflare>();

beforeAll(async () => {
  const built = await esbuild.build({
    entryPoints: [join(root, 'test/fixtures/workerd-dates-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['cloudflare:workers'],
    write: false,
  });
  const script = built.outputFiles[0]?.text ?? '';
  for (const date of DATES) {
    const worker = new Miniflare({
      modules: true,
      script,
      compatibilityDate: date,
      durableObjects: { CHANNELS: { className: 'ChannelObject', useSQLite: true } },
    });
    await worker.ready;
    workers.set(date, worker);
  }
}, 120_000);

afterAll(async () => {
  for (const worker of workers.values()) await worker.dispose();
});

async function run(date: string, name: string): Promise<unknown> {
  const response = await (workers.get(date) as Miniflare).dispatchFetch(`http://worker/${name}`);
  return response.json();
}

describe.each(DATES)('in a Worker with compatibility date %s', (date) => {
  test('the platform is what the date says (the premise of these tests)', async () => {
    const modern = date >= '2025-05-05';
    expect(await run(date, 'platform')).toEqual({ weakRef: modern, finalizationRegistry: modern });
  });

  test("a pull's and a push's signal cancel them, leaving no waiter; a signal that never aborts lets the pull commit", async () => {
    expect(await run(date, 'pull-push')).toEqual({
      results: ['rejected: pull gave up', 'rejected: push gave up'],
      value: 1,
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  test("one controller's abort cancels all fifty pulls parked with its signal", async () => {
    expect(await run(date, 'shared-signal')).toEqual({
      results: ['rejected: component unmounted'],
      waitingPullers: 0,
      pushed: false,
    });
  });

  test('pushAll aborted part-way says how many it pushed; an aborted pullMany takes nothing', async () => {
    expect(await run(date, 'batch')).toEqual({ pushed: 2, taken: [1, 2], waiting: 'rejected: nothing came' });
  });

  test("select's signal rejects it; the after() timeout case wins over a silent channel", async () => {
    expect(await run(date, 'select')).toEqual({
      aborted: 'rejected: select gave up',
      timedOutIndex: 1,
      waitingPullers: 0,
    });
  });

  test('after and ticker close when their signal aborts', async () => {
    expect(await run(date, 'timers')).toEqual({ afterClosed: true, tickerClosed: true, tick: 'number' });
  });

  test("fromEvent's signal closes the channel and stops listening", async () => {
    expect(await run(date, 'from-event')).toEqual({ got: 'ping', closed: true, size: 0 });
  });

  test('a broadcast subscriber whose signal aborts leaves; the other gets every value', async () => {
    expect(await run(date, 'broadcast')).toEqual({ leftClosed: true, values: [1, 2, 3] });
  });

  test('a channel becomes a Response body, a body becomes a channel, and merge reads both inputs', async () => {
    expect(await run(date, 'streams')).toEqual({ body: 'ab', chunks: [3], merged: [1, 2] });
  });

  test("a durable channel's pull is cancelled by its signal", async () => {
    expect(await run(date, 'durable')).toEqual({ first: { job: 1 }, waiting: 'rejected: no job came' });
  });

  test('debug mode tracks channels where WeakRef exists, and otherwise refuses with an error that says how to get it', async () => {
    const result = (await run(date, 'debug')) as { error?: string; seen: unknown[] };
    if (date >= '2025-05-05') {
      expect(result).toEqual({ seen: [{ name: 'watched', pullers: 1 }] });
    } else {
      expect(result.error).toMatch(
        /^TypeError: enableDebug\(options\): debug mode needs WeakRef and FinalizationRegistry/,
      );
      expect(result.error).toContain('compatibility date 2025-05-05');
      expect(result.seen).toEqual([]); // nothing was installed
    }
  });
});
