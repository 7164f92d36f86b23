/**
 * A Worker that answers one request by fanning out to N upstreams with chanasync channels:
 * a bounded pool of K workers, a per-request deadline that aborts the calls still in flight,
 * and the results streamed as NDJSON as they arrive (or gathered as one JSON document).
 *
 * Routes:
 * - `GET /?n=8&k=3&deadline=1000&format=ndjson&delay=100,200,300&fail=2` — the fan-out
 *   (parameters in `query.ts` and the README).
 * - `GET /upstream/:index?delay=ms&fail=1` — the simulated upstream the fan-out calls by default.
 * - `GET /upstream/stats?run=id` — what the simulated upstreams saw during one fan-out.
 *
 * Read `fanout.ts` first: it holds the channels. This file is routing and configuration.
 */
import { toReadableStream } from 'chanasync';
import { type CallUpstream, fanOut, type Line } from './fanout.js';
import { type FanOutQuery, parseQuery, QueryError } from './query.js';
import { simulatedUpstream, upstreamStats } from './upstream.js';

/** The part of a service binding this Worker uses (Cloudflare's `Fetcher`). */
interface Fetcher {
  fetch(input: URL | string, init?: RequestInit): Promise<Response>;
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
}

export default {
  /**
   * Routes a request: the fan-out at `/`, the simulated upstream under `/upstream/`.
   *
   * @param request the incoming request.
   * @param env the bindings of `wrangler.jsonc`.
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== 'GET') return Response.json({ error: 'only GET is supported' }, { status: 405 });
    if (url.pathname === '/') return handleFanOut(request, url, env);
    if (url.pathname === '/upstream/stats') return upstreamStats(url);
    const upstream = /^\/upstream\/(\d+)$/.exec(url.pathname);
    if (upstream) return simulatedUpstream(request, Number(upstream[1]));
    return Response.json({ error: 'not found; try GET /?n=8&k=3&deadline=1000' }, { status: 404 });
  },
};

/**
 * The fan-out route: checks the query, picks the upstreams, and answers with the lines of
 * {@link fanOut} — streamed as NDJSON, or gathered into one JSON document with `format=json`.
 */
async function handleFanOut(request: Request, url: URL, env: Env): Promise<Response> {
  let query: FanOutQuery;
  try {
    query = parseQuery(url.searchParams);
  } catch (error) {
    if (error instanceof QueryError) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
  // Names this fan-out in the simulated upstreams' stats (`/upstream/stats?run=…`).
  const run = crypto.randomUUID();
  const upstreams = chooseUpstreams(env, query, run);
  if (typeof upstreams === 'string') return Response.json({ error: upstreams }, { status: 500 });

  // Every channel of this fan-out is created here, for this request, and is garbage with it.
  // `request.signal` (the `enable_request_signal` flag) aborts when the client disconnects,
  // which stops the fan-out and aborts its upstream calls too.
  const lines = fanOut(upstreams.call, {
    upstreams: query.upstreams,
    concurrency: query.concurrency,
    deadlineMs: query.deadlineMs,
    signal: request.signal,
  });
  const headers = { 'cache-control': 'no-store', 'fanout-run': run, 'fanout-source': upstreams.source };

  if (query.format === 'json') {
    const outcomes: Line[] = [];
    for await (const line of lines) outcomes.push(line);
    const summary = outcomes.pop(); // the summary is always the last line
    return Response.json({ run, source: upstreams.source, summary, outcomes }, { headers });
  }

  // NDJSON: each line reaches the client as soon as the collector produces it. The stream
  // pulls from the channel only when the client is ready for more (`toReadableStream`).
  const ndjson = toReadableStream(lines)
    .pipeThrough(
      new TransformStream<Line, string>({
        transform: (line, controller) => controller.enqueue(`${JSON.stringify(line)}\n`),
      }),
    )
    .pipeThrough(new TextEncoderStream());
  return new Response(ndjson, { headers: { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8' } });
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
