/**
 * Audit AD: the packed tarball as a strict TypeScript consumer gets it. Packs the working tree
 * (`npm pack`, whose `prepack` builds dist/), installs the tarball offline into a fresh project
 * with `strict`, `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess` and
 * `verbatimModuleSyntax`, then:
 * - compiles every `@example` block of the shipped `dist/**\/*.d.ts` as its own module (an
 *   example without imports gets `import { Channel } from 'chanasync'`, the durable ones that
 *   use a Worker's `env` get it declared) — each must compile against the published types;
 * - compiles a program whose `// @ts-expect-error` lines mark misuse that must stay a compile
 *   error and whose typed assignments check inference, then runs it with Node.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { must, packTarball, run } from '../helpers/pack.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every `@example` fenced `ts` block of the declaration files under `dir`. */
function examples(dir: string): { file: string; code: string }[] {
  const found: { file: string; code: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/@example\s*\n(?:\s*\*.*\n)*?\s*\*\s*```ts\n((?:\s*\*.*\n)*?)\s*\*\s*```/g)) {
      const code = (match[1] ?? '')
        .split('\n')
        .map((line) => line.replace(/^\s*\* ?/, ''))
        .join('\n');
      found.push({ file: relative(dir, path), code });
    }
  }
  return found;
}

const STRICT_PROGRAM = `import { broadcast, Channel, merge, pull, push, select, type PullChannel, type PushChannel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

interface Animal { readonly name: string }
interface Dog extends Animal { bark(): string }

const dogs = new Channel<Dog>(1);
// @ts-expect-error Channel<T> is invariant
const animals: Channel<Animal> = dogs;
const readAnimals: PullChannel<Animal> = dogs; // covariant
const sendDogs: PushChannel<Dog> = new Channel<Animal>(1); // contravariant
// @ts-expect-error PushChannel<Dog> is not a PushChannel<Animal>
const sendAnimals: PushChannel<Animal> = new Channel<Dog>(1);
// @ts-expect-error a pull case takes a PullChannel
pull(sendDogs);
// @ts-expect-error pushing a string into a channel of numbers
void new Channel<number>(1).push('1').catch(() => undefined);
// @ts-expect-error an option typo
new Channel<number>(1, { overflw: 'drop-oldest' });

const names = new Channel<string>(1);
const counts = new Channel<number>(1);
names.tryPush('n');
const result = await select([pull(names), pull(counts), push(new Channel<void>())]);
let picked: string | undefined;
if (result.index === 0 && result.ok) {
  const value: string = result.value;
  picked = value;
}
const merged = merge(names, counts);
const union: Channel<string | number> = merged;
counts.tryPush(7);
const batch = await union.pullMany(4);
const first: string | number | undefined = batch[0];
const hub = broadcast(counts);
const sub: Channel<number> = hub.subscribe({ capacity: 2 });
hub.close();
await counts.pushAll([1]);

const { port1, port2 } = new MessageChannel();
const local = new Channel<number>(2);
const sending = toPort(local, port1, { transfer: (value: number) => { void value; return []; } });
const remote: Channel<number> = fromPort<number>(port2, { capacity: 1 });
await local.pushAll([41, 42]);
local.close();
const received: number[] = [];
for await (const n of remote) received.push(n);
const { sent, undelivered } = await sending;
const back: number[] = undelivered;
port1.close();
void [animals, readAnimals, sendAnimals, sub, back];
console.log(JSON.stringify({ picked, first, received, sent }));
`;

describe('the packed tarball for a strict consumer', () => {
  test('every @example of the shipped declarations compiles, and a strict program compiles, rejects misuse and runs', async () => {
    const work = tempDir('chanasync-audit-ad-');
    const tarball = await packTarball(root, join(work, 'pack'));
    const consumer = join(work, 'consumer');
    await must('mkdir', ['-p', consumer], work);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await must('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], consumer);
    const shipped = examples(join(consumer, 'node_modules', 'chanasync', 'dist'));
    expect(shipped.length).toBeGreaterThan(40);
    const files: string[] = [];
    shipped.forEach(({ file, code }, index) => {
      let source = code;
      if (!/^import /m.test(source)) source = `import { Channel } from 'chanasync';\n${source}`;
      if (/\benv\./.test(source) && !/declare const env/.test(source)) {
        source = `import type { DurableObjectNamespaceLike as EnvNamespace } from 'chanasync/durable';\ndeclare const env: { CHANNELS: EnvNamespace };\n${source}`;
      }
      const name = `example-${String(index).padStart(2, '0')}.ts`;
      writeFileSync(join(consumer, name), `// from ${file}\n${source}\nexport {};\n`);
      files.push(name);
    });
    writeFileSync(join(consumer, 'strict.ts'), STRICT_PROGRAM);
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022', 'ESNext.Disposable', 'DOM', 'DOM.Iterable', 'DOM.AsyncIterable'],
      types: [],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      skipLibCheck: false,
      outDir: 'out',
    };
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [...files, 'strict.ts'] }));
    const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], consumer, {
      timeout: 180_000,
    });
    expect(compiled.output).toBe('');
    expect(compiled.code).toBe(0);
    const ran = await run(process.execPath, [join(consumer, 'out', 'strict.js')], consumer);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.output)).toEqual({ picked: 'n', first: 7, received: [41, 42], sent: 2 });
  }, 300_000);
});
