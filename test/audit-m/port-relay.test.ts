/**
 * Audit M: port streams chained and shared — a fromPort channel relayed by toPort (A → B → C),
 * two toPorts reading one fromPort channel, an `after` channel sent across, and a transfer
 * callback that acts on the stream's other channels (re-entrancy).
 */
import { describe, expect, test } from 'vitest';
import { after, Channel, pull, select } from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { closePortsAfterEach, drain, ports, sleep, until } from '../helpers/ports.js';

closePortsAfterEach();

const range = (count: number, base = 0) => Array.from({ length: count }, (_, i) => base + i);

describe('relays', () => {
  test('A → B → C: a fromPort channel relayed by toPort delivers every value in order, with the close reason of A', async () => {
    const [a1, a2] = ports();
    const [b1, b2] = ports();
    const source = new Channel<number>(4);
    const hop1 = toPort(source, a1);
    const middle = fromPort<number>(a2, { capacity: 3 });
    const hop2 = toPort(middle, b1);
    const end = fromPort<number>(b2);
    void (async () => {
      await source.pushAll(range(50));
      source.close(new TypeError('source over'));
    })();
    const { values, error } = await drain(end);
    expect(values).toEqual(range(50));
    expect(error).toEqual(new TypeError('source over'));
    expect(await hop1).toEqual({ sent: 50, undelivered: [] });
    expect(await hop2).toEqual({ sent: 50, undelivered: [] });
  });

  test('A → B → C, C closes early: B stops, A fills B up to its capacity; every value is somewhere, once', async () => {
    const [a1, a2] = ports();
    const [b1, b2] = ports();
    const source = new Channel<number>(Infinity);
    await source.pushAll(range(30));
    const hop1 = toPort(source, a1);
    const middle = fromPort<number>(a2, { capacity: 3 });
    const hop2 = toPort(middle, b1);
    const end = fromPort<number>(b2);
    const got = [await end.pull(), await end.pull()];
    end.close();
    const second = await hop2;
    await until(() => middle.size === 3);
    await sleep(20);
    expect(middle.closed).toBe(false);
    const inMiddle: number[] = [];
    while (middle.size > 0) inMiddle.push(middle.pullNowait());
    middle.close();
    const first = await hop1;
    const rest: number[] = [];
    while (source.size > 0) rest.push(source.pullNowait());
    expect(got).toEqual([0, 1]);
    expect(second.sent).toBe(2);
    expect([...got, ...second.undelivered, ...inMiddle, ...first.undelivered, ...rest]).toEqual(range(30));
  });

  test('two toPorts reading one fromPort channel: each value goes to exactly one of them', async () => {
    const [a1, a2] = ports();
    const [b1, b2] = ports();
    const [c1, c2] = ports();
    const source = new Channel<number>(Infinity);
    await source.pushAll(range(60));
    source.close();
    const hop = toPort(source, a1);
    const middle = fromPort<number>(a2, { capacity: 4 });
    const left = toPort(middle, b1);
    const right = toPort(middle, c1);
    const [l, r] = await Promise.all([drain(fromPort<number>(b2, { capacity: 2 })), drain(fromPort<number>(c2))]);
    expect([...l.values, ...r.values].sort((x, y) => x - y)).toEqual(range(60));
    expect(l.values).toEqual([...l.values].sort((x, y) => x - y));
    expect(r.values).toEqual([...r.values].sort((x, y) => x - y));
    expect(await hop).toEqual({ sent: 60, undelivered: [] });
    const [lr, rr] = await Promise.all([left, right]);
    expect(lr.sent + rr.sent).toBe(60);
    expect([...lr.undelivered, ...rr.undelivered]).toEqual([]);
  });

  test('after(ms) sent across: one number, then the remote channel closes', async () => {
    const [a, b] = ports();
    const sending = toPort(after(5), a);
    const remote = fromPort<number>(b);
    const { values, error } = await drain(remote);
    expect(values).toHaveLength(1);
    expect(typeof values[0]).toBe('number');
    expect(error).toBeUndefined();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('toPort competing with local consumers', () => {
  test('a toPort, a for await loop and a select loop reading one channel: each value goes to exactly one of them, in order', async () => {
    const [a, b] = ports();
    const shared = new Channel<number>(2);
    const sending = toPort(shared, a);
    const remote = fromPort<number>(b, { capacity: 3 });
    const loop = (async () => {
      const got: number[] = [];
      for await (const v of shared) got.push(v);
      return got;
    })();
    const selecting = (async () => {
      const got: number[] = [];
      for (;;) {
        const r = await select([pull(shared)]);
        if (!r.ok) return got;
        got.push(r.value as number);
      }
    })();
    const far = drain(remote);
    await shared.pushAll(range(90));
    shared.close();
    const [l, s, f] = await Promise.all([loop, selecting, far]);
    const result = await sending;
    for (const part of [l, s, f.values]) expect(part).toEqual([...part].sort((x, y) => x - y));
    expect([...l, ...s, ...f.values].sort((x, y) => x - y)).toEqual(range(90));
    expect(result).toEqual({ sent: f.values.length, undelivered: [] });
  });
});

describe('a transfer callback that acts on the stream', () => {
  test('pushing more into the local channel from transfer: nothing lost, order kept', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    let extra = 100;
    const sending = toPort(local, a, {
      transfer: (value) => {
        if (value < 5) local.pushNowait(extra++);
        return [];
      },
    });
    const remote = fromPort<number>(b, { capacity: 4 });
    const drained = drain(remote);
    await local.pushAll(range(5));
    await until(() => local.size === 0 && extra === 105);
    local.close();
    const { values } = await drained;
    expect(values).toEqual([...range(5), ...range(5, 100)]);
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });

  test('closing the receiving channel from transfer (same context): sent + undelivered + local rest = everything', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(20));
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a, {
      transfer: (value) => {
        if (value === 6) remote.close('stop');
        return [];
      },
    });
    const got: number[] = [];
    const error = await (async () => {
      for await (const value of remote) got.push(value); // a consumer: credit keeps coming
    })().catch((e: unknown) => e);
    const result = await sending;
    const { values } = { values: got };
    expect(error).toBe('stop');
    const rest: number[] = [];
    while (local.size > 0) rest.push(local.pullNowait());
    expect(values).toEqual(range(result.sent));
    expect([...values, ...result.undelivered, ...rest]).toEqual(range(20));
  });

  test('pulling from the receiving channel inside transfer does not deadlock or duplicate', async () => {
    const [a, b] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(10));
    local.close();
    const remote = fromPort<number>(b, { capacity: 2 });
    const early: Promise<number>[] = [];
    const sending = toPort(local, a, {
      transfer: (value) => {
        if (value === 3) early.push(remote.pull());
        return [];
      },
    });
    const { values } = await drain(remote);
    const all = [...(await Promise.all(early)), ...values].sort((x, y) => x - y);
    expect(all).toEqual(range(10));
    expect(await sending).toEqual({ sent: 10, undelivered: [] });
  });
});
