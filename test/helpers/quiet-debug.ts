// Debug-mode tests that make leaks: debug mode warns about each one on the console.
import { afterEach, beforeEach, type MockInstance, vi } from 'vitest';

/**
 * For each test of the calling file or `describe` block, `console.warn` silenced and spied on
 * (debug mode warns of every leak it finds), and after each test debug mode turned off and the
 * spy removed. `disableDebug` is the one of the debug module the file enables (the package's or
 * `src/`'s: two module instances). Call it before a `beforeEach` that enables debug mode. Returns
 * the running test's spy.
 */
export function useQuietDebug(disableDebug: () => void): () => MockInstance<typeof console.warn> {
  let warn: MockInstance<typeof console.warn> | undefined;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    disableDebug();
    warn?.mockRestore();
    warn = undefined;
  });
  return () => {
    if (warn === undefined) throw new Error('useQuietDebug: its spy exists only while a test runs');
    return warn;
  };
}
