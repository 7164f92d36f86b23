/**
 * AX-N2 (the README now documents the decision this file pins; it first read as below). README, Reference → Methods: "`[Symbol.asyncDispose]()`, `[Symbol.dispose]()` — Close the
 * channel, for `await using` and `using`. Where the symbols are missing,
 * `Symbol.for('Symbol.asyncDispose')` / `Symbol.for('Symbol.dispose')` stand in, as in
 * TypeScript's own downlevel code." (SPEC: "fall back … as TypeScript does".)
 *
 * TypeScript's own downlevel code (`__addDisposableResource`, what `tsc` emits for `await using`
 * below ES2025 / esnext) does not fall back to `Symbol.for`: it throws "Symbol.asyncDispose is not
 * defined." where the symbol is missing; and with the polyfill TypeScript's release notes give
 * (`Symbol.asyncDispose ??= Symbol('Symbol.asyncDispose')`, in the entry module, which runs after
 * its imports) chanasync's methods sit under the `Symbol.for` key and the helper throws "Object
 * not disposable.". So a tsc-compiled `await using ch = new Channel()` fails in exactly the
 * environments the fallback is for. Run here in a `vm` realm, which has no `Symbol.asyncDispose`
 * or `Symbol.dispose` (Node's main realm has them, non-configurable).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, consumerProject, strict } from './consumer.js';

let dir = '';
let cleanup = () => {};
/** The tsc output of the program below and chanasync, bundled as one script (not lowered again). */
let script = '';

const program = `import { Channel } from 'chanasync';
export async function main(): Promise<boolean[]> {
  let a: Channel<number>;
  let b: Channel<number>;
  {
    await using first = new Channel<number>(1);
    using second = new Channel<number>(1);
    a = first;
    b = second;
  }
  return [a.closed, b.closed];
}
`;

beforeAll(async () => {
  ({ dir, cleanup } = await consumerProject());
  // A consumer that compiles with tsc to ES2022 (TypeScript lowers `using`), as the README's
  // TypeScript setup does; the lib names the disposable symbols' types.
  const result = await compile(dir, 'using', { 'main.ts': program }, { ...strict, outDir: 'using-out' });
  if (result.code !== 0) throw new Error(result.output);
  writeFileSync(join(dir, 'using-out', 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'entry.mjs'), "import { main } from './using-out/main.js';\nglobalThis.main = main;\n");
  const built = await esbuild.build({
    entryPoints: [join(dir, 'entry.mjs')],
    bundle: true,
    format: 'iife',
    target: 'esnext', // leaves tsc's helpers and chanasync's code as they are
    write: false,
    logLevel: 'silent',
  });
  script = built.outputFiles[0]?.text ?? '';
  expect(readFileSync(join(dir, 'using-out', 'main.js'), 'utf8')).toContain('__addDisposableResource');
}, 180_000);
afterAll(() => cleanup());

/**
 * Runs the program in a fresh realm (no `Symbol.asyncDispose`/`Symbol.dispose`): `before` runs
 * before the modules evaluate (a polyfill imported first), `after` after them (the entry
 * module's own code). Returns `[a.closed, b.closed]`, or the error's name and message.
 */
async function inRealmWithoutDisposeSymbols({ before = '', after = '' } = {}): Promise<unknown> {
  const realm = createContext({ queueMicrotask, setTimeout, clearTimeout, console });
  expect(runInContext('typeof Symbol.asyncDispose + typeof Symbol.dispose', realm)).toBe('undefinedundefined');
  runInContext(before, realm);
  runInContext(script, realm); // the modules evaluate: chanasync picks its dispose keys now
  runInContext(after, realm);
  return runInContext('main().then((closed) => closed, (error) => error.name + ": " + error.message)', realm);
}

const registered =
  "Symbol.asyncDispose ??= Symbol.for('Symbol.asyncDispose'); Symbol.dispose ??= Symbol.for('Symbol.dispose');";
const releaseNotes =
  "Symbol.asyncDispose ??= Symbol('Symbol.asyncDispose'); Symbol.dispose ??= Symbol('Symbol.dispose');";

// The README's Semantic details ("Where the platform has no Symbol.asyncDispose …"): chanasync
// keys its methods by the registered symbols and patches no global, so tsc-lowered `using` needs
// a polyfill of the registered symbols (anywhere), or any polyfill that runs before chanasync
// is evaluated.
describe('await using and using where Symbol.asyncDispose and Symbol.dispose are missing (tsc-lowered code)', () => {
  it('a polyfill of the registered symbols closes both channels, after chanasync’s import too', async () => {
    expect(await inRealmWithoutDisposeSymbols({ after: registered })).toEqual([true, true]);
    expect(await inRealmWithoutDisposeSymbols({ before: registered })).toEqual([true, true]);
  });

  it('the release notes’ polyfill closes both channels when it runs before chanasync is evaluated', async () => {
    expect(await inRealmWithoutDisposeSymbols({ before: releaseNotes })).toEqual([true, true]);
  });

  it('as documented: without a polyfill tsc’s helper throws, and chanasync defined no global symbol', async () => {
    expect(await inRealmWithoutDisposeSymbols()).toBe('TypeError: Symbol.asyncDispose is not defined.');
  });

  it('as documented: the release notes’ polyfill run after chanasync’s import gives another key than its methods', async () => {
    expect(await inRealmWithoutDisposeSymbols({ after: releaseNotes })).toBe('TypeError: Object not disposable.');
  });
});
