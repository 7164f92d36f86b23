/**
 * The transport under `toPort` and `fromPort`: one {@link Endpoint} per port object, shared by
 * every stream on it, that listens once, checks origins, tells port messages from everything
 * else and hands each to the stream of its name; and {@link Stream}, the part both ends share —
 * posting, and the heartbeat that detects a context that died.
 *
 * Why a heartbeat: a context that goes away (a terminated Worker, a removed iframe, a closed
 * tab) says nothing. (A window port is the exception: a removed iframe's or a closed popup's
 * window reads `closed`, which every tick checks — so a stream to it ends within a tick, even
 * one still pairing.) The `MessagePort` `close` event would, but it is not reliable (Chromium
 * 156 did not fire it for a terminated worker's port), so it is only a fast path where it fires.
 * Every {@link TICK_MS}, a stream that has heard nothing from its peer for {@link PING_AFTER_MS}
 * posts `ping`; a `ping` is answered with `pong` at once, from the message handler — so a peer
 * whose timers are throttled (a hidden tab) still answers promptly. A stream that has heard
 * nothing for {@link GONE_AFTER_MS} declares its peer gone.
 *
 * A peer that blocks its event loop longer than that is declared gone too — it cannot be told
 * apart from a dead one. Two rules keep that from delivering a value twice (committed by the
 * peer when it wakes up *and* returned as undelivered):
 * - A receiver that has posted nothing for {@link STALE_AFTER_MS} (its loop was blocked, or
 *   its context frozen: a running receiver posts at least every {@link PING_AFTER_MS} and a
 *   half, a `credit` per batch, a `pong` per `ping`, or a `ping` of its own) commits nothing
 *   more until its sender proves it still runs the stream — a `pong` echoing the nonce of a
 *   `ping` the receiver posts then — checking when a batch arrives and at each tick, before a
 *   `credit` is posted, and before it answers a `ping` (the answer is a post too). Its sender
 *   may have given up and counted the values posted meanwhile as undelivered: then its
 *   aborting `end` arrives before any answer, or no answer comes, and the receiver closes as if
 *   the sender were gone, its `closed` giving the exact count.
 *   ({@link STALE_AFTER_MS} is well below {@link GONE_AFTER_MS}: a sender never gives up on a
 *   receiver that still commits.)
 * - A stream whose own timer ran late (its event loop was blocked, so replies may be waiting
 *   in the queue), or ran right after its previous tick with no microtask checkpoint between
 *   them (a fake clock advanced synchronously), does not declare its peer gone on that tick;
 *   after a block it counts its peer's silence afresh (less one heartbeat, so it pings at once):
 *   the peer, frozen and resumed with it, gets {@link GONE_AFTER_MS} less one heartbeat to
 *   answer, not the one tick a busy machine can miss.
 *
 * A message the platform could not deserialize here fires `messageerror` instead of `message`
 * (and the next messages still arrive): the endpoint listens to it too, and has each receiver
 * ping its sender, whose `pong` says how many values it posted — see "Lost messages" in
 * protocol.ts.
 */
import { isPortMessage, PORT_SOURCE, PORT_VERSION, type PortMessage } from './protocol.js';

/**
 * Anything that carries messages both ways: a `MessagePort` (of a `MessageChannel`, or a
 * `SharedWorker`'s `port`), a `Worker`, a worker's global scope (`self`), or a `Window` — then
 * the port is the *other* window (`iframe.contentWindow`, `window.parent`); messages from it
 * are heard on this context's own global, and must come from the expected origin.
 *
 * @example
 * ```ts
 * import type { PortLike } from 'chanasync/port';
 *
 * const ports: PortLike[] = [new MessageChannel().port1, new Worker('./w.js'), window.parent];
 * ```
 */
