/**
 * Audit O: each signature SPEC.md writes in a code block (or in a sentence), transcribed as a
 * type, and the library's export checked against it as a strict consumer would: the export is
 * assignable to the SPEC's signature (it accepts every argument the SPEC allows and returns what
 * the SPEC promises). `npm run typecheck` compiles this file (test/tsconfig.json: strict,
 * exactOptionalPropertyTypes), so a signature that drifts from the SPEC fails the build.
 */
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.

import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  type ChannelSnapshot,
  type DebugSnapshot,
  disableDebug,
  enableDebug,
  snapshot,
  type Waiter,
} from '../../src/debug/index.js';
// Types only: the durable entry imports `cloudflare:workers`, which exists in workerd only.
import type { DurableChannel, durableChannel } from '../../src/durable/index.js';
import {
  after as afterMs,
  type Broadcast,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  fromEvent,
  merge,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  type SelectCase,
  type SelectResult,
  select,
  selectNowait,
  ticker,
} from '../../src/index.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../../src/port/index.js';

type Overflow = 'block' | 'drop-oldest' | 'drop-newest';
type Signal = { signal?: AbortSignal };

describe('Channel<T>, as the SPEC writes it', () => {
  test('new Channel<T>(capacity?: number, options?: { name?: string; overflow?: ... })', () => {
    type SpecConstructor = new <T>(capacity?: number, options?: { name?: string; overflow?: Overflow }) => Channel<T>;
    expectTypeOf(Channel).toMatchTypeOf<SpecConstructor>();
    expectTypeOf(new Channel<string>(0, {})).toEqualTypeOf<Channel<string>>();
  });

  test('the methods of the first map take and return what the SPEC says', () => {
    type Spec<T> = {
      push(value: T, options?: Signal): Promise<void>;
      pull(options?: Signal): Promise<T>;
      pushNowait(value: T): void;
      pullNowait(): T;
      close(reason?: unknown): void;
      readonly capacity: number;
      readonly size: number;
      readonly closed: boolean;
      readonly full: boolean;
      readonly empty: boolean;
      stats(): {
        name: string | undefined;
        capacity: number;
        size: number;
        closed: boolean;
        overflow: Overflow;
        waitingPushers: number;
        waitingPullers: number;
      };
      [Symbol.asyncIterator](): AsyncIterator<T>;
      [Symbol.asyncDispose](): PromiseLike<void>;
      [Symbol.dispose](): void;
    };
    expectTypeOf<Channel<number>>().toMatchTypeOf<Spec<number>>();
    expectTypeOf<Channel<{ id: string }>>().toMatchTypeOf<Spec<{ id: string }>>();
  });

  test('the batch and non-blocking methods of the second map, on Channel and on the matching view', () => {
    type SpecPush<T> = {
      tryPush(value: T): boolean;
      pushAll(values: Iterable<T>, options?: Signal): Promise<void>;
    };
    type SpecPull<T> = {
      tryPull(): T | undefined;
      pullMany(max: number, options?: Signal): Promise<T[]>;
    };
    expectTypeOf<Channel<number>>().toMatchTypeOf<SpecPush<number> & SpecPull<number>>();
    expectTypeOf<PushChannel<number>>().toMatchTypeOf<SpecPush<number>>();
    expectTypeOf<PullChannel<number>>().toMatchTypeOf<SpecPull<number>>();
  });

  test('the views hold the methods of their side only, and Channel<T> is both', () => {
    expectTypeOf<Channel<number>>().toMatchTypeOf<PushChannel<number> & PullChannel<number>>();
    expectTypeOf<PullChannel<number>>().toMatchTypeOf<AsyncIterable<number>>();
    expectTypeOf<PushChannel<number>>().not.toHaveProperty('pull');
    expectTypeOf<PushChannel<number>>().not.toHaveProperty('tryPull');
    expectTypeOf<PushChannel<number>>().not.toHaveProperty('pullMany');
    expectTypeOf<PullChannel<number>>().not.toHaveProperty('push');
    expectTypeOf<PullChannel<number>>().not.toHaveProperty('tryPush');
    expectTypeOf<PullChannel<number>>().not.toHaveProperty('pushAll');
  });
});

