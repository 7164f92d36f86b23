/**
 * The simulated upstream: `GET /upstream/:index?delay=ms&fail=1&run=id` waits `delay` ms and
 * answers 200 (or 500 with `fail=1`). It lets the example run offline; set `UPSTREAM_URLS` to
 * call real services instead.
 *
 * It also reports what the upstream side saw, per fan-out run, at `GET /upstream/stats?run=id`:
 * how many calls were in flight at once, and which calls were aborted by their caller (through
 * `request.signal`, which needs the `enable_request_signal` compatibility flag). That is how the
 * tests check the concurrency limit and the deadline's aborts from the far end of the wire.
 */

import { badQuery, integer, LIMITS, whole } from './query.js';

/** What the simulated upstreams saw during one fan-out run. */
export interface UpstreamStats {
  run: string;
  /** Upstream indexes in the order their calls arrived. */
  started: number[];
  /** Calls that ran to the end and answered. */
  finished: number[];
  /** Calls whose caller aborted them while they were waiting. */
  aborted: number[];
  inFlight: number;
  /** The most calls this run had in flight at once, as seen from the upstream side. */
  maxInFlight: number;
}

// Plain data at module scope, shared by the requests that one isolate serves. That is safe here
// because nothing in it waits: no promise, no channel, no stream, just numbers that each request
// updates and reads synchronously (the README explains why a channel is different). It is also
// only as global as the isolate: in production, requests spread over many isolates, which is
// why this is a demo and test aid, not a metrics system. Bounded so it cannot grow forever.
const runs = new Map<string, UpstreamStats>();
const MAX_RUNS = 100;

function statsFor(run: string): UpstreamStats {
  let stats = runs.get(run);
  if (stats === undefined) {
    stats = { run, started: [], finished: [], aborted: [], inFlight: 0, maxInFlight: 0 };
    runs.set(run, stats);
    if (runs.size > MAX_RUNS) runs.delete(runs.keys().next().value as string); // the oldest run
  }
  return stats;
}

/**
 * Answers `GET /upstream/stats?run=id` with the {@link UpstreamStats} of that run: 400 without
 * `run` (or with an empty one), 404 if the run is unknown (or was evicted: the last 100 are kept).
 *
 * @param url the request URL.
 */
export function upstreamStats(url: URL): Response {
  const run = url.searchParams.get('run');
  if (run === null || run === '') {
    return Response.json({ error: 'run is required: the fanout-run header of a fan-out' }, { status: 400 });
  }
  const stats = runs.get(run);
  return stats ? Response.json(stats) : Response.json({ error: `unknown run "${run}"` }, { status: 404 });
}

/**
 * Answers `GET /upstream/:index`: waits `delay` ms (0 to 30000), then answers
 * `{ upstream, delayMs }`, or a 500 `{ error }` with `fail=1`. A bad `delay` or `fail` (not a
 * whole number, out of range), or an index no fan-out calls (above 49), is a 400, as on `GET /`.
 * A call aborted by its caller is recorded in its run's stats and gets no answer (nobody is
 * listening any more).
 *
 * @param request the incoming request; its `signal` aborts when the caller cancels.
 * @param digits the upstream index, as the path gives it.
 */
export async function simulatedUpstream(request: Request, digits: string): Promise<Response> {
  const url = new URL(request.url);
  let index: number;
  let delayMs: number;
  let fail: number;
  try {
    // The fan-out route's rules (`query.ts`): whole numbers only, in range; and only the
    // indexes a fan-out can call are upstreams.
    index = whole(digits, 'the index in /upstream/:index', 0, LIMITS.upstreams - 1);
    delayMs = integer(url.searchParams, 'delay', 0, 0, LIMITS.delayMs);
    fail = integer(url.searchParams, 'fail', 0, 0, 1);
  } catch (error) {
    return badQuery(error);
  }
  const run = url.searchParams.get('run');
  const stats = run === null ? undefined : statsFor(run);
  let open = true;
  const leave = (outcome: 'finished' | 'aborted') => {
    if (!open || stats === undefined) return;
    open = false;
    stats.inFlight--;
    stats[outcome].push(index);
  };
  if (stats) {
    stats.started.push(index);
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
  }
  // Recorded from the abort listener itself: once the caller has gone, the runtime may cancel
  // the rest of this handler, so code after the `await` is not guaranteed to run.
  request.signal.addEventListener('abort', () => leave('aborted'), { once: true });

  try {
    await sleep(delayMs, request.signal);
  } catch {
    return new Response(null, { status: 499 }); // the caller is gone; this answer goes nowhere
  }
  leave('finished');
  if (fail === 1) {
    return Response.json({ error: `upstream ${index}: simulated failure` }, { status: 500 });
  }
  return Response.json({ upstream: index, delayMs });
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
