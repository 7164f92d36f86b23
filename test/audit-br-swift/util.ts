// Small helpers of audit BR-peers-f (test/audit-br-swift/). Written for this folder only.

/** Lets every queued microtask (and the ones they queue) run: one macrotask turn. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs `n` macrotask turns. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** Records how a promise settled, without an unhandled rejection. */
export function track<T>(p: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } {
  const box: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (value) => {
      box.state = 'fulfilled';
      box.value = value;
    },
    (error: unknown) => {
      box.state = 'rejected';
      box.error = error;
    },
  );
  return box;
}

/** A peer's `Failure` error type. */
export class Failure extends Error {
  constructor() {
    super('Failure');
    this.name = 'Failure';
  }
}
