/**
 * What the Node tests of `chanasync/port` share: `MessageChannel` ports that are closed after
 * each test (an open Node port keeps the process alive), sleeping, waiting for a condition, and
 * collecting what a channel yields or how a promise settled.
 *
 * A test file that opens ports calls {@link closePortsAfterEach} once, at its top level.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { afterEach } from 'vitest';
import type { PortLike } from '../../src/port/index.js';

/** Ports, broadcast channels and anything else with `close()` to close after the current test. */
const opened: { close(): void }[] = [];

/** Registers the `afterEach` hook that closes what {@link ports} and {@link closeAfterTest} kept. */
export function closePortsAfterEach(): void {
  afterEach(() => {
    for (const port of opened.splice(0)) port.close();
  });
}

/** Closes each of `closables` (ports, `BroadcastChannel`s) after the current test. */
export function closeAfterTest(...closables: { close(): void }[]): void {
  opened.push(...closables);
}

/** A fresh `MessageChannel` of Node's `worker_threads`; both ports are closed after the test. */
export function ports(): [PortLike & MessagePort, PortLike & MessagePort] {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return [port1 as PortLike & MessagePort, port2 as PortLike & MessagePort];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything a `for await` over `channel` yields until it ends (it must end normally). */
export async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

/** Re-exported from drain.ts, which workerd's tests import too (this file needs Node). */
export { drain } from './drain.js';

/**
 * Waits until `condition` holds, looking every task (a 1 ms timer: tests over fake ports, whose
 * messages arrive a task later, act between a post and its delivery); throws after `ms`
 * (default 10 s: the machine may be loaded, and a condition that holds ends the wait at once).
 */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await sleep(1);
  }
}

/**
 * Listens on `port`, a sender's end, for the receivers' `credit` messages (of the stream `name`,
 * if given) and calls `heard` with each one's `granted`. Call it right after `toPort`: its
 * listener then comes after the sender's, so a credit heard here has been read by the sender.
 * Returns the listener's removal.
 */
export function onCredit(
  port: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>,
  heard: (granted: number) => void,
  name?: string,
): () => void {
  const listener = (event: Event): void => {
    const data = (event as MessageEvent).data as { type?: unknown; name?: unknown; granted?: unknown } | null;
    if (data?.type !== 'credit' || (name !== undefined && data.name !== name)) return;
    heard(data.granted as number);
  };
  port.addEventListener('message', listener);
  return () => port.removeEventListener('message', listener);
}

/**
 * Resolves once a receiver's first `credit` reaches `port` (see {@link onCredit}): the stream
 * is paired. A fixed sleep is not enough on a loaded machine (CI ran a `sleep(5)` that ended
 * before the `open` arrived), and a `fromPort` closed before pairing tells no sender (README):
 * that `toPort` then waits for ever.
 */
export function paired(
  port: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>,
  name?: string,
): Promise<void> {
  return new Promise((resolve) => {
    const stop = onCredit(
      port,
      () => {
        stop();
        resolve();
      },
      name,
    );
  });
}

/** How `promise` settled: `{ value }` or `{ error }`. */
export async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/**
 * Bundles chanasync's core and port (`Channel`, `fromPort`, `toPort`) from src/ into one ES
 * module for worker threads, which cannot load TypeScript: node_modules/.cache/<folder>/lib.mjs.
 * Returns its path.
 */
export async function bundleForThreads(folder: string): Promise<string> {
  const root = join(import.meta.dirname, '..', '..');
  const lib = join(root, 'node_modules', '.cache', folder, 'lib.mjs');
  mkdirSync(join(lib, '..'), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: "export { Channel } from './src/channel.js'; export { fromPort, toPort } from './src/port/index.js';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile: lib,
  });
  return lib;
}
