// @vitest-environment node
/**
 * Audit BO-interop, types: what a TypeScript user expects of the interop helpers as shipped
 * (`dist/*.d.ts`, imported as `chanasync`). Checked by `npx tsc --noEmit -p
 * test/audit-bo-interop/tsconfig.json`; each test's runtime half pins what the program does.
 */
import {
  after as afterMs,
  type Broadcast,
  broadcast,
  Channel,
  type ChannelValue,
  type FromOptions,
  from,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
  type ToReadableStreamOptions,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, expectTypeOf, it } from 'vitest';

interface Animal {
  name: string;
}
interface Dog extends Animal {
  bark(): void;
}
interface Cat extends Animal {
  meow(): void;
}

describe('element type inference through the helpers', () => {
  it('from: arrays, Sets, Maps, strings, generators, streams, pull views', async () => {
    expectTypeOf(from([1, 2])).toEqualTypeOf<Channel<number>>();
    expectTypeOf(from(new Set(['a']))).toEqualTypeOf<Channel<string>>();
    expectTypeOf(from(new Map([[1, 'a']]))).toEqualTypeOf<Channel<[number, string]>>();
    expectTypeOf(from('abc')).toEqualTypeOf<Channel<string>>();
    async function* gen() {
      yield 1n;
    }
    expectTypeOf(from(gen())).toEqualTypeOf<Channel<bigint>>();
    expectTypeOf(from(new ReadableStream<Date>())).toEqualTypeOf<Channel<Date>>();
    const body = new Response('x').body as ReadableStream<Uint8Array>;
    expectTypeOf(from(body)).toEqualTypeOf<Channel<Uint8Array>>();
    const view: PullChannel<boolean> = new Channel<boolean>();
    expectTypeOf(from(view)).toEqualTypeOf<Channel<boolean>>();
    expectTypeOf(Channel.from([1])).toEqualTypeOf<Channel<number>>();
    // promises in a sync iterable are awaited, in the type as at run time
    expectTypeOf(from([Promise.resolve(1), 2])).toEqualTypeOf<Channel<number>>();
    expectTypeOf(from(new Set([Promise.resolve('a')]))).toEqualTypeOf<Channel<string>>();
    expect(await from([Promise.resolve(1), 2]).pull()).toBe(1);
    expect(await from('ab').pull()).toBe('a');
  });

  it('from: an explicit T checks the source', () => {
    // @ts-expect-error a string source is not a source of numbers
    from<number>(['a']);
    expectTypeOf(from<number | string>([1])).toEqualTypeOf<Channel<number | string>>();
  });

  it('merge: the union of the inputs, pull views accepted, result is a full Channel', () => {
    const n = new Channel<number>();
    const s: PullChannel<string> = new Channel<string>();
    const m = merge(n, s, afterMs(1));
    expectTypeOf(m).toEqualTypeOf<Channel<number | string>>();
    expectTypeOf<ChannelValue<typeof n | PullChannel<Date>>>().toEqualTypeOf<number | Date>();
    expectTypeOf(merge()).toEqualTypeOf<Channel<never>>();
    m.close();
  });

  it('toReadableStream / channel.toReadableStream: ReadableStream<T>, through merge too', () => {
    const n = new Channel<number>();
    const s = new Channel<string>();
    expectTypeOf(toReadableStream(n)).toEqualTypeOf<ReadableStream<number>>();
    expectTypeOf(n.toReadableStream()).toEqualTypeOf<ReadableStream<number>>();
    expectTypeOf(toReadableStream(merge(n, s))).toEqualTypeOf<ReadableStream<number | string>>();
    // a stream of dogs is a stream of animals (ReadableStream is covariant in practice)
    const dogs = new Channel<Dog>();
    const animals: ReadableStream<Animal> = toReadableStream(dogs);
    expect(animals).toBeInstanceOf(ReadableStream);
  });

  it('broadcast / subscribe keep T, from a Channel or a pull view; Broadcast is disposable', () => {
    const src = new Channel<{ id: number }>();
    const hub = broadcast(src);
    expectTypeOf(hub).toEqualTypeOf<Broadcast<{ id: number }>>();
    expectTypeOf(hub.subscribe()).toEqualTypeOf<Channel<{ id: number }>>();
    const view: PullChannel<number> = new Channel<number>();
    expectTypeOf(broadcast(view).subscribe({ capacity: 2, overflow: 'drop-oldest' })).toEqualTypeOf<Channel<number>>();
    {
      using h = broadcast(new Channel<string>());
      expectTypeOf(h.subscribe()).toEqualTypeOf<Channel<string>>();
    }
    hub.close();
  });

  it('after / ticker are Channel<number>; fromEvent follows the target, else Event', () => {
    const a = afterMs(1);
    const t = ticker(1000);
    expectTypeOf(a).toEqualTypeOf<Channel<number>>();
    expectTypeOf(t).toEqualTypeOf<Channel<number>>();
    a.close();
    t.close();
    const target = new EventTarget();
    const e = fromEvent(target, 'anything');
    expectTypeOf(e).toEqualTypeOf<Channel<Event>>();
    expectTypeOf(fromEvent<CustomEvent<string>>(target, 'note')).toEqualTypeOf<Channel<CustomEvent<string>>>();
    e.close();
    const socketLike = {} as WebSocket;
    expectTypeOf<ReturnType<typeof fromEvent<WebSocket, 'message'>>>().toEqualTypeOf<Channel<MessageEvent>>();
    expectTypeOf<ReturnType<typeof fromEvent<WebSocket, 'message' | 'close'>>>().toEqualTypeOf<
      Channel<MessageEvent | CloseEvent>
    >();
    void socketLike;
    expectTypeOf<ReturnType<typeof fromEvent<HTMLInputElement, 'keydown'>>>().toEqualTypeOf<Channel<KeyboardEvent>>();
    expectTypeOf<ReturnType<typeof fromEvent<AbortSignal, 'abort'>>>().toEqualTypeOf<Channel<Event>>();
  });

  it('a supertype view: merge of dogs and cats reads as PullChannel<Animal>, not as Channel<Animal>', () => {
    const dogs = new Channel<Dog>();
    const cats = new Channel<Cat>();
    const animals: PullChannel<Animal> = merge(dogs, cats);
    // @ts-expect-error Channel is invariant: a Channel<Animal> could be pushed a plain Animal
    const wrong: Channel<Animal> = merge(dogs, cats);
    void wrong;
    expect(animals.closed).toBe(false);
  });
});

