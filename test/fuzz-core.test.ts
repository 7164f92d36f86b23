/**
 * Fuzzing the core with concurrent tasks: producers, consumers and selectors whose steps are
 * chosen at random and interleaved at random by fast-check's scheduler, over one or two
 * channels of random capacity (0, 1, 3, Infinity) and overflow policy. The checks are the
 * SPEC's guarantees as invariants (test/helpers/fuzz-program.ts lists them): exactly-once
 * accounting, FIFO per producer, every rejection justified, `stats()` and `size` right at
 * quiescence, close wakes everyone, nothing left parked or listening — also with the
 * `AbortSignal` of happy-dom and of jsdom. Then parked pulls of every kind served oldest first,
 * and a long run of 10,000 operations sharing one signal.
 */
import fc from 'fast-check';
import { Window as HappyWindow } from 'happy-dom';
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, pull, push, select, selectNowait, toReadableStream } from '../src/index.js';
import { channelConfigArb, channelOf, coverage, fold, microtasks, opArb, runProgram } from './helpers/fuzz-program.js';
import { countListeners, flush } from './helpers/track.js';

describe('concurrent tasks on one or two channels (property)', () => {
  test('every pushed value is delivered exactly once or its push rejected, in order per producer, and close wakes every task', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(channelConfigArb, { minLength: 1, maxLength: 2 }),
        fc.scheduler(),
        fc.array(fc.array(opArb(2), { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 4 }),
        async (configs, s, tasks) => {
          const channels = configs.map((config, i) => channelOf(config, `c${i}`));
          const problems = await runProgram(
            {
              channels: channels,
              droppable: channels.map((channel) => channel.stats().overflow !== 'block'),
              pullSlack: [],
              checkSize: true,
              closeAll: () => {
                for (const channel of channels) channel.close();
              },
            },
            fold(tasks, channels.length),
            s,
          );
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 1500 },
    );
    // The generators must keep reaching the situations the invariants are about.
    const situations = [
      'value committed',
      'value rejected',
      'push rejected: closed',
      'push rejected: aborted',
      'pull rejected: closed',
      'pull rejected: aborted',
      'pullMany rejected: aborted',
      'pushAll rejected part-way',
      'select push case won',
      'select pull case won',
      'select ok: false',
      'select rejected: aborted',
      'select rejected: closed',
      'iteration left early',
      'operation parked at quiescence',
      'select parked at quiescence',
      'abort a parked operation at quiescence',
      'nextReturn got a value',
      'nextReturn gave up',
      'streamCancel got a value',
      'streamCancel gave up',
    ];
    expect(situations.filter((situation) => !coverage.has(situation))).toEqual([]);
  }, 60_000);
});

/** How a parked pull-side operation was made. */
type PullKind = 'pull' | 'pullMany' | 'next' | 'select' | 'select2' | 'stream';
/** How a value is handed over synchronously. */
type GiveKind = 'tryPush' | 'pushNowait' | 'push' | 'pushAll' | 'select' | 'selectNowait';

type PullStep =
  | { readonly do: 'park'; readonly kind: PullKind; readonly sig: number }
  | { readonly do: 'abort'; readonly k: number }
  | { readonly do: 'give'; readonly kind: GiveKind }
  | { readonly do: 'giveOther' }
  | { readonly do: 'flush' };

const pullStep: fc.Arbitrary<PullStep> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      do: fc.constant('park' as const),
      kind: fc.constantFrom<PullKind>('pull', 'pullMany', 'next', 'select', 'select2', 'stream'),
      sig: fc.integer({ min: -1, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('abort' as const), k: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      do: fc.constant('give' as const),
      kind: fc.constantFrom<GiveKind>('tryPush', 'pushNowait', 'push', 'pushAll', 'select', 'selectNowait'),
    }),
  },
  { weight: 1, arbitrary: fc.constant<PullStep>({ do: 'giveOther' }) },
  { weight: 1, arbitrary: fc.constant<PullStep>({ do: 'flush' }) },
);

