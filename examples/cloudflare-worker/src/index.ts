/**
 * A Worker built from chanasync channels, with two examples:
 *
 * - **Fan-out** (one request, channels that live and die with it): answer one request by
 *   calling N upstreams with a bounded pool of K workers, a per-request deadline that aborts the
 *   calls still in flight, and the results streamed as NDJSON as they arrive (or gathered into
 *   one JSON document). `fanout.ts` holds the channels.
 * - **Job queue** (many requests, one durable channel): `POST /jobs` pushes a job into a channel
 *   kept by a Durable Object (`chanasync/durable`), `POST /jobs/take` pulls a batch, `GET
 *   /jobs/stream` streams jobs as they arrive, `GET /jobs/stats` shows the queue. `jobs.ts`
 *   holds it.
 *
 * Routes:
 * - `GET /?n=8&k=3&deadline=1000&format=ndjson&heartbeat=1000&delay=100,200,300&fail=2` — the fan-out
 *   (parameters in `query.ts` and the README). `HEAD /` checks the query and answers the headers
 *   only, calling no upstream.
 * - `GET /upstream/:index?delay=ms&fail=1` — the simulated upstream the fan-out calls by default.
 * - `GET /upstream/stats?run=id` — what the simulated upstreams saw during one fan-out.
 * - `POST /jobs`, `POST /jobs/take?max=10&wait=1000`, `GET /jobs/stream`, `GET /jobs/stats` —
 *   the job queue.
 *
 * A method a route does not take is a 405 with an `Allow` header; `HEAD` works wherever `GET` does.
 * A query parameter a route does not take, or one given twice, is a 400 that names it, on every route.
 */
import { ChannelObject, type DurableObjectNamespaceLike } from 'chanasync/durable';
import { type CallUpstream, fanOut, type Line } from './fanout.js';
import { HEARTBEAT, orHeartbeat } from './heartbeat.js';
import { jobStats, misconfigured, pushJob, streamJobs, takeJobs } from './jobs.js';
import { badQuery, checkNames, FAN_OUT_PARAMS, type FanOutQuery, parseQuery } from './query.js';
import { simulatedUpstream, upstreamStats } from './upstream.js';

// The Durable Object class behind the job queue's channel: exported from the main module so
// that `wrangler.jsonc` can bind it (`durable_objects` and the `new_sqlite_classes` migration).
export { ChannelObject };

/** The part of a service binding this Worker uses (Cloudflare's `Fetcher`). */
interface Fetcher {
  fetch(input: URL | string, init?: RequestInit): Promise<Response>;
}

/** The part of the execution context (Cloudflare's `ExecutionContext`) this Worker uses. */
export interface WaitUntil {
  /** Keeps the invocation alive until `promise` settles, also after the client left. */
  waitUntil(promise: Promise<unknown>): void;
}

/** The bindings declared in `wrangler.jsonc`. */
export interface Env {
  /**
   * A service binding to this same Worker. The simulated upstreams are this Worker's own
   * `/upstream/:index` routes, reached through it: calling a Worker (this one included) is
   * what service bindings are for. The call needs no public URL and never goes over the
   * Internet, so `wrangler dev` and the tests run offline.
   */
  SELF?: Fetcher;
  /** Real upstream URLs, separated by commas or spaces. When set, they replace the simulated upstreams. */
  UPSTREAM_URLS?: string;
  /** The `ChannelObject` namespace: durable channels (the job queue). */
  CHANNELS?: DurableObjectNamespaceLike;
}

/** A route: the methods and query parameters it takes, and its handler (`HEAD` is answered by the `GET` handler, minus the body). */
interface Route {
  methods: readonly string[];
  /** The query parameters it takes; any other is a 400, as is one given twice. */
  params: readonly string[];
  handle(request: Request, url: URL, env: Env, ctx: WaitUntil): Promise<Response> | Response;
}

