// Helpers for the BS-interop audit: polling waits, never fixed sleeps followed by expectations.
export async function until(cond: () => boolean, what = 'condition', deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
export const tick = () => new Promise<void>((r) => setTimeout(r, 0));
export async function microtasks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}
export function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
/** Settled state of a promise without waiting for it. */
export function track<T>(p: Promise<T>) {
  const s: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown } = { state: 'pending' };
  p.then(
    (v) => {
      s.state = 'fulfilled';
      s.value = v;
    },
    (e) => {
      s.state = 'rejected';
      s.reason = e;
    },
  );
  return s;
}
