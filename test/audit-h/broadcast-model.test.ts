/**
 * Audit H: `broadcast` against a plain-array model, step by step (SPEC "Broadcast and ticker").
 *
 * The broadcast moves a value from its source into every subscriber in one synchronous step,
 * so once the promise reactions of a step have run, the real channels must equal a model where:
 * the broadcast takes the source's next value (its buffer's head, a parked push's value moving
 * up, or a parked push's value) only while it is open, has a subscriber, and every `'block'`
 * subscriber has room (a parked pull or a free slot); it hands the value to each subscriber (its
 * oldest parked pull, else its buffer, else its drop policy); once the source is closed and
 * drained it closes every subscriber with the source's reason; `broadcast.close()` closes them
 * and takes nothing more; a subscriber leaves when closed or when its signal aborts. Random
 * steps: pushes into the source (`push`, parked when it is full, and `tryPush`), another
 * consumer's `tryPull` on the source, `subscribe` (capacity 0, 1, 2 or Infinity, each overflow,
 * with or without a signal), `pull` / `tryPull` / `pullMany` on a subscriber, closing a
 * subscriber (with a reason or not), aborting its signal, `broadcast.close()` and the source's
 * `close()` / `close(reason)`. Every operation's outcome and every channel's size and `closed`
 * are compared after every step; at the end every pull must have settled once everything is
 * closed and their readers drained them, every subscriber is closed and every operation settled.
 * (The model hands every value to every subscriber present, so the step-by-step comparison is
 * the check that each one receives every value taken after it subscribed, in order.)
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, type Overflow } from '../../src/index.js';

type Step =
  | { readonly do: 'push' | 'tryPush' | 'sourceTryPull' | 'hubClose' }
  | { readonly do: 'sourceClose'; readonly withReason: boolean }
  | {
      readonly do: 'subscribe';
      readonly capacity: number;
      readonly overflow: Overflow;
      readonly withSignal: boolean;
    }
  | { readonly do: 'pull' | 'tryPull' | 'abort'; readonly k: number }
  | { readonly do: 'pullMany'; readonly k: number; readonly max: number }
  | { readonly do: 'close'; readonly k: number; readonly withReason: boolean };

const k = fc.nat(5);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Step>({ do: 'push' }, { do: 'tryPush' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'sourceTryPull' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'hubClose' }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('sourceClose' as const), withReason: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(0, 1, 2, Infinity).chain((capacity) =>
      fc.record({
        do: fc.constant('subscribe' as const),
        capacity: fc.constant(capacity),
        overflow:
          capacity === 0 || capacity === Infinity
            ? fc.constant<Overflow>('block')
            : fc.constantFrom<Overflow>('block', 'drop-oldest', 'drop-newest'),
        withSignal: fc.boolean(),
      }),
    ),
  },
  { weight: 6, arbitrary: fc.record({ do: fc.constantFrom('pull' as const, 'tryPull' as const), k }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('pullMany' as const), k, max: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('abort' as const), k }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('close' as const), k, withReason: fc.boolean() }) },
);

/** A subscriber in the model. */
interface Sub {
  readonly capacity: number;
  readonly overflow: Overflow;
  readonly buffer: number[];
  /** Parked pulls (operation ids), oldest first; a pullMany's id is marked in `many`. */
  readonly pulls: number[];
  /** Every value the broadcast handed it, in order (including those its policy dropped). */
  readonly handed: number[];
  readonly dropped: number[];
  closed: boolean;
  reason: unknown;
  left: boolean;
}

/** An operation's outcome, as a label: the same words on both sides. */
type Outcomes = Map<number, string>;

class Model {
  readonly buffer: number[] = [];
  /** Parked pushes into the source: [operation id, value]. */
  readonly pushers: [number, number][] = [];
  closed = false;
  reason: unknown;
  hubClosed = false;
  hubReason: unknown;
  readonly subs: Sub[] = [];
  readonly outcomes: Outcomes = new Map();
  readonly many = new Set<number>();

  constructor(readonly capacity: number) {}

  present(): Sub[] {
    return this.subs.filter((s) => !s.left);
  }

  ready(): boolean {
    const present = this.present();
    return (
      !this.hubClosed &&
      present.length > 0 &&
      present.every((s) => s.overflow !== 'block' || s.pulls.length > 0 || s.buffer.length < s.capacity)
    );
  }

  /** The source's commit point of a pull: the value, or undefined. */
  takeFromSource(): number | undefined {
    const pusher = this.pushers.shift();
    if (pusher) {
      this.outcomes.set(pusher[0], 'resolved');
      this.buffer.push(pusher[1]);
    }
    return this.buffer.shift();
  }

