// Shared helpers of audit BR-peers-e (.NET System.Threading.Channels test-suite port).

/** Lets every queued microtask and a 0 ms timer run. */
export const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export type State<T> =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown };

/** Tracks a promise's settlement without awaiting it; also counts settlements (must stay ≤ 1). */
export function track<T>(promise: PromiseLike<T>): { readonly state: State<T>; readonly settlements: number } {
  let state: State<T> = { status: 'pending' };
  let settlements = 0;
  promise.then(
    (value) => {
      settlements++;
      state = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      settlements++;
      state = { status: 'rejected', reason };
    },
  );
  return {
    get state() {
      return state;
    },
    get settlements() {
      return settlements;
    },
  };
}

/** The rejection reason of a promise (fails if it fulfils). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
