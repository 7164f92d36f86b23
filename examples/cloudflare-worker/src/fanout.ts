/**
 * `fanOut`: answer one request by calling N upstreams, at most K at a time, within a deadline.
 *
 * ```text
 *  jobs ──► K workers ──► results ──► collector ──► lines ──► the Response
 *  (0…N-1)  (the pool)                    ▲
 *                              after(deadlineMs)
 * ```
 *
 * - `jobs` holds the upstream indexes. K workers pull from it, so at most K calls are in flight:
 *   the concurrency limit is the number of workers, not a counter to keep right.
 * - Each worker pushes what its call gave (a result or a failure) into `results`. A failure is a
 *   line like any other, so one bad upstream never sinks the others.
 * - The collector selects between `results` and `after(deadlineMs)`. When the deadline wins, it
 *   aborts the fetches still in flight and reports which upstreams were late.
 * - Everything goes out through `lines`, which the route streams (NDJSON) or gathers (JSON).
 *
 * Every channel here is created by the call and dies with it: see the README on why a channel
 * must not outlive the request that created it in a Worker.
 */
import { after, Channel, from, pull, select } from 'chanasync';

/**
 * Calls upstream `index`. It must pass `signal` on to `fetch` (or to a service binding's
 * `fetch`): that is what makes the deadline cancel a call instead of merely ignoring its answer.
 */
export type CallUpstream = (index: number, signal: AbortSignal) => Promise<Response>;

/** Options of {@link fanOut}. */
export interface FanOutOptions {
  /** How many upstreams to call: indexes `0` to `upstreams - 1`. */
  upstreams: number;
  /** The pool size: the most calls in flight at once. */
  concurrency: number;
  /** Milliseconds from the start after which unfinished upstreams are late and their calls aborted. */
  deadlineMs: number;
  /** Stops everything early, for example `request.signal` when the client goes away. */
  signal?: AbortSignal;
}

/** An upstream that answered with a 2xx status in time. */
export interface ResultLine {
  type: 'result';
  upstream: number;
  status: number;
  /** How long its call took, from the moment a worker took it. */
  ms: number;
  /** The body: parsed if JSON, else the first 500 characters of text. */
  body: unknown;
}

/** An upstream that answered with an error status, or whose fetch failed, in time. */
export interface FailedLine {
  type: 'failed';
  upstream: number;
  /** The HTTP status, or `null` when the fetch itself failed. */
  status: number | null;
  error: string;
  ms: number;
}

/** An upstream that had not answered when the deadline passed. */
export interface LateLine {
  type: 'late';
  upstream: number;
  /** `in-flight`: its call had started; `queued`: no worker had taken it yet. */
  state: 'queued' | 'in-flight';
  /** `true` when its fetch was cancelled by the deadline's abort (it rejected with the abort reason). */
  aborted: boolean;
}

/** The last line: the counts, and what the deadline cut off. */
export interface SummaryLine {
  type: 'summary';
  upstreams: number;
  /** The pool size used: the `concurrency` asked for, cut to `upstreams` when larger. */
  concurrency: number;
  deadlineMs: number;
  /** Upstreams that answered 2xx in time. */
  ok: number;
  /** Upstreams that failed in time. */
  failed: number;
  /** Upstreams that had not answered at the deadline. */
  late: number[];
  /** Late upstreams whose in-flight fetch was aborted. */
  aborted: number[];
  /** The most calls that were in flight at once: never more than `concurrency`. */
  maxInFlight: number;
  /** Whether the deadline passed before every upstream had answered. */
  deadlineHit: boolean;
  elapsedMs: number;
}

/** One line of the answer, in the order the collector produced them. */
export type Line = ResultLine | FailedLine | LateLine | SummaryLine;

/**
 * After aborting at the deadline, how long to wait for the workers to see their fetches reject
 * before answering anyway. A `fetch` given the signal rejects at once; the bound only matters
 * for a {@link CallUpstream} that ignores its signal.
 */
const ABORT_GRACE_MS = 50;

