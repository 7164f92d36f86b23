/** The ported suites' helpers (test/helpers/ported-suites.ts). */
export * from '../helpers/ported-suites.js';
