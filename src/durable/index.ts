/**
 * chanasync/durable — channels kept by Cloudflare Durable Objects: any request, in any Worker,
 * on any machine, pushes and pulls the same channel, and its values survive restarts.
 *
 * Bind {@link ChannelObject} as a Durable Object class with SQLite storage, then open channels
 * by name with {@link durableChannel}. Runs in Workers only (it imports `cloudflare:workers`).
 *
 * @packageDocumentation
 */
import { ChannelObjectImpl } from './object.js';

export type {
  DurableChannel,
  DurableChannelOptions,
  DurableChannelStats,
  DurableDelivery,
  DurableObjectNamespaceLike,
  DurablePullOptions,
  DurablePushOptions,
} from './client.js';
export { durableChannel } from './client.js';

/** An instance of {@link ChannelObject}: a Durable Object whose RPC methods only `durableChannel` calls. */
export interface ChannelObjectInstance {
  /**
   * The brand that Cloudflare's types give every `DurableObject` (`Rpc.DurableObjectBranded`,
   * a property keyed by the string `'__DURABLE_OBJECT_BRAND'`), spelled out so that the types
   * need no `cloudflare:workers`: with it, `DurableObjectNamespace<ChannelObject>` — what
   * `wrangler types` writes for the binding — type-checks. Type-only; never present at run time.
   */
  readonly __DURABLE_OBJECT_BRAND: never;
  /**
   * The object's state (Cloudflare's `DurableObjectState`), as every `DurableObject` has it: for
   * a subclass's own methods. Typed `any` so that the package's types need no
   * `@cloudflare/workers-types`.
   */
  readonly ctx: any;
  /** The Worker's `env`, as every `DurableObject` has it: for a subclass's own methods. */
  readonly env: any;
  /** Runs when the object's alarm fires: ends the leases and waiting places whose time has passed. */
  alarm(): Promise<void>;
}

/**
 * The type of {@link ChannelObject}: a Durable Object class. Declared structurally so that the
 * package's types need no `@cloudflare/workers-types`.
 */
export interface ChannelObjectClass {
  /** Called by the Workers runtime with the object's state and the Worker's `env`; never by you. */
  new (ctx: any, env: any): ChannelObjectInstance;
  /** The prototype of every instance (as for any class). */
  readonly prototype: ChannelObjectInstance;
}

/**
 * The Durable Object class that keeps durable channels: one object per channel name, SQLite
 * storage, Workers RPC. Export it from your Worker's main module and bind it; then call
 * {@link durableChannel} with the binding. The object uses only its own `chanasync_` tables and
 * `chanasync/` keys, and its alarm; subclass it only to add methods that leave those alone.
 *
 * ```jsonc
 * // wrangler.jsonc
 * "durable_objects": { "bindings": [{ "name": "CHANNELS", "class_name": "ChannelObject" }] },
 * "migrations": [{ "tag": "v1", "new_sqlite_classes": ["ChannelObject"] }]
 * ```
 *
 * @example
 * ```ts
 * import { ChannelObject, durableChannel, type DurableObjectNamespaceLike } from 'chanasync/durable';
 *
 * export { ChannelObject }; // the class named in wrangler.jsonc
 *
 * export default {
 *   async fetch(request: Request, env: { CHANNELS: DurableObjectNamespaceLike }): Promise<Response> {
 *     const jobs = durableChannel<string>(env.CHANNELS, 'jobs');
 *     if (request.method === 'POST') {
 *       await jobs.push(await request.text());
 *       return new Response('queued', { status: 202 });
 *     }
 *     return Response.json(await jobs.pullMany(10));
 *   },
 * };
 * ```
 */
export const ChannelObject: ChannelObjectClass = /* @__PURE__ */ Object.defineProperty(
  // Named as exported, for the runtime's logs and stack traces; pure, so that a bundle of the
  // client alone leaves the class out.
  ChannelObjectImpl as unknown as ChannelObjectClass,
  'name',
  { value: 'ChannelObject' },
);
/** An instance of {@link ChannelObject}. */
export type ChannelObject = ChannelObjectInstance;
