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
