/** Helpers of audit BE's port tests: a `MessageChannel` pair that is always closed, polling, spies. */
import { Channel } from 'chanasync';
import { fromPort, isPortMessage, type PortMessage, toPort } from 'chanasync/port';
import { afterEach } from 'vitest';

const opened: MessagePort[] = [];

afterEach(() => {
  for (const port of opened.splice(0)) port.close();
});

/** A `MessageChannel` whose ports are closed after the test. */
export function link(): { port1: MessagePort; port2: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return { port1, port2 };
}

/** Resolves after `ms` (a macrotask, so messages in between are delivered). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 5 ms until it holds; throws after `timeoutMs` (never asserts a duration). */
export async function until(probe: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > timeoutMs) throw new Error(`until: ${what} not met in ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** A promise's state, observed without changing it. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** The rejection of `promise` (throws if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a value');
}

/** Records the chanasync port messages that arrive at `port` (an extra listener: it changes nothing). */
export function spy(port: MessagePort): PortMessage[] {
  const seen: PortMessage[] = [];
  port.addEventListener('message', (event) => {
    const data = (event as MessageEvent).data;
    if (isPortMessage(data)) seen.push(data);
  });
  return seen;
}

/** The values carried by the `values` messages in `seen`. */
export function valuesIn(seen: readonly PortMessage[]): unknown[][] {
  return seen.filter((m) => m.type === 'values').map((m) => [...(m as { values: readonly unknown[] }).values]);
}

/** Reads `ch` to its end: the values, and the error its iteration threw, if any. */
export async function drain<T>(ch: Channel<T>): Promise<{ got: T[]; error: unknown }> {
  const got: T[] = [];
  try {
    for await (const v of ch) got.push(v);
  } catch (error) {
    return { got, error };
  }
  return { got, error: undefined };
}

/**
 * An empty channel sent over a new port pair and closed with `reason`: the error the receiving
 * side's iteration threw, and what `toPort` resolved with.
 */
export async function closedAcross(reason: unknown): Promise<{ error: unknown; sending: unknown }> {
  const { port1, port2 } = link();
  const local = new Channel<number>();
  const remote = fromPort<number>(port2);
  const sending = toPort(local, port1);
  local.close(reason);
  const { error } = await drain(remote);
  return { error, sending: await sending };
}
