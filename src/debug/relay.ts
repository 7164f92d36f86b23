/**
 * The page-side relay for a Worker's debug mode.
 *
 * A dedicated Worker that calls `enableDebug()` posts its messages to its own global
 * `postMessage`, which delivers them as `message` events on the page's `Worker` object — where
 * the inspector (whose content script listens on the page's window) never sees them. The relay
 * listens on the `Worker` object and re-posts the worker's chanasync messages on the page's
 * window, tagging snapshots with `context: { kind: 'worker', url }`; and it forwards the
 * inspector's `hello` and `bye` from the window into the worker, so the worker's debug mode
 * starts and stops posting exactly as a page's does.
 */
import {
  type AnnounceMessage,
  type DebugContext,
  INSPECTOR_SOURCE,
  type InspectorToPageMessage,
  isPageToInspectorMessage,
  LIMITS,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
  type SnapshotMessage,
} from '../protocol.js';
import { isSignal } from '../signals.js';
import { type DebugTarget, emptySnapshot, hasMethod, inspectorSays, post } from './post.js';
import { cut } from './snapshot.js';

/**
 * The worker side a relay listens to: a `Worker` (or a `MessagePort`, e.g. a `SharedWorker`'s
 * `port`) — anything with `postMessage` and `message` events.
 */
export interface RelayEndpoint {
  /** Posts `hello`/`bye` to the worker side. */
  postMessage(message: unknown): void;
  // The listener's type is spelled out (not the DOM's EventListenerObject), so that the
  // declarations compile without the DOM library.
  /** Where the worker's announces and snapshots arrive. */
  addEventListener(type: 'message', listener: { handleEvent(event: Event): void }): void;
  /** Removes the relay's listener when the relay stops. */
  removeEventListener(type: 'message', listener: { handleEvent(event: Event): void }): void;
}

/** Options of {@link relayDebug}. */
export interface RelayOptions {
  /**
   * The URL the inspector shows for the worker's channels (default: the URL the worker
   * reports, its `location.href`). Give workers that run the same script different URLs (say,
   * with a `#1`, `#2` suffix) to keep their channels apart in the inspector.
   */
  url?: string | undefined;
  /**
   * Where the worker's messages are re-posted (default: `globalThis` — the page's window,
   * which gets `postMessage(message, '*')`).
   */
  target?: DebugTarget | undefined;
  /**
   * Where the inspector's `hello`/`bye` arrive as `message` events (default: `globalThis`); one
   * that another window posted there (a frame's `parent.postMessage`) is ignored.
   */
  listen?: EventTarget | undefined;
  /**
   * Stops the relay when aborted (as the returned function does). Already aborted: the relay
   * never starts — it posts nothing, adds no listener, and returns a function that does nothing.
   */
  signal?: AbortSignal | undefined;
}

/**
 * The running relay of each worker: calling `relayDebug` again for the same worker (a module
 * run twice by hot reloading) replaces it, so that each of the worker's messages reaches the
 * page once, and the stale relay's stop cannot say `bye` to a worker the new one serves.
 */
const active = new WeakMap<RelayEndpoint, Relay>();

/**
 * What each worker was last told by a relay, `hello` or `bye` — remembered past the relay that
 * told it, for the next one: a relay that replaces a running one, or starts after one stopped,
 * must go on where that one left off. After a `bye` it drops the snapshots still on their way
 * (audit BU: a hot reload right after a `bye` or a `stop()` re-posted one, and the panel listed
 * the worker's channels for good); after a `hello` it says `bye` when it stops.
 */
const told = new WeakMap<RelayEndpoint, InspectorToPageMessage['type']>();

/**
 * Endpoints whose end the relay wraps: a Worker's `terminate()` (or, for a `MessagePort`, its
 * `close()`) stops the running relay first — a terminated Worker or a closed port says nothing,
 * so without this its last waits would stay listed in the inspector, ageing into "stuck".
 * Wrapped once per endpoint, for its lifetime.
 */
const wrapped = new WeakSet<RelayEndpoint>();

/** Makes `worker.terminate()` (a port's `close()`) stop the endpoint's running relay first. */
function stopOnEnd(worker: RelayEndpoint): void {
  if (wrapped.has(worker)) return;
  wrapped.add(worker);
  try {
    const endpoint = worker as { terminate?: unknown; close?: unknown };
    const method = typeof endpoint.terminate === 'function' ? 'terminate' : 'close';
    const end = endpoint[method];
    if (typeof end !== 'function') return;
    Object.defineProperty(worker, method, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]): unknown {
        active.get(worker)?.stop();
        return Reflect.apply(end, this, args);
      },
    });
  } catch {
    // A frozen (or hostile) endpoint: its relay must be stopped by hand.
  }
}

