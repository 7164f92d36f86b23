/** The ported suites' helpers (test/helpers/ported-suites.ts), and Java's `remainingCapacity()`. */
export * from '../helpers/ported-suites.js';

/** Java's `remainingCapacity()`: free buffer slots (0 for a rendezvous channel). */
export const remaining = (ch: { capacity: number; size: number }): number => ch.capacity - ch.size;