  deliver(value: number): void {
    for (const sub of this.present()) {
      sub.handed.push(value);
      const pull = sub.pulls.shift();
      if (pull !== undefined)
        this.outcomes.set(pull, this.many.has(pull) ? `resolved [${value}]` : `resolved ${value}`);
      else if (sub.buffer.length < sub.capacity) sub.buffer.push(value);
      else if (sub.overflow === 'drop-oldest') {
        sub.dropped.push(sub.buffer.shift()!);
        sub.buffer.push(value);
      } else if (sub.overflow === 'drop-newest') sub.dropped.push(value);
      else throw new Error('the model delivered to a block subscriber without room');
    }
  }

  pump(): void {
    while (this.ready()) {
      const value = this.takeFromSource();
      if (value === undefined) break;
      this.deliver(value);
    }
    if (this.closed && this.buffer.length === 0) this.end(this.reason);
  }

  end(reason: unknown): void {
    if (this.hubClosed) return;
    this.hubClosed = true;
    this.hubReason = reason;
    for (const sub of this.present()) this.closeSub(sub, reason);
  }

  closeSub(sub: Sub, reason: unknown): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.reason = reason;
    sub.left = true;
    for (const pull of sub.pulls.splice(0)) this.outcomes.set(pull, closedLabel(reason));
    this.pump();
  }

  /** A push into the source: committed (delivered at once or buffered), refused, or parked. */
  push(id: number, value: number, wait: boolean): void {
    if (this.closed) {
      this.outcomes.set(id, wait ? closedLabel(this.reason) : 'false');
      return;
    }
    const done = wait ? 'resolved' : 'true';
    if (this.buffer.length === 0 && this.pushers.length === 0 && this.ready()) {
      this.outcomes.set(id, done);
      this.deliver(value);
      this.pump();
    } else if (this.buffer.length < this.capacity) {
      this.outcomes.set(id, done);
      this.buffer.push(value);
      this.pump();
    } else if (wait) {
      this.pushers.push([id, value]);
      this.outcomes.set(id, 'pending');
    } else {
      this.outcomes.set(id, 'false');
    }
  }
}

function closedLabel(reason: unknown): string {
  return `ChannelClosedError (cause ${String(reason)})`;
}

