// Helpers for the BS-port blind audit (no project test code used).
export async function until(cond: () => boolean, what = 'condition', ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Let the event loop run some macrotasks (used only to check that something did NOT happen). */
export async function settle(ms = 60): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

export function track<T>(p: Promise<T>): { done: boolean; value?: T; error?: unknown; p: Promise<T> } {
  const s: { done: boolean; value?: T; error?: unknown; p: Promise<T> } = { done: false, p };
  p.then(
    (v) => {
      s.done = true;
      s.value = v;
    },
    (e) => {
      s.done = true;
      s.error = e;
    },
  );
  return s;
}

/** Reads each channel (any async iterable) to its end, all at once; the values of each, in order. */
export function drainAll<T>(...sources: AsyncIterable<T>[]): Promise<T[][]> {
  return Promise.all(
    sources.map(async (source) => {
      const got: T[] = [];
      for await (const value of source) got.push(value);
      return got;
    }),
  );
}
