/**
 * Type tests a consumer relies on (issue 11, items 15 and 16), compiled by test/package.test.ts
 * against the installed tarball: `Channel<T>` is invariant, `PushChannel<T>` contravariant and
 * `PullChannel<T>` covariant, and the functions that take a channel take the directional view
 * they need. Each `@ts-expect-error` line must stay an error: if the types loosen, the directive
 * is unused and the compile fails. Nothing here runs.
 */
import {
  broadcast,
  type Channel,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  select,
  toReadableStream,
} from 'chanasync';

interface Animal {
  readonly name: string;
}
interface Dog extends Animal {
  bark(): string;
}

export function channels(dogs: Channel<Dog>, animals: Channel<Animal>): void {
  // @ts-expect-error a Channel<Dog> is not a Channel<Animal>: it could be pushed a cat
  const asAnimals: Channel<Animal> = dogs;
  // @ts-expect-error a Channel<Animal> is not a Channel<Dog>: it could pull a cat
  const asDogs: Channel<Dog> = animals;
  void [asAnimals, asDogs];
}

export function pushEnds(animals: PushChannel<Animal>, dogs: PushChannel<Dog>): void {
  // Whoever accepts any animal accepts a dog.
  const dogSink: PushChannel<Dog> = animals;
  // @ts-expect-error a PushChannel<Dog> does not accept every animal
  const animalSink: PushChannel<Animal> = dogs;
  void [dogSink, animalSink];
}

export function pullEnds(dogs: PullChannel<Dog>, animals: PullChannel<Animal>): void {
  // Every dog pulled is an animal.
  const animalSource: PullChannel<Animal> = dogs;
  // @ts-expect-error a PullChannel<Animal> may yield animals that are not dogs
  const dogSource: PullChannel<Dog> = animals;
  void [animalSource, dogSource];
}

export function bothEnds(dogs: Channel<Dog>, animals: Channel<Animal>): void {
  // A Channel is both ends, each with its own variance.
  const source: PullChannel<Animal> = dogs;
  const sink: PushChannel<Dog> = animals;
  void [source, sink];
}

export async function directional(dogs: PullChannel<Dog>, sink: PushChannel<Animal>, rex: Dog): Promise<void> {
  // A select pulls from a pull end and pushes into a push end (Go's `<-chan T` and `chan<- T`).
  const result = await select([pull(dogs), push(sink, rex)] as const);
  if (result.index === 0 && result.ok) result.value.bark();
  const animals: ReadableStream<Animal> = toReadableStream(dogs);
  const hub = broadcast(dogs);
  const barks: Channel<Dog> = hub.subscribe();
  void [animals, barks];
  // @ts-expect-error a push end cannot be pulled from
  pull(sink);
}

export function unions(words: PullChannel<string>, numbers: PullChannel<number>): void {
  const merged: Channel<string | number> = merge(words, numbers);
  // @ts-expect-error merge of strings and numbers yields numbers too
  const onlyWords: Channel<string> = merge(words, numbers);
  void [merged, onlyWords];
}

export function events(input: HTMLInputElement): void {
  // The element type follows the target's event map.
  const keys: Channel<KeyboardEvent> = fromEvent(input, 'keydown');
  // @ts-expect-error a keydown is not a MouseEvent
  const clicks: Channel<MouseEvent> = fromEvent(input, 'keydown');
  void [keys, clicks];
}
