// Type-level promises of the SPEC/README, checked by `tsc -p test/audit-bs-core/tsconfig.json`
// (run by packaging.test.ts); the runtime parts are trivial.
import { Channel, ChannelClosedError, type PullChannel, type PushChannel, pull, push, select } from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';

class Animal {
  name = 'a';
}
class Dog extends Animal {
  bark(): void {}
}

describe('types', () => {
  it('Channel<T> is invariant; PullChannel covariant; PushChannel contravariant', () => {
    const dogs = new Channel<Dog>(1);
    const animals = new Channel<Animal>(1);
    // @ts-expect-error a Channel<Dog> is not a Channel<Animal> (it could push a cat)
    const a1: Channel<Animal> = dogs;
    // @ts-expect-error a Channel<Animal> is not a Channel<Dog>
    const a2: Channel<Dog> = animals;
    const readAnimals: PullChannel<Animal> = dogs;
    const writeDogs: PushChannel<Dog> = animals;
    // @ts-expect-error a Channel<Dog> is not a PushChannel<Animal>
    const w2: PushChannel<Animal> = dogs;
    // @ts-expect-error a Channel<Animal> is not a PullChannel<Dog>
    const r2: PullChannel<Dog> = animals;
    expect([a1, a2, readAnimals, writeDogs, w2, r2]).toHaveLength(6);
    expectTypeOf<Channel<Dog>>().toMatchTypeOf<PullChannel<Animal>>();
    expectTypeOf<Channel<Animal>>().toMatchTypeOf<PushChannel<Dog>>();
  });
  it('PushChannel/PullChannel carry the second-map methods', () => {
    expectTypeOf<PushChannel<number>['tryPush']>().toEqualTypeOf<(value: number) => boolean>();
    expectTypeOf<PushChannel<number>>().toHaveProperty('pushAll');
    expectTypeOf<PushChannel<number>>().toHaveProperty('close');
    expectTypeOf<PullChannel<number>>().toHaveProperty('pullMany');
    expectTypeOf<PullChannel<number>>().toHaveProperty('tryPull');
    expectTypeOf<ReturnType<PullChannel<number>['tryPull']>>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ReturnType<PullChannel<number>['pullMany']>>().toEqualTypeOf<Promise<number[]>>();
    // a PullChannel cannot be pushed into
    const ch = new Channel<number>(1);
    const r: PullChannel<number> = ch;
    // @ts-expect-error no push on the pull side
    void r.push;
    expect(r).toBe(ch);
  });
  it('select cases accept directional views; push value is checked', async () => {
    const ch = new Channel<number>(1);
    const w: PushChannel<number> = ch;
    const r: PullChannel<number> = ch;
    const res = await select([push(w, 1)]);
    expectTypeOf(res.index).toEqualTypeOf<0>();
    const res2 = await select([pull(r)]);
    if (res2.ok) expectTypeOf(res2.value).toEqualTypeOf<number>();
    expect(res2).toMatchObject({ value: 1, ok: true });
    // @ts-expect-error wrong element type
    push(w, 'one');
  });
  it('select([]) is typed as never; errors carry channel and pushed', async () => {
    const p = select([]);
    expectTypeOf(p).toEqualTypeOf<Promise<never>>();
    await p.catch(() => undefined);
    const ch = new Channel<number>(1, { name: 'x' });
    ch.close();
    const e = await ch.pull().catch((err: unknown) => err);
    if (e instanceof ChannelClosedError) {
      expectTypeOf(e.pushed).toEqualTypeOf<number | undefined>();
      expect(e.channel).toBe(ch);
    } else throw new Error('expected ChannelClosedError');
  });
  it('Channel<void> push needs no argument', async () => {
    const ch = new Channel<void>(1);
    await ch.push();
    await ch.pull();
    const sel = await select([push(ch)]);
    expect(sel.ok).toBe(true);
  });
});
