/**
 * Audit B (SPEC "Debug mode": `createdAt` and `stack` with `stacks: true`; README: "the user
 * frames of the stack where it was created or parked") — where chanasync's code does not sit in
 * `dist/` or `src/`: bundled into the application's file, or split over several files the way a
 * dev server pre-bundles dependencies (Vite's `node_modules/.vite/deps/`: one file per entry —
 * `chanasync.js`, `chanasync_debug.js`, `chanasync_port.js` — plus a shared chunk holding the
 * core), or bundled by a bundler that rewrites `import.meta.url` to the module's file at build
 * time (webpack), so that debug mode believes it runs from `dist/` while every frame names the
 * bundle. Debug mode is a development tool, so the dev servers' layouts are where its stacks
 * are read most. Every stack must start at the application's function, as it does from `dist/`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, test } from 'vitest';
import type { SnapshotMessage } from '../../src/protocol.js';
import { tempDir } from '../helpers/temp-dir.js';
import { viteDeps } from './vite-deps.js';

const root = join(import.meta.dirname, '..', '..');

/** The first `count` frames of a stack, each without its location (`at name`). */
function head(stack: string | undefined, count = 1): string {
  return (stack ?? '')
    .split('\n')
    .slice(0, count)
    .map((frame) => frame.replace(/ \(.*$/, ''))
    .join(' ; ');
}

/** What the program below reports: per channel name, where it was created and where its waits parked. */
type Report = Record<string, { created: string; parked: string[] }>;

function report(snapshot: SnapshotMessage): Report {
  return Object.fromEntries(
    snapshot.channels.map((channel) => [
      channel.name,
      {
        created: head(channel.createdAt),
        parked: [...channel.pushers, ...channel.pullers].map((waiter) => head(waiter.stack)),
      },
    ]),
  );
}

/**
 * The application: named functions that create channels and park operations of every kind,
 * including a `fromPort` channel and a `toPort` stream (whose own pull re-parks inside the
 * producer's push, and inside the handler of the receiver's credit).
 */
const APP = `
  export async function run({ Channel, after, broadcast, from, fromEvent, merge, pull, select, ticker }, { enableDebug, disableDebug, snapshot }, { fromPort, toPort }) {
    enableDebug({ target: { postMessage() {} }, stacks: true });
    const { port1, port2 } = new MessageChannel();
    const app = {
      make(name) { return new Channel(0, { name }); },
      consume(channel) { channel.pull().catch(() => {}); },
      batch(channel) { channel.pullMany(3).catch(() => {}); },
      feedAll(channel) { channel.pushAll([1, 2]).catch(() => {}); },
      either(a) { select([pull(a), pull(after(60000))]).catch(() => {}); },
      receive() { return fromPort(port2, { name: 'remote', capacity: 2 }); },
      send(channel) { return toPort(channel, port1, { name: 'remote' }); },
      produce(channel) { return channel.push('value'); },
      merged(...inputs) { const out = merge(...inputs); out.pull().catch(() => {}); return out; },
      listen(source) { const subscriber = broadcast(source).subscribe(); subscriber.pull().catch(() => {}); return subscriber; },
      iterate() { const out = from((async function* () { await new Promise(() => {}); })()); out.pull().catch(() => {}); return out; },
      events() { const out = fromEvent(new EventTarget(), 'x'); out.pull().catch(() => {}); return out; },
      tick() { const out = ticker(60000); out.pull().catch(() => {}); return out; },
    };
    // Application classes whose names chanasync's classes have too, calling it directly.
    class Sender { send(channel) { return channel.push('sent'); } }
    class Hub { open(name) { return new Channel(0, { name }); } }
    const hubbed = new Hub().open('hubbed');
    new Sender().send(hubbed).catch(() => {});
    const plain = app.make('plain');
    app.consume(plain);
    const batched = app.make('batched');
    app.batch(batched);
    const fed = app.make('fed');
    app.feedAll(fed);
    const selected = app.make('selected');
    app.either(selected);
    const mergedInput = app.make('merged input');
    const merged = app.merged(mergedInput);
    const source = app.make('broadcast source');
    const subscriber = app.listen(source);
    const iterated = app.iterate();
    const events = app.events();
    const ticking = app.tick();
    const remote = app.receive();
    const local = app.make('local');
    const sending = app.send(local);
    // The credit arrives: toPort parks its pull on the local channel.
    while (local.stats().waitingPullers === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const idle = snapshot();
    await app.produce(local); // toPort takes it, and parks again inside this push
    const afterPush = snapshot();
    for (const channel of [plain, batched, fed, selected, local, hubbed, merged, mergedInput, source, subscriber, iterated, events, ticking]) channel.close();
    await sending;
    remote.close();
    port1.close();
    port2.close();
    disableDebug();
    return { idle, afterPush };
  }`;

/** The expectations both layouts share: every stack starts at the application's function. */
function expectUserFrames({ idle, afterPush }: { idle: SnapshotMessage; afterPush: SnapshotMessage }): void {
  const before = report(idle);
  expect(before.plain).toEqual({ created: 'at Object.make', parked: ['at Object.consume'] });
  expect(before.batched).toEqual({ created: 'at Object.make', parked: ['at Object.batch'] });
  expect(before.fed).toEqual({ created: 'at Object.make', parked: ['at Object.feedAll'] });
  expect(before.selected).toEqual({ created: 'at Object.make', parked: ['at Object.either'] });
  expect(before['after(60000)']).toEqual({ created: 'at Object.either', parked: ['at Object.either'] });
  expect(before.remote?.created).toBe('at Object.receive');
  expect(before.merge).toEqual({ created: 'at Object.merged', parked: ['at Object.merged'] });
  // merge's own pull on its input is parked from inside the application's pull on the merge.
  expect(before['merged input']).toEqual({ created: 'at Object.make', parked: ['at Object.merged'] });
  expect(before.subscriber).toEqual({ created: 'at Object.listen', parked: ['at Object.listen'] });
  expect(before['broadcast source']).toEqual({ created: 'at Object.make', parked: ['at Object.listen'] });
  expect(before.from).toEqual({ created: 'at Object.iterate', parked: ['at Object.iterate'] });
  expect(before['fromEvent(x)']).toEqual({ created: 'at Object.events', parked: ['at Object.events'] });
  expect(before['ticker(60000)']).toEqual({ created: 'at Object.tick', parked: ['at Object.tick'] });
  // (A bundle renames the application's classes that clash with chanasync's: Hub2, Sender2.)
  expect(before.hubbed).toEqual({
    created: expect.stringMatching(/^at Hub\d*\.open$/),
    parked: [expect.stringMatching(/^at Sender\d*\.send$/)],
  });
  // toPort's pull, parked from the handler of the receiver's credit: no application frame at all.
  expect(before.local).toEqual({ created: 'at Object.make', parked: [''] });
  // Parked again inside the application's push: not that push (it completed, on the other side
  // of the channel), but the stack of its first park, which had no application frame (audit BF-I2).
  expect(report(afterPush).local).toEqual({ created: 'at Object.make', parked: [''] });
}

/**
 * APP bundled with chanasync's entries from `from` (`src` or the built `dist`) into one file, as
 * an application's bundler makes it (`define`: what that bundler substitutes), then run.
 */
async function bundledRun(from: 'src' | 'dist', define: Record<string, string> = {}) {
  const ext = from === 'src' ? 'ts' : 'js';
  const entry = (name: string) =>
    from === 'src' ? `./src/${name === 'index' ? 'index' : `${name}/index`}.ts` : `./dist/${name}.js`;
  const result = await esbuild.build({
    stdin: {
      contents: `
        import * as core from '${entry('index')}';
        import * as debug from '${entry('debug')}';
        import * as port from '${entry('port')}';
        ${APP.replace('export async function run(', 'async function main(')}
        export function run() { return main(core, debug, port); }`,
      resolveDir: root,
      loader: ext,
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    define,
  });
  const file = join(tempDir('chanasync-audit-b-'), 'app.mjs');
  writeFileSync(file, result.outputFiles[0]?.text ?? '');
  const { run } = (await import(/* @vite-ignore */ file)) as {
    run: () => Promise<{ idle: SnapshotMessage; afterPush: SnapshotMessage }>;
  };
  return run();
}

describe('debug mode stacks start at the application, wherever chanasync’s code is', () => {
  test('bundled into the application’s file: a fromPort channel is created at the application’s function, and toPort’s parked pull shows no chanasync frame', async () => {
    expectUserFrames(await bundledRun('src'));
  });

  test('split the way Vite pre-bundles dependencies (an entry file each, the core in a shared chunk): stacks start at the application’s function, not in the chunk', async () => {
    const dir = tempDir('chanasync-audit-b-');
    const deps = join(dir, 'node_modules', '.vite', 'deps');
    mkdirSync(deps, { recursive: true });
    await viteDeps(deps, true);
    writeFileSync(join(dir, 'app.mjs'), APP);
    const app = (await import(/* @vite-ignore */ join(dir, 'app.mjs'))) as {
      run: (...entries: unknown[]) => Promise<{ idle: SnapshotMessage; afterPush: SnapshotMessage }>;
    };
    // Each entry loaded with a query, as a dev server serves them (`?v=hash`).
    const [core, debug, port] = await Promise.all(
      ['chanasync', 'chanasync_debug', 'chanasync_port'].map(
        (entry) => import(/* @vite-ignore */ `${join(deps, `${entry}.js`)}?v=0a1b2c3d`),
      ),
    );
    expectUserFrames(await app.run(core, debug, port));
  });

  test('bundled by a bundler that rewrites import.meta.url to the file of the module at build time (webpack): stacks start at the application’s function', async () => {
    // What webpack's default `importMeta` handling leaves in the bundle: the path of each module.
    const url = JSON.stringify('file:///home/app/node_modules/chanasync/dist/debug.js');
    expectUserFrames(await bundledRun('dist', { 'import.meta.url': url }));
  });

  test('loaded from dist/ as published, the same: application classes named like chanasync’s (Sender, Hub) stay in the stacks', async () => {
    const dir = tempDir('chanasync-audit-b-');
    writeFileSync(join(dir, 'app.mjs'), APP);
    const app = (await import(/* @vite-ignore */ join(dir, 'app.mjs'))) as {
      run: (...entries: unknown[]) => Promise<{ idle: SnapshotMessage; afterPush: SnapshotMessage }>;
    };
    const entries = await Promise.all(
      ['index.js', 'debug.js', 'port.js'].map((entry) => import(/* @vite-ignore */ join(root, 'dist', entry))),
    );
    expectUserFrames(await app.run(...entries));
  });
});