describe('select and its cases, as the SPEC writes them', () => {
  test('select(cases: readonly (SelectCase | null | undefined)[], options?): Promise<SelectResult>', () => {
    type SpecSelect = (
      cases: readonly (SelectCase | null | undefined)[],
      options?: { signal?: AbortSignal },
    ) => Promise<SelectResult>;
    type SpecSelectNowait = (cases: readonly (SelectCase | null | undefined)[]) => SelectResult | undefined;
    expectTypeOf(select).toMatchTypeOf<SpecSelect>();
    expectTypeOf(selectNowait).toMatchTypeOf<SpecSelectNowait>();
  });

  test('pull(channel) and push(channel, value) are SelectCases; the result has index, channel, value and ok', () => {
    expectTypeOf(pull<number>).returns.toMatchTypeOf<SelectCase>();
    expectTypeOf(push<number>).returns.toMatchTypeOf<SelectCase>();
    expectTypeOf<SelectResult>().toHaveProperty('index').toEqualTypeOf<number>();
    expectTypeOf<SelectResult>().toHaveProperty('ok').toEqualTypeOf<boolean>();
    expectTypeOf<SelectResult>().toHaveProperty('channel');
    expectTypeOf<SelectResult>().toHaveProperty('value');
  });

  test('after(ms: number, options?: { signal?: AbortSignal }): Channel<number>', () => {
    expectTypeOf(afterMs).toMatchTypeOf<(ms: number, options?: Signal) => Channel<number>>();
  });
});

describe('errors', () => {
  test('ChannelError extends Error; the three others extend ChannelError; each has channel, cause and name', () => {
    expectTypeOf<ChannelError>().toMatchTypeOf<Error>();
    for (const error of [
      new ChannelClosedError('pull', 'is closed', new Channel<number>(), 'why'),
      new ChannelFullError('pushNowait', 'is full', new Channel<number>()),
      new ChannelEmptyError('pullNowait', 'is empty', new Channel<number>()),
    ]) {
      expectTypeOf(error).toMatchTypeOf<ChannelError>();
      expectTypeOf(error.name).toEqualTypeOf<string>();
      expectTypeOf(error.cause).toEqualTypeOf<unknown>();
      expectTypeOf(error.channel).toEqualTypeOf<Channel<number>>();
      expect(error).toBeInstanceOf(ChannelError);
    }
  });
});

describe('interop, broadcast and ticker, as the SPEC writes them', () => {
  test('Channel.from(source: Iterable<T> | AsyncIterable<T> | ReadableStream<T>, options?: { capacity?, signal? })', () => {
    type SpecFrom = <T>(
      source: Iterable<T> | AsyncIterable<T> | ReadableStream<T>,
      options?: { capacity?: number; signal?: AbortSignal },
    ) => Channel<T>;
    expectTypeOf(Channel.from).toMatchTypeOf<SpecFrom>();
  });

  test('channel.toReadableStream(options?: { highWaterMark?: number }): ReadableStream<T>', () => {
    expectTypeOf<Channel<number>['toReadableStream']>().toMatchTypeOf<
      (options?: { highWaterMark?: number }) => ReadableStream<number>
    >();
  });

  test('fromEvent(target: EventTarget, type: string, options?: { capacity?, overflow?, signal? }): Channel<Event>', () => {
    type SpecFromEvent = (
      target: EventTarget,
      type: string,
      options?: { capacity?: number; overflow?: Overflow; signal?: AbortSignal },
    ) => Channel<Event>;
    expectTypeOf(fromEvent).toMatchTypeOf<SpecFromEvent>();
  });

  test('merge(...channels): Channel<T> — the union of the inputs’ element types', () => {
    const merged = merge(new Channel<number>(), new Channel<string>(), new Channel<boolean>());
    expectTypeOf(merged).toEqualTypeOf<Channel<number | string | boolean>>();
    merged.close();
  });

  test('broadcast(source: PullChannel<T>): Broadcast<T>, subscribe(options?: { capacity?, overflow?, signal? }): Channel<T>', () => {
    expectTypeOf(broadcast).toMatchTypeOf<<T>(source: PullChannel<T>) => Broadcast<T>>();
    type SpecSubscribe<T> = (options?: { capacity?: number; overflow?: Overflow; signal?: AbortSignal }) => Channel<T>;
    expectTypeOf<Broadcast<number>['subscribe']>().toMatchTypeOf<SpecSubscribe<number>>();
    expectTypeOf<Broadcast<number>['close']>().toMatchTypeOf<() => void>();
  });

  test('ticker(ms: number, options?: { signal? }): Channel<number>', () => {
    expectTypeOf(ticker).toMatchTypeOf<(ms: number, options?: Signal) => Channel<number>>();
  });
});

