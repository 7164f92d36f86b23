/**
 * Audit BL: a `Channel` of another copy of chanasync given to `broadcast`. The README ("What
 * differs from Go", on two copies): `select`'s cases, `merge`, `toReadableStream` and `toPort`
 * refuse it with a `TypeError` that says so, and `broadcast` with `not a Channel of this copy`
 * (shorter, for its size budget). A second copy is made by copying
 * `dist/` to a temporary folder and importing it from there.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { broadcast, Channel, merge } from 'chanasync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrown } from '../helpers/track.js';

let dir: string;
let Other: typeof Channel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chanasync-copy-'));
  cpSync(join(import.meta.dirname, '..', '..', 'dist'), join(dir, 'dist'), { recursive: true });
  const url = pathToFileURL(join(dir, 'dist', 'index.js')).href;
  Other = ((await import(/* @vite-ignore */ url)) as { Channel: typeof Channel }).Channel;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a Channel of another copy of chanasync', () => {
  it('is another class (the second copy really is a second copy)', () => {
    expect(Other).not.toBe(Channel);
  });

  it('merge says it is a Channel of another copy', () => {
    const error = thrown(() => merge(new Other<number>(1))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/another copy of chanasync/);
  });

  it('BL-3: broadcast says the source is not a Channel "of this copy" (it said it was no chanasync Channel at all)', () => {
    const error = thrown(() => broadcast(new Other<number>(1))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('broadcast(source)');
    expect(error.message).toMatch(/of this copy|another copy/);
  });
});
