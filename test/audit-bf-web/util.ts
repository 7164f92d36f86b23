/** Helpers for audit BF-web. */

/** Lets pending microtasks and a few macrotasks run (no correctness depends on its length). */
export async function settle(turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** The state of a promise once the queue has settled. */
export async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'fulfilled';
    },
    () => {
      result = 'rejected';
    },
  );
  await settle();
  return result;
}

/** Waits (event loop turns, no timing) until `check()` is true, or fails after `limit` turns. */
export async function until(check: () => boolean, limit = 2000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (check()) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  throw new Error('until: condition never held');
}

/** The reason a promise rejects with (fails if it fulfills). */
export async function reasonOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A pull-source stream that counts its pulls and records its cancel reasons. */
export function countingStream<T>(values: readonly T[]): {
  stream: ReadableStream<T>;
  pulls: () => number;
  cancels: unknown[];
} {
  let i = 0;
  let pulls = 0;
  const cancels: unknown[] = [];
  const stream = new ReadableStream<T>(
    {
      pull(controller) {
        pulls++;
        if (i < values.length) controller.enqueue(values[i++]!);
        else controller.close();
      },
      cancel(reason) {
        cancels.push(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls, cancels };
}

/** A stream of `values` whose pulls answer a macrotask later (a slow network body). */
export function slowStream(values: readonly number[]): { stream: ReadableStream<number>; pulled: () => number } {
  let i = 0;
  const stream = new ReadableStream<number>(
    {
      pull(controller) {
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            if (i < values.length) controller.enqueue(values[i++]!);
            else controller.close();
            resolve();
          }, 0),
        );
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => i };
}
