/**
 * Audit AZ-types: select cases as the shipped types describe them (`dist/select.d.ts`).
 *
 * The findings are the `// @ts-expect-error` lines marked FINDING: TypeScript reports them as
 * unused today (`npx tsc -p test/tsconfig.json --noEmit 2>&1 | grep audit-az-types`), because
 * the types accept a program that the run time refuses. The runtime half of each test passes:
 * it pins what the program does.
 */
import {
  Channel,
  type PullCase,
  type PushCase,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, expectTypeOf, test } from 'vitest';

describe('AZ-1: a select case is what pull() and push() build, not any object of that shape', () => {
  test('an object literal written as a pull case does not type-check as a PullCase, since select refuses it', async () => {
    const numbers = new Channel<number>(1);
    numbers.pushNowait(1);
    // FINDING AZ-1: the literal satisfies `PullCase<number>` structurally; select throws.
    // @ts-expect-error a hand-written case is refused at run time: build it with pull(channel)
    const literal: PullCase<number> = { kind: 'pull', channel: numbers };
    await expect(select([literal])).rejects.toThrow(/case 0 is not a case/);
    expect(numbers.size).toBe(1); // nothing was taken
  });

  test('a spread copy of a push case type-checks (it carries the brand), and select refuses it at run time (README)', () => {
    const out = new Channel<number>(1);
    const first = push(out, 1);
    // AZ-1, decided: the brand makes a hand-written case a type error, but a spread copy copies
    // the brand's type too; only a private class member could tell it, and cases are no class
    // of the public types. The README says so; the runtime refuses the copy at the call.
    const next: PushCase<number> = { ...first, value: 2 };
    expect(() => selectNowait([next])).toThrow(/case 0 is not a case/);
    expect(out.size).toBe(0);
  });

  test('an array of SelectCase does not take a hand-written case either', () => {
    const out = new Channel<string>(1);
    const cases: SelectCase[] = [pull(new Channel<number>(1))];
    // FINDING AZ-1: `SelectCase` is `PullCase<unknown> | PushCase<any>`, so even the value type is free.
    // @ts-expect-error a hand-written push case (of the wrong value type, too) is refused at run time
    cases.push({ kind: 'push', channel: out, value: 42 });
    expect(() => selectNowait(cases)).toThrow(/case 1 is not a case/);
  });

  test('probe (holds): cases built by pull() and push() are accepted and reusable', async () => {
    const numbers = new Channel<number>(1);
    const out = new Channel<string>(1);
    const cases = [pull(numbers), push(out, 'x')] as const;
    const result = await select(cases);
    expect(result.index).toBe(1);
    expectTypeOf(result).toEqualTypeOf<SelectResult<typeof cases>>();
  });
});

describe('AZ-2: a select that can never complete is a type error, as it is a TypeError', () => {
  test('select([]) is typed Promise<never> and rejects with a TypeError at once (README)', async () => {
    // AZ-2, decided: typed as a select that never completes with a value, and refused at the call.
    const none = select([]);
    expectTypeOf(none).toEqualTypeOf<Promise<never>>();
    await expect(none).rejects.toThrow(/needs at least one case/);
  });

  test('select([null, undefined]) (every case left out) is typed Promise<never> and rejects (README)', async () => {
    // AZ-2, decided (as above).
    const none = select([null, undefined]);
    await expect(none).rejects.toThrow(/needs at least one case/);
  });

  test('probe (holds): a case that may be null at run time still type-checks', async () => {
    const numbers = new Channel<number>(1);
    numbers.pushNowait(3);
    const maybe = Math.random() < 2 ? pull(numbers) : null;
    const result = await select([maybe]);
    expectTypeOf(result.index).toEqualTypeOf<0>();
    expect(result.value).toBe(3);
  });

  test('probe (holds): selectNowait([]) is undefined, as typed', () => {
    const none = selectNowait([]);
    expectTypeOf(none).toEqualTypeOf<undefined>();
    expect(none).toBeUndefined();
  });
});

describe('probes that held: narrowing over mixed, readonly, mapped and mutable case arrays', () => {
  test('a switch over index narrows each case; push cases have value undefined', async () => {
    const numbers = new Channel<number>(1);
    const strings = new Channel<string>(1);
    const flags = new Channel<boolean>(1);
    strings.pushNowait('s');
    const result = await select([pull(numbers), pull(strings), push(flags, true)]);
    switch (result.index) {
      case 0:
        expectTypeOf(result.value).toEqualTypeOf<number | undefined>();
        break;
      case 1:
        if (result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
        break;
      case 2:
        expectTypeOf(result.value).toEqualTypeOf<undefined>();
        expectTypeOf(result.channel).toEqualTypeOf<import('chanasync').PushChannel<boolean>>();
        break;
    }
    expect([1, 2]).toContain(result.index);
  });

  test('a destructured result still narrows by index and ok', async () => {
    const numbers = new Channel<number>(1);
    const strings = new Channel<string>(1);
    numbers.pushNowait(1);
    const { index, value, ok } = await select([pull(numbers), pull(strings)]);
    if (index === 0 && ok) expectTypeOf(value).toEqualTypeOf<number>();
    expect(value).toBe(1);
  });

  test('channels.map(pull) over a readonly array gives the element type', async () => {
    const channels: readonly Channel<number>[] = [new Channel<number>(1), new Channel<number>(1)];
    channels[1]?.pushNowait(5);
    const result = await select(channels.map(pull));
    expectTypeOf(result.index).toEqualTypeOf<number>();
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    expect(result.value).toBe(5);
  });

  test('a mutable tuple of nullable cases (the nil-channel loop) narrows and can be nulled by index', async () => {
    const numbers = new Channel<number>(1);
    const strings = new Channel<string>(1);
    numbers.close();
    strings.close();
    const cases: [PullCase<number> | null, PullCase<string> | null] = [pull(numbers), pull(strings)];
    let rounds = 0;
    while (cases[0] || cases[1]) {
      const result = await select(cases);
      rounds++;
      if (!result.ok) {
        cases[result.index] = null;
        continue;
      }
      if (result.index === 0) expectTypeOf(result.value).toEqualTypeOf<number>();
      else expectTypeOf(result.value).toEqualTypeOf<string>();
    }
    expect(rounds).toBe(2);
  });

  test('a generic helper over PullChannel<T> with a timeout case narrows to T', async () => {
    const { after } = await import('chanasync');
    async function receive<T>(channel: import('chanasync').PullChannel<T>, ms: number): Promise<T | undefined> {
      const result = await select([pull(channel), pull(after(ms))]);
      if (result.index === 0 && result.ok) return result.value;
      return undefined;
    }
    const numbers = new Channel<number>(1);
    numbers.pushNowait(8);
    expect(await receive(numbers, 1000)).toBe(8);
  });

  test('a generic push helper with value: T compiles (PushValue<T> defers correctly)', () => {
    function offer<T>(channel: import('chanasync').PushChannel<T>, value: T): boolean {
      return selectNowait([push(channel, value)]) !== undefined;
    }
    const numbers = new Channel<number>(1);
    expect(offer(numbers, 1)).toBe(true);
    expect(offer(numbers, 2)).toBe(false);
  });
});
