/**
 * What the leak files of audit AV share: forced collections (the `gc` project runs with
 * `--expose-gc`), the leaks of the latest snapshot by name, and a `console.warn` spy installed
 * for each test, with debug mode disabled after it.
 */
import { disableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, vi } from 'vitest';

declare const gc: () => void;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects `rounds` times, a timer apart, so finalizers run between collections. */
export async function collect(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await sleep(10);
    gc();
  }
  await sleep(10);
}

/** Collects until `cond()` holds (then `true`) or `rounds` collections have passed. */
export async function collectUntil(cond: () => boolean, rounds = 30): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await sleep(10);
    gc();
    await sleep(0);
    if (cond()) return true;
  }
  return cond();
}

/** `kind:channel name` of each leak in a fresh snapshot. */
export const leakNames = (): string[] => (snapshot().leaked ?? []).map((l) => `${l.kind}:${l.channel.name}`);

/**
 * Installs, for every test of the file, a silent `console.warn` spy (restored after the test,
 * with debug mode disabled); returns the calls of the current test's spy.
 */
export function spyOnWarnEachTest(): () => unknown[][] {
  let warn: { mock: { calls: unknown[][] }; mockRestore(): void } | undefined;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    disableDebug();
    warn?.mockRestore();
  });
  return () => warn?.mock.calls ?? [];
}