/** One running relay. */
class Relay {
  /** Whether the last inspector message forwarded to the worker (by any relay) was a `hello`. */
  private get connected(): boolean {
    return told.get(this.worker) === 'hello';
  }
  /**
   * Whether the last inspector message forwarded to the worker (by any relay) was a `bye`: the
   * worker's snapshots still on their way (posted before it heard the `bye`) are then dropped,
   * so the page posts nothing after a `bye`. (Before any `hello` or `bye`, everything valid is
   * forwarded.)
   */
  private get saidBye(): boolean {
    return told.get(this.worker) === 'bye';
  }
  private stopped = false;
  /**
   * Whom the last snapshot relayed came from (its context as re-tagged, its copy of chanasync,
   * its sequence number): when the relay stops, the inspector is told that this context has no
   * channels any more, so that its last waits do not stay listed, ageing into "stuck".
   */
  last: Pick<SnapshotMessage, 'context' | 'instance' | 'seq'> | undefined = undefined;
  /** While a worker's snapshot is being posted to the target (which may stop the relay). */
  private relaying = false;
  /** The listener on the worker. */
  private readonly onWorker = {
    handleEvent: (event: Event) => {
      let data: unknown;
      try {
        data = (event as MessageEvent).data;
      } catch {
        return; // a synthetic event whose `data` throws: not a message of the worker's
      }
      this.fromWorker(data);
    },
  };
  /** The listener on the page (`listen`). */
  private readonly onPage = {
    handleEvent: (event: Event) => {
      const says = inspectorSays(event, this.listen);
      if (says !== undefined) this.fromInspector(says);
    },
  };
  /** The listener on the signal. */
  private readonly onAbort = { handleEvent: () => this.stop() };

  constructor(
    private readonly worker: RelayEndpoint,
    private readonly target: DebugTarget,
    private readonly listen: EventTarget,
    private readonly url: string | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    // The worker may have announced itself before the relay listened: announce on its behalf,
    // so that an inspector already connected says `hello` (which the relay then forwards).
    const announce: AnnounceMessage = { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'announce' };
    try {
      worker.addEventListener('message', this.onWorker);
      (worker as { start?: () => void }).start?.(); // a MessagePort delivers only once started
      listen.addEventListener('message', this.onPage);
      signal?.addEventListener('abort', this.onAbort);
      post(target, announce);
    } catch (error) {
      // A relay that could not listen (an `addEventListener` or `start` that throws) or
      // announce leaves no listener behind — and says nothing to the worker, which a relay
      // running before it may still serve.
      this.stop(false);
      throw error;
    }
  }

  /** A message of the worker: re-post it on the page if it is a valid chanasync message. */
  private fromWorker(data: unknown): void {
    if (!isPageToInspectorMessage(data)) return;
    if (data.type === 'announce') {
      post(this.target, data);
      return;
    }
    if (this.saidBye) return; // in flight when the inspector left
    const own = data.context;
    const url = this.url ?? own?.url;
    const context: DebugContext = {
      kind: 'worker',
      ...(url === undefined ? {} : { url: cut(url, LIMITS.url) }),
      ...(own?.origin === undefined ? {} : { origin: own.origin }),
    };
    this.last = {
      context,
      ...(data.instance === undefined ? {} : { instance: data.instance }),
      ...(data.seq === undefined ? {} : { seq: data.seq }),
    };
    this.relaying = true;
    try {
      post(this.target, { ...data, context });
    } finally {
      this.relaying = false;
    }
  }

  /**
   * `hello` or `bye` from the inspector: the worker's debug mode needs it too — a message of
   * the relay's own making, not the one heard (which may carry more, or getters).
   */
  private fromInspector(type: InspectorToPageMessage['type']): void {
    told.set(this.worker, type);
    const message: InspectorToPageMessage = { source: INSPECTOR_SOURCE, version: PROTOCOL_VERSION, type };
    this.worker.postMessage(message);
  }

  /**
   * Stops relaying; a worker that was told `hello` is told `bye`, so it stops posting, and the
   * inspector gets a last snapshot of the worker's context with no channels (its worker is
   * usually being terminated, and nothing would ever replace the waits it last showed) — unless
   * `sayBye` is false (a relay that replaces this one serves the worker from now on).
   */
  stop(sayBye = true): void {
    if (this.stopped) return;
    this.stopped = true;
    if (active.get(this.worker) === this) active.delete(this.worker);
    this.worker.removeEventListener('message', this.onWorker);
    this.listen.removeEventListener('message', this.onPage);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.connected && sayBye) {
      told.set(this.worker, 'bye');
      // Not when the target stops the relay as it receives a snapshot: it has its answer.
      if (this.last !== undefined && !this.relaying) this.postEmpty(this.last);
      try {
        const bye: InspectorToPageMessage = { source: INSPECTOR_SOURCE, version: PROTOCOL_VERSION, type: 'bye' };
        this.worker.postMessage(bye);
      } catch {
        // A terminated worker may refuse; there is nobody left to tell.
      }
    }
  }

  /** Tells the inspector that the context of `last` has no channels any more. */
  private postEmpty({ context, instance, seq }: Pick<SnapshotMessage, 'context' | 'instance' | 'seq'>): void {
    const empty: SnapshotMessage = {
      ...emptySnapshot(),
      ...(context === undefined ? {} : { context }),
      ...(instance === undefined ? {} : { instance }),
      ...(seq === undefined || !Number.isSafeInteger(seq + 1) ? {} : { seq: seq + 1 }),
    };
    try {
      post(this.target, empty);
    } catch {
      // Stopping never throws: a target that refuses loses only this last word.
    }
  }
}