function label(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(',')}]` : String(value);
}

async function flush(): Promise<void> {
  for (let i = 0; i < 12; i++) await Promise.resolve();
}

test('broadcast equals the plain-array model after every step, and subscribers that stay get every value taken after they subscribed', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 1, 3, Infinity),
      fc.array(stepArb, { maxLength: 40 }),
      async (capacity, steps) => {
        const model = new Model(capacity);
        const source = new Channel<number>(capacity);
        const hub = broadcast(source);
        const subs: { channel: Channel<number>; controller: AbortController | undefined }[] = [];
        const observed: Outcomes = new Map();
        const history: string[] = [];
        let id = 0;
        const track = (op: number, promise: Promise<unknown>) => {
          observed.set(op, 'pending');
          promise.then(
            (value) => observed.set(op, value === undefined ? 'resolved' : `resolved ${label(value)}`),
            (error: unknown) =>
              observed.set(
                op,
                error instanceof ChannelClosedError ? closedLabel(error.cause) : `rejected ${String(error)}`,
              ),
          );
        };
        const run = async (step: Step) => {
          const op = ++id;
          history.push(`#${op} ${JSON.stringify(step)}`);
          const live =
            step.do === 'pull' ||
            step.do === 'tryPull' ||
            step.do === 'pullMany' ||
            step.do === 'close' ||
            step.do === 'abort';
          const index = live && subs.length ? step.k % subs.length : -1;
          if (live && index < 0) return;
          // Another consumer of the source only while the broadcast is not held back by a full
          // subscriber: one that empties the source then goes unnoticed — a later close of the
          // source reaches the subscribers when the broadcast next looks (a subscriber's pull
          // parking or freeing room), as README "Semantic details" records; not modelled.
          if (step.do === 'sourceTryPull' && (model.closed || (model.present().length && !model.ready()))) return;
          const sub = model.subs[index]!;
          const real = subs[index]!;
          switch (step.do) {
            case 'push':
              model.push(op, op, true);
              track(op, source.push(op));
              break;
            case 'tryPush':
              model.push(op, op, false);
              observed.set(op, String(source.tryPush(op)));
              break;
            case 'sourceTryPull': {
              const value = model.takeFromSource();
              if (value === undefined && model.closed) model.pump();
              model.outcomes.set(op, String(value));
              observed.set(op, String(source.tryPull()));
              break;
            }
            case 'sourceClose': {
              const reason = step.withReason ? `reason#${op}` : undefined;
              if (!model.closed) {
                model.closed = true;
                model.reason = reason;
                for (const [pusher] of model.pushers.splice(0)) model.outcomes.set(pusher, closedLabel(reason));
                // With no subscriber the broadcast is not waiting on the source: it learns of
                // the end at its next look (a subscribe), so a broadcast.close() before that ends
                // it without the source's reason.
                if (model.present().length) model.pump();
              }
              source.close(reason);
              break;
            }
            case 'hubClose':
              model.end(undefined);
              hub.close();
              break;
            case 'subscribe': {
              const controller = step.withSignal ? new AbortController() : undefined;
              const added: Sub = {
                capacity: step.capacity,
                overflow: step.overflow,
                buffer: [],
                pulls: [],
                handed: [],
                dropped: [],
                closed: false,
                reason: undefined,
                left: false,
              };
              model.subs.push(added);
              if (model.hubClosed) {
                added.closed = true;
                added.left = true;
                added.reason = model.hubReason;
              } else model.pump();
              subs.push({
                channel: hub.subscribe({
                  capacity: step.capacity,
                  overflow: step.overflow,
                  signal: controller?.signal,
                }),
                controller,
              });
              break;
            }
            case 'pull':
            case 'pullMany': {
              if (step.do === 'pullMany') model.many.add(op);
              if (sub.buffer.length) {
                // One value at a time: each slot freed lets the broadcast refill it at once, as a
                // parked push's value moves up, so a pullMany takes the refills too.
                const values: number[] = [];
                while (sub.buffer.length && values.length < (step.do === 'pullMany' ? step.max : 1)) {
                  values.push(sub.buffer.shift()!);
                  model.pump();
                }
                model.outcomes.set(op, `resolved ${step.do === 'pullMany' ? `[${values}]` : values[0]}`);
              } else if (sub.closed) model.outcomes.set(op, closedLabel(sub.reason));
              else {
                sub.pulls.push(op);
                model.outcomes.set(op, 'pending');
                model.pump();
              }
              track(
                op,
                step.do === 'pull' ? real.channel.pull() : real.channel.pullMany((step as { max: number }).max),
              );
              break;
            }
            case 'tryPull': {
              const value = sub.buffer.shift();
              model.outcomes.set(op, String(value));
              if (value !== undefined) model.pump();
              observed.set(op, String(real.channel.tryPull()));
              break;
            }
            case 'close': {
              const reason = step.withReason ? `closed#${op}` : undefined;
              model.closeSub(sub, reason);
              real.channel.close(reason);
              break;
            }
            case 'abort':
              if (real.controller && !real.controller.signal.aborted) {
                model.closeSub(sub, undefined);
                real.controller.abort();
              }
              break;
          }
          await flush();
          const actual = {
            outcomes: Object.fromEntries(observed),
            source: { size: source.size, closed: source.closed, pushers: source.stats().waitingPushers },
            subs: subs.map(({ channel }) => ({ size: channel.size, closed: channel.closed })),
          };
          const expected = {
            outcomes: Object.fromEntries([...observed.keys()].map((op) => [op, model.outcomes.get(op)])),
            source: { size: model.buffer.length, closed: model.closed, pushers: model.pushers.length },
            subs: model.subs.map((s) => ({ size: s.buffer.length, closed: s.closed })),
          };
          if (!isDeepStrictEqual(actual, expected)) expect(actual, history.join('\n')).toEqual(expected);
        };
        for (const step of steps) await run(step);
        // The end: the source closes, the subscribers' readers drain them (which lets the
        // broadcast take the rest of the source); every subscriber closes, every operation settles.
        await run({ do: 'sourceClose', withReason: true });
        for (let round = 0; round < 100 && !model.subs.every((s) => s.closed && !s.buffer.length); round++) {
          for (const [k, s] of model.subs.entries())
            if (!s.closed || s.buffer.length) await run({ do: s.pulls.length ? 'tryPull' : 'pull', k });
        }
        expect(subs.every(({ channel }) => channel.closed && channel.size === 0)).toBe(true);
        expect([...observed.entries()].filter(([, o]) => o === 'pending')).toEqual([]);
      },
    ),
    { numRuns: Number(process.env.MODEL_RUNS) || 2000 },
  );
}, 120_000);
