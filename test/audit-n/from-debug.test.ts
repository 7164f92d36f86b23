/**
 * Audit N follow-up: "Every argument is checked before a stream is locked, an iterator opened or
 * a value read" — and a `from` refused at the call makes no channel, so debug mode lists none.
 */
import { afterEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { from } from '../../src/index.js';

afterEach(() => disableDebug());

/** The names of the channels debug mode lists now. */
const listed = () => snapshot().channels.map((channel) => channel.name);

test('a from() refused for its source or its options leaves no channel for debug mode to list', () => {
  enableDebug({ target: { postMessage() {} } });
  let opened = 0;
  const iterable = {
    [Symbol.iterator]() {
      opened++;
      return [1][Symbol.iterator]();
    },
  };
  const locked = new ReadableStream();
  locked.getReader();
  expect(() => from(null as never)).toThrow(/^from\(source, options\): source must be an iterable/);
  expect(() => from(locked)).toThrow(/the stream is locked/);
  expect(() => from(iterable, { capacity: -1 })).toThrow(RangeError);
  expect(() => from(iterable, { name: 5 as never })).toThrow(TypeError);
  expect(opened).toBe(0);
  expect(listed()).toEqual([]);
  const channel = from(iterable, { name: 'good' });
  expect(opened).toBe(1);
  expect(listed()).toEqual(['good']);
  channel.close();
});
