/** Helpers of the blind durable tests (audit BP): unique channel names, polling with deadlines. */
import { env } from 'cloudflare:workers';
import { type DurableChannel, type DurableChannelOptions, durableChannel } from 'chanasync/durable';

let counter = 0;
/** A channel name no other test (or test file) uses. */
export function uniqueName(label: string): string {
  counter++;
  return `bp-blind-${label}-${counter}-${crypto.randomUUID()}`;
}

export function channel<T>(name: string, options?: DurableChannelOptions): DurableChannel<T> {
  return durableChannel<T>(env.CHANNELS, name, options);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Settles `promise` into a tagged outcome. */
export function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
