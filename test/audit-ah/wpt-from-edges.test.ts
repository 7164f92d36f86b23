/**
 * web-platform-tests streams/readable-streams/from.any.js, the edges: how ReadableStream.from
 * (through GetIterator(obj, async) and the async-from-sync iterator, as `for await`) opens,
 * reads and closes an iterator — checked against `from`, with `for await` as the reference
 * where WPT's assertion is about iterator protocol. (Translated, not copied.)
 */
import { ChannelClosedError, from } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { collect, endlessOnes, flushAsyncEvents } from './util.js';

/** What `for await` over `iterable` yields and throws (the reference for from's reading). */
async function forAwait(iterable: unknown): Promise<{ values: unknown[]; error?: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const v of iterable as AsyncIterable<unknown>) values.push(v);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

async function viaFrom(iterable: unknown): Promise<{ values: unknown[]; error?: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const v of from(iterable as AsyncIterable<unknown>)) values.push(v);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('streams/readable-streams/from.any.js (edges: GetIterator and async-from-sync)', () => {
  // WPT: "ReadableStream.from ignores @@iterator if @@asyncIterator exists" — and GetMethod
  // treats a null @@asyncIterator as absent: the object is then a synchronous iterable, whose
  // promises are awaited (as for await does). What was wrong: `from` fell back to
  // @@iterator for a null @@asyncIterator but read the iterator as an async one, so a
  // promise it yielded was pushed as a value and refused: the channel closed with a TypeError.
  test('a null @@asyncIterator falls back to @@iterator, read as a synchronous iterable', async () => {
    const make = () => ({
      [Symbol.asyncIterator]: null,
      *[Symbol.iterator]() {
        yield Promise.resolve('a');
        yield 'b';
      },
    });
    const reference = await forAwait(make());
    expect(reference).toEqual({ values: ['a', 'b'] });
    expect(await viaFrom(make())).toEqual(reference);
  });

  test('a null @@asyncIterator with a rejected promise: from ends with its reason, as for await does', async () => {
    const theError = new Error('rejected');
    const make = () => ({
      [Symbol.asyncIterator]: null,
      *[Symbol.iterator]() {
        yield 1;
        yield Promise.reject(theError);
      },
    });
    expect(await viaFrom(make())).toEqual({ values: [1], error: theError });
  });

  test('an undefined @@asyncIterator falls back to @@iterator too', async () => {
    const make = () => ({
      [Symbol.asyncIterator]: undefined,
      *[Symbol.iterator]() {
        yield Promise.resolve('a');
      },
    });
    expect(await viaFrom(make())).toEqual({ values: ['a'] });
  });

  test('a null @@asyncIterator and no @@iterator is a TypeError at the call', () => {
    expect(() => from({ [Symbol.asyncIterator]: null } as never)).toThrow(TypeError);
  });

  test('an @@iterator method returning a non-object is a TypeError at the call', () => {
    expect(() => from({ [Symbol.iterator]: () => 42 } as never)).toThrow(TypeError);
    expect(() => from({ [Symbol.asyncIterator]: () => null } as never)).toThrow(TypeError);
  });

  test('an async iterator whose next() returns a plain (non-promise) result object is read like for await', async () => {
    const chunks = ['a', 'b'];
    const make = () => {
      const c = [...chunks];
      const it = {
        next: () => ({ done: c.length === 0, value: c.shift() }),
        [Symbol.asyncIterator]: () => it,
      };
      return it;
    };
    expect(await viaFrom(make())).toEqual(await forAwait(make()));
  });

  test('an async iterator result whose value is read only when not done (value getter of a done result not called)', async () => {
    let valueReads = 0;
    const it = {
      next: async () => ({
        done: true,
        get value() {
          valueReads++;
          return 'x';
        },
      }),
      [Symbol.asyncIterator]: () => it,
    };
    expect(await viaFrom(it)).toEqual({ values: [] });
    expect(valueReads).toBe(0);
  });

  test('an iterator result with a throwing done getter ends the channel with that error, as for await does', async () => {
    const theError = new Error('done getter');
    const make = () => {
      const it = {
        next: async () => ({
          get done(): boolean {
            throw theError;
          },
          value: 1,
        }),
        [Symbol.asyncIterator]: () => it,
      };
      return it;
    };
    expect(await viaFrom(make())).toEqual(await forAwait(make()));
  });

  // WPT (newer from.any.js): "cancel() rejects when return() rejects" and "... when return()
  // fulfills with a non-object". chanasync: close() is synchronous and has nobody to report to;
  // it closes the channel and reports nothing (no throw, no unhandled rejection).
  for (const [label, ret] of [
    ['rejects', () => Promise.reject(new Error('return failed'))],
    ['fulfills with a non-object', () => Promise.resolve(42)],
    [
      'throws synchronously',
      () => {
        throw new Error('return threw');
      },
    ],
    ['is not callable', 42],
  ] as const) {
    test(`closing a from channel whose iterator's return() ${label} does not throw`, async () => {
      const it = {
        next: async () => ({ done: false, value: 1 }),
        return: ret,
        [Symbol.asyncIterator]: () => it,
      };
      const channel = from(it as unknown as AsyncIterable<number>);
      expect(await channel.pull()).toBe(1);
      expect(() => channel.close()).not.toThrow();
      await flushAsyncEvents();
      expect(channel.closed).toBe(true);
    });
  }

  test('closing while a stream read is pending cancels the stream with the reason and unlocks it', async () => {
    const reasons: unknown[] = [];
    const stream = new ReadableStream<number>({
      cancel(reason) {
        reasons.push(reason);
      },
    });
    const channel = from(stream);
    const pulled = channel.pull();
    await flushAsyncEvents();
    const reason = new Error('enough');
    channel.close(reason);
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
    await flushAsyncEvents();
    expect(reasons).toEqual([reason]);
    expect(stream.locked).toBe(false);
  });

  test('a stream whose cancel() throws: closing the from channel does not throw', async () => {
    const stream = new ReadableStream<number>({
      pull(c) {
        c.enqueue(1);
      },
      cancel() {
        throw new Error('cancel failed');
      },
    });
    const channel = from(stream);
    expect(await channel.pull()).toBe(1);
    expect(() => channel.close()).not.toThrow();
    await flushAsyncEvents();
    expect(stream.locked).toBe(false);
  });

  test('abort with a reason cancels a stream source with the signal reason; the channel ends normally', async () => {
    const { stream, reasons } = endlessOnes();
    const controller = new AbortController();
    const channel = from(stream, { signal: controller.signal });
    expect(await channel.pull()).toBe(1);
    controller.abort('stop');
    await flushAsyncEvents();
    expect(reasons).toEqual(['stop']);
    expect(await collect(channel)).toEqual([]);
  });

  test('an already aborted signal: nothing read, the iterator is returned, the stream cancelled', async () => {
    let nextCalls = 0;
    let returnCalls = 0;
    const it = {
      next: async () => {
        nextCalls++;
        return { done: false, value: 1 };
      },
      return: async () => {
        returnCalls++;
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => it,
    };
    const channel = from(it, { signal: AbortSignal.abort() });
    expect(channel.closed).toBe(true);
    await flushAsyncEvents();
    expect(nextCalls).toBe(0);
    expect(returnCalls).toBe(1);
    const stream = new ReadableStream();
    from(stream, { signal: AbortSignal.abort() });
    await flushAsyncEvents();
    expect(stream.locked).toBe(false);
  });

  test('a sync generator closed by close(): its finally has run when close() returns', async () => {
    let finallyRan = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finallyRan = true;
      }
    }
    const channel = from(gen());
    expect(await channel.pull()).toBe(0);
    channel.close();
    expect(finallyRan).toBe(true);
  });
});

