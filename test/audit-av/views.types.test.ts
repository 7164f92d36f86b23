import type { Broadcast, PullChannel, PushChannel } from 'chanasync';
import { after as afterMs, broadcast, Channel, ticker } from 'chanasync';
import { expect, it } from 'vitest';

interface Animal {
  name: string;
}
interface Dog extends Animal {
  bark(): void;
}

// Compile-time checks (tsc -p test/tsconfig.json); at run time they only run the calls.
it('views expose the batch and non-blocking methods with the right types', async () => {
  const ch = new Channel<Dog>(4);
  const w: PushChannel<Dog> = ch;
  const r: PullChannel<Dog> = ch;
  const ok: boolean = w.tryPush({ name: 'a', bark() {} });
  const all: Promise<void> = w.pushAll([
    { name: 'b', bark() {} },
    { name: 'c', bark() {} },
  ]);
  await all;
  const one: Dog | undefined = r.tryPull();
  const many: Promise<Dog[]> = r.pullMany(1);
  const animals: PullChannel<Animal> = r; // covariant
  const more: Animal[] = await animals.pullMany(5);
  // @ts-expect-error a PushChannel<Dog> is not a PushChannel<Animal>
  const bad: PushChannel<Animal> = w;
  void bad;
  const hub: Broadcast<Dog> = broadcast(r);
  const sub: Channel<Dog> = hub.subscribe({ capacity: 2, overflow: 'drop-oldest', signal: undefined });
  const t: Channel<number> = ticker(10);
  const a: Channel<number> = afterMs(10);
  t.close();
  a.close();
  hub.close();
  sub.close();
  expect([ok, one?.name, (await many).length + more.length]).toEqual([true, 'a', 2]);
});
