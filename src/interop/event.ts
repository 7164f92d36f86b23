/**
 * `fromEvent`: DOM (or any `EventTarget`) events as a channel.
 */
import { type Channel, type Overflow, refuseThenable } from '../channel.js';
import { unwatch, watch } from '../signals.js';
import { hold } from '../waiters.js';
import { checkOptions, describe } from './check.js';
import { ReleasingChannel } from './releasing-channel.js';

/** Options of {@link fromEvent}. */
export interface FromEventOptions {
  /** The channel's capacity (default `1`). */
  capacity?: number | undefined;
  /**
   * What happens to an event that finds the buffer full (default `'drop-oldest'`: the latest
   * event wins, the usual need for pointer moves and input). `'block'` keeps every event,
   * queued as parked pushes, however far the consumer falls behind — while the channel is
   * open: closing it (or aborting `signal`) discards the events beyond the buffer, as closing
   * fails any parked push.
   */
  overflow?: Overflow | undefined;
  /** Stops listening and closes the channel. */
  signal?: AbortSignal | undefined;
  /**
   * Passed to `addEventListener` (and `capture` to `removeEventListener`). Spelled out rather
   * than `AddEventListenerOptions`, which only the DOM library declares: a Worker or Node
   * project compiles without it. A `signal` here is a `TypeError`: give it as `options.signal`,
   * which also closes the channel.
   */
  listenerOptions?:
    | {
        /** Listen in the capture phase. */
        capture?: boolean | undefined;
        /** Promise not to call `preventDefault()`. */
        passive?: boolean | undefined;
        /**
         * Take one event, then close the channel (after that event is committed: with
         * `'block'` and a full buffer, once a pull made room for it), as `addEventListener`'s
         * `once` removes the listener after one call.
         */
        once?: boolean | undefined;
      }
    | undefined;
}

declare global {
  /**
   * lib.dom's map of the events that every element, document and window dispatches (`focusin`,
   * `compositionend`, `error` as an `ErrorEvent`, …). Declared empty here so that
   * {@link EventOf} compiles without the DOM library, where it then adds nothing; with it, this
   * merges with lib.dom's declaration.
   */
  interface GlobalEventHandlersEventMap {}
  /**
   * lib.dom's map of the progress events of an `XMLHttpRequest` and its `upload`, typed there
   * with the target (`ProgressEvent<XMLHttpRequestEventTarget>`) where their `on<type>` handlers
   * take a bare `ProgressEvent`. Declared empty for the same reason as the map above.
   */
  interface XMLHttpRequestEventTargetEventMap {}
}

/** The event the target's own `on<type>` handler property takes, or `never`. */
type HandlerEvent<Target, Type extends string> = Target extends { readonly [K in `on${Type}`]?: infer Handler }
  ? NonNullable<Handler> extends (this: never, event: infer E, ...rest: never[]) => unknown
    ? [E] extends [Event]
      ? E
      : never
    : never
  : never;

/**
 * The event type a target dispatches for `type`, as `addEventListener` types it: read from the
 * target's own `on<type>` handler property — `KeyboardEvent` for an element's `'keydown'`,
 * `MessageEvent` for a `WebSocket`'s or a `window`'s `'message'` — and, for an element, a
 * document or a window (a target with the DOM's global event handlers), from lib.dom's
 * `GlobalEventHandlersEventMap` for the entries without such a handler (`focusin`, `focusout`,
 * `composition*`, and `error`, an `ErrorEvent`, whose handler also takes a string), and for an
 * `XMLHttpRequest` or its `upload`, from lib.dom's `XMLHttpRequestEventTargetEventMap`, whose
 * `ProgressEvent`s name their target where the handlers' do not. So it follows
 * the target's event map without naming `HTMLElementEventMap`, `WindowEventMap`, … (they exist
 * only with the DOM library). A union of types gives the union of their events. `Event`
 * otherwise: a plain `EventTarget`, a custom event type — name the type yourself for those.
 */