describe('directional types refuse the wrong direction', () => {
  it('a PullChannel cannot push or close; a PushChannel cannot pull or be iterated', () => {
    const ch = new Channel<number>(1);
    const out: PushChannel<number> = ch;
    const inp: PullChannel<number> = ch;
    // @ts-expect-error no push on the pull end
    inp.push;
    // @ts-expect-error no close on the pull end (the sender closes, as in Go)
    inp.close;
    // @ts-expect-error no pull on the push end
    out.pull;
    // @ts-expect-error no tryPull on the push end
    out.tryPull;
    expectTypeOf(out).not.toHaveProperty(Symbol.asyncIterator);
    expectTypeOf(inp).toHaveProperty(Symbol.asyncIterator);
    expect(typeof ch.push).toBe('function');
  });

  it('helpers that read refuse a push end; select cases follow the direction', () => {
    const out: PushChannel<number> = new Channel<number>();
    const inp: PullChannel<number> = new Channel<number>();
    // @ts-expect-error toReadableStream reads
    expect(() => toReadableStream(out)).not.toThrow(); // (a Channel at run time)
    // @ts-expect-error merge reads
    merge(out);
    // @ts-expect-error broadcast reads
    broadcast(out);
    // @ts-expect-error from reads (a push end is not iterable)
    expect(() => from(out, { signal: AbortSignal.abort() })).not.toThrow();
    // @ts-expect-error a pull case needs a pull end
    pull(out);
    // @ts-expect-error a push case needs a push end
    push(inp, 1);
    // @ts-expect-error the value must fit the channel
    push(out, 'x');
    expectTypeOf(push(out, 1)).toMatchTypeOf<SelectCase>();
  });

  it('PushChannel is contravariant, PullChannel covariant', () => {
    const animals = new Channel<Animal>();
    const dogOut: PushChannel<Dog> = animals;
    const dogs = new Channel<Dog>();
    const animalIn: PullChannel<Animal> = dogs;
    // @ts-expect-error a PushChannel<Animal> from a Channel<Dog> would accept a cat
    const bad: PushChannel<Animal> = dogs;
    // @ts-expect-error a PullChannel<Dog> from a Channel<Animal> could yield a cat
    const bad2: PullChannel<Dog> = animals;
    void [dogOut, animalIn, bad, bad2];
  });
});

