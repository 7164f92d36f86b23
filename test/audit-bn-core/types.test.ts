/**
 * Audit BN-core: the TypeScript types of the batch and try methods, the directional views and
 * select results, as a user writes them (SPEC: "All four are methods of `Channel` and of the
 * matching `PushChannel` / `PullChannel` views"; "The TypeScript types narrow `value` by `index`
 * for a tuple of cases"). Checked by `tsc -p test/tsconfig.json` (`npm run typecheck`); the
 * runtime part checks that the values behind the types are what they say.
 */
import {
  after,
  Channel,
  ChannelClosedError,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  type SelectResult,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('types of the batch and try methods', () => {
  it('pullMany gives T[], tryPull T | undefined, tryPush boolean, pushAll takes any sync Iterable<T> and resolves void', async () => {
    const ch = new Channel<number>(8);
    // (The methods are passed, not called: expectTypeOf evaluates its argument.)
    expectTypeOf(ch.tryPush).returns.toEqualTypeOf<boolean>();
    expect(ch.tryPush(1)).toBe(true);
    const all = ch.pushAll(new Set([2, 3]));
    expectTypeOf(all).toEqualTypeOf<Promise<void>>();
    await all;
    expectTypeOf(ch.tryPull).returns.toEqualTypeOf<number | undefined>();
    const batch = ch.pullMany(10);
    expectTypeOf(batch).toEqualTypeOf<Promise<number[]>>();
    expect(await batch).toEqual([1, 2, 3]);
    // @ts-expect-error an async iterable is not accepted (it is refused at run time too)
    const refused = ch.pushAll((async function* () {})());
    await expect(refused).rejects.toBeInstanceOf(TypeError);
    // @ts-expect-error values of another type
    void ch.pushAll(['x']).catch(() => {});
    // @ts-expect-error pullMany needs max
    void ch.pullMany().catch(() => {});
  });

  it('the directional views carry the batch and try methods, with the right variance', async () => {
    const ch = new Channel<number>(4);
    const out: PushChannel<number> = ch;
    const narrowOut: PushChannel<1 | 2> = ch; // contravariant: a channel of number takes 1 | 2
    const wide: PullChannel<number | string> = ch; // covariant
    expectTypeOf(out.pushAll).parameter(0).toEqualTypeOf<Iterable<number>>();
    expectTypeOf(wide.pullMany).returns.toEqualTypeOf<Promise<(number | string)[]>>();
    expectTypeOf(wide.tryPull).returns.toEqualTypeOf<number | string | undefined>();
    // @ts-expect-error a channel of number is not a push side of number | string
    const wrong: PushChannel<number | string> = ch;
    void wrong;
    // @ts-expect-error the pull side has no pushAll
    void wide.pushAll;
    expect(out.tryPush(1)).toBe(true);
    await narrowOut.pushAll([2]);
    expect(await wide.pullMany(5)).toEqual([1, 2]);
  });

  it('select narrows value by index for a tuple mixing an after() pull case, a push case and a nil case', async () => {
    const names = new Channel<string>(1);
    const counts = new Channel<number>(1);
    names.pushNowait('ada');
    const cases = [pull(names), push(counts, 1), null, pull(after(1000))] as const;
    const result = await select(cases);
    expectTypeOf(result.index).toEqualTypeOf<0 | 1 | 3>();
    if (result.index === 0 && result.ok) expectTypeOf(result.value).toEqualTypeOf<string>();
    if (result.index === 1) expectTypeOf(result.value).toEqualTypeOf<undefined>();
    if (result.index === 3 && result.ok) expectTypeOf(result.value).toEqualTypeOf<number>();
    expectTypeOf(selectNowait<typeof cases>).returns.toEqualTypeOf<SelectResult<typeof cases> | undefined>();
    expect([0, 1]).toContain(result.index);
    (cases[3].channel as Channel<number>).close();
  });

  it('pushed is a number | undefined on the errors, and ChannelClosedError carries its channel', async () => {
    const ch = new Channel<number>(0, { name: 'typed' });
    ch.close();
    const error = await ch.pushAll([1]).catch((e: unknown) => e);
    if (!(error instanceof ChannelClosedError)) throw new Error('expected a ChannelClosedError');
    expectTypeOf(error.pushed).toEqualTypeOf<number | undefined>();
    expect(error.pushed).toBe(0);
    expect(error.channel).toBe(ch);
  });
});
