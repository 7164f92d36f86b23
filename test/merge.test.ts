/**
 * SPEC.md "Interop": merge. The merged channel is a real channel fed at the inputs' commit
 * points, so it works wherever a channel does (issue 11, item 3): select, selectNowait,
 * another merge, iteration, pullNowait and tryPull, and `closed` without a pull.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  from,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

describe('merge delivers', () => {
  test('merge delivers every value of every input exactly once, keeping each input’s order', async () => {
    const inputs = [new Channel<string>(), new Channel<string>(2), new Channel<string>(Infinity)];
    const producers = inputs.map(async (input, n) => {
      for (let i = 0; i < 50; i++) {
        await input.push(`${n}:${i}`);
        if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      input.close();
    });
    const values = await collect(merge(...inputs));
    await Promise.all(producers);
    expect(values).toHaveLength(150);
    for (let n = 0; n < 3; n++) {
      expect(values.filter((v) => v.startsWith(`${n}:`))).toEqual(Array.from({ length: 50 }, (_, i) => `${n}:${i}`));
    }
  });

  test('a merge of 64 channels delivers every value exactly once', async () => {
    const inputs = Array.from({ length: 64 }, () => new Channel<number>(4));
    const producers = inputs.map(async (input, n) => {
      for (let i = 0; i < 40; i++) await input.push(n * 40 + i);
      input.close();
    });
    const values = await collect(merge(...inputs));
    await Promise.all(producers);
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 64 * 40 }, (_, i) => i));
  });

  test('inputs that all have values are served round-robin', () => {
    const a = new Channel<string>(Infinity);
    const b = new Channel<string>(Infinity);
    const c = new Channel<string>(Infinity);
    for (let i = 0; i < 3; i++) {
      a.pushNowait(`a${i}`);
      b.pushNowait(`b${i}`);
      c.pushNowait(`c${i}`);
    }
    const merged = merge(a, b, c);
    const values = Array.from({ length: 9 }, () => merged.pullNowait());
    expect(values).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  });

  test('a value pushed into the merged channel itself is delivered like an input’s', async () => {
    const merged = merge(new Channel<string>());
    const pulled = merged.pull();
    await flush();
    await merged.push('direct');
    expect(await pulled).toBe('direct');
  });

  test('a value pushed into the merged channel while it waits on its inputs is not lost when an input commits too', async () => {
    const input = new Channel<string>();
    const merged = merge(input);
    merged.pushNowait('direct'); // takes the merged channel's one slot while it waits on the input
    await input.push('from input'); // committed to the merge's waiting pull: kept, not dropped
    expect(merged.pullNowait()).toBe('direct');
    expect(merged.pullNowait()).toBe('from input');
  });
});

describe('a merged channel works wherever a channel does', () => {
  test('select sees a value waiting in an input of a merged channel', async () => {
    const input = new Channel<number>(1);
    input.pushNowait(7);
    const idle = new Channel<number>();
    const result = await select([pull(idle), pull(merge(input))]);
    expect(result).toMatchObject({ index: 1, value: 7, ok: true });
  });

  test('a select parked on a merged channel receives a value pushed into an input later', async () => {
    const input = new Channel<number>();
    const idle = new Channel<number>();
    const merged = merge(input);
    const result = track(select([pull(idle), pull(merged)]));
    await flush();
    await input.push(8);
    await flush();
    expect(result.current).toEqual({ status: 'fulfilled', value: { index: 1, channel: merged, value: 8, ok: true } });
  });

  test('selectNowait takes a value waiting in an input of a merged channel', () => {
    const input = new Channel<string>(1);
    input.pushNowait('ready');
    const merged = merge(input);
    expect(selectNowait([pull(merged)])).toMatchObject({ index: 0, value: 'ready', ok: true });
    expect(selectNowait([pull(merged)])).toBeUndefined();
  });

  test('a select on a merged channel fires with ok false once every input is closed and drained', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    const result = track(select([pull(merged)]));
    await flush();
    input.close();
    await flush();
    expect(result.current).toMatchObject({ status: 'fulfilled', value: { ok: false } });
  });

  test('merge(merge(a)) delivers a’s values and closes after them', async () => {
    const a = new Channel<number>(4);
    for (const value of [1, 2, 3]) a.pushNowait(value);
    a.close();
    expect(await collect(merge(merge(a)))).toEqual([1, 2, 3]);
  });

  test('a merge of merges keeps each input’s order', async () => {
    const inputs = Array.from({ length: 4 }, () => new Channel<number>());
    const producers = inputs.map(async (input, n) => {
      for (let i = 0; i < 30; i++) await input.push(n * 100 + i);
      input.close();
    });
    const values = await collect(merge(merge(inputs[0]!, inputs[1]!), merge(inputs[2]!, inputs[3]!)));
    await Promise.all(producers);
    for (let n = 0; n < 4; n++) {
      expect(values.filter((v) => Math.floor(v / 100) === n)).toEqual(
        Array.from({ length: 30 }, (_, i) => n * 100 + i),
      );
    }
  });

  test('pullNowait and tryPull on the merged channel take a ready value or report none', () => {
    const a = new Channel<number>(2);
    const merged = merge(a);
    expect(() => merged.pullNowait()).toThrow(ChannelEmptyError);
    expect(merged.tryPull()).toBeUndefined();
    a.pushNowait(5);
    a.pushNowait(6);
    expect(merged.pullNowait()).toBe(5);
    expect(merged.tryPull()).toBe(6);
    a.close();
    expect(() => merged.pullNowait()).toThrow(ChannelClosedError);
  });

  test('pullMany on the merged channel takes what is there, refilled from the inputs as it takes', async () => {
    const a = new Channel<number>(4);
    const merged = merge(a);
    const batch = merged.pullMany(10);
    for (const value of [1, 2, 3]) a.pushNowait(value);
    expect(await batch).toEqual([1]); // the parked pullMany commits with the first value
    expect(await merged.pullMany(10)).toEqual([2, 3]);
  });

  test('toReadableStream reads a merged channel to its end', async () => {
    const merged = merge(from([1, 2]), from([3]));
    const values = (await collect(toReadableStream(merged))).sort();
    expect(values).toEqual([1, 2, 3]);
  });
});

describe('merge closes', () => {
  test('the merged channel closes once every input is closed and drained', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    const merged = merge(a, b);
    expect(await merged.pull()).toBe(1);
    expect(merged.closed).toBe(false);
    b.pushNowait(2);
    b.close();
    expect(await merged.pull()).toBe(2);
    await expect(merged.pull()).rejects.toThrow(ChannelClosedError);
    expect(merged.closed).toBe(true);
  });

  test('merged.closed turns true once every input is closed and drained, without a pull first', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    a.close();
    expect(merged.closed).toBe(false);
    b.close();
    expect(merged.closed).toBe(true);
  });

  test('merged.closed turns true even when the merged channel still holds the last value', () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    const merged = merge(a); // takes 1 into its slot
    a.close();
    expect(merged.closed).toBe(true);
    expect(merged.pullNowait()).toBe(1);
    expect(() => merged.pullNowait()).toThrow(ChannelClosedError);
  });

  test('an input closed with a reason closes the merged channel with it; other inputs keep their values', async () => {
    const failing = new Channel<number>(1);
    const healthy = new Channel<number>(3);
    for (const value of [1, 2, 3]) healthy.pushNowait(value);
    const failure = new Error('input failed');
    failing.close(failure);
    const merged = merge(failing, healthy);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of merged) seen.push(value);
      })(),
    ).rejects.toBe(failure);
    expect(seen.length + healthy.size).toBe(3);
    const error = (await merged.pull().catch((e: unknown) => e)) as Error;
    expect(error.cause).toBe(failure);
  });

  test('an input closed with a reason while the merged channel is full closes it with that reason next, whether or not `closed` was read', async () => {
    // The merge is full (it holds 1), so it is not waiting on its inputs when `failing`
    // closes: it must still end with `failing`'s reason before it takes `healthy`'s value —
    // before the fix it delivered 2 and then `healthy`'s own reason, and `failing`'s was lost.
    for (const readClosed of [false, true]) {
      for (const healthyReason of [undefined, new Error('healthy ended'), 'open']) {
        const failing = new Channel<number>(2);
        const healthy = new Channel<number>(2);
        const merged = merge(failing, healthy);
        await failing.push(1); // into the merged channel's slot
        await healthy.push(2); // stays in `healthy`: the merged channel is full
        const failure = new Error('input failed');
        failing.close(failure);
        if (healthyReason !== 'open') healthy.close(healthyReason);
        if (readClosed) expect(merged.closed).toBe(true);
        const seen: number[] = [];
        const error = await (async () => {
          for await (const value of merged) seen.push(value);
        })().catch((e: unknown) => e);
        expect({ readClosed, healthyReason, seen, error }).toEqual({
          readClosed,
          healthyReason,
          seen: [1],
          error: failure,
        });
        expect(healthy.pullNowait()).toBe(2); // the other input keeps its value
      }
    }
  });

  test('closing the merged channel keeps the value it had taken readable and leaves the inputs open with theirs', async () => {
    const input = new Channel<number>(2);
    input.pushNowait(1);
    input.pushNowait(2);
    const merged = merge(input);
    merged.close();
    expect(await merged.pull()).toBe(1);
    await expect(merged.pull()).rejects.toThrow(ChannelClosedError);
    expect(input.closed).toBe(false);
    expect(input.pullNowait()).toBe(2);
  });

  test('closing the merged channel withdraws its waiting pulls from the inputs', () => {
    const inputs = [new Channel<number>(), new Channel<number>()];
    const merged = merge(...inputs);
    for (const input of inputs) expect(input.stats().waitingPullers).toBe(1);
    merged.close();
    for (const input of inputs) expect(input.stats().waitingPullers).toBe(0);
    expect(() => inputs[0]?.pushNowait(1)).toThrow(ChannelFullError); // nobody waits on it any more
  });

  test('merge of no channel is closed', () => {
    expect(merge().closed).toBe(true);
  });
});

describe('merge keeps nothing in flight', () => {
  test('a slow consumer loses nothing: backpressure reaches the inputs, one value is taken ahead', async () => {
    const input = new Channel<number>(1);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await input.push(i);
        pushed++;
      }
      input.close();
    })();
    const merged = merge(input);
    await flush(20);
    expect(pushed).toBe(2); // one in the merged channel's slot, one in the input's buffer
    expect(merged.size).toBe(1);
    const values: number[] = [];
    for (let i = 0; i < 10; i++) {
      values.push(await merged.pull());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await producer;
    expect(values).toEqual([...Array(10).keys()]);
  });

  test('an aborted pull on the merged channel takes nothing: the next value goes to the next pull', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    const controller = new AbortController();
    const aborted = merged.pull({ signal: controller.signal });
    await flush();
    controller.abort('stop');
    await expect(aborted).rejects.toBe('stop');
    expect(merged.stats().waitingPullers).toBe(0);
    await input.push(9);
    expect(await merged.pull()).toBe(9);
    await expect(merged.pull({ signal: abortedSignal('first') })).rejects.toBe('first');
  });

  test('a value an input commits is in the merged channel at once, not in a promise', () => {
    const input = new Channel<number>();
    const merged = merge(input);
    input.pushNowait(3); // the merge's parked pull takes it synchronously
    expect(merged.size).toBe(1);
    merged.close();
    expect(merged.pullNowait()).toBe(3);
  });
});

describe('merge misuse', () => {
  test('merge of an argument that is not a channel is a TypeError naming the argument', () => {
    expect(() => merge(new Channel<number>(), {} as Channel<number>)).toThrow(
      'merge(...channels): argument 1 is not a chanasync Channel',
    );
    expect(() => merge(null as unknown as Channel<number>)).toThrow(TypeError);
  });
});

describe('merge under random schedules', () => {
  /** One step of a random schedule. */
  type Step =
    | { kind: 'push'; input: number }
    | { kind: 'close'; input: number }
    | { kind: 'pull'; how: 'tryPull' | 'selectNowait' | 'pullNowait' }
    | { kind: 'pushMerged' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), input: fc.nat(3) }),
    fc.record({ kind: fc.constant('close' as const), input: fc.nat(3) }),
    fc.record({
      kind: fc.constant('pull' as const),
      how: fc.constantFrom('tryPull' as const, 'selectNowait' as const, 'pullNowait' as const),
    }),
    fc.constant({ kind: 'pushMerged' as const }),
  );

  test('every value is delivered exactly once, in its input’s order, and closed follows the inputs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(2), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.array(step),
        (capacities, nested, steps) => {
          const inputs = capacities.map((capacity) => new Channel<string>(capacity + 1));
          const merged = nested ? merge(merge(inputs[0]!, inputs[1]!), inputs[2]!, inputs[3]!) : merge(...inputs);
          const pending = inputs.map((): string[] => []); // pushed, not yet delivered, per input
          const direct: string[] = [];
          let next = 0;
          const received = (value: string) => {
            const queue = value.startsWith('m') ? direct : pending[Number(value[0])]!;
            expect(queue[0]).toBe(value); // the oldest undelivered value of its source
            queue.shift();
          };
          const pullOne = (how: string) => {
            if (how === 'tryPull') {
              const value = merged.tryPull();
              if (value !== undefined) received(value);
            } else if (how === 'selectNowait') {
              const result = selectNowait([pull(merged)]);
              if (result?.ok) received(result.value);
            } else {
              try {
                received(merged.pullNowait());
              } catch (error) {
                expect(error).toSatisfy((e) => e instanceof ChannelEmptyError || e instanceof ChannelClosedError);
              }
            }
          };
          for (const s of steps) {
            if (s.kind === 'push') {
              const value = `${s.input}:${next++}`;
              if (inputs[s.input]!.tryPush(value)) pending[s.input]!.push(value);
            } else if (s.kind === 'close') {
              inputs[s.input]!.close();
            } else if (s.kind === 'pushMerged') {
              const value = `m:${next++}`;
              if (merged.tryPush(value)) direct.push(value);
            } else {
              pullOne(s.how);
            }
            const allDone = inputs.every((input) => input.closed) && pending.every((queue) => queue.length === 0);
            if (merged.closed) expect(inputs.every((input) => input.closed)).toBe(true);
            if (allDone && direct.length === 0) expect(merged.closed).toBe(true);
          }
          for (const input of inputs) input.close();
          for (let value = merged.tryPull(); value !== undefined; value = merged.tryPull()) received(value);
          expect(pending.every((queue) => queue.length === 0)).toBe(true);
          expect(direct).toEqual([]);
          expect(merged.closed).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
