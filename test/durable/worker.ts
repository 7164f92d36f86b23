/**
 * The Worker of the durable-channel tests: it exports `ChannelObject` (from the source, as a
 * user's Worker re-exports it from the package) and a `fetch` handler whose requests pull and
 * push, so that tests can make a *request* go away mid-operation.
 */
import { ChannelObject, type DurableObjectNamespaceLike, durableChannel } from '../../src/durable/index.js';

export { ChannelObject };

/** The bindings of test/durable/wrangler.jsonc. */
export interface Env {
  CHANNELS: DurableObjectNamespaceLike;
}

/** Clients kept at module scope across requests (`/shared-push`, `/shared-pull`). */
const sharedClients = new Map<string, ReturnType<typeof durableChannel<unknown>>>();

export default {
  /**
   * `GET /pull?name=…&leaseMs=…&sliceMs=…` pulls one value and answers it as JSON (with `withId=1`, as
   * `{ value, id, attempt }`); `POST /push?name=…&id=…` pushes the body's JSON (`leaseMs` and
   * `sliceMs` are the client's options, on both).
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get('name') ?? 'default';
    const leaseMs = Number(url.searchParams.get('leaseMs') ?? '10000');
    const sliceMs = Number(url.searchParams.get('sliceMs') ?? '5000');
    const channel = durableChannel<unknown>(env.CHANNELS, name, { leaseMs, sliceMs });
    if (url.pathname === '/pull') {
      return Response.json(url.searchParams.has('withId') ? await channel.pullWithId() : await channel.pull());
    }
    if (url.pathname === '/shared-pull' || url.pathname === '/shared-push') {
      // One client per name kept at module scope, used by request after request.
      const shared = sharedClients.get(name) ?? durableChannel<unknown>(env.CHANNELS, name);
      sharedClients.set(name, shared);
      if (url.pathname === '/shared-pull') return Response.json(await shared.pull());
      await shared.push(await request.json());
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/push') {
      await channel.push(await request.json(), { id: url.searchParams.get('id') ?? undefined });
      return new Response(null, { status: 204 });
    }
    return new Response('not found', { status: 404 });
  },
};