export interface PortLike {
  /**
   * Posts one message to the other side (a `Window` also gets the target origin; a transfer
   * list comes last).
   */
  postMessage(message: unknown, ...rest: any[]): void;
  /**
   * Where the other side's messages arrive — but for a `Window` as port, whose messages arrive
   * on this context's own global (every `Window` type has it all the same). Required, as the
   * runtime requires it: an object that can post but not be listened to (a Node
   * `worker_threads` `Worker`, an EventEmitter; a service worker's `Client`) is refused at
   * compile time, not only by the call.
   */
  addEventListener(type: 'message', listener: PortListener): void;
  /**
   * Removes a listener added with `addEventListener`. Optional for a hand-made port: without
   * it, the port's one listener stays added once its streams ended, and ignores what comes.
   */
  removeEventListener?(type: 'message', listener: PortListener): void;
}

/**
 * A `message` listener as `addEventListener` takes it — the DOM's
 * `EventListenerOrEventListenerObject`, spelled so that the declarations compile without the
 * DOM library (in Node, say).
 */
export type PortListener = ((event: any) => void) | { handleEvent(event: any): void };

/**
 * What `transfer` lists: `ArrayBuffer`s, `MessagePort`s, streams… — the platform's
 * `Transferable`, spelled so that the declarations compile without the DOM library.
 */
export type TransferableValue = object;

/** How often each stream's timer runs. */
export const TICK_MS = 500;
/**
 * The heartbeat period: a stream that heard nothing from its peer for this long (1000 ms)
 * posts `ping`, which the peer answers at once.
 */
export const PING_AFTER_MS = 1000;
/** A receiver that posted nothing for this long when a batch arrives refuses it (see above). */
export const STALE_AFTER_MS = 3000;
/**
 * A stream that heard nothing from its peer for this long (5000 ms) declares it gone: `toPort`
 * resolves with what was not delivered, and a `fromPort` channel closes with a `ChannelError`.
 * Checked every 500 ms, so a dead context is detected 5 to 5.5 s after its last message.
 */
export const GONE_AFTER_MS = 5000;
/** A tick that comes this late after the previous one means the event loop was blocked. */
const LATE_TICK_MS = 2000;

/** `performance.now()`: monotonic, unlike `Date.now()`. */
const now = (): number => performance.now();

/** Whether `port` is a window (cross-origin safe: `window` may be read on any WindowProxy). */
export function isWindow(port: PortLike): boolean {
  try {
    return (port as { window?: unknown }).window === port;
  } catch {
    return false;
  }
}

/**
 * The origin a window stream checks messages against and posts to, from the `origin` option as
 * written: `'*'` as is; `'/'` (`postMessage`'s "this window's origin") as this context's own
 * origin; anything else as the origin of the URL it parses to, as `postMessage` reads a target
 * origin — so `'https://App.example/'`, `'https://app.example:443'` and `'https://app.example'`
 * are one origin, and match a message's `origin`. Throws a `TypeError` naming `caller` for a
 * value that is no URL, or whose origin is opaque (`'null'`: such a window is reached only with
 * `'*'`) — otherwise the stream would silently never pair.
 */
export function windowOrigin(origin: string, caller: string): string {
  if (origin === '*') return origin;
  let parsed = 'null';
  try {
    parsed =
      origin === '/'
        ? ((globalThis as { location?: { origin?: string } }).location?.origin ?? 'null')
        : new URL(origin).origin;
  } catch {
    // Not a URL: refused below.
  }
  if (parsed === 'null') {
    throw new TypeError(`${caller}: origin must be '*' or an origin such as 'https://app.example', got '${origin}'`);
  }
  return parsed;
}

/** Whether the window `port` is closed (discarded): a removed iframe's, a closed popup's. */
function isClosedWindow(port: PortLike): boolean {
  try {
    return (port as { closed?: unknown }).closed === true;
  } catch {
    return false;
  }
}

/** The endpoint of each port object in use. */
const endpoints = new WeakMap<object, Endpoint>();

/**
 * The endpoint of `port`, created on first use. Throws a `TypeError` naming `caller` when the
 * port cannot carry messages both ways.
 */
