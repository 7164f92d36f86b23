/**
 * Audit BD (mutation testing of `src/interop/describe.ts`): a refusal names a bad argument by its
 * class, and reading it never runs into an exception of the argument's own.
 *
 * - An instance of an anonymous class (`new (class {})()`), whose class name is the empty
 *   string, is described as `object`, not as nothing (mutant D02: `&& name` dropped, the message
 *   ended in "got ").
 * - A value whose every property read throws (a `Proxy` with a throwing `get` trap) is refused
 *   with the library's TypeError, not with the trap's error (mutant D05: `notAChannel`'s
 *   try/catch removed, the trap's error came out of `toReadableStream`).
 */
import { toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const refusal = (value: unknown): unknown => {
  try {
    toReadableStream(value as never);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('a refusal of something that is not a channel', () => {
  it('names an instance of an anonymous class as an object', () => {
    const error = refusal(new (class {})());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'toReadableStream(channel, options): channel is not a chanasync Channel, got object',
    );
  });

  it('refuses a Proxy whose get trap throws with its own TypeError, not the trap’s error', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('get trap');
        },
      },
    );
    const error = refusal(hostile);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'toReadableStream(channel, options): channel is not a chanasync Channel, got object',
    );
  });
});
