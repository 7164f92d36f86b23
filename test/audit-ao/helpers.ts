export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export type State<T> =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown };

/** Observes a promise without letting its rejection go unhandled. */
export function track<T>(promise: Promise<T>): { readonly state: State<T> } {
  const box: { state: State<T> } = { state: { status: 'pending' } };
  promise.then(
    (value) => {
      box.state = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      box.state = { status: 'rejected', reason };
    },
  );
  return box;
}

export async function settle<T>(promise: Promise<T>): Promise<State<T>> {
  try {
    return { status: 'fulfilled', value: await promise };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

export function withTimeout<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}