export function endpointOf(port: PortLike, caller: string): Endpoint {
  if ((typeof port !== 'object' && typeof port !== 'function') || port === null) {
    throw new TypeError(`${caller}: port must be a MessagePort, a Worker, a Window or an object with postMessage`);
  }
  let endpoint = endpoints.get(port);
  if (endpoint === undefined) {
    if (typeof port.postMessage !== 'function') {
      // Objects a newcomer gives in place of a port: a SharedWorker (its `port` is one), a
      // MessageChannel (each side takes one of its ports), an iframe element (its window is one).
      const posts = (value: unknown): boolean =>
        typeof (value as { postMessage?: unknown })?.postMessage === 'function';
      const parts = port as { port?: unknown; port1?: unknown; contentWindow?: unknown };
      const hint = posts(parts.port)
        ? ' (a SharedWorker? Give its port: sharedWorker.port)'
        : posts(parts.port1)
          ? ' (a MessageChannel? Give one of its ports here, the other to the other side)'
          : 'contentWindow' in parts
            ? ' (an iframe element? Give its contentWindow)'
            : '';
      throw new TypeError(`${caller}: port has no postMessage${hint}`);
    }
    // A ServiceWorker (`navigator.serviceWorker.controller`) takes messages, but its answers
    // arrive on `navigator.serviceWorker`, never on it: a stream over it would wait for ever.
    const serviceWorker = (globalThis as { ServiceWorker?: unknown }).ServiceWorker;
    if (typeof serviceWorker === 'function' && port instanceof serviceWorker) {
      throw new TypeError(
        `${caller}: port is a ServiceWorker, whose answers arrive on navigator.serviceWorker, not on it: post it one port of a MessageChannel and use the other`,
      );
    }
    const window = isWindow(port);
    const listen = (window ? globalThis : port) as Partial<EventTarget>;
    const where = window ? "port is a Window, but this context's global" : 'port';
    if (typeof listen.addEventListener !== 'function') {
      // Node's worker_threads Worker is an EventEmitter (`on`), not an EventTarget.
      const hint =
        typeof (listen as { on?: unknown }).on === 'function'
          ? ' (an EventEmitter, such as a Node worker_threads Worker? Give it a MessageChannel port, and use the other port, or parentPort, in the worker)'
          : '';
      throw new TypeError(`${caller}: ${where} has no addEventListener, so nothing can be heard from it${hint}`);
    }
    endpoint = new Endpoint(port, window, listen as EventTarget);
    endpoints.set(port, endpoint);
  }
  return endpoint;
}

/**
 * The shared listener of one port: dispatches port messages to the streams by name and
 * direction. It listens exactly while at least one stream is registered.
 */
export class Endpoint {
  /** Senders (`toPort`) by name. */
  readonly senders = new Map<string, Stream>();
  /** Receivers (`fromPort`) by name. */
  readonly receivers = new Map<string, Stream>();

  constructor(
    /** The port: where messages are posted. */
    readonly port: PortLike,
    /** Whether `port` is a window: post with a target origin, hear on our own global scope. */
    readonly window: boolean,
    /** Where messages are heard: `port`, or this context's global for a window. */
    private readonly listen: Pick<EventTarget, 'addEventListener'> & Partial<Pick<EventTarget, 'removeEventListener'>>,
  ) {}

  /** Whether the listener is added (it stays added on a port without `removeEventListener`). */
  private listening = false;

  /**
   * The listener, as a function: a hand-made port (an emitter that calls its listeners) need
   * not know `handleEvent` objects.
   */
  private readonly listener = (event: Event): void => this.handleEvent(event);

  /**
   * The listeners of the port's `close` and `messageerror`: functions of their own, so that
   * what fired is known from which was called, never read from what it was called with — an
   * emitter-style port hands the `message` listener the data itself, and an application's own
   * `{ type: 'close' }` is a foreign message, not the port closing.
   */
  private readonly closeListener = (): void => {
    for (const stream of [...this.senders.values(), ...this.receivers.values()]) stream.gone('its port closed');
  };
  private readonly messageErrorListener = (): void => {
    // Whose message it was is unknown (it may not even be a port message): each receiver asks.
    for (const stream of [...this.receivers.values()]) stream.messageError();
  };

  /** Throws a `TypeError` naming `caller` if a stream of `name` runs in this direction already. */
  checkFree(isSender: boolean, name: string, caller: string): void {
    if ((isSender ? this.senders : this.receivers).has(name)) {
      const role = isSender ? 'toPort' : 'fromPort';
      throw new TypeError(`${caller}: a ${role} stream named "${name}" is already open on this port`);
    }
  }

