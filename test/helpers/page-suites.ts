/**
 * The Node suite in a browser page: which of test/'s files run there unchanged (through the
 * small vitest shim of test/fixtures/firefox/vitest-shim.ts), and their bundles. Used by
 * test/core.firefox.test.ts (Firefox, through Marionette), test/core-suites.chromium.test.ts
 * (Chromium, through playwright-core) and test/core-suites.deno.test.ts (Deno, the files that
 * need no DOM).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

/**
 * A page script that makes a form a test submits (or a link it follows) navigate a hidden frame
 * outside `<body>`, which tests may empty, and not the page: a navigated page ends the run (and
 * in Firefox a new tab would make the page a background tab, whose timers run once a second).
 */
export const SINK_FRAME = `
  const sink = document.createElement('iframe');
  sink.name = 'sink';
  sink.hidden = true;
  document.documentElement.append(sink);
  document.head.append(Object.assign(document.createElement('base'), { target: 'sink' }));`;

/** A file of the Node suite that runs in a page, and the tests of it that cannot. */
export interface PageSuite {
  /** The file, in test/. */
  readonly file: string;
  /** Tests (by full name) that check Node itself or cannot run in any page, and why. */
  readonly skip?: Record<string, string>;
  /** Tests that cannot run in Firefox only, and why. */
  readonly skipInFirefox?: Record<string, string>;
  /** Tests that cannot run in Chromium only, and why. */
  readonly skipInChromium?: Record<string, string>;
  /** Why the file cannot run in Deno (which has no DOM), if it cannot. */
  readonly notInDeno?: string;
}

/** Why a file that needs a document cannot run in Deno. */
const NO_DOM = 'it needs a DOM (window, document, elements), which Deno does not have';

/** Why a test that uses `ReadableStream.from` cannot run in Chromium. */
const NO_STREAM_FROM = 'Chromium 150 has no ReadableStream.from (Node and Firefox have it)';

/**
 * Test files of the Node suite that run unchanged in a browser page: each is bundled with
 * `vitest` aliased to test/fixtures/firefox/vitest-shim.ts (vitest's own `expect`; what needs
 * Node or fake timers is reported unsupported), loaded into a fresh document and run there, in
 * the browser's job queue with its AbortSignal, EventTarget, MessagePort and streams.
 * core-hardening runs last: its 40k operations parked in one job leave every later task of
 * Firefox's process slower (see the README's Firefox bullet in Semantic details).
 */
export const PAGE_SUITES: readonly PageSuite[] = [
  { file: 'channel.test.ts' },
  { file: 'select.test.ts' },
  { file: 'regressions.test.ts' },
  { file: 'core-batch.test.ts' },
  { file: 'core-feed.test.ts' },
  { file: 'interop.test.ts' },
  { file: 'stream-signal.test.ts' },
  { file: 'audit-interop.test.ts' },
  { file: 'merge.test.ts' },
  { file: 'broadcast.test.ts' },
  { file: 'audit2-model.test.ts' },
  { file: 'claims-interop.dom.test.ts', notInDeno: NO_DOM },
  { file: 'interop.dom.test.ts', notInDeno: NO_DOM },
  { file: 'spec-first-map.dom.test.ts', notInDeno: NO_DOM },
  { file: 'debug.dom.test.ts', notInDeno: NO_DOM },
  { file: 'interop.debug.test.ts' },
  { file: 'peer-bugs-debug.test.ts' },
  {
    file: 'debug.relay.test.ts',
    skip: {
      'relayDebug > no target where globalThis cannot postMessage (Node) is refused with a TypeError naming relayDebug':
        'a page has postMessage',
      "a worker behind a relay, over a real MessageChannel > the worker's channels reach the page once the inspector says hello, and stop after bye":
        'it expects the context of Node (none); a page names its origin',
    },
  },
  {
    file: 'go-channel-tests.test.ts',
    skip: {
      'runtime/chan_test.go > 23 workers ranging over one job channel pass on every value exactly once (TestMultiConsumer)':
        'its 20,841 setTimeout(0) calls are clamped to 4 ms each in a browser: 4 s alone, 24 s after other files',
    },
  },
  {
    file: 'programs-web.test.ts',
    notInDeno: NO_DOM,
    skipInChromium: {
      'ReadableStream.from(channel) and for await over toReadableStream() both give every value in order':
        NO_STREAM_FROM,
    },
  },
  {
    file: 'claims-core.test.ts',
    skipInChromium: {
      'cancellation, as the usage section says it > ReadableStream.from(channel) cancelled during a read withdraws its pull: the next value goes to the next pull':
        NO_STREAM_FROM,
    },
  },
  {
    file: 'audit-core.test.ts',
    skipInFirefox: {
      'errors > an error’s stack and string form start with its class name':
        "V8's stack starts with a 'Name: message' line; SpiderMonkey's with the first frame",
    },
  },
  {
    file: 'audit2-core.test.ts',
    skipInChromium: {
      'platform consumers of the async iterator > ReadableStream.from(channel) cancelled while a read waits loses no value pushed afterwards':
        NO_STREAM_FROM,
    },
  },
  {
    file: 'peer-bugs-core.test.ts',
    skipInChromium: {
      'consumers that cancel (Kotlin receiveAsFlow, WHATWG streams) > ReadableStream.from(channel) drops a value its pending read took in the same turn as a cancel, though the push resolved':
        NO_STREAM_FROM,
    },
  },
  { file: 'audit-broadcast.test.ts' },
  { file: 'after.test.ts' },
  { file: 'ticker.test.ts' },
  { file: 'core-hardening.test.ts' },
];