export type EventOf<Target, Type extends string> = Type extends string // each member of a union of types
  ? Target extends { readonly ontimeout: unknown; readonly onloadend: unknown; readonly onprogress: unknown }
    ? Type extends keyof XMLHttpRequestEventTargetEventMap
      ? XMLHttpRequestEventTargetEventMap[Type] // an XMLHttpRequest's, or its upload's
      : HandlersEvent<Target, Type>
    : HandlersEvent<Target, Type>
  : never;

/** {@link EventOf} for one type, from the target's handlers (and the global handlers' map). */
type HandlersEvent<Target, Type extends string> = [HandlerEvent<Target, Type>] extends [never]
  ? Target extends { readonly onfocus: unknown; readonly onkeydown: unknown }
    ? Type extends keyof GlobalEventHandlersEventMap
      ? GlobalEventHandlersEventMap[Type]
      : Event
    : Event
  : HandlerEvent<Target, Type>;

/**
 * A channel of the `type` events dispatched at `target` — by default a conflated channel
 * (capacity 1, `'drop-oldest'`) that always holds the latest event — named `fromEvent(type)`.
 *
 * The listener is removed, and the channel closed, when `signal` aborts; closing the channel
 * yourself removes the listener too. Either way buffered events stay readable. A browser's
 * `MessagePort` is started for `'message'`, as setting `onmessage` would (it delivers nothing
 * to listeners before `start()`). The event is committed during its dispatch; a consumer
 * already waiting runs after the dispatch of a script-dispatched event, but during the dispatch
 * of real input (after this listener): call `preventDefault()` in a listener of your own, and
 * don't rely on it from the consumer either way. The channel is
 * created with `input: true`: debug mode shows waiting on it as waiting for input.
 *
 * The element type follows the target's event map: `fromEvent(input, 'keydown')` is a
 * `Channel<KeyboardEvent>` (see {@link EventOf}); give the type yourself for other events:
 * `fromEvent<CustomEvent<string>>(bus, 'note')`.
 *
 * @throws {TypeError} if `target` has no `addEventListener`/`removeEventListener`, `type` is not
 *   a string, `options` is not an object (or is an `AbortSignal`: pass `{ signal }`), `signal`
 *   is not an `AbortSignal`, `capacity` is not a number, `overflow` is not a known policy, or
 *   `listenerOptions` is not an object or has a `signal` (give it as `options.signal`).
 * @throws {RangeError} if `capacity` is negative, `NaN` or fractional, or 0 with a drop policy —
 *   the default `'drop-oldest'` too: for capacity 0, give `overflow: 'block'`.
 * @example
 * ```ts
 * import { fromEvent } from 'chanasync';
 *
 * const input = document.querySelector('input')!;
 * const controller = new AbortController();
 * for await (const event of fromEvent(input, 'keydown', { signal: controller.signal })) {
 *   if (event.key === 'Enter') console.log('search', input.value); // event: KeyboardEvent
 * }
 * ```
 */
export function fromEvent<Target extends EventTarget, Type extends string>(
  target: Target,
  type: Type,
  options?: FromEventOptions,
): Channel<EventOf<Target, Type>>;
/**
 * {@inheritDoc fromEvent}
 *
 * This form names the event type `E` of the channel yourself.
 */