/** The routes by path; `/upstream/:index` is matched separately. */
const routes: Record<string, Route> = {
  '/': {
    methods: ['GET', 'HEAD'],
    params: FAN_OUT_PARAMS,
    handle: (request, url, env) => handleFanOut(request, url, env),
  },
  '/upstream/stats': { methods: ['GET', 'HEAD'], params: ['run'], handle: (_request, url) => upstreamStats(url) },
  '/jobs': { methods: ['POST'], params: [], handle: (request, _url, env) => jobRoute(pushJob(request, env.CHANNELS)) },
  '/jobs/take': {
    methods: ['POST'],
    params: ['max', 'wait'],
    handle: (request, url, env) => jobRoute(takeJobs(request, url, env.CHANNELS)),
  },
  '/jobs/stats': {
    methods: ['GET', 'HEAD'],
    params: [],
    handle: (_request, _url, env) => jobRoute(jobStats(env.CHANNELS)),
  },
  '/jobs/stream': {
    methods: ['GET', 'HEAD'],
    params: ['heartbeat'],
    handle: (request, url, env, ctx) => streamJobs(request, url, env.CHANNELS, ctx),
  },
};

/** A job route's answer, or the 500 of {@link misconfigured} for the queue's configuration. */
async function jobRoute(answer: Promise<Response>): Promise<Response> {
  try {
    return await answer;
  } catch (error) {
    const response = misconfigured(error);
    if (response === undefined) throw error;
    return response;
  }
}

const upstreamRoute: Route = {
  methods: ['GET', 'HEAD'],
  params: ['delay', 'fail', 'run'],
  handle: (request, url) => simulatedUpstream(request, /^\/upstream\/(\d+)$/.exec(url.pathname)?.[1] ?? ''),
};

export default {
  /**
   * Routes a request: the fan-out at `/`, the simulated upstream under `/upstream/`, the job
   * queue under `/jobs`.
   *
   * @param request the incoming request.
   * @param env the bindings of `wrangler.jsonc`.
   */
  async fetch(request: Request, env: Env, ctx: WaitUntil): Promise<Response> {
    const url = new URL(request.url);
    const route = routes[url.pathname] ?? (/^\/upstream\/\d+$/.test(url.pathname) ? upstreamRoute : undefined);
    if (route === undefined) {
      return Response.json({ error: 'not found; try GET /?n=8&k=3&deadline=1000' }, { status: 404 });
    }
    if (!route.methods.includes(request.method)) {
      const allow = route.methods.join(', ');
      return Response.json(
        { error: `${request.method} is not allowed here; use ${allow}` },
        { status: 405, headers: { allow } },
      );
    }
    try {
      checkNames(url.searchParams, route.params); // the same check on every route
    } catch (error) {
      return badQuery(error);
    }
    return route.handle(request, url, env, ctx);
  },
};

/**
 * The fan-out route: checks the query, picks the upstreams, and answers with the lines of
 * {@link fanOut} — streamed as NDJSON, or gathered into one JSON document with `format=json`.
 * `HEAD` gets the headers of the answer without running the fan-out.
 */
