/**
 * Auditor BA — durable: `for await` across object resets while several producers push at once.
 */
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName, resetFlagged, resetObject } from '../helpers.js';

it('(holds) for await with four concurrent producers and three object resets: every value once, each producer in order, the loop ends at close', async () => {
  const bad: string[] = [];
  for (let round = 0; round < 3; round++) {
    const name = freshName('ba-iter-producers');
    const consumer = durableChannel<string>(resetFlagged(), name, { capacity: 4 });
    const got: string[] = [];
    const resetsAt = new Set([5, 17, 33]);
    const reading = (async () => {
      for await (const value of consumer) {
        got.push(value);
        if (resetsAt.has(got.length)) await resetObject(name);
      }
    })();
    const producers = [0, 1, 2, 3].map(async (p) => {
      const producer = durableChannel<string>(resetFlagged(), name, { capacity: 4 });
      for (let i = 0; i < 12; i++) await producer.push(`${p}:${i}`);
    });
    await Promise.all(producers);
    await durableChannel<string>(resetFlagged(), name).close();
    await reading;
    const sorted = [...got].sort();
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: 12 }, (_, i) => `${p}:${i}`)).sort();
    if (JSON.stringify(sorted) !== JSON.stringify(expected)) bad.push(`round ${round}: got ${JSON.stringify(got)}`);
    for (let p = 0; p < 4; p++) {
      const mine = got.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.split(':')[1]));
      if (JSON.stringify(mine) !== JSON.stringify([...mine].sort((a, b) => a - b)))
        bad.push(`round ${round}: producer ${p} out of order ${JSON.stringify(mine)}`);
    }
  }
  expect(bad).toEqual([]);
}, 20_000);