  /** Adds a stream; throws a `TypeError` naming `caller` if its name is taken in its direction. */
  add(stream: Stream, caller: string): void {
    const streams = stream.isSender ? this.senders : this.receivers;
    this.checkFree(stream.isSender, stream.name, caller);
    if (!this.listening) {
      this.listen.addEventListener('message', this.listener);
      try {
        // A MessagePort listened to with addEventListener delivers nothing until started.
        if (!this.window) (this.port as { start?: () => void }).start?.();
      } catch (error) {
        this.listen.removeEventListener?.('message', this.listener); // nothing left behind the throw
        throw error;
      }
      // Listening only now: a port whose addEventListener or start throws is not left deaf.
      this.listening = true;
      // `close` (MessagePort only, where it fires), and `messageerror` (a message that could not
      // be deserialized here: receivers ask their senders what they posted). PortLike promises
      // `message` alone: a hand-made port that refuses other types is heard without them.
      try {
        // Never `close` on a global (a window port, a worker's `self`): there it is any code's
        // `close` event — a bubbling one from a component, say — and no port closing. A window
        // that goes away is read from its `closed` at each tick instead (audit BA).
        if (this.listen !== globalThis) this.listen.addEventListener('close', this.closeListener);
        this.listen.addEventListener('messageerror', this.messageErrorListener);
      } catch {}
    }
    streams.set(stream.name, stream);
  }

  /** Removes a stream; stops listening once none is left. */
  remove(stream: Stream): void {
    const streams = stream.isSender ? this.senders : this.receivers;
    if (streams.get(stream.name) !== stream) return;
    streams.delete(stream.name);
    if (this.senders.size + this.receivers.size === 0 && typeof this.listen.removeEventListener === 'function') {
      this.listening = false;
      // A hand-made port whose removeEventListener throws leaves the listener (which ignores
      // messages for streams that left) but must not make a channel's close() throw.
      try {
        this.listen.removeEventListener('message', this.listener);
        this.listen.removeEventListener('close', this.closeListener);
        this.listen.removeEventListener('messageerror', this.messageErrorListener);
      } catch {}
    }
  }

  /** Posts `message`; to a window, only to `targetOrigin`. May throw (e.g. `DataCloneError`). */
  post(message: PortMessage, transfer: TransferableValue[] | undefined, targetOrigin: string): void {
    if (this.window) {
      if (transfer === undefined) this.port.postMessage(message, targetOrigin);
      else this.port.postMessage(message, targetOrigin, transfer);
    } else if (transfer === undefined) {
      this.port.postMessage(message);
    } else {
      this.port.postMessage(message, transfer);
    }
  }

  /**
   * The `message` listener. Anything that is not a port message is ignored. An
   * EventEmitter-style port — a user's adapter over a Node `worker_threads` `Worker`, whose
   * `on('message', listener)` hands the listener the data itself, not an event — is heard too:
   * a port message in place of the event is taken as it is (never from a window, whose events
   * carry the origin and source that must be checked).
   */
  handleEvent(event: Event): void {
    const read = this.read(event);
    if (read === undefined) return;
    const { message, origin } = read;
    let stream: Stream | undefined;
    switch (message.type) {
      case 'open':
      case 'values':
      case 'end':
        stream = this.receivers.get(message.name);
        break;
      case 'ready':
      case 'credit':
      case 'closed':
        stream = this.senders.get(message.name);
        break;
      default: {
        // ping and pong go to whichever stream of this name has that session. Over a port that
        // loops back to itself, the sender and the receiver of a name share it: a sender's
        // ping and pong say how many values it posted (`posted`), a receiver's never do.
        const sender = this.senders.get(message.name);
        const receiver = this.receivers.get(message.name);
        stream =
          sender?.session === message.session && (receiver?.session !== message.session || message.posted === undefined)
            ? sender
            : receiver;
      }
    }
    if (stream === undefined || !stream.accepts(origin)) return;
    // Only `open` (which binds) and `ready` may come from another session; an `open` of another
    // session is no sign of life of the peer a receiver is bound to. Nor is a message of the
    // session from another receiver of the name, on a port that reaches several contexts (a
    // `BroadcastChannel`): it kept a sender whose receiver died waiting for ever (audit AZ).
    if (message.type === 'ready' || message.session === stream.session) {
      if (!stream.hears(message)) return;
      stream.heard = now();
    } else if (message.type !== 'open') return;
    // A pong that cannot be posted (the peer window's origin cannot be targeted) must not throw
    // out of this listener: the silence ends the stream in time.
    if (message.type === 'ping' && stream.beforePong(message)) {
      const nonce = message.nonce === undefined ? {} : { nonce: message.nonce };
      stream.trySend({ ...stream.envelope(), ...stream.heartbeat(), type: 'pong', ...nonce });
    }
    stream.receive(message, origin);
  }

