import { env } from 'cloudflare:workers';
import { type DurableChannelOptions, durableChannel } from '../../../src/durable/index.js';

export const NS = (env as unknown as { CHANNELS: Parameters<typeof durableChannel>[0] }).CHANNELS;

export function fresh(label: string): string {
  return `bs-${label}-${crypto.randomUUID()}`;
}

export function open<T>(name: string, options?: DurableChannelOptions) {
  return durableChannel<T>(NS, name, options);
}

export async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error('until: condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves to 'pending' if p has not settled after a few macrotasks and a round trip. */
export async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => {
      s = 'resolved';
    },
    () => {
      s = 'rejected';
    },
  );
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  return s;
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
