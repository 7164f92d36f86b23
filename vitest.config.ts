import { defineConfig } from 'vitest/config';

// Unit, property and README tests run in Node; a test file that needs the DOM opts into
// happy-dom with a `// @vitest-environment happy-dom` comment at its top.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'inspector-extension/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
