/** What a `for await` over `channel` collected, and the error it ended with (if any). */
export async function drain<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values, error: undefined };
  } catch (error) {
    return { values, error };
  }
}

/** Everything `channel` gives without waiting, by `pullNowait` until it throws (empty or closed). */
export function drainNow<T>(channel: { pullNowait(): T }): T[] {
  const values: T[] = [];
  for (;;) {
    try {
      values.push(channel.pullNowait());
    } catch {
      return values;
    }
  }
}
