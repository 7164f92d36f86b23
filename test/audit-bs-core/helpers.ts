import { getEventListeners } from 'node:events';

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Let every pending microtask (and a few macrotask turns) run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

export type Outcome<T> =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: T }
  | { state: 'rejected'; reason: unknown };

export function track<T>(p: Promise<T>): { readonly outcome: Outcome<T>; promise: Promise<T> } {
  const o: { outcome: Outcome<T>; promise: Promise<T> } = { outcome: { state: 'pending' }, promise: p };
  p.then(
    (value) => {
      o.outcome = { state: 'fulfilled', value };
    },
    (reason: unknown) => {
      o.outcome = { state: 'rejected', reason };
    },
  );
  return o;
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
