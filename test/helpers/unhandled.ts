/**
 * Fails each test of the calling file that leaves an unhandled rejection behind: a rejection
 * nobody handles is a value or an error chanasync lost track of. Call once at the top level of
 * a test file (Node only: it listens on `process`).
 */
import { afterEach, beforeEach, expect } from 'vitest';

export function failOnUnhandledRejections(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // A rejection is reported as unhandled after the microtasks of its turn: one macrotask later.
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
}
