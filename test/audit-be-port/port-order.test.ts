/**
 * Audit BE, port: order, loss, duplication, batching and multiplexing over a real Node
 * `MessageChannel` (SPEC "Channels across contexts": Order and loss, Batching, `name`).
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { link, sleep, spy, until, valuesIn } from './helpers.js';

describe('order and loss', () => {
  it('delivers every value once, in FIFO order, and toPort resolves { sent, undelivered: [] }', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const sending = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 300; i++) await local.push(i);
      local.close();
    })();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    await producer;
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await expect(sending).resolves.toEqual({ sent: 300, undelivered: [] });
  });

  it('keeps order with an unbuffered local channel, an unbuffered receiver and a slow, irregular consumer', async () => {
    const { port1, port2 } = link();
    const local = new Channel<string>();
    const remote = fromPort<string>(port2);
    const sending = toPort(local, port1);
    const producer = (async () => {
      for (let i = 0; i < 40; i++) await local.push(`v${i}`);
      local.close();
    })();
    const got: string[] = [];
    for (;;) {
      try {
        got.push(await remote.pull());
      } catch {
        break;
      }
      if (got.length % 7 === 0) await sleep(3);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`));
    await expect(sending).resolves.toEqual({ sent: 40, undelivered: [] });
  });

  it('several remote consumers (iterators and pullMany) share the values: each exactly once, each consumer in order', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(16);
    const remote = fromPort<number>(port2, { capacity: 8 });
    const sending = toPort(local, port1);
    const producer = (async () => {
      await local.pushAll(Array.from({ length: 500 }, (_, i) => i));
      local.close();
    })();
    const iterate = async () => {
      const mine: number[] = [];
      for await (const v of remote) mine.push(v);
      return mine;
    };
    const batches = async () => {
      const mine: number[] = [];
      for (;;) {
        try {
          mine.push(...(await remote.pullMany(5)));
        } catch {
          return mine;
        }
      }
    };
    const parts = await Promise.all([iterate(), iterate(), batches()]);
    await producer;
    for (const part of parts) expect(part).toEqual([...part].sort((a, b) => a - b));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    await expect(sending).resolves.toEqual({ sent: 500, undelivered: [] });
  });

  it('two toPort streams reading one local channel (two names) split its values: each value to exactly one', async () => {
    const { port1, port2 } = link();
    const local = new Channel<number>(4);
    const a = fromPort<number>(port2, { name: 'a', capacity: 3 });
    const b = fromPort<number>(port2, { name: 'b', capacity: 3 });
    const sendA = toPort(local, port1, { name: 'a' });
    const sendB = toPort(local, port1, { name: 'b' });
    const producer = (async () => {
      for (let i = 0; i < 200; i++) await local.push(i);
      local.close();
    })();
    const drain = async (ch: Channel<number>) => {
      const mine: number[] = [];
      for await (const v of ch) mine.push(v);
      return mine;
    };
    const [gotA, gotB] = await Promise.all([drain(a), drain(b)]);
    await producer;
    expect(gotA).toEqual([...gotA].sort((x, y) => x - y));
    expect(gotB).toEqual([...gotB].sort((x, y) => x - y));
    expect([...gotA, ...gotB].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const [ra, rb] = await Promise.all([sendA, sendB]);
    expect(ra.sent + rb.sent).toBe(200);
    expect(ra.undelivered).toEqual([]);
    expect(rb.undelivered).toEqual([]);
  });

  it('values of structured-cloneable kinds arrive as clones (Map, Date, nested objects, undefined, null)', async () => {
    const { port1, port2 } = link();
    const local = new Channel<unknown>(8);
    const remote = fromPort<unknown>(port2, { capacity: 8 });
    const sending = toPort(local, port1);
    const date = new Date(0);
    const values = [new Map([[1, { a: [1, 2] }]]), date, { deep: { x: 1n } }, undefined, null, 0, '', Number.NaN];
    await local.pushAll(values);
    local.close();
    const got: unknown[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual(values);
    expect(got[1]).not.toBe(date);
    await expect(sending).resolves.toMatchObject({ sent: values.length, undelivered: [] });
  });
});

describe('batching', () => {
  it('values pulled in the same turn travel in one message', async () => {
    const { port1, port2 } = link();
    const seen = spy(port2);
    const local = new Channel<number>(16);
    local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1000 });
    const sending = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    await sending;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(valuesIn(seen)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('a producer awaiting each push within one turn is batched (far fewer messages than values)', async () => {
    const { port1, port2 } = link();
    const seen = spy(port2);
    const local = new Channel<number>();
    const remote = fromPort<number>(port2, { capacity: 1000 });
    const sending = toPort(local, port1);
    for (let i = 0; i < 100; i++) await local.push(i);
    local.close();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    await sending;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const messages = valuesIn(seen);
    expect(messages.flat()).toEqual(got);
    expect(messages.length).toBeLessThan(10);
  });
});

describe('multiplexing by name', () => {
  it('several channels share one port, each receiver getting only its own name', async () => {
    const { port1, port2 } = link();
    const letters = new Channel<string>(4);
    const numbers = new Channel<number>(4);
    const plain = new Channel<boolean>(4);
    const rLetters = fromPort<string>(port2, { name: 'letters', capacity: 2 });
    const rNumbers = fromPort<number>(port2, { name: 'numbers', capacity: 2 });
    const rPlain = fromPort<boolean>(port2, { capacity: 2 }); // default name ''
    const sends = [
      toPort(letters, port1, { name: 'letters' }),
      toPort(numbers, port1, { name: 'numbers' }),
      toPort(plain, port1),
    ];
    const produce = async <T>(ch: Channel<T>, values: T[]) => {
      for (const v of values) await ch.push(v);
      ch.close();
    };
    const drain = async <T>(ch: Channel<T>) => {
      const out: T[] = [];
      for await (const v of ch) out.push(v);
      return out;
    };
    const lettersIn = 'abcdefghijklmnopqrstuvwxyz'.split('');
    const numbersIn = Array.from({ length: 50 }, (_, i) => i);
    const plainIn = [true, false, true];
    const [gotL, gotN, gotP] = await Promise.all([
      drain(rLetters),
      drain(rNumbers),
      drain(rPlain),
      produce(letters, lettersIn),
      produce(numbers, numbersIn),
      produce(plain, plainIn),
    ]);
    expect(gotL).toEqual(lettersIn);
    expect(gotN).toEqual(numbersIn);
    expect(gotP).toEqual(plainIn);
    const results = await Promise.all(sends);
    expect(results.map((r) => r.sent)).toEqual([26, 50, 3]);
  });

  it('streams on one port are independent: a stalled consumer does not hold another name back', async () => {
    const { port1, port2 } = link();
    const slow = new Channel<number>(100);
    const fast = new Channel<number>(100);
    const rSlow = fromPort<number>(port2, { name: 'slow', capacity: 2 });
    const rFast = fromPort<number>(port2, { name: 'fast', capacity: 2 });
    const sendSlow = toPort(slow, port1, { name: 'slow' });
    const sendFast = toPort(fast, port1, { name: 'fast' });
    await slow.pushAll(Array.from({ length: 50 }, (_, i) => i));
    await fast.pushAll(Array.from({ length: 50 }, (_, i) => i));
    fast.close();
    const got: number[] = [];
    for await (const v of rFast) got.push(v); // nobody reads rSlow meanwhile
    expect(got).toHaveLength(50);
    await until(() => rSlow.size === 2, 2000, 'slow receiver buffered its credit');
    expect(slow.size).toBe(48);
    rSlow.close();
    const r = await sendSlow;
    expect(r.sent).toBe(2);
    expect(await sendFast).toEqual({ sent: 50, undelivered: [] });
  });
});
