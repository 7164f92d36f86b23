import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
export default defineConfig({
  plugins: [cloudflareTest({ main: './test/workerd/worker.ts', wrangler: { configPath: './test/workerd/wrangler.jsonc' } })],
  test: { name: 'wk2', include: ['test/tmp-wk-debug.test.ts'], testTimeout: 20000 },
});
