/**
 * A channel's buffer hands values through as they are, in every V8 the library runs in.
 *
 * V8 13 and later (Chromium, workerd, Deno; not Node 20's V8 11) can hold `undefined` in an
 * array of doubles, so a ring filled with `undefined` was a HOLEY_DOUBLE array there: a channel
 * of numbers converted each value to a double on the way in and back on the way out (and made a
 * new heap number for each non-integer it gave back), which Node never showed. The ring's
 * arrays must hold tagged values from the start (src/buffer.ts, `resize` and `NO_SLOTS`).
 *
 * Elements kinds are V8's internals: each runtime — Node, Deno, workerd (`workerd test`, the
 * flag in its config) and Chromium — runs the same probe with `--allow-natives-syntax`, on the
 * published build (dist/).
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/chromium.mjs';
import { tempDir } from './helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '..');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
/** workerd's binary (the `workerd` package, installed with wrangler and Miniflare). */
const WORKERD = join(ROOT, 'node_modules', 'workerd', 'bin', 'workerd');

/** A workerd config: one Worker whose `test()` handler prints the probe, V8 flags allowing it. */
const WORKERD_CONFIG = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "probe", worker = .probe) ],
  v8Flags = ["--allow-natives-syntax"],
);
const probe :Workerd.Worker = (
  modules = [ (name = "probe.mjs", esModule = embed "probe-workerd.mjs") ],
  compatibilityDate = "2026-04-01",
);
`;

/**
 * An expression (natives syntax) over the global `chanasync`: the elements kind of the slots of
 * channels of numbers in the states a buffer goes through, and whether the values came back
 * as they went in.
 */
const PROBE = `(() => {
  const { Channel } = chanasync;
  // The buffer's array: the one array among a channel's fields (dist/ renames internal fields).
  const slotsOf = (channel) => {
    const arrays = Object.values(channel).filter(Array.isArray);
    if (arrays.length !== 1) throw new Error('a channel has ' + arrays.length + ' array fields, not 1');
    return arrays[0];
  };
  const kind = (channel) => {
    const array = slotsOf(channel);
    return %HasDoubleElements(array) ? 'double' : %HasObjectElements(array) ? 'tagged' : %HasSmiElements(array) ? 'smi' : 'other';
  };
  const kinds = {};
  kinds.idle = kind(new Channel(8));
  const ints = new Channel(1024);
  for (let i = 0; ints.tryPush(i); i++);
  kinds.filledWithIntegers = kind(ints);
  const back = [];
  for (let value = ints.tryPull(); value !== undefined; value = ints.tryPull()) back.push(value);
  kinds.drained = kind(ints);
  for (let i = 0; ints.tryPush(i); i++);
  kinds.refilled = kind(ints);
  const fractions = new Channel(Infinity);
  for (let i = 0; i < 5000; i++) fractions.tryPush(i + 0.5);
  kinds.grownWithFractions = kind(fractions);
  let sum = 0;
  for (let value = fractions.tryPull(); value !== undefined; value = fractions.tryPull()) sum += value;
  kinds.shrunk = kind(fractions);
  const inOrder = back.length === 1024 && back.every((value, i) => value === i);
  return JSON.stringify({ kinds, inOrder, sum });
})()`;

/** Every state's slots: tagged, never doubles. */
const EXPECTED = {
  kinds: {
    idle: 'tagged',
    filledWithIntegers: 'tagged',
    drained: 'tagged',
    refilled: 'tagged',
    grownWithFractions: 'tagged',
    shrunk: 'tagged',
  },
  inOrder: true,
  sum: (4999 * 5000) / 2 + 2500,
};

describe('a channel buffer of numbers holds them as tagged values', () => {
  const dir = tempDir('chanasync-buffer-kinds-');
  /** dist/index.js as a classic script that sets the global `chanasync`. */
  let script = '';

  beforeAll(async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'dist', 'index.js')],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'chanasync',
      platform: 'neutral',
      logLevel: 'error',
    });
    script = result.outputFiles[0]?.text ?? '';
    // One module for Node and Deno: the script's `var chanasync` is module-scoped, which is all
    // the probe needs.
    writeFileSync(join(dir, 'probe.mjs'), `${script}\nconsole.log(${PROBE});\n`);
    writeFileSync(
      join(dir, 'probe-workerd.mjs'),
      `${script}\nexport default { async test() { console.log(${PROBE}); } };\n`,
    );
    writeFileSync(join(dir, 'probe.capnp'), WORKERD_CONFIG);
  }, 60_000);

  test('in Node (V8 11: never doubles)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', 'probe.mjs'], {
      cwd: dir,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  });

  test('in Deno (V8 15: `undefined` fits an array of doubles)', async () => {
    const { stdout } = await promisify(execFile)(
      DENO,
      ['run', '--no-config', '--no-prompt', '--allow-read', '--v8-flags=--allow-natives-syntax', 'probe.mjs'],
      { cwd: dir, timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  }, 90_000);

  test('in workerd (V8 14.7)', async () => {
    // `workerd test` runs the Worker's `test()` handler and exits: no socket, no server left.
    const { stdout } = await promisify(execFile)(WORKERD, ['test', 'probe.capnp'], {
      cwd: dir,
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(JSON.parse(stdout.trim().split('\n')[0] ?? '')).toEqual(EXPECTED);
  }, 90_000);

  test.skipIf(!existsSync(CHROMIUM_PATH))(
    'in Chromium (V8 15)',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS, '--js-flags=--allow-natives-syntax'],
      });
      try {
        const page = await browser.newPage();
        // A script of the page's own (a classic script tag): natives syntax is parsed in source
        // V8 compiles with the flag, not in the function playwright sends.
        await page.addScriptTag({ content: `${script}\nglobalThis.probed = ${PROBE};` });
        const result = await page.evaluate(() => (globalThis as { probed?: string }).probed);
        expect(JSON.parse(result as string)).toEqual(EXPECTED);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
