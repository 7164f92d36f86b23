/**
 * `after` and `ticker` as an outsider reads the SPEC: Go's `time.After` delivers a time no
 * earlier than the call plus the delay.
 */
import { expect, test } from 'vitest';
import { after } from '../../src/index.js';

test('after(ms) never delivers a time before the call plus ms (Node fires timers up to a millisecond early by Date.now())', async () => {
  const early: number[] = [];
  for (let i = 0; i < 400; i++) {
    const start = Date.now();
    const value = await after(2).pull();
    if (value < start + 2) early.push(value - start);
  }
  expect(early).toEqual([]);
});