async function handleFanOut(request: Request, url: URL, env: Env): Promise<Response> {
  let query: FanOutQuery;
  try {
    query = parseQuery(url.searchParams);
  } catch (error) {
    return badQuery(error);
  }
  const contentType = query.format === 'json' ? 'application/json' : 'application/x-ndjson; charset=utf-8';
  // Names this fan-out in the simulated upstreams' stats (`/upstream/stats?run=…`).
  const run = crypto.randomUUID();
  // Chosen before `HEAD` answers (it calls nothing), so that `HEAD` tells what `GET` would: the
  // same 500 for an unusable configuration, and the same `fanout-source`.
  const upstreams = chooseUpstreams(env, query, run);
  if (typeof upstreams === 'string') return Response.json({ error: upstreams }, { status: 500 });
  if (request.method === 'HEAD') {
    // No `fanout-run`: a HEAD starts no run.
    const headers = { 'content-type': contentType, 'cache-control': 'no-store', 'fanout-source': upstreams.source };
    return new Response(null, { headers });
  }

  // The client going away stops the fan-out: no upstream is started after that, and the calls
  // in flight are aborted. Two ways to see it go: `request.signal` (the `enable_request_signal`
  // flag) aborts when the runtime notices the disconnect, and the runtime cancels the response
  // body of a streamed answer (`left`, below).
  const left = new AbortController();
  const signal = AbortSignal.any([request.signal, left.signal]);
  // Every channel of this fan-out is created here, for this request, and is garbage with it.
  const lines = fanOut(upstreams.call, {
    upstreams: query.upstreams,
    concurrency: query.concurrency,
    deadlineMs: query.deadlineMs,
    signal,
  });
  const headers = { 'cache-control': 'no-store', 'fanout-run': run, 'fanout-source': upstreams.source };

  if (query.format === 'json') {
    const outcomes: Line[] = [];
    try {
      for await (const line of lines) outcomes.push(line);
    } catch (error) {
      // Stopped because the client left: nobody will read an answer, and an error thrown here
      // would only be logged as uncaught.
      if (signal.aborted) return new Response(null, { status: 499 });
      throw error;
    }
    const summary = outcomes.pop(); // the summary is always the last line
    return Response.json({ run, source: upstreams.source, summary, outcomes }, { headers });
  }

  // NDJSON: each line reaches the client as soon as the collector produces it. One stream with
  // `highWaterMark: 0` whose `pull` writes one chunk: the next line, or an empty line after
  // `heartbeat` ms without one (under `wrangler dev` and Miniflare, the Worker learns that its
  // client left only when a write fails: the heartbeat finds out while the upstreams are slow).
  // A departure stops the fan-out in two ways: `request.signal` aborts, or the runtime cancels
  // this body (`left`).
  const iterator = lines[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let next: Promise<IteratorResult<Line>> | undefined;
  let gone = false;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        next ??= iterator.next();
        let line: IteratorResult<Line> | typeof HEARTBEAT;
        try {
          line = await orHeartbeat(next, query.heartbeatMs);
        } catch (error) {
          // `lines` closes with the stop's reason when the fan-out was stopped (the client left):
          // the body is closed, not errored (an errored body is logged as "Uncaught").
          next = undefined;
          if (gone) return;
          if (!signal.aborted) console.error('GET /: the fan-out failed:', error);
          controller.close();
          return;
        }
        if (gone) return;
        if (line === HEARTBEAT) {
          controller.enqueue(encoder.encode('\n'));
          return;
        }
        next = undefined;
        if (line.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(line.value)}\n`));
      },
      cancel(reason) {
        gone = true;
        left.abort(reason ?? new DOMException('The client has disconnected', 'AbortError'));
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { ...headers, 'content-type': contentType } });
}

/**
 * How to call upstream `index`: a real URL from `UPSTREAM_URLS` (used in turn), or the
 * simulated upstream through the `SELF` service binding. Returns an error message when the
 * configuration is unusable.
 */
function chooseUpstreams(
  env: Env,
  query: FanOutQuery,
  run: string,
): { call: CallUpstream; source: 'urls' | 'simulated' } | string {
  const urls = (env.UPSTREAM_URLS ?? '').split(/[\s,]+/).filter((u) => u !== '');
  if (urls.length > 0) {
    const bad = urls.find((u) => !URL.canParse(u));
    if (bad !== undefined) return `UPSTREAM_URLS: "${bad}" is not a URL`;
    // `delay` and `fail` only shape the simulated upstreams; real ones answer as they do.
    return { source: 'urls', call: (index, signal) => fetch(urls[index % urls.length] as string, { signal }) };
  }
  const self = env.SELF;
  if (self === undefined) return 'no upstreams: set UPSTREAM_URLS, or bind this Worker to itself as SELF';
  return {
    source: 'simulated',
    call: (index, signal) => {
      const target = new URL(`https://upstream/upstream/${index}`);
      target.searchParams.set('delay', String(query.delays[index % query.delays.length]));
      if (query.fail.has(index)) target.searchParams.set('fail', '1');
      target.searchParams.set('run', run);
      return self.fetch(target, { signal }); // the signal is what lets the deadline abort this call
    },
  };
}