describe('streams/readable-streams/from.any.js (a sync iterable read through the async-from-sync iterator)', () => {
  // ReadableStream.from and for await read a synchronous iterator's result through the
  // async-from-sync iterator: `done`, then `value`, each once per step. What was wrong: from
  // read `value` first (to see whether it is a promise), then `done`, then `value` again when
  // pushing it — a getter ran twice, out of order, and a value getter that answered a promise
  // the second time made the channel close with a TypeError.
  test('a sync iterator result is read done-then-value, each once, as for await reads it', async () => {
    const make = (log: string[]) => {
      let i = 0;
      const it = {
        next() {
          const n = ++i;
          return {
            get done() {
              log.push(`done${n}`);
              return n > 2;
            },
            get value() {
              log.push(`value${n}`);
              return n;
            },
          };
        },
        [Symbol.iterator]: () => it,
      };
      return it as Iterable<number>;
    };
    const reference: string[] = [];
    const viaForAwait = await forAwait(make(reference));
    const log: string[] = [];
    expect(await viaFrom(make(log))).toEqual(viaForAwait);
    expect(reference).toEqual(['done1', 'value1', 'done2', 'value2', 'done3', 'value3']);
    expect(log).toEqual(reference);
  });

  test('a value getter that answers a plain value first and a promise later delivers what it answered once', async () => {
    let reads = 0;
    let done = false;
    const it = {
      next() {
        const step = {
          done,
          get value() {
            reads++;
            return reads === 1 ? 'plain' : Promise.resolve('promise');
          },
        };
        done = true;
        return step;
      },
      [Symbol.iterator]: () => it,
    };
    expect(await viaFrom(it)).toEqual({ values: ['plain'] });
  });
});

describe('streams/readable-streams/from.any.js (a next() result that is a function)', () => {
  // WPT: "stream errors when next() returns a non-object" — IteratorNext's check is "is not an
  // Object", and a function is an Object: for await and ReadableStream.from read its `done` and
  // `value`. What was wrong: from tested `typeof result !== 'object'` and closed the channel
  // with a TypeError for a function result.
  test('a next() result that is a function with done and value is read as for await reads it', async () => {
    const make = () => {
      let n = 0;
      const step = Object.assign(() => {}, { done: false, value: 'from a function' });
      const it = {
        next: async () => (n++ === 0 ? step : { done: true, value: undefined }),
        [Symbol.asyncIterator]: () => it,
      };
      return it;
    };
    const reference = await forAwait(make());
    expect(reference).toEqual({ values: ['from a function'] });
    expect(await viaFrom(make())).toEqual(reference);
  });

  test('a synchronous next() result that is a function is read too', async () => {
    let n = 0;
    const it = {
      next: () => (n++ === 0 ? Object.assign(() => {}, { done: false, value: 1 }) : { done: true, value: undefined }),
      [Symbol.iterator]: () => it,
    };
    expect(await viaFrom(it)).toEqual({ values: [1] });
  });
});
