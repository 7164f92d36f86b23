/**
 * Audit BM: type claims of the README, checked by `npx tsc -p test/audit-bm/tsconfig.json`.
 * Not a test file: it only has to compile.
 */
import {
  type after as afterMs,
  broadcast,
  Channel,
  type ChannelClosedError,
  type ChannelValue,
  from,
  fromEvent,
  merge,
  type PullCase,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  select,
  selectNowait,
} from 'chanasync';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_ok?: T) => {};

export async function claims() {
  const orders = new Channel<string>(4);
  const refunds = new Channel<number>(4);
  // "merge(orders, refunds); // Channel<string | number>"
  const all = merge(orders, refunds);
  assertType<Equal<typeof all, Channel<string | number>>>();
  assertType<Equal<ChannelValue<typeof orders | typeof refunds>, string | number>>();

  // select narrows value by index for a tuple of cases
  const audit = new Channel<boolean>();
  const result = await select([pull(orders), push(audit, true)] as const);
  if (result.index === 0 && result.ok) assertType<Equal<typeof result.value, string>>();
  if (result.index === 1) assertType<Equal<typeof result.value, undefined>>();
  // without as const too (README example uses a plain array literal)
  const plain = await select([pull(orders), push(audit, true)]);
  if (plain.index === 0 && plain.ok) {
    const id: string = plain.value;
    void id;
  }
  const now = selectNowait([pull(refunds)]);
  if (now?.ok) {
    const n: number = now.value;
    void n;
  }

  // nil-channel idiom
  let cases: [PullCase<string> | null, PullCase<string> | null] = [pull(orders), null];
  const r = await select(cases);
  if (r.ok) {
    const s: string = r.value;
    void s;
  }
  cases = [null, null];

  // fromEvent: Event for a plain EventTarget
  const events = fromEvent(new EventTarget(), 'tick');
  assertType<Equal<typeof events, Channel<Event>>>();

  // "fromEvent(input, 'keydown') is a Channel<KeyboardEvent>, fromEvent(socket, 'message') a Channel<MessageEvent>"
  const input = {} as HTMLInputElement;
  assertType<Equal<ReturnType<typeof fromEvent<HTMLInputElement, 'keydown'>>, Channel<KeyboardEvent>>>();
  const keys = fromEvent(input, 'keydown');
  assertType<Equal<typeof keys, Channel<KeyboardEvent>>>();
  const socket = {} as WebSocket;
  const messages = fromEvent(socket, 'message');
  assertType<Equal<typeof messages, Channel<MessageEvent>>>();
  const notes = fromEvent<CustomEvent<string>>(new EventTarget(), 'note');
  assertType<Equal<typeof notes, Channel<CustomEvent<string>>>>();

  // from awaits promises in a sync iterable
  const fromPromises = from([Promise.resolve(1), 2]);
  assertType<Equal<typeof fromPromises, Channel<number>>>();

  // after and broadcast
  assertType<Equal<ReturnType<typeof afterMs>, Channel<number>>>();
  const sub = broadcast(refunds).subscribe();
  assertType<Equal<typeof sub, Channel<number>>>();

  // pullMany and pushAll
  const batch = await orders.pullMany(10);
  assertType<Equal<typeof batch, string[]>>();
  const error = (await orders.pushAll(['a']).catch((e: unknown) => e)) as ChannelClosedError;
  const pushed: number | undefined = error.pushed;
  void pushed;

  // directional types: contravariant push end, covariant pull end
  class Animal {
    name = '';
  }
  class Dog extends Animal {
    bark() {}
  }
  const animals = new Channel<Animal>(1);
  const dogs = new Channel<Dog>(1);
  const dogSink: PushChannel<Dog> = animals;
  const animalSource: PullChannel<Animal> = dogs;
  // @ts-expect-error a PushChannel<Animal> cannot be fed from a Channel<Dog>
  const badSink: PushChannel<Animal> = dogs;
  // @ts-expect-error a PullChannel<Dog> cannot read a Channel<Animal>
  const badSource: PullChannel<Dog> = animals;
  void [dogSink, animalSource, badSink, badSource];

  // await using / using
  {
    await using scoped = new Channel<number>(1);
    using alsoScoped = new Channel<number>(1);
    void [scoped, alsoScoped];
  }
}
