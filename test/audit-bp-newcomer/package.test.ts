/**
 * Audit BP (newcomer): what the README and the CHANGELOG say about the package, checked on the
 * packed tarball and on a project that installed it: the files it holds, the LICENSE, the
 * `exports` and `typesVersions` targets, "no Node APIs" read to the letter over every text of
 * `dist/` and `src/` (maps and declarations included), the tarball's name, the entries sharing
 * one copy of the core, and what a CommonJS consumer gets from `require` (the README says "ESM
 * only" and nothing about `require`; on Node 20.19+ `require` of an ES module works).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must, type Packed, pack, root, run } from './consumer.js';

let packed: Packed | undefined;
/** An ESM project with the tarball installed, and the installed package's folder. */
let consumer = '';
let installed = '';
let readme = '';
let manifest: {
  name: string;
  version: string;
  license: string;
  sideEffects: unknown;
  type: string;
  module: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  typesVersions: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
};

beforeAll(async () => {
  packed = await pack('package');
  consumer = await packed.project('consumer');
  installed = join(consumer, 'node_modules', 'chanasync');
  readme = readFileSync(join(installed, 'README.md'), 'utf8');
  manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
}, 120_000);

afterAll(() => packed?.cleanup());

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(dir, file)).isFile())
    .map((file) => file.split('\\').join('/'))
    .sort();
}

describe('what the README says the package holds', () => {
  it('"The npm package holds dist/, src/, this README, the CHANGELOG and the LICENSE" (and package.json)', async () => {
    const listed = (await must('tar', ['-tzf', packed!.tarball], packed!.work)).split('\n').filter(Boolean);
    const top = [...new Set(listed.map((entry) => entry.replace(/^package\//, '').split('/')[0]))].sort();
    expect(top).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json', 'src']);
    expect(readme).toContain('The npm package holds `dist/`, `src/`, this README, the CHANGELOG and the LICENSE.');
  });

  it('"npm pack here … writes chanasync-0.1.0.tgz": the tarball is named after the package and its version', () => {
    const named = readme.match(/writes `([^`]+\.tgz)` into this folder/)?.[1];
    expect(named).toBe(`${manifest.name}-${manifest.version}.tgz`);
    expect(basename(packed!.tarball)).toBe(named);
  });

  it('the LICENSE is the MIT license that package.json and the README name, and the README is the repository one', () => {
    const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Permission is hereby granted, free of charge');
    expect(manifest.license).toBe('MIT');
    expect(readme.trimEnd().endsWith('## License\n\nMIT')).toBe(true);
    expect(readme).toBe(readFileSync(join(root, 'README.md'), 'utf8'));
  });

  it('ESM only with "sideEffects": false and no runtime dependency; every exports, types, module and typesVersions target is in the package', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.dependencies ?? {}).toEqual({});
    const targets = [
      manifest.module,
      manifest.types,
      ...Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
      ...Object.values(manifest.typesVersions).flatMap((paths) => Object.values(paths).flat()),
    ];
    expect(targets.length).toBeGreaterThan(12);
    const files = new Set(filesUnder(installed));
    expect(targets.map((target) => target.replace(/^\.\//, '')).filter((target) => !files.has(target))).toEqual([]);
  });

  it('"No Node APIs" to the letter: no text of dist/ or src/ — declarations, source maps and comments included — names node:, process, Buffer, setImmediate, require or global.', () => {
    const words = /node:|\bprocess\b|\bBuffer\b|\bsetImmediate\b|\brequire\b|\bglobal\./;
    const found: string[] = [];
    for (const folder of ['dist', 'src']) {
      for (const file of filesUnder(join(installed, folder))) {
        const text = readFileSync(join(installed, folder, file), 'utf8');
        const hit = text.match(words);
        if (hit !== null) found.push(`${folder}/${file}: ${hit[0]}`);
      }
    }
    expect(filesUnder(join(installed, 'dist')).filter((file) => file.endsWith('.map')).length).toBeGreaterThan(4);
    expect(found).toEqual([]);
  });
});

describe('the entries of the installed package in Node', () => {
  it('chanasync/port, chanasync/debug and chanasync share one copy of the core: a fromPort channel is a Channel, debug mode sees the channels of the main entry', async () => {
    const script = `import { broadcast, Channel, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
enableDebug({ target: { postMessage() {} } });
const { port1, port2 } = new MessageChannel();
const local = new Channel(2, { name: 'local' });
const remote = fromPort(port2, { capacity: 2 });
const sending = toPort(local, port1);
await local.pushAll(['a', 'b']);
local.close();
const merged = merge(remote);
const seen = [];
for await (const value of merged) seen.push(value);
const names = snapshot().channels.map((channel) => channel.name).sort();
disableDebug();
await sending;
port1.close();
console.log(JSON.stringify({ seen, remote: remote instanceof Channel, hub: broadcast(new Channel()).subscribe() instanceof Channel, tracked: names.includes('local') }));`;
    const output = await must(process.execPath, ['--input-type=module', '-e', script], consumer);
    expect(JSON.parse(output)).toEqual({ seen: ['a', 'b'], remote: true, hub: true, tracked: true });
  }, 60_000);

  it('a CommonJS consumer: require() of every entry but chanasync/durable works on this Node (20.19+), silently, and gives the same classes as import()', async () => {
    const cjs = await packed!.project('cjs', 'commonjs');
    writeFileSync(
      join(cjs, 'main.js'),
      `const core = require('chanasync');
const debug = require('chanasync/debug');
const port = require('chanasync/port');
const protocol = require('chanasync/protocol');
import('chanasync').then(async (esm) => {
  const channel = new core.Channel(1);
  channel.pushNowait(1);
  console.log(JSON.stringify({
    same: core.Channel === esm.Channel && core.ChannelClosedError === esm.ChannelClosedError,
    pulled: await channel.pull(),
    entries: [typeof debug.enableDebug, typeof port.toPort, typeof protocol.isPageToInspectorMessage],
    version: require('chanasync/package.json').version,
  }));
});
`,
    );
    const result = await run(process.execPath, ['main.js'], cjs);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.output)).toEqual({
      same: true,
      pulled: 1,
      entries: ['function', 'function', 'function'],
      version: manifest.version,
    });
  }, 60_000);
});