describe('parked operations are served oldest first (property)', () => {
  test('a value handed to a channel goes to its oldest parked pull that is not aborted, whatever kind of operation parked it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 3),
        fc.array(pullStep, { minLength: 1, maxLength: 30 }),
        async (capacity, steps) => {
          const x = new Channel<number>(capacity, { name: 'x' });
          const y = new Channel<number>(0, { name: 'y' });
          let controllers = [new AbortController(), new AbortController(), new AbortController()];
          /** The model: parked pulls in order, each with its signal's controller index (-1: none). */
          interface Puller {
            readonly id: number;
            readonly kind: PullKind;
            readonly sig: number;
            readonly signal: AbortSignal | undefined;
            expected: { value: number } | { aborted: unknown } | 'pending';
            actual: { value: number } | { aborted: unknown } | { other: unknown } | 'pending';
          }
          const parked: Puller[] = [];
          const all: Puller[] = [];
          let next = 1;
          for (const step of steps) {
            switch (step.do) {
              case 'park': {
                // Streams and iterators take no signal.
                const sig = step.kind === 'next' || step.kind === 'stream' ? -1 : step.sig;
                const signal = sig < 0 ? undefined : controllers[sig]!.signal;
                const puller: Puller = {
                  id: all.length,
                  kind: step.kind,
                  sig,
                  signal,
                  expected: 'pending',
                  actual: 'pending',
                };
                const got = (value: unknown) => {
                  puller.actual = { value: value as number };
                };
                const failed = (error: unknown) => {
                  puller.actual = signal?.aborted && error === signal.reason ? { aborted: error } : { other: error };
                };
                const options = { signal };
                switch (step.kind) {
                  case 'pull':
                    x.pull(options).then(got, failed);
                    break;
                  case 'pullMany':
                    x.pullMany(3, options).then(
                      (values) => (values.length === 1 ? got(values[0]) : failed(values)),
                      failed,
                    );
                    break;
                  case 'next':
                    x[Symbol.asyncIterator]()
                      .next()
                      .then((result) => (result.done ? failed('done') : got(result.value)), failed);
                    break;
                  case 'select':
                  case 'select2':
                    select(step.kind === 'select' ? [pull(x)] : [pull(x), pull(y)], options).then(
                      (result) => (result.index === 0 && result.ok ? got(result.value) : failed(result)),
                      failed,
                    );
                    break;
                  case 'stream':
                    toReadableStream(x)
                      .getReader()
                      .read()
                      .then((result) => (result.done ? failed('done') : got(result.value)), failed);
                    break;
                }
                all.push(puller);
                parked.push(puller);
                // A stream calls its source's pull a few microtasks after the read: let it park.
                if (step.kind === 'stream') await flush();
                break;
              }
              case 'abort': {
                const controller = controllers[step.k]!;
                controllers = controllers.map((c, i) => (i === step.k ? new AbortController() : c));
                const reason = new Error(`abort ${step.k}`);
                controller.abort(reason);
                for (const puller of parked.filter((p) => p.sig === step.k)) {
                  puller.expected = { aborted: reason };
                  parked.splice(parked.indexOf(puller), 1);
                }
                break;
              }
              case 'give': {
                // Only while a pull is parked: the value must go to the oldest one, now.
                const oldest = parked.shift();
                if (oldest === undefined) break;
                const value = next++;
                oldest.expected = { value };
                switch (step.kind) {
                  case 'tryPush':
                    expect(x.tryPush(value)).toBe(true);
                    break;
                  case 'pushNowait':
                    x.pushNowait(value);
                    break;
                  case 'push':
                    void x.push(value);
                    break;
                  case 'pushAll':
                    void x.pushAll([value]);
                    break;
                  case 'select':
                    void select([push(x, value)]);
                    break;
                  case 'selectNowait':
                    expect(selectNowait([push(x, value)])?.index).toBe(0);
                    break;
                }
                expect(x.size).toBe(0);
                break;
              }
              case 'giveOther': {
                // y's only pulls are the select2 cases: the oldest select2 leaves through y.
                const oldest = parked.find((p) => p.kind === 'select2');
                const value = next++;
                expect(y.tryPush(value)).toBe(oldest !== undefined);
                if (oldest !== undefined) {
                  parked.splice(parked.indexOf(oldest), 1);
                  oldest.expected = { value: -1 }; // not a value of x: checked below as y's
                }
                break;
              }
              case 'flush':
                await flush();
                break;
            }
          }
          await flush(20);
          for (const puller of all) {
            const expected = puller.expected;
            if (typeof expected === 'object' && 'value' in expected && expected.value === -1) {
              // Won through y: its select resolved with index 1, reported as `other`.
              expect(puller.actual, `puller ${puller.id} (${puller.kind})`).toMatchObject({
                other: { index: 1, ok: true },
              });
            } else {
              expect(puller.actual, `puller ${puller.id} (${puller.kind})`).toEqual(expected);
            }
          }
          // Nothing else was parked, and closing settles the rest.
          expect(x.stats().waitingPullers).toBe(parked.length);
          x.close();
          y.close();
          await flush(20);
          for (const puller of parked) expect(puller.actual, `puller ${puller.id} after close`).not.toBe('pending');
          expect([x.stats().waitingPullers, y.stats().waitingPullers]).toEqual([0, 0]);
          for (const controller of controllers) controller.abort();
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('a long run with one long-lived signal (property)', () => {
  test('after 10,000 operations sharing one AbortSignal nothing is lost, reordered or left behind: no listener, no parked operation, a small buffer', async () => {
    await fc.assert(
      fc.asyncProperty(channelConfigArb, fc.integer(), async (config, seed) => {
        const channel = channelOf(config, 'long');
        const other = new Channel<number>(0, { name: 'other' });
        const shared = new AbortController();
        const sharedListeners = countListeners(shared.signal);
        const ownListeners: { live: number }[] = [];
        // A small deterministic generator: fast-check shrinks the seed, not 10,000 steps.
        let state = seed | 1;
        const random = (n: number) => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          return (state >>> 0) % n;
        };
        const own = () => {
          const controller = new AbortController();
          ownListeners.push(countListeners(controller.signal));
          void microtasks(random(4)).then(() => controller.abort('gave up'));
          return controller.signal;
        };
        const committed: number[] = [];
        const received: number[] = [];
        const OPS = 5_000;
        const produce = async () => {
          let next = 0;
          for (let i = 0; i < OPS; i++) {
            const value = next++;
            const ok = () => committed.push(value);
            const failed = () => {};
            switch (random(6)) {
              case 0:
                await channel.push(value, { signal: shared.signal }).then(ok, failed);
                break;
              case 1:
                await channel.push(value, { signal: own() }).then(ok, failed);
                break;
              case 2:
                if (channel.tryPush(value)) ok();
                else await microtasks(1);
                break;
              case 3: {
                const batch = [value, next++, next++];
                await channel.pushAll(batch, { signal: shared.signal }).then(
                  () => committed.push(...batch),
                  (error: { pushed: number }) => committed.push(...batch.slice(0, error.pushed)),
                );
                break;
              }
              case 4:
                await select([push(channel, value), pull(other)], { signal: shared.signal }).then(ok, failed);
                break;
              default:
                await select([push(channel, value)], { signal: own() }).then(ok, failed);
                break;
            }
          }
          channel.close();
        };
        const consume = async () => {
          const iterator = channel[Symbol.asyncIterator]();
          for (;;) {
            try {
              switch (random(5)) {
                case 0:
                  received.push(await channel.pull({ signal: shared.signal }));
                  break;
                case 1:
                  received.push(...(await channel.pullMany(3, { signal: own() })));
                  break;
                case 2: {
                  const value = channel.tryPull();
                  if (value !== undefined) received.push(value);
                  else await microtasks(1);
                  break;
                }
                case 3: {
                  const result = await select([pull(channel), pull(other)], { signal: shared.signal });
                  if (!result.ok) return;
                  received.push(result.value as number);
                  break;
                }
                default: {
                  const result = await iterator.next();
                  if (result.done) return;
                  received.push(result.value);
                }
              }
            } catch (error) {
              if (error instanceof ChannelClosedError) return;
              if (error !== 'gave up') throw error;
            }
          }
        };
        await Promise.all([produce(), consume()]);
        for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) received.push(value);
        await flush(10);
        // In order, each once; all of them unless the channel drops values.
        for (let i = 1; i < received.length; i++) expect(received[i]!).toBeGreaterThan(received[i - 1]!);
        if (config.overflow === 'block') expect(received).toEqual(committed);
        else for (const value of received) expect(committed).toContain(value);
        expect(committed.length).toBeGreaterThan(OPS / 4);
        // Nothing left behind.
        expect(sharedListeners.live).toBe(0);
        expect(ownListeners.filter((counter) => counter.live !== 0)).toEqual([]);
        for (const stats of [channel.stats(), other.stats()]) {
          expect([stats.waitingPushers, stats.waitingPullers, stats.size]).toEqual([0, 0, 0]);
        }
        // The ring gave back its memory: 8 slots for a small capacity; an unbounded channel
        // that grew keeps at most 1024 once drained (buffer.ts).
        const slots = (channel as unknown as { slots: unknown[] }).slots.length;
        expect(slots).toBeLessThanOrEqual(config.capacity === Infinity ? 1024 : 8);
        shared.abort();
      }),
      { numRuns: 4 },
    );
  }, 60_000);
});

describe('the same concurrent tasks with the AbortSignal of a DOM implementation (property)', () => {
  test('with happy-dom’s and jsdom’s AbortController nothing is lost, duplicated or left listening either', async () => {
    const happy = new HappyWindow();
    // jsdom ships no types (and none are installed): its constructor, as used here.
    const jsdom = 'jsdom';
    const { JSDOM } = (await import(jsdom)) as {
      JSDOM: new (html: string) => { window: { AbortController: unknown; close(): void } };
    };
    const dom = new JSDOM('');
    const controllers = {
      'happy-dom': happy.AbortController as unknown as typeof AbortController,
      jsdom: dom.window.AbortController as unknown as typeof AbortController,
    };
    // These are other implementations indeed, not Node's.
    expect(new controllers['happy-dom']().signal).not.toBeInstanceOf(AbortSignal);
    expect(new controllers.jsdom().signal).not.toBeInstanceOf(AbortSignal);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<keyof typeof controllers>('happy-dom', 'jsdom'),
        fc.array(channelConfigArb, { minLength: 1, maxLength: 2 }),
        fc.scheduler(),
        fc.array(fc.array(opArb(2, { abort: 3 }), { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 4 }),
        async (implementation, configs, s, tasks) => {
          const channels = configs.map((config, i) => channelOf(config, `c${i}`));
          const problems = await runProgram(
            {
              channels,
              droppable: channels.map((channel) => channel.stats().overflow !== 'block'),
              pullSlack: [],
              checkSize: true,
              AbortController: controllers[implementation],
              closeAll: () => {
                for (const channel of channels) channel.close();
              },
            },
            fold(tasks, channels.length),
            s,
          );
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
    await happy.happyDOM.close();
    dom.window.close();
  }, 60_000);
});

/** How a parked push-side operation was made. */
type PushKind = 'push' | 'pushAll' | 'select' | 'select2';
/** How values are taken synchronously. */
type TakeKind = 'tryPull' | 'pullNowait' | 'pull' | 'pullMany' | 'select' | 'selectNowait' | 'next';

type PushStep =
  | { readonly do: 'park'; readonly kind: PushKind; readonly sig: number }
  | { readonly do: 'abort'; readonly k: number }
  | { readonly do: 'take'; readonly kind: TakeKind; readonly max: number }
  | { readonly do: 'takeOther' }
  | { readonly do: 'flush' };

const pushStep: fc.Arbitrary<PushStep> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      do: fc.constant('park' as const),
      kind: fc.constantFrom<PushKind>('push', 'pushAll', 'select', 'select2'),
      sig: fc.integer({ min: -1, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('abort' as const), k: fc.nat(2) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      do: fc.constant('take' as const),
      kind: fc.constantFrom<TakeKind>('tryPull', 'pullNowait', 'pull', 'pullMany', 'select', 'selectNowait', 'next'),
      max: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant<PushStep>({ do: 'takeOther' }) },
  { weight: 1, arbitrary: fc.constant<PushStep>({ do: 'flush' }) },
);

describe('parked pushes are served oldest first (property)', () => {
  test('values come out of a full channel as buffered, then from its oldest parked pushes not aborted, whatever kind of operation parked them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 3),
        fc.array(pushStep, { minLength: 1, maxLength: 30 }),
        async (capacity, steps) => {
          const x = new Channel<number>(capacity, { name: 'x' });
          const y = new Channel<number>(0, { name: 'y' });
          let controllers = [new AbortController(), new AbortController(), new AbortController()];
          interface Pusher {
            readonly value: number;
            readonly kind: PushKind;
            readonly sig: number;
            expected: 'committed' | { aborted: unknown } | 'left through y' | 'pending';
            actual: 'committed' | { aborted: unknown } | { other: unknown } | 'pending';
          }
          // The model: the buffer (committed values, full from the start) and the parked pushes.
          const buffer: number[] = [];
          for (let i = 0; i < capacity; i++) {
            x.pushNowait(-1 - i);
            buffer.push(-1 - i);
          }
          const parked: Pusher[] = [];
          const all: Pusher[] = [];
          const taken: number[] = [];
          const expectedTaken: number[] = [];
          /** Takes the next value in the model: buffer first, refilled from the oldest parked push. */
          const modelTake = (): number | undefined => {
            let value: number | undefined;
            if (buffer.length > 0) value = buffer.shift();
            else {
              const pusher = parked.shift();
              if (pusher) {
                pusher.expected = 'committed';
                value = pusher.value;
              }
            }
            while (buffer.length < capacity && parked.length > 0) {
              const pusher = parked.shift()!;
              pusher.expected = 'committed';
              buffer.push(pusher.value);
            }
            return value;
          };
          let next = 1;
          for (const step of steps) {
            switch (step.do) {
              case 'park': {
                const signal = step.sig < 0 ? undefined : controllers[step.sig]!.signal;
                const pusher: Pusher = {
                  value: next++,
                  kind: step.kind,
                  sig: step.sig,
                  expected: 'pending',
                  actual: 'pending',
                };
                const ok = () => {
                  pusher.actual = 'committed';
                };
                const failed = (error: unknown) => {
                  pusher.actual = signal?.aborted && error === signal.reason ? { aborted: error } : { other: error };
                };
                const options = { signal };
                switch (step.kind) {
                  case 'push':
                    x.push(pusher.value, options).then(ok, failed);
                    break;
                  case 'pushAll':
                    x.pushAll([pusher.value], options).then(ok, failed);
                    break;
                  case 'select':
                  case 'select2':
                    select(
                      step.kind === 'select' ? [push(x, pusher.value)] : [push(x, pusher.value), pull(y)],
                      options,
                    ).then((result) => (result.index === 0 ? ok() : failed(result)), failed);
                    break;
                }
                all.push(pusher);
                // Room in the buffer (a take made some): it commits at once instead of parking.
                if (buffer.length < capacity) {
                  buffer.push(pusher.value);
                  pusher.expected = 'committed';
                } else parked.push(pusher);
                break;
              }
              case 'abort': {
                const controller = controllers[step.k]!;
                controllers = controllers.map((c, i) => (i === step.k ? new AbortController() : c));
                const reason = new Error(`abort ${step.k}`);
                controller.abort(reason);
                for (const pusher of parked.filter((p) => p.sig === step.k)) {
                  pusher.expected = { aborted: reason };
                  parked.splice(parked.indexOf(pusher), 1);
                }
                break;
              }
              case 'take': {
                // Only while a value is there: the operation takes it now.
                if (buffer.length + parked.length === 0) break;
                const count = step.kind === 'pullMany' ? Math.min(step.max, buffer.length + parked.length) : 1;
                for (let i = 0; i < count; i++) expectedTaken.push(modelTake()!);
                const got = (value: unknown) => taken.push(value as number);
                switch (step.kind) {
                  case 'tryPull':
                    got(x.tryPull());
                    break;
                  case 'pullNowait':
                    got(x.pullNowait());
                    break;
                  case 'pull':
                    await x.pull().then(got);
                    break;
                  case 'pullMany':
                    taken.push(...(await x.pullMany(step.max)));
                    break;
                  case 'select':
                    await select([pull(x)]).then((result) => got(result.value));
                    break;
                  case 'selectNowait':
                    got(selectNowait([pull(x)])?.value);
                    break;
                  case 'next':
                    await x[Symbol.asyncIterator]()
                      .next()
                      .then((result) => got(result.value));
                    break;
                }
                break;
              }
              case 'takeOther': {
                // y's only pushes are the select2 cases' pulls: the oldest select2 leaves through y.
                const oldest = parked.find((p) => p.kind === 'select2');
                expect(y.tryPush(0)).toBe(oldest !== undefined);
                if (oldest !== undefined) {
                  parked.splice(parked.indexOf(oldest), 1);
                  oldest.expected = 'left through y';
                }
                break;
              }
              case 'flush':
                await flush();
                break;
            }
          }
          await flush(20);
          expect(taken).toEqual(expectedTaken);
          for (const pusher of all) {
            const label = `push of ${pusher.value} (${pusher.kind})`;
            if (pusher.expected === 'left through y') {
              expect(pusher.actual, label).toMatchObject({ other: { index: 1, ok: true } });
            } else expect(pusher.actual, label).toEqual(pusher.expected);
          }
          expect(x.stats().waitingPushers).toBe(parked.length);
          expect(x.size).toBe(buffer.length);
          x.close();
          y.close();
          await flush(20);
          for (const pusher of parked) expect(pusher.actual, `push of ${pusher.value} after close`).not.toBe('pending');
          expect([x.stats().waitingPushers, y.stats().waitingPullers]).toEqual([0, 0]);
          for (const controller of controllers) controller.abort();
        },
      ),
      { numRuns: 400 },
    );
  });
});