describe('select result narrowing', () => {
  it('by index for a tuple; ok narrows a pull value; push values are undefined', async () => {
    const n = new Channel<number>(1);
    const s = new Channel<string>(1);
    n.pushNowait(7);
    const r = await select([pull(n), push(s, 'x'), pull(afterMs(60_000))]);
    if (r.index === 0) {
      expectTypeOf(r.value).toEqualTypeOf<number | undefined>();
      if (r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
      expectTypeOf(r.channel).toEqualTypeOf<PullChannel<number>>();
    } else if (r.index === 1) {
      expectTypeOf(r.value).toEqualTypeOf<undefined>();
      expectTypeOf(r.channel).toEqualTypeOf<PushChannel<string>>();
    } else {
      expectTypeOf(r.index).toEqualTypeOf<2>();
    }
    expect([0, 1]).toContain(r.index);
  });

  it('a null-able case keeps its index; an array of unknown length gives value: unknown (no any)', () => {
    const n = new Channel<number>(1);
    const s = new Channel<string>(1);
    const maybe = Math.random() > 2 ? pull(s) : null;
    const r = selectNowait([maybe, pull(n)]);
    if (r?.index === 1 && r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
    if (r?.index === 0 && r.ok) expectTypeOf(r.value).toEqualTypeOf<string>();
    const list: SelectCase[] = [pull(n), pull(s)];
    const q = selectNowait(list);
    if (q) {
      expectTypeOf(q.value).toEqualTypeOf<unknown>();
      expectTypeOf(q.index).toEqualTypeOf<number>();
    }
    const cases = [pull(n), pull(s)] as const;
    const t = selectNowait(cases);
    if (t?.index === 1 && t.ok) expectTypeOf(t.value).toEqualTypeOf<string>();
  });

  it('select over a merge and a from channel narrows to their element types', async () => {
    const m = merge(new Channel<number>(), from(['a']));
    const r = await select([pull(m), pull(from([true]))]);
    if (r.index === 0 && r.ok) expectTypeOf(r.value).toEqualTypeOf<number | string>();
    if (r.index === 1 && r.ok) expectTypeOf(r.value).toEqualTypeOf<boolean>();
    m.close();
  });
});

describe('readonly properties', () => {
  it('channel getters, select results and stats cannot be assigned', async () => {
    const ch = new Channel<number>(1);
    // At run time the getters refuse too (strict mode: a TypeError).
    expect(() => {
      // @ts-expect-error capacity is read-only
      ch.capacity = 2;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error name is read-only
      ch.name = 'x';
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error closed is read-only
      ch.closed = true;
    }).toThrow(TypeError);
    ch.pushNowait(1);
    const r = await select([pull(ch)]);
    const typeOnly = () => {
      const stats = ch.stats();
      // @ts-expect-error stats are a read-only copy
      stats.size = 3;
      // @ts-expect-error a select result is read-only
      r.index = 1;
      const c = pull(ch);
      // @ts-expect-error a case is read-only
      c.channel = ch;
    };
    expect(typeOnly).toBeTypeOf('function');
    expect(r.value).toBe(1);
  });
});

describe('option objects reject misspelt keys', () => {
  it('fresh literals: excess property errors', () => {
    // Type-only: never called (a misspelt option is ignored at run time, so a ticker would run on).
    const typeOnly = (ch: Channel<number>) => {
      // @ts-expect-error capacty
      from([1], { capacty: 1 });
      // @ts-expect-error highWatermark (the platform's spelling is highWaterMark)
      toReadableStream(ch, { highWatermark: 1 });
      // @ts-expect-error closeOnCancell
      ch.toReadableStream({ closeOnCancell: true });
      // @ts-expect-error overfow
      fromEvent(new EventTarget(), 'x', { overfow: 'block' });
      // @ts-expect-error listenerOptions.captur
      fromEvent(new EventTarget(), 'x', { listenerOptions: { captur: true } });
      // @ts-expect-error a signal inside listenerOptions (pass options.signal)
      fromEvent(new EventTarget(), 'x', { listenerOptions: { signal: AbortSignal.abort() } });
      // @ts-expect-error capcity
      broadcast(ch).subscribe({ capcity: 1 });
      // @ts-expect-error sigal
      afterMs(1, { sigal: AbortSignal.abort() });
      // @ts-expect-error sginal
      ticker(1, { sginal: AbortSignal.abort() });
      // @ts-expect-error a bad overflow policy
      new Channel(1, { overflow: 'drop-olde' });
      // @ts-expect-error sigal on a select
      void select([pull(ch)], { sigal: AbortSignal.abort() }).catch(() => {});
      // @ts-expect-error an AbortController in place of a signal
      from([1], { signal: new AbortController() });
      // @ts-expect-error a signal in place of the options (a TypeError at run time)
      from([1], AbortSignal.abort());
    };
    expect(typeOnly).toBeTypeOf('function');
  });

  it('non-literal bags with no known key are refused (weak type detection)', () => {
    const misspelt = { highWatermark: 4 };
    // @ts-expect-error no property in common with ToReadableStreamOptions
    const o1: ToReadableStreamOptions = misspelt;
    const misspelt2 = { capacty: 4 };
    // @ts-expect-error no property in common with FromOptions
    const o2: FromOptions = misspelt2;
    void [o1, o2];
  });
});