  /**
   * What `event` is to this endpoint: a port message (with the origin it came from), or
   * `undefined` for anything else. A foreign value whose fields
   * throw when read — a getter, a proxy; possible only where messages are not cloned (a
   * hand-made port, an event dispatched in this context) — is anything else, not an exception
   * out of the listener: foreign messages are ignored.
   */
  private read(event: Event): { message: PortMessage; origin: string } | undefined {
    try {
      if (typeof event !== 'object' || event === null) return undefined; // an emitter's event without data
      const messageEvent = event as Event & { data: unknown; origin: string; source: unknown };
      if (this.window && messageEvent.source !== (this.port as unknown)) return undefined;
      const origin = this.window ? messageEvent.origin : '';
      const data = messageEvent.data;
      if (isPortMessage(data)) return { message: data, origin };
      // The data itself, from an emitter.
      if (!this.window && isPortMessage(event)) return { message: event, origin };
      return undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * What a sender and a receiver share: its endpoint and name, the session id, the origin rule,
 * posting, and the heartbeat. Subclasses implement {@link Stream.receive} and
 * {@link Stream.gone}.
 */
export abstract class Stream {
  /** The session id: chosen by a sender; by a receiver, taken from the `open` it bound to. */
  session = '';
  /** When a message of this session was last heard from the peer (`performance.now()`). */
  heard = 0;
  /** When this stream last posted a message. */
  posted = 0;
  /** The heartbeat timer, while the stream runs and is paired (or, for a sender, pairing). */
  private timer: ReturnType<typeof setInterval> | undefined = undefined;
  /** When the timer last ran. */
  private ticked = 0;
  /**
   * Whether a microtask checkpoint passed since the timer last ran. Real timers never run two
   * ticks of one interval without one in between; a fake clock advanced synchronously
   * (`vi.advanceTimersByTime`) does, and then the peer had no chance to answer.
   */
  private checkpoint = true;
  /** Notes a checkpoint (queued as a microtask by each tick). */
  private readonly passed = (): void => {
    this.checkpoint = true;
  };

  constructor(
    readonly endpoint: Endpoint,
    readonly name: string,
    /** Whether this is a `toPort` stream. */
    readonly isSender: boolean,
    /**
     * For a window port: the origin the peer must have (`'*'`: any) — a receiver's `origin`
     * option, or the origin a sender learned from its receiver's first answer (until then
     * `'*'`, which the sender uses only for `open`, which carries no data). `''` otherwise.
     */
    public origin: string,
  ) {}

  /** Whether a message from `origin` may be heard (always, but for a window port). */
  accepts(origin: string): boolean {
    return !this.endpoint.window || this.origin === '*' || origin === this.origin;
  }

  /** The fields every message of this stream carries. */
  envelope(): { source: typeof PORT_SOURCE; version: typeof PORT_VERSION; name: string; session: string } {
    return { source: PORT_SOURCE, version: PORT_VERSION, name: this.name, session: this.session };
  }

  /** Posts `message`, noting when; throws what `postMessage` throws. */
  send(message: PortMessage, transfer?: TransferableValue[]): void {
    this.endpoint.post(message, transfer, this.endpoint.window ? this.origin : '');
    this.posted = now();
  }

  /** Posts `message`, ignoring failures (for control messages of a stream that is ending). */
  trySend(message: PortMessage): void {
    try {
      this.send(message);
    } catch {
      // Nothing to do: the peer will find us gone.
    }
  }

  /** Starts the heartbeat timer (and the silence counts: the session starts now). */
  startTimer(): void {
    this.ticked = this.heard = this.posted = now();
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops the heartbeat timer and leaves the endpoint: after this the stream hears nothing. */
  stop(): void {
    this.stopTimer();
    this.endpoint.remove(this);
  }

  /** Stops the heartbeat timer only (a receiver whose sender withdrew waits as at its start). */
  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One heartbeat: declare the peer gone, or ask it for a sign of life. */
  private tick(): void {
    const time = now();
    // Late: the event loop was blocked, or this tick follows the last with no checkpoint
    // between them (a fake clock): answers may be waiting, so silence proves nothing yet.
    const blocked = time - this.ticked > LATE_TICK_MS;
    const late = blocked || !this.checkpoint;
    this.ticked = time;
    this.checkpoint = false;
    queueMicrotask(this.passed);
    if (this.endpoint.window && isClosedWindow(this.endpoint.port)) {
      // A removed iframe, a closed popup or tab: its window says so (`closed`, readable across
      // origins), so it is gone now — also while a sender still waits for it to answer, which
      // it never would (and the listener on this global would hold the window forever).
      this.gone('its window was closed');
      return;
    }
    // After a block or a freeze of this side (the back/forward cache freezes a page with its
    // frames and Workers, which then resume one after another), the peer's silence proves
    // nothing: it counts from now, less one heartbeat so that the peer is asked at once, and
    // the peer has GONE_AFTER_MS less that to answer — not the one tick a busy machine can miss.
    if (blocked && time - this.heard > PING_AFTER_MS) this.heard = time - PING_AFTER_MS;
    if (this.beforeTick()) return;
    const silence = time - this.heard;
    if (silence >= GONE_AFTER_MS && !late) this.gone(`sent nothing for ${Math.round(silence)} ms`);
    else if (silence >= PING_AFTER_MS) this.trySend({ ...this.envelope(), ...this.heartbeat(), type: 'ping' });
  }

  /** What this stream's `ping` and `pong` carry besides the envelope (a sender's counts). */
  heartbeat(): { posted?: number; ended?: boolean; starved?: boolean; receiver?: string | undefined } {
    return {};
  }

  /** A message on the port could not be deserialized (`messageerror`); a receiver checks it lost none. */
  messageError(): void {}

  /**
   * Whether `message`, of this stream's session, comes from its peer: then it is a sign of the
   * peer's life, and handled. A sender running on one receiver hears only that one.
   */
  hears(_message: PortMessage): boolean {
    return true;
  }

  /**
   * Runs before this stream answers `ping` with its `pong`, which counts as posting; returns
   * whether to answer. A receiver that has been silent too long must find that out first (see
   * `Receiver.stale`), or the pong would make it look alive to itself; and it answers only the
   * pings addressed to it.
   */
  beforePong(_ping: PortMessage): boolean {
    return true;
  }

  /**
   * A subclass's part of each tick; returns true when silence means nothing now (the stream
   * is not paired yet), so that the peer is neither pinged nor given up on.
   */
  protected beforeTick(): boolean {
    return false;
  }

  /** Handles a message of this stream (a `ping` was answered already), checked for origin and session. */
  abstract receive(message: PortMessage, origin: string): void;

  /** The peer is gone (silence, or its port closed): finish without it. */
  abstract gone(why: string): void;
}

/** A random session id. */
export function randomId(): string {
  return Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
}

/**
 * This context's id and its count of pairing events (a sender's `open`, a receiver's unpaired
 * close): which of two came first when both are here, where two `Date.now()` readings of one
 * millisecond cannot tell (see `closedAt` in protocol.ts).
 */
export const realm = /* @__PURE__ */ randomId();
let events = 0;
/** The next pairing event's number in this context. */
export const nextEvent = (): number => ++events;
