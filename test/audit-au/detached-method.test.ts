import { Channel } from 'chanasync';
import { expect, it } from 'vitest';

// README "Semantic details" documents it: a detached push with an undefined `this` is a TypeError
// "of the engine's wording" (not a finding; SPEC silent). Checked: it is a TypeError and nothing parks.
it('a detached push fails with a TypeError and parks nothing (documented wording)', async () => {
  const ch = new Channel<number>(1);
  const { push } = ch;
  let e: any;
  try {
    await push(1);
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(TypeError);
  expect(ch.size).toBe(0);
});
