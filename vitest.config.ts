import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Unit, property and README tests run in Node; a test file that needs the DOM opts into
// happy-dom with a `// @vitest-environment happy-dom` comment at its top. Files named
// `*.gc.test.ts` run in a project whose workers start with `--expose-gc`, so they can force a
// collection (leak detection, memory release); everything else runs without it.
// `test/durable/` runs inside workerd (project `workers`, @cloudflare/vitest-pool-workers) with
// the Worker and bindings of test/durable/wrangler.jsonc; the Node projects skip it.
const shared = ['test/**/*.test.ts', 'inspector-extension/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'];
const gcTests = ['**/*.gc.test.ts'];
const workersTests = ['test/durable/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: shared,
          exclude: [...gcTests, ...workersTests, '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'gc',
          include: ['test/**/*.gc.test.ts', 'inspector-extension/test/**/*.gc.test.ts'],
          environment: 'node',
          execArgv: ['--expose-gc'],
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
    ],
  },
});
