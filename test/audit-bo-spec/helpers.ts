/** Shared helpers of the audit BO-spec files. */

/** Resolves after one macrotask. */
export const tick = (): Promise<void> => new Promise<void>((r) => setTimeout(r, 0));

/** Resolves after `n` macrotasks. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** A promise's state, read synchronously once it settled. */
export type Tracked<T> = {
  status: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: unknown;
  promise: Promise<T>;
};

/** Follows `promise`'s state without leaving a rejection unhandled. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { status: 'pending', promise };
  promise.then(
    (value) => {
      t.status = 'resolved';
      t.value = value;
    },
    (error) => {
      t.status = 'rejected';
      t.error = error;
    },
  );
  return t;
}

/** Every value `ch` yields, and the error its loop ended with, if any. */
export async function collect<T>(ch: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown; threw: boolean }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
    return { values, threw: false };
  } catch (error) {
    return { values, error, threw: true };
  }
}
