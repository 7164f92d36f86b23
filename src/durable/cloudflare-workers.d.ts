/**
 * The part of `cloudflare:workers` that `object.ts` uses, declared here so that the library
 * compiles without `@cloudflare/workers-types`. Not shipped: the public declarations of
 * `chanasync/durable` never mention `cloudflare:*` (see `index.ts`).
 */
declare module 'cloudflare:workers' {
  /** The base class of a Durable Object with Workers RPC. */
  export abstract class DurableObject<Env = unknown> {
    protected ctx: import('./object.js').DurableObjectStateLike;
    protected env: Env;
    constructor(ctx: import('./object.js').DurableObjectStateLike, env: Env);
  }
}