/**
 * Calls `upstreams` upstreams through a pool of `concurrency` workers and returns the lines of
 * the answer as they come: one `result` or `failed` line per upstream that answered in time, in
 * arrival order, then one `late` line per upstream that did not, then a `summary`. The channel
 * closes after the summary; it closes with an error as reason if the fan-out was stopped by
 * `options.signal`.
 *
 * The returned channel has room for every line, so the fan-out never waits for its reader: a
 * slow client cannot push the deadline back.
 *
 * @param call calls one upstream; must pass the signal on to `fetch`.
 * @param options the count, the pool size, the deadline and an optional stop signal.
 * @returns the lines, to gather with `for await` or to stream (`index.ts` writes one per `pull`
 *   of the NDJSON body, with a heartbeat while none is ready).
 * @example
 * ```ts
 * const lines = fanOut((i, signal) => fetch(urls[i], { signal }), { upstreams: urls.length, concurrency: 4, deadlineMs: 500 });
 * for await (const line of lines) console.log(line);
 * ```
 */
export function fanOut(call: CallUpstream, options: FanOutOptions): Channel<Line> {
  const lines = new Channel<Line>(options.upstreams + 1, { name: 'lines' });
  collect(call, options, lines).catch((error: unknown) => lines.close(error));
  return lines;
}

/** The collector: starts the pool, enforces the deadline, writes every line. */
async function collect(call: CallUpstream, options: FanOutOptions, lines: Channel<Line>): Promise<void> {
  const { upstreams, deadlineMs } = options;
  // A pool larger than the job list would have idle workers: it is cut to `upstreams`, and the
  // summary reports the size used.
  const concurrency = Math.min(options.concurrency, upstreams);
  const startedAt = Date.now();

  // One signal stops everything this fan-out started: the job feed, the calls in flight and
  // the deadline timer. `cancel` fires it at the deadline (or at the end, to clear the timer);
  // the caller's signal fires it when the client disconnects.
  const cancel = new AbortController();
  const stop = options.signal ? AbortSignal.any([cancel.signal, options.signal]) : cancel.signal;

  // What each upstream is doing, for the late report.
  const state: ('queued' | 'in-flight' | 'done')[] = new Array(upstreams).fill('queued');
  const aborted = new Set<number>();
  let inFlight = 0;
  let maxInFlight = 0;

  // The jobs: upstream indexes, fed lazily. `from` closes the channel when `stop` aborts, so
  // after the deadline no worker takes another job and the workers' loops end.
  const jobs = from(
    Array.from({ length: upstreams }, (_, index) => index),
    { signal: stop, name: 'jobs' },
  );
  // Room for one result per worker: a worker hands over its result and moves on to the next job.
  const results = new Channel<ResultLine | FailedLine>(concurrency, { name: 'results' });

  // The bounded pool. Why not `Promise.all(urls.map(fetch))`? Because that starts N calls at
  // once: a Worker may have only 6 connections waiting for response headers at a time (the
  // runtime queues the rest, while your deadline keeps running), an invocation has a
  // subrequest budget, and the upstreams may have rate limits of their own. K workers pulling
  // from one channel keep exactly min(K, N) calls in flight until the jobs run out.
  async function worker(): Promise<void> {
    for await (const index of jobs) {
      if (stop.aborted) return; // taken just as the deadline passed: it stays queued
      state[index] = 'in-flight';
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      let line: ResultLine | FailedLine;
      try {
        line = await attempt(call, index, stop);
      } catch {
        aborted.add(index); // the abort reached the fetch: it was really cancelled
        return;
      } finally {
        inFlight--;
      }
      try {
        await results.push(line);
      } catch {
        return; // `results` closed at the deadline: this answer came too late
      }
    }
  }
  const pool = Array.from({ length: concurrency }, worker);
  const poolDone = new Channel<never>(0, { name: 'pool done' });
  void Promise.allSettled(pool).then(() => poolDone.close());

  let answered = 0;
  let ok = 0;
  let failed = 0;
  // `lines` has room for every line (N answers or late reports, plus the summary), so
  // `pushNowait` never throws here and the collector never waits for the client.
  const record = (line: ResultLine | FailedLine) => {
    state[line.upstream] = 'done';
    answered++;
    if (line.type === 'result') ok++;
    else failed++;
    lines.pushNowait(line);
  };

  // The deadline is a channel too. `after` clears its timer when `stop` aborts.
  const deadline = after(deadlineMs, { signal: stop });
  let deadlineHit = false;
  while (answered < upstreams) {
    // `select` rejects if the client goes away (`stop` aborts); that ends the fan-out with an error.
    const next = await select([pull(results), pull(deadline)], { signal: stop });
    if (next.index === 0) {
      if (next.ok) record(next.value); // (always ok: `results` stays open until after this loop)
      continue;
    }
    if (!next.ok) throw stop.reason; // `after` was closed empty: stopped, not timed out
    deadlineHit = true;
    break;
  }

  // Abort what is still running. The calls were given `stop`, so this cancels their fetches for
  // real (the upstream sees its request aborted) instead of letting them run on to the end of
  // the invocation with their answers thrown away. It also closes `jobs`, so queued upstreams
  // are never started.
  if (deadlineHit) cancel.abort(new DOMException(`deadline of ${deadlineMs} ms passed`, 'TimeoutError'));
  else cancel.abort(); // everyone answered in time: this only clears the deadline's timer

  // Results already handed over made it in time, even if the deadline won the select. From
  // here to `results.close()` nothing awaits, so no worker can slip a result in between.
  while (!results.empty) record(results.pullNowait());
  results.close(); // a worker whose answer comes now finds it closed and stops
  const late = state.flatMap((s, index) => (s === 'done' ? [] : [index]));

  await select([pull(poolDone), pull(after(ABORT_GRACE_MS))]); // let the workers see their aborts

  for (const upstream of late) {
    const at = state[upstream] === 'in-flight' ? 'in-flight' : 'queued'; // no worker starts a job once aborted
    lines.pushNowait({ type: 'late', upstream, state: at, aborted: aborted.has(upstream) });
  }
  lines.pushNowait({
    type: 'summary',
    upstreams,
    concurrency,
    deadlineMs,
    ok,
    failed,
    late,
    aborted: [...aborted].sort((a, b) => a - b),
    maxInFlight,
    deadlineHit,
    elapsedMs: Date.now() - startedAt,
  });
  lines.close();
}

