// Audit BU (interop): `from()` over an async iterator that yields a value the channel refuses
// (a thenable) closes the channel with the push's TypeError and `return()`s the iterator, as a
// `for await` whose body throws does: a cursor or a file handle behind it is released. A source
// that fails by itself is not `return()`ed, as after `for…of`.
import { from } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** An async iterable yielding `values` whose iterator counts its `return()` calls. */
function counted(values: unknown[], fail?: unknown) {
  const state = { returned: 0 };
  let index = 0;
  const iterable: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (index < values.length) return { done: false, value: values[index++] };
        if (fail !== undefined) throw fail;
        return { done: true, value: undefined };
      },
      return: async () => {
        state.returned++;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state };
}

describe('from() over an async iterator whose value the channel refuses', () => {
  it('closes the channel with the TypeError after the values before it, and return()s the iterator once', async () => {
    const { iterable, state } = counted([1, Promise.resolve(2), 3]);
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const value of from(iterable)) got.push(value);
      })(),
    ).rejects.toThrow(/thenable/);
    expect(got).toEqual([1]);
    expect(state.returned).toBe(1);
  });

  it('a source that fails by itself is not return()ed (as after for…of), and its reason closes the channel', async () => {
    const { iterable, state } = counted([1], new Error('disk'));
    const channel = from(iterable);
    expect(await channel.pull()).toBe(1);
    const error = await channel.pull().catch((reason: unknown) => reason);
    expect((error as Error).cause).toEqual(new Error('disk'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.returned).toBe(0);
  });

  it('a source that ends is not return()ed', async () => {
    const { iterable, state } = counted([1, 2]);
    const got: unknown[] = [];
    for await (const value of from(iterable)) got.push(value);
    expect(got).toEqual([1, 2]);
    expect(state.returned).toBe(0);
  });
});