describe('chanasync/port, as the SPEC writes it', () => {
  test('toPort<T>(channel: PullChannel<T>, port: PortLike, options?: { name?, signal?, transfer? }): Promise<PortResult<T>>', () => {
    type SpecToPort = <T>(
      channel: PullChannel<T>,
      port: PortLike,
      options?: { name?: string; signal?: AbortSignal; transfer?: (value: T) => Transferable[] },
    ) => Promise<PortResult<T>>;
    expectTypeOf(toPort).toMatchTypeOf<SpecToPort>();
    expectTypeOf<PortResult<number>>().toEqualTypeOf<{ sent: number; undelivered: number[] }>();
  });

  test('fromPort<T>(port: PortLike, options?: { name?: string; capacity?: number; origin?: string }): Channel<T>', () => {
    type SpecFromPort = <T>(
      port: PortLike,
      options?: { name?: string; capacity?: number; origin?: string },
    ) => Channel<T>;
    expectTypeOf(fromPort).toMatchTypeOf<SpecFromPort>();
  });

  test('a MessagePort, a Worker, a Window and a worker-like global scope are PortLikes', () => {
    expectTypeOf<MessagePort>().toMatchTypeOf<PortLike>();
    expectTypeOf<Worker>().toMatchTypeOf<PortLike>();
    expectTypeOf<Window>().toMatchTypeOf<PortLike>();
    expectTypeOf<BroadcastChannel>().toMatchTypeOf<PortLike>();
  });
});

describe('chanasync/durable, as the SPEC writes it', () => {
  test('DurableChannel<T> has push(value, { signal, id }), pull, pullWithId, tryPush, tryPull, pullMany, close, stats and async iteration', () => {
    type Spec<T> = {
      push(value: T, options?: { signal?: AbortSignal; id?: string }): Promise<void>;
      pull(options?: Signal): Promise<T>;
      pullWithId(options?: Signal): Promise<{ value: T; id: string }>;
      tryPush(value: T): PromiseLike<boolean> | boolean;
      tryPull(): PromiseLike<T | undefined> | T | undefined;
      pullMany(max: number, options?: Signal): Promise<T[]>;
      close(reason?: unknown): unknown;
      stats(): unknown;
      [Symbol.asyncIterator](): AsyncIterator<T>;
    };
    expectTypeOf<DurableChannel<{ job: number }>>().toMatchTypeOf<Spec<{ job: number }>>();
    type SpecDurableChannel = <T>(
      namespace: { idFromName(name: string): unknown; get(id: never): unknown },
      name: string,
      options?: { capacity?: number },
    ) => DurableChannel<T>;
    expectTypeOf<typeof durableChannel>().toMatchTypeOf<SpecDurableChannel>();
    expectTypeOf<ReturnType<typeof durableChannel<number>>>().toEqualTypeOf<DurableChannel<number>>();
  });
});

describe('chanasync/debug, as the SPEC writes it', () => {
  test('enableDebug(options?: { target?, listen?, intervalMs?, stacks? }): void, disableDebug(): void', () => {
    type SpecEnable = (options?: {
      target?: { postMessage(message: unknown, targetOrigin?: string): void };
      listen?: EventTarget;
      intervalMs?: number;
      stacks?: boolean;
    }) => void;
    expectTypeOf(enableDebug).toMatchTypeOf<SpecEnable>();
    expectTypeOf(disableDebug).toMatchTypeOf<() => void>();
  });

  test('snapshot(): { source, version, type, time, channels } with ChannelSnapshot and Waiter as the SPEC lists them', () => {
    expectTypeOf(snapshot).returns.toEqualTypeOf<DebugSnapshot>();
    type SpecWaiter = { kind: 'push' | 'pull' | 'select'; since: number; stack?: string };
    type SpecChannelSnapshot = {
      id: unknown;
      name: unknown;
      capacity: number | null;
      size: number;
      closed: boolean;
      overflow: Overflow;
      createdAt?: string;
      pushers: readonly SpecWaiter[];
      pullers: readonly SpecWaiter[];
    };
    type SpecSnapshot = {
      source: 'chanasync';
      version: 1;
      type: 'snapshot';
      time: number;
      channels: readonly SpecChannelSnapshot[];
    };
    expectTypeOf<Waiter>().toMatchTypeOf<SpecWaiter>();
    expectTypeOf<ChannelSnapshot>().toMatchTypeOf<SpecChannelSnapshot>();
    expectTypeOf<DebugSnapshot>().toMatchTypeOf<SpecSnapshot>();
    // The optional fields are optional: a snapshot without stacks type-checks as one.
    const bare: ChannelSnapshot = {
      id: 1,
      name: '',
      capacity: null,
      size: 0,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [{ kind: 'pull', since: 0 }],
    };
    expect(bare.capacity).toBeNull();
  });
});
