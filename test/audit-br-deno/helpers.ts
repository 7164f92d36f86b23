// Shared helpers for audit BR-peers-d (Deno std async + @thi.ng/csp ports). Node 20 has no
// Array.fromAsync, so `collect` stands in for it.
import { getEventListeners } from 'node:events';

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of iterable) out.push(v);
  return out;
}

/** Lets pending microtasks (and promise chains a few levels deep) run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Resolves after a macrotask: everything queued as microtasks has run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function* gen123(): AsyncGenerator<number> {
  yield 1;
  yield 2;
  yield 3;
}

export async function* gen456(): AsyncGenerator<number> {
  yield 4;
  yield 5;
  yield 6;
}

export async function* genThrows(): AsyncGenerator<number> {
  yield 7;
  throw new Error('something went wrong');
}

/** Promise.withResolvers stand-in (Node 20 lacks it). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The platform's ReadableStream.from (lib.dom in this TypeScript setup does not declare it). */
export function streamFrom<T>(iterable: AsyncIterable<T> | Iterable<T>): ReadableStream<T> {
  return (ReadableStream as unknown as { from<U>(it: AsyncIterable<U> | Iterable<U>): ReadableStream<U> }).from(
    iterable,
  );
}
