/**
 * Audit BK-select: the defects found (each test asserts what the contract promises, so it fails
 * while the defect is there), and checks of the case descriptors and of the types.
 */
import { Channel, ChannelClosedError, type PullCase, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { rejection, thrown } from '../helpers/track.js';

describe('BK-S1: a malformed entry is a misuse, reported before any channel state', () => {
  it('BK-S1: select with a push case on a closed channel listed before a malformed entry rejects with the TypeError for the entry (as when listed after)', async () => {
    const closed = new Channel<number>(0, { name: 'closed' });
    closed.close();
    const after = (await rejection(select([{}, push(closed, 1)] as never))) as Error;
    expect(after).toBeInstanceOf(TypeError);
    const before = (await rejection(select([push(closed, 1), {}] as never))) as Error;
    expect(before).not.toBeInstanceOf(ChannelClosedError);
    expect(before).toBeInstanceOf(TypeError);
    expect(before.message).toMatch(/^select\(cases\): case 1 is not a case/);
  });

  it('BK-S1: selectNowait with a push case on a closed channel listed before a malformed entry throws the TypeError for the entry', () => {
    const closed = new Channel<number>();
    closed.close();
    expect(thrown(() => selectNowait([{}, push(closed, 1)] as never))).toBeInstanceOf(TypeError);
    const error = thrown(() => selectNowait([push(closed, 1), 5] as never)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^selectNowait\(cases\): case 1 is not a case/);
  });
});

describe('BK-S2: select always returns a promise, also when reading the cases array throws', () => {
  /** An array of `n` entries whose every index getter throws `error`. */
  function throwingArray(n: number, error: Error): unknown[] {
    const cases: unknown[] = [];
    for (let i = 0; i < n; i++)
      Object.defineProperty(cases, i, {
        enumerable: true,
        get() {
          throw error;
        },
      });
    return cases;
  }

  it('(holds) a two-entry array whose getter throws: select returns a promise rejecting with that error', async () => {
    const error = new Error('getter');
    let returned: unknown;
    expect(() => {
      returned = select(throwingArray(2, error) as never);
    }).not.toThrow();
    expect(await rejection(returned as Promise<unknown>)).toBe(error);
  });

  it('BK-S2: a one-entry array whose getter throws: select returns a promise rejecting with that error', async () => {
    const error = new Error('getter');
    let returned: unknown;
    let threw: unknown;
    try {
      returned = select(throwingArray(1, error) as never);
    } catch (e) {
      threw = e;
    }
    expect(threw).toBeUndefined();
    expect(await rejection(returned as Promise<unknown>)).toBe(error);
  });

  it('BK-S2: a revoked Proxy as cases: select returns a promise rejecting with a TypeError', async () => {
    const { proxy, revoke } = Proxy.revocable([pull(new Channel<number>())], {});
    revoke();
    let returned: unknown;
    let threw: unknown;
    try {
      returned = select(proxy as never);
    } catch (e) {
      threw = e;
    }
    expect(threw).toBeUndefined();
    expect(await rejection(returned as Promise<unknown>)).toBeInstanceOf(TypeError);
  });
});

describe('case descriptors and types', () => {
  it('(holds) select never mutates its cases: a case keeps its kind, channel and value through commits, parks and closes', async () => {
    const a = new Channel<number>(1);
    const pc = pull(a);
    const sc = push(a, 5);
    const snapshot = () => [{ ...pc }, { ...sc }];
    const before = snapshot();
    expect(before[0]).toMatchObject({ kind: 'pull', channel: a });
    expect(before[1]).toMatchObject({ kind: 'push', channel: a, value: 5 });
    await select([pc, sc]);
    await select([pc, sc]);
    const parked = select([pc, null]);
    a.pushNowait(1);
    await parked;
    a.close();
    await select([pc]);
    await rejection(select([sc]));
    expect(snapshot()).toEqual(before);
  });

  it('(holds) the result type narrows value by index for a tuple of cases', async () => {
    const numbers = new Channel<number>(1);
    const words = new Channel<string>(1);
    numbers.pushNowait(1);
    const result = await select([pull(numbers), push(words, 'w')] as const);
    if (result.index === 0) {
      if (result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
      else expectTypeOf(result.value).toEqualTypeOf<undefined>();
    } else {
      expectTypeOf(result.index).toEqualTypeOf<1>();
      expectTypeOf(result.value).toEqualTypeOf<undefined>();
    }
    const list: (PullCase<number> | null)[] = [pull(numbers)];
    const loose = selectNowait(list);
    expectTypeOf(loose).toEqualTypeOf<
      | {
          readonly index: number;
          readonly channel: import('chanasync').PullChannel<number>;
          readonly value: number;
          readonly ok: true;
        }
      | {
          readonly index: number;
          readonly channel: import('chanasync').PullChannel<number>;
          readonly value: undefined;
          readonly ok: false;
        }
      | undefined
    >();
    expect([0, 1]).toContain(result.index);
  });
});
