/**
 * Angle (3): when one call (close, abort, pushAll, pullMany) settles many parked operations of
 * the same kind, they settle in the order they parked (FIFO), as a user awaiting them in order
 * or in a Promise.all would assume. (Across kinds the order differs — pull vs select vs next(),
 * push vs pushAll; audit AX-core lists that as an observation, and the README's Cancellation
 * paragraph documents that rejections reach code two microtasks after resolutions.)
 */
import { Channel, pull as pullCase, push as pushCase, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = async () => {
  for (let i = 0; i < 60; i++) await Promise.resolve();
};
type Op = (c: Channel<number>, s: AbortSignal, i: number) => Promise<unknown>;
const pulls: Record<string, Op> = {
  pull: (c, s) => c.pull({ signal: s }),
  pullMany: (c, s) => c.pullMany(3, { signal: s }),
  select1: (c, s) => select([pullCase(c)], { signal: s }),
  select2: (c, s) => select([pullCase(c), pullCase(new Channel<number>())], { signal: s }),
};
const pushes: Record<string, Op> = {
  push: (c, s, i) => c.push(i, { signal: s }),
  pushAll: (c, s, i) => c.pushAll([i], { signal: s }),
  select1: (c, s, i) => select([pushCase(c, i)], { signal: s }),
  select2: (c, s, i) => select([pushCase(c, i), pullCase(new Channel<number>())], { signal: s }),
};

async function order(ops: Op, trigger: (c: Channel<number>, ctl: AbortController) => void) {
  const c = new Channel<number>(0);
  const ctl = new AbortController();
  const log: number[] = [];
  for (let i = 0; i < 5; i++) {
    const mark = () => log.push(i);
    ops(c, ctl.signal, i).then(mark, mark);
  }
  trigger(c, ctl);
  await flush();
  return log;
}

describe('same-kind waiters settle FIFO', () => {
  for (const [name, op] of Object.entries(pulls)) {
    it(`${name} ×5, settled by close / abort / pushAll`, async () => {
      expect(await order(op, (c) => c.close())).toEqual([0, 1, 2, 3, 4]);
      expect(await order(op, (_, ctl) => ctl.abort())).toEqual([0, 1, 2, 3, 4]);
      expect(await order(op, (c) => void c.pushAll([9, 9, 9, 9, 9]))).toEqual([0, 1, 2, 3, 4]);
    });
  }
  for (const [name, op] of Object.entries(pushes)) {
    it(`${name} ×5, settled by close / abort / pullMany`, async () => {
      expect(await order(op, (c) => c.close())).toEqual([0, 1, 2, 3, 4]);
      expect(await order(op, (_, ctl) => ctl.abort())).toEqual([0, 1, 2, 3, 4]);
      expect(await order(op, (c) => void c.pullMany(5))).toEqual([0, 1, 2, 3, 4]);
    });
  }
  it('iterators: five for-await next() calls on separate iterators settle FIFO on close and on pushAll', async () => {
    for (const trigger of [
      (c: Channel<number>) => c.close(),
      (c: Channel<number>) => void c.pushAll([1, 2, 3, 4, 5]),
    ]) {
      const c = new Channel<number>(0);
      const log: number[] = [];
      for (let i = 0; i < 5; i++)
        c[Symbol.asyncIterator]()
          .next()
          .then(() => log.push(i));
      trigger(c);
      await flush();
      expect(log).toEqual([0, 1, 2, 3, 4]);
    }
  });
});