/** The tests of `suite` that `browser` skips, and why. */
export function skipsIn(suite: PageSuite, browser: 'chromium' | 'firefox'): Record<string, string> {
  return { ...suite.skip, ...(browser === 'firefox' ? suite.skipInFirefox : suite.skipInChromium) };
}

/**
 * The files of {@link PAGE_SUITES} bundled for a page, by URL path (`/suites/<file>.js`): each
 * exports the shim's `runRegisteredTests(filter)`, which runs the file's tests and resolves with
 * a report of them.
 */
export async function buildPageSuites(): Promise<Map<string, string>> {
  const testDir = join(import.meta.dirname, '..');
  const bundles = new Map<string, string>();
  for (const { file } of PAGE_SUITES) {
    const result = await esbuild.build({
      stdin: {
        contents: `export { runRegisteredTests } from 'vitest';\nimport ${JSON.stringify(join(testDir, file))};`,
        resolveDir: testDir,
        loader: 'ts',
      },
      bundle: true,
      // The package says "sideEffects": false, which would drop the side-effect import of the test file.
      ignoreAnnotations: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'error',
      alias: {
        vitest: join(testDir, 'fixtures', 'firefox', 'vitest-shim.ts'),
        chanasync: join(testDir, '..', 'src', 'index.ts'),
        'chanasync/debug': join(testDir, '..', 'src', 'debug', 'index.ts'),
      },
      plugins: [
        {
          // A test file that watches Node's `process` gets the shim's (unhandledRejection → the page's event).
          name: 'process',
          setup(build) {
            // Node's getEventListeners and test/helpers/node-script.ts come from the shim too.
            const shim = join(testDir, 'fixtures', 'firefox', 'vitest-shim.ts');
            build.onResolve({ filter: /^node:events$|\/helpers\/node-script\.js$/ }, () => ({ path: shim }));
            // Any other Node module, imported by a test when it runs: that test is unsupported.
            build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-only' }));
            build.onLoad({ filter: /.*/, namespace: 'node-only' }, (args) => ({
              contents: `import { Unsupported } from ${JSON.stringify(shim)};\nthrow new Unsupported(${JSON.stringify(`${args.path} is not available in a page`)});`,
              loader: 'ts',
              resolveDir: testDir,
            }));
            build.onLoad({ filter: /[\\/]test[\\/][^\\/]+\.test\.ts$/ }, (args) => {
              const text = readFileSync(args.path, 'utf8');
              const contents = /\bprocess\./.test(text) ? `import { process } from 'vitest';\n${text}` : text;
              return { contents, loader: 'ts' };
            });
          },
        },
      ],
    });
    bundles.set(`/suites/${file.replace(/\.ts$/, '.js')}`, result.outputFiles[0]?.text ?? '');
  }
  return bundles;
}
