/**
 * The parts of `cloudflare:test` and `cloudflare:workers` the durable tests use, declared here
 * because @cloudflare/workers-types is not installed (the pool's own declarations need it).
 */
declare module 'cloudflare:test' {
  /** Resets every Durable Object instance; their storage stays (a fresh instance over it). */
  export function abortAllDurableObjects(): Promise<void>;
  /** Runs `callback` inside the object behind `stub`, with its instance and its state. */
  export function runInDurableObject<R>(
    stub: unknown,
    callback: (
      instance: { alarm(): Promise<void> },
      state: { storage: { getAlarm(): Promise<number | null>; deleteAlarm(): Promise<void> } },
    ) => R | Promise<R>,
  ): Promise<R>;
}

declare module 'cloudflare:workers' {
  /** The bindings of test/durable/wrangler.jsonc. */
  export const env: import('./worker.js').Env;
  /** The main Worker's exports. */
  export const exports: { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } };
}