/**
 * One upstream call, body included (the abort cancels the body read too). An error status or
 * a failed fetch becomes a `failed` line; only the abort is thrown, so that the worker can tell
 * "late" from "failed".
 */
async function attempt(call: CallUpstream, index: number, signal: AbortSignal): Promise<ResultLine | FailedLine> {
  const begun = Date.now();
  try {
    const response = await call(index, signal);
    const body = await readBody(response);
    const ms = Date.now() - begun;
    if (response.ok) return { type: 'result', upstream: index, status: response.status, ms, body };
    const error =
      typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : response.statusText;
    return { type: 'failed', upstream: index, status: response.status, error: error || `HTTP ${response.status}`, ms };
  } catch (error) {
    if (signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { type: 'failed', upstream: index, status: null, error: message, ms: Date.now() - begun };
  }
}

/** The most text of a body that a line keeps. */
const TEXT_KEPT = 500;
/** The most characters of a JSON body that are read to parse it; a larger one is kept as text. */
const JSON_READ = 64 * 1024;

/**
 * A response body as JSON when it says so, else as (at most 500 characters of) text. It reads
 * no more than it needs: about the first 64 Ki characters of a JSON body, the first 500 of any
 * other, then it cancels the rest. An upstream's body can be far larger than what a line shows,
 * or streamed slowly, and a Worker has 128 MB of memory.
 */
async function readBody(response: Response): Promise<unknown> {
  const json = response.headers.get('content-type')?.includes('json') ?? false;
  const { text, whole } = await readText(response, json ? JSON_READ : TEXT_KEPT);
  if (json && whole) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: fall through to text
    }
  }
  // A body cut short has more than TEXT_KEPT characters: it was cut past them.
  return text.length > TEXT_KEPT ? `${text.slice(0, TEXT_KEPT)}…` : text;
}

/**
 * The text of a body, read until it has more than `most` characters (the rest of the chunk
 * that crossed it included), and whether that was the whole body. A body cut short is cancelled.
 */
async function readText(response: Response, most: number): Promise<{ text: string; whole: boolean }> {
  if (response.body === null) return { text: '', whole: true };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), whole: true };
    text += decoder.decode(value, { stream: true });
    if (text.length > most) {
      // Not awaited: a cancel can wait on the far side, and this line needs nothing more.
      reader.cancel().catch(() => {});
      return { text, whole: false };
    }
  }
}
