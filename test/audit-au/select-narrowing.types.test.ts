import { Channel, type PullChannel, type PushChannel, pull, push, select, selectNowait } from 'chanasync';
import { expectTypeOf, it } from 'vitest';

it('select narrows value by index for an as-const tuple', () => {
  // type-level only: never run
  const _typesOnly = async () => {
    const a = new Channel<number>();
    const b = new Channel<string>();
    const c = new Channel<boolean>();
    const cases = [pull(a), pull(b), push(c, true)] as const;
    const r = await select(cases);
    if (r.index === 0) {
      expectTypeOf(r.value).toEqualTypeOf<number | undefined>();
      if (r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
    } else if (r.index === 1) {
      expectTypeOf(r.value).toEqualTypeOf<string | undefined>();
    } else {
      expectTypeOf(r.index).toEqualTypeOf<2>();
      expectTypeOf(r.value).toEqualTypeOf<undefined>();
    }
    const n = selectNowait([pull(a), null] as const);
    if (n && n.index === 0 && n.ok) expectTypeOf(n.value).toEqualTypeOf<number>();
    // select inline literal without as const
    const r2 = await select([pull(a), pull(b)]);
    if (r2.index === 0 && r2.ok) expectTypeOf(r2.value).toEqualTypeOf<number>();
  };
  void _typesOnly;
});

it('directional views', () => {
  const ch = new Channel<number>(1);
  const p: PushChannel<number> = ch;
  const q: PullChannel<number> = ch;
  expectTypeOf(p.tryPush).toBeFunction();
  expectTypeOf(q.tryPull).returns.toEqualTypeOf<number | undefined>();
  expectTypeOf(q.pullMany).returns.toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(p.pushAll).toBeFunction();
  const _typesOnly = () => {
    // @ts-expect-error a pull view has no push
    q.push(1);
    // @ts-expect-error a push view has no pull
    p.pull();
  };
  void _typesOnly;
});
