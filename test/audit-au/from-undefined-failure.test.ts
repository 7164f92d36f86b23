import { Channel } from 'chanasync';
import { expect, it } from 'vitest';

// FINDING AU-3 (medium, documented in README but contradicts user expectation): a source that
// fails with `undefined` is indistinguishable from one that ended, so a truncated stream looks
// complete. SPEC Interop: "closed when it ends, close(error) when it throws".

async function drain<T>(ch: AsyncIterable<T>) {
  const got: T[] = [];
  try {
    for await (const v of ch) got.push(v);
    return { got, failed: false };
  } catch {
    return { got, failed: true };
  }
}

it('baseline: for await over the same failing generator directly does throw', async () => {
  const r = await drain(
    (async function* () {
      yield 1;
      throw undefined;
    })(),
  );
  expect(r).toEqual({ got: [1], failed: true });
});

it.fails('Channel.from(generator that throws undefined): the consumer learns the source failed', async () => {
  const ch = Channel.from(
    (async function* () {
      yield 1;
      throw undefined;
    })(),
  );
  expect(await drain(ch)).toEqual({ got: [1], failed: true });
});

it.fails('Channel.from(stream errored with controller.error()): the consumer learns the stream failed', async () => {
  let ctl!: ReadableStreamDefaultController<number>;
  const rs = new ReadableStream<number>({
    start(c) {
      ctl = c;
      c.enqueue(1);
    },
  });
  setTimeout(() => ctl.error(), 20);
  expect(await drain(Channel.from(rs))).toEqual({ got: [1], failed: true });
});
