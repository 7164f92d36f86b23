/**
 * Type tests a consumer relies on (issue 11, item 15), compiled by test/package.test.ts against
 * the installed tarball: `Channel<T>` is invariant, `PushChannel<T>` contravariant and
 * `PullChannel<T>` covariant. Each `@ts-expect-error` line must stay an error: if variance
 * breaks, the directive is unused and the compile fails. Nothing here runs.
 */
import type { Channel, PullChannel, PushChannel } from 'chanasync';

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