export function fromEvent<E extends Event>(target: EventTarget, type: string, options?: FromEventOptions): Channel<E>;
export function fromEvent(target: EventTarget, type: string, options?: FromEventOptions): Channel<Event> {
  const call = 'fromEvent(target, type, options)';
  if (
    typeof (target as EventTarget | null)?.addEventListener !== 'function' ||
    typeof target.removeEventListener !== 'function'
  ) {
    throw new TypeError(`${call}: target is not an EventTarget, got ${describe(target)}`);
  }
  if (typeof type !== 'string') throw new TypeError(`${call}: type must be a string, got ${describe(type)}`);
  const signal = checkOptions(call, options);
  const overflow = options?.overflow ?? 'drop-oldest';
  const listenerOptions = listening(call, options?.listenerOptions);
  const once = !!listenerOptions?.once;
  const listener = (event: Event) => {
    // A thenable event (a duck-typed target's promise, an Event subclass with a `then`) is a
    // value no channel takes: the channel ends with that TypeError, which names this call — not
    // the event lost in silence ('block', or with `once` a consumer waiting for ever) nor a
    // `tryPush` error thrown into the dispatcher (the drop modes). Audit BF-W1.
    try {
      refuseThenable(event, call);
    } catch (error) {
      channel.close(error);
      return;
    }
    // A drop policy never refuses an open channel; 'block' parks the event in line (closing
    // discards it, so `once` closes after the commit). `tryPush`, not `pushNowait`: a DOM that
    // calls a listener removed during the dispatch (happy-dom) may call this one after an
    // earlier listener closed the channel, and the event must then be ignored, not thrown out
    // of `dispatchEvent`.
    if (overflow === 'block') channel.push(event).then(once ? () => channel.close() : undefined, () => {});
    else if (channel.tryPush(event) && once) channel.close();
  };
  // Its signal watches the channel as it watches parked operations (`signals.ts`): one `abort`
  // listener per signal, however many event channels share it. The target's listener holds
  // the channel while the target lives, and the watch while a pull waits on it (`hold`).
  // The constructor checks capacity and overflow, naming this call, before any listener is added.
  const channel: ReleasingChannel<Event> = new ReleasingChannel<Event>(
    options?.capacity ?? 1,
    { overflow, name: `fromEvent(${type})`, input: true, callName: call },
    () => {
      // The signal first: a target whose removeEventListener throws (a buggy wrapper) must
      // not leave the signal's listener behind, nor make close() throw — the listener it
      // keeps finds the channel closed and ignores its events.
      if (channel.ref) unwatch(signal as AbortSignal, channel.ref);
      try {
        target.removeEventListener(type, listener, listenerOptions);
      } catch {}
    },
  );
  if (signal?.aborted) {
    channel.close();
    return channel;
  }
  try {
    target.addEventListener(type, listener, listenerOptions);
    // A browser's MessagePort delivers nothing to `addEventListener` listeners until `start()`
    // (setting `onmessage` starts it implicitly): start it, as `onmessage` would, or a loop over
    // `fromEvent(port, 'message')` would wait forever. (The tag, not `instanceof`: a port from
    // another frame is a MessagePort too; not String(target), which a target of our own may
    // define or lack. Node's ports start themselves.)
    if (type === 'message' && Object.prototype.toString.call(target) === '[object MessagePort]') {
      (target as unknown as { start(): void }).start();
    }
    // Not when `addEventListener` (user code) already closed the channel — a listener added
    // with `once` that the target called at once — nor when it aborted the signal, whose
    // `abort` event is then over: closed now instead, as for a signal aborted before.
    if (signal && !channel.isClosed) {
      if (signal.aborted) channel.close();
      else {
        channel.ref = watch(signal, channel);
        // Told whenever a pull parks (and room is freed) and, once `hold` marked it LEAVES,
        // whenever one leaves.
        channel.feed = () => hold(channel);
      }
    }
  } catch (error) {
    // A target or signal that throws here (a duck-typed signal's `addEventListener`): close,
    // which removes the listener and the watch, so that nothing is left behind the throw.
    channel.close();
    throw error;
  }
  return channel;
}

/**
 * The listener options `fromEvent` passes on: `capture`, `passive` and `once` (the platform then
 * removes the listener after one event, and the listener closes the channel). Not a `signal`:
 * the platform would remove the listener on abort and leave the channel open for ever.
 */
function listening(
  call: string,
  given: FromEventOptions['listenerOptions'] | null,
): { capture?: boolean; passive?: boolean; once?: boolean } | undefined {
  if (given === undefined) return undefined;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError(`${call}: options.listenerOptions must be an object, got ${describe(given)}`);
  }
  if ((given as { signal?: unknown }).signal !== undefined) {
    throw new TypeError(`${call}: options.listenerOptions.signal is not supported: pass options.signal`);
  }
  // (An option given as `undefined` is as good as absent for addEventListener; the DOM's types
  // just do not say so under exactOptionalPropertyTypes.) `once` is read as the platform reads
  // it, truthy: `once: 1` removes the listener after one event, so it must close the channel too.
  return { capture: given.capture, passive: given.passive, once: given.once } as never;
}