/**
 * Shows a dedicated Worker's channels in the page's inspector. Call it in the page, for a
 * Worker whose code calls `enableDebug()` (from `chanasync/debug`): the worker's snapshots
 * reach the page's window tagged with `context: { kind: 'worker', url }`, and the inspector's
 * `hello`/`bye` reach the worker. Only chanasync's own messages are relayed; the worker's
 * other messages are left alone — but the page's own `message` handler on the Worker sees the
 * debug messages too (their `source` is `'chanasync'`: skip them), as the worker's handler
 * sees `hello`/`bye` (`source: 'chanasync-inspector'`).
 *
 * Call it right after `new Worker(...)`; called later, it announces the worker on its behalf,
 * so an open inspector connects all the same. Called again for the same worker, it replaces
 * the running relay (whose stop function then does nothing). Frames need no relay: the
 * inspector listens in every frame.
 *
 * @param worker the `Worker` (or a `MessagePort` connected to the worker's debug mode).
 * @param options `url`, `target`, `listen`, `signal`.
 * @returns a function that stops the relay (idempotent); a worker that was told `hello` is
 *   told `bye`, and a connected inspector gets a last snapshot of the worker's context with no
 *   channels, so that the waits it last showed do not stay listed. `worker.terminate()` (a
 *   port's `close()`) stops the relay first by itself: the relay wraps that method.
 * @throws {TypeError} if `worker` has no `postMessage`, `addEventListener` or
 *   `removeEventListener` (for a `SharedWorker`, the message says to pass its `port`), or an
 *   option has the wrong type; or if `target` or `listen` is
 *   omitted where `globalThis` lacks `postMessage` / `addEventListener`.
 * @throws whatever `target.postMessage` throws when posting the `announce` (no listener is
 *   left behind then).
 * @example
 * ```ts
 * // page.js
 * import { relayDebug } from 'chanasync/debug';
 * const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
 * relayDebug(worker);
 * // worker.js
 * import { enableDebug } from 'chanasync/debug';
 * enableDebug({ stacks: true });
 * ```
 */
export function relayDebug(worker: RelayEndpoint, options?: RelayOptions): () => void {
  const name = 'relayDebug(worker, options)';
  for (const method of ['postMessage', 'addEventListener', 'removeEventListener']) {
    if (hasMethod(worker, method)) continue;
    // A SharedWorker talks through its `port`: say so rather than only what is missing.
    const port = typeof worker === 'object' && worker !== null ? (worker as { port?: unknown }).port : undefined;
    const hint = hasMethod(port, 'postMessage') ? ' (a SharedWorker? pass its port: relayDebug(worker.port))' : '';
    throw new TypeError(`${name}: worker has no ${method}${hint}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${name}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { url, target, listen, signal } = options ?? {};
  if (url !== undefined && typeof url !== 'string') {
    throw new TypeError(`${name}: url must be a string, got ${typeof url}`);
  }
  if (target !== undefined && !hasMethod(target, 'postMessage')) {
    throw new TypeError(`${name}: target has no postMessage`);
  }
  if (listen !== undefined && !(hasMethod(listen, 'addEventListener') && hasMethod(listen, 'removeEventListener'))) {
    throw new TypeError(`${name}: listen is not an EventTarget`);
  }
  if (signal !== undefined && !isSignal(signal)) {
    throw new TypeError(`${name}: signal is not an AbortSignal`);
  }
  // `relayDebug(worker, signal)`: read as options it carries no signal, and the relay would
  // never stop.
  if (isSignal(options)) throw new TypeError(`${name}: options is an AbortSignal: pass { signal } instead`);
  const here = globalThis as unknown as Partial<DebugTarget & EventTarget>;
  const to = target ?? (hasMethod(here, 'postMessage') ? (here as DebugTarget) : undefined);
  if (to === undefined) throw new TypeError(`${name}: no target given, and globalThis has no postMessage`);
  const from = listen ?? (hasMethod(here, 'addEventListener') ? (here as EventTarget) : undefined);
  if (from === undefined) throw new TypeError(`${name}: no listen given, and globalThis is not an EventTarget`);
  if (signal?.aborted) return () => {};
  const previous = active.get(worker);
  const relay = new Relay(worker, to, from, url, signal);
  if (previous !== undefined) {
    // The worker may be posting for an inspector the previous relay connected (`told`): the new
    // one says `bye` when it stops, and then tells the inspector that the context of the last
    // snapshot relayed, by either, has no channels any more (audit BU: it posted no empty
    // snapshot, and the panel listed the worker's channels for good).
    relay.last = previous.last;
    previous.stop(false);
  }
  active.set(worker, relay);
  stopOnEnd(worker);
  return () => relay.stop();
}
