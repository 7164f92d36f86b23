/**
 * fast-check parameters for the fuzz tests: `numRuns` runs, or those of a failure to replay,
 * from the environment — `FUZZ_SEED=<seed> FUZZ_PATH=<path>` as fast-check printed them, and
 * `FUZZ_RUNS=<n>` for a longer hunt (e.g. `FUZZ_RUNS=5000 npx vitest run test/port-fuzz.test.ts`).
 */
import type fc from 'fast-check';

export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  const env = process.env;
  const runs = env.FUZZ_RUNS === undefined ? numRuns : Number(env.FUZZ_RUNS);
  if (env.FUZZ_SEED === undefined) return { numRuns: runs };
  return {
    numRuns: runs,
    seed: Number(env.FUZZ_SEED),
    ...(env.FUZZ_PATH === undefined ? {} : { path: env.FUZZ_PATH }),
  };
}
