/**
 * Audit BO-interop: `from` against the iteration protocols (`for await`'s reading of
 * next/return, the async-from-sync iterator) and the values in flight when its channel closes.
 */
import { Channel, from, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An iterator that logs every protocol call. */
function loggingIterable(values: number[], log: string[]): Iterable<number> {
  let i = 0;
  const iterable = {
    [Symbol.iterator]() {
      log.push('open');
      return {
        next(...args: unknown[]) {
          log.push(`next(${args.length})`);
          return i < values.length ? { done: false, value: values[i++] } : { done: true, value: 'ret' };
        },
        return(...args: unknown[]) {
          log.push(`return(${args.length})`);
          return { done: true, value: undefined };
        },
        throw() {
          log.push('throw');
          return { done: true, value: undefined };
        },
      };
    },
  };
  return iterable as unknown as Iterable<number>;
}

describe('from: the iterator protocol as for await uses it', () => {
  it('next() without arguments; no return() when the source ends; throw() never called; return value ignored', async () => {
    const log: string[] = [];
    const out: number[] = [];
    for await (const v of from(loggingIterable([1, 2], log))) out.push(v);
    expect(out).toEqual([1, 2]);
    expect(log).toEqual(['open', 'next(0)', 'next(0)', 'next(0)']);
  });

  it('close() calls return() once, with no argument, inside close(); never next() again', async () => {
    const log: string[] = [];
    const ch = from(loggingIterable([1, 2, 3], log), { capacity: 1 });
    expect(await ch.pull()).toBe(1);
    await macrotask();
    const before = log.length;
    ch.close();
    expect(log.slice(before)).toEqual(['return(0)']);
    await macrotask();
    expect(log.filter((l) => l === 'return(0)')).toHaveLength(1);
    expect(log.includes('throw')).toBe(false);
  });

  it('a next() that throws closes the channel with that error and does not call return() (as for await)', async () => {
    const boom = new Error('next failed');
    const log: string[] = [];
    const source = {
      [Symbol.asyncIterator]() {
        return {
          next: async () => {
            throw boom;
          },
          return: async () => {
            log.push('return');
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    const ch = from(source);
    await expect(ch.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause: boom });
    await macrotask();
    expect(log).toEqual([]);
  });

  it('an async generator closed while parked at a yield runs its finally', async () => {
    let finalized = false;
    async function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        finalized = true;
      }
    }
    const ch = from(gen(), { capacity: 1 });
    await macrotask(); // 1 is buffered; the generator is suspended at yield 1
    ch.close();
    await macrotask();
    expect(finalized).toBe(true);
    expect(ch.pullNowait()).toBe(1); // the buffered value stays readable
  });

  it('the channel iterator: return(v) resolves { done: true, value: v } and leaves the channel open', async () => {
    const ch = new Channel<number>(1);
    const it = ch[Symbol.asyncIterator]();
    expect(it[Symbol.asyncIterator]()).toBe(it);
    expect(await it.return?.(7 as never)).toEqual({ done: true, value: 7 });
    expect(ch.closed).toBe(false);
  });

  it('yield* over a channel: the outer generator’s return() withdraws the parked pull, no value is taken', async () => {
    const ch = new Channel<number>();
    async function* outer() {
      yield* ch;
    }
    const g = outer();
    const pending = g.next();
    await macrotask();
    expect(ch.stats().waitingPullers).toBe(1);
    // an async generator queues return() behind the pending next(); the pending next is what
    // must end: a value pushed now must go to it or stay in the channel, never vanish
    const returned = g.return(undefined);
    ch.pushNowait(5);
    const first = await pending;
    await returned;
    expect(first).toEqual({ done: false, value: 5 });
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('values in flight when a from() channel closes', () => {
  // BO-interop-1, documented (README Semantic details, `from`): a value an async source (or a
  // stream read) delivers to a read that was under way when the `from` channel closed is
  // dropped — the close failed the pull it was read for, and a channel closed and drained stays
  // drained. Through `from(toReadableStream(P))` the value was the stream's; `from(P)` itself
  // loses nothing (the control below).
  it('BO-interop-1: from(toReadableStream(P)) closed while its read is under way: the pull fails, the channel stays drained, the stream is cancelled', async () => {
    const P = new Channel<number>();
    const F = from(toReadableStream(P));
    const pulled = F.pull().then(
      (v) => v,
      (e: unknown) => e,
    );
    await macrotask(); // F's pump reads the stream, whose pull parks on P
    expect(P.stats().waitingPullers).toBe(1);
    const pushed = P.push(1); // commits into the stream's pending read, at P's commit point
    F.close();
    await expect(pushed).resolves.toBeUndefined(); // the stream's read took it
    expect(await pulled).toMatchObject({ name: 'ChannelClosedError' });
    await macrotask();
    expect(F.stats()).toMatchObject({ closed: true, size: 0, waitingPullers: 0 });
    expect(F.tryPull()).toBeUndefined();
    // The stream was cancelled: P is left open and untouched, with nothing parked on it.
    expect(P.stats()).toMatchObject({ closed: false, size: 0, waitingPullers: 0, waitingPushers: 0 });
    expect(P.tryPush(2)).toBe(false); // capacity 0 and nobody waits: the stream pulls no more
  });

  it('control: from(P) with a Channel source, same sequence — the pull receives the value', async () => {
    const P = new Channel<number>();
    const F = from(P);
    const pulled = F.pull();
    await macrotask();
    const pushed = P.push(1);
    F.close();
    await pushed;
    expect(await pulled).toBe(1);
  });

  it('BO-interop-1: from(asyncGenerator) closed while next() is pending: the generator is return()ed after the value it was making, which is dropped', async () => {
    let produced = 0;
    let finished = false;
    async function* slow() {
      try {
        for (;;) {
          await sleep(30);
          yield ++produced;
        }
      } finally {
        finished = true;
      }
    }
    const F = from(slow());
    const pulled = F.pull().catch((e: unknown) => e);
    await sleep(5);
    F.close(); // the pull is rejected; next() is still pending in the generator
    expect(await pulled).toMatchObject({ name: 'ChannelClosedError' });
    await sleep(60);
    expect(produced).toBe(1);
    expect(finished).toBe(true);
    expect(F.stats()).toMatchObject({ closed: true, size: 0 });
    expect(F.tryPull()).toBeUndefined();
  });
});
