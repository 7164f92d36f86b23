import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Unit, property and README tests run in Node; a test file that needs the DOM opts into
// happy-dom with a `// @vitest-environment happy-dom` comment at its top. Files named
// `*.gc.test.ts` run in a project whose workers start with `--expose-gc`, so they can force a
// collection (leak detection, memory release); everything else runs without it.
// `test/durable/` runs inside workerd (project `workers`, @cloudflare/vitest-pool-workers) with
// the Worker and bindings of test/durable/wrangler.jsonc; the Node projects skip it. The core's
// portable test files (`workerdCoreTests`) run a second time inside workerd (project
// `workerd-core`, a plain Worker without Node compatibility: test/workerd/), where streams,
// `AbortSignal`, timers and the job queue are workerd's own; test/workerd/*.test.ts are tests of
// workerd's own event sources that only that project runs.
const shared = ['test/**/*.test.ts', 'inspector-extension/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'];
const gcTests = ['**/*.gc.test.ts'];
const workersTests = ['test/durable/**/*.test.ts'];
// The core's and interop's test files that use nothing of Node (no `node:` module, child
// process or `getEventListeners`); the others (claims-core, peer-bugs-core, audit-core,
// audit2-core, after, ticker, mutants-core, outsider-core, …) check Node's listener lists or
// Node processes, and fuzz-core and programs-web load happy-dom, which workerd cannot.
const workerdCoreTests = [
  'test/channel.test.ts',
  'test/select.test.ts',
  'test/model.test.ts',
  'test/fuzz-select.test.ts',
  'test/go-channel-tests.test.ts',
  'test/core-batch.test.ts',
  'test/core-feed.test.ts',
  'test/core-hardening.test.ts',
  'test/regressions.test.ts',
  'test/merge.test.ts',
  'test/broadcast.test.ts',
  'test/fuzz-broadcast.test.ts',
  'test/stream-signal.test.ts',
  'test/timer-quota.test.ts',
  'test/interop.test.ts',
  'test/audit2-model.test.ts',
  'test/workerd/*.test.ts',
];

// Node 20's `AbortSignal.any()` lets a collection take a timeout source (nodejs/node#57736): the
// file says how the Node projects work around it.
const nodeSetup = 'test/setup/node-abort-any.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Three test files at a time, on a 2-core machine too. vitest's default there is one
    // (cores − 1), and most of the suite's time is spent waiting on Chromium, Firefox, workerd
    // and timers: two ran in about 60% of one's time, three in 750 s against two's 957 s (the
    // whole suite, 2026-12-05), four in 709 s — little more, for twice the load beside each file.
    // Every file must pass with two others beside it. `CHANASYNC_TEST_WORKERS=1 npx vitest run`
    // runs one at a time (a timing question), or more on a larger machine.
    // Tried and left (2026-12-06): worker threads for the node project (`pool: 'threads'`) used
    // about 20% less CPU on 120 small files, but the whole suite took 1,382 s in vitest with
    // them and 1,417 s with forks in a fresh clone within the hour (one run each, on a machine
    // slower that day than the 750 s above): no gain worth a change of runner. Starting the
    // slowest files first, across projects, ran three browser files together, each 30–50% longer.
    maxWorkers: Number(process.env.CHANASYNC_TEST_WORKERS ?? 3),
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: shared,
          exclude: [...gcTests, ...workersTests, 'test/workerd/**', '**/node_modules/**'],
          environment: 'node',
          setupFiles: [nodeSetup],
        },
      },
      {
        extends: true,
        test: {
          name: 'gc',
          include: ['test/**/*.gc.test.ts', 'inspector-extension/test/**/*.gc.test.ts'],
          environment: 'node',
          execArgv: ['--expose-gc'],
          setupFiles: [nodeSetup],
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './test/durable/worker.ts',
            wrangler: { configPath: './test/durable/wrangler.jsonc' },
          }),
        ],
        test: { name: 'workers', include: workersTests, testTimeout: 30_000 },
      },
      {
        plugins: [
          cloudflareTest({
            main: './test/workerd/worker.ts',
            wrangler: { configPath: './test/workerd/wrangler.jsonc' },
          }),
        ],
        test: { name: 'workerd-core', include: workerdCoreTests, testTimeout: 60_000 },
      },
    ],
  },
});
