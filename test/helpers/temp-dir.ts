/**
 * A temporary folder that is removed when the test (or, made outside a test, the file's tests)
 * that asked for it ends: tests that write a script or bundle to disk leave nothing in the
 * system's temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Makes `<tmpdir>/<prefix>XXXXXX` and schedules its removal; returns its path. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a running test (a `describe` body): remove it after the file's tests.
    afterAll(remove);
  }
  return dir;
}
