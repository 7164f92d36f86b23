// Helpers for the audit-bj-debug suite (black-box, from SPEC.md / README.md).
export const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
export const BYE = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

import { vi } from 'vitest';

/**
 * Lets `ms` of timer time pass: on the fake clock when the test faked the timers (the suites
 * that count snapshots do, so that a loaded machine cannot make a throttle fire late), else for real.
 */
export const sleep = async (ms = 0): Promise<void> => {
  if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
};

export function recorder() {
  const posted: any[] = [];
  const listen = new EventTarget();
  const target = {
    postMessage(message: unknown) {
      posted.push(message);
    },
  };
  const say = (data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));
  const snapshots = () => posted.filter((m) => m?.type === 'snapshot');
  return { posted, listen, target, say, snapshots };
}

export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
