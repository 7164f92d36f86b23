/** What {@link orHeartbeat} resolves with when `ms` passed first. */
export const HEARTBEAT = 'heartbeat';

/**
 * `pending`'s outcome, or {@link HEARTBEAT} if it has not settled after `ms`; the timer is cleared
 * either way. A stream's `pull` uses it to write an empty line while it waits: a Worker whose
 * runtime tells it that the client left only when a write fails (`wrangler dev`, Miniflare) then
 * finds out even while nothing else is written. `pending` is not consumed: race it again on the
 * next `pull`.
 *
 * @param pending what the stream waits for (the next line).
 * @param ms how long to wait before answering {@link HEARTBEAT}.
 */
export async function orHeartbeat<T>(pending: Promise<T>, ms: number): Promise<T | typeof HEARTBEAT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      pending,
      new Promise<typeof HEARTBEAT>((resolve) => {
        timer = setTimeout(resolve, ms, HEARTBEAT);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
