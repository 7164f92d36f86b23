import { Channel, ChannelClosedError } from 'chanasync';
import { expect, it } from 'vitest';

// FINDING AU-3 (medium), fixed 2026-12-06: a source that failed with `undefined` was
// indistinguishable from one that ended, so a truncated stream looked complete. SPEC Interop:
// "closed when it ends, close(error) when it throws". It now closes with an Error saying so.

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

it('Channel.from(generator that throws undefined): the consumer learns the source failed', async () => {
  const ch = Channel.from(
    (async function* () {
      yield 1;
      throw undefined;
    })(),
  );
  expect(await drain(ch)).toEqual({ got: [1], failed: true });
});

it('Channel.from(stream errored with controller.error()): the consumer learns the stream failed', async () => {
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

it('the close reason of a source that failed with undefined is an Error that says so, for every kind of source', async () => {
  const failing = {
    'a synchronous iterator': {
      [Symbol.iterator]: () => ({
        step: 0,
        next() {
          if (this.step++ === 0) return { done: false, value: 1 };
          throw undefined;
        },
      }),
    },
    'a promise in an iterable that rejects with undefined': [1, Promise.reject(undefined)],
    'an async generator': (async function* () {
      yield 1;
      throw undefined;
    })(),
  };
  for (const [kind, source] of Object.entries(failing)) {
    const ch = Channel.from(source as Iterable<number>);
    expect(await ch.pull(), kind).toBe(1);
    const error = await ch.pull().catch((e: unknown) => e);
    expect(error, kind).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause, kind).toEqual(
      new Error('from(source): the source failed with undefined'),
    );
  }
  // A stream errored with no reason is unlocked afterwards, as for await leaves it.
  const stream = new ReadableStream<number>({
    pull(controller) {
      controller.error();
    },
  });
  const ch = Channel.from(stream);
  await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  expect(stream.locked).toBe(false);
  // A source that ends normally still closes normally.
  const ended = Channel.from([1]);
  expect(await drain(ended)).toEqual({ got: [1], failed: false });
});
