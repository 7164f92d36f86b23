/** A signal whose check by chanasync runs user code: for tests of re-entrancy mid-operation. */

/**
 * A `Proxy` of `signal` (methods bound to it) whose next read of `aborted`, once `arm`ed, first
 * runs the hook: user code inside chanasync's check of the signal.
 */
export function trapped(signal: AbortSignal) {
  let hook: (() => void) | undefined;
  const proxy = new Proxy(signal, {
    get(target, key) {
      if (key === 'aborted' && hook) {
        const run = hook;
        hook = undefined;
        run();
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    proxy,
    arm(run: () => void) {
      hook = run;
    },
    /** Drops a hook that has not run yet. */
    disarm() {
      hook = undefined;
    },
  };
}
