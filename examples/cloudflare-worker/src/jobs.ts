/**
 * A job queue shared by every request, built on one durable channel (`chanasync/durable`):
 *
 * ```text
 *  POST /jobs ──push──► durable channel "jobs" ──pullMany──► POST /jobs/take
 *  (any request,         (a Durable Object:                   (any request, any
 *   any isolate)          SQLite, FIFO, leases)                isolate: a batch)
 * ```
 *
 * - `POST /jobs` pushes the JSON body. The push resolves once the job is on disk in the
 *   channel's Durable Object, so a 202 means "stored". An `Idempotency-Key` header becomes the
 *   push id: a client that retries after a lost answer gets its job stored once.
 * - `POST /jobs/take?max=10&wait=1000` pulls up to `max` jobs in FIFO order, waiting up to
 *   `wait` ms for the first. A job leaves the queue only once this request has received it (it
 *   is leased until then): a consumer that disconnects mid-take loses nothing.
 * - `GET /jobs/stream` takes jobs as they arrive and streams them to its client as NDJSON, one
 *   job per line, until the client leaves: a job is taken only when the client is ready for
 *   the next line, so the jobs not yet sent stay queued for other consumers.
 * - `GET /jobs/stats` shows the queue: stored jobs, jobs leased to a taking request, waiting
 *   pushes and takes.
 *
 * Unlike the fan-out's channels, this channel outlives every request: it is not in this
 * isolate's memory but in one Durable Object that every request reaches by name.
 */
import { ChannelClosedError } from 'chanasync';
import { type DurableChannel, type DurableObjectNamespaceLike, durableChannel } from 'chanasync/durable';
import { HEARTBEAT, orHeartbeat } from './heartbeat.js';
import { integer, QueryError } from './query.js';

/**
 * The queue's channel: every request opens it by this name. A durable channel's capacity is
 * fixed when the channel is created and never changes, so a new {@link JOB_CAPACITY} needs a
 * new name here (`'jobs-v2'`); the old channel keeps its jobs until something drains it.
 */
export const JOB_CHANNEL = 'jobs';
/**
 * The queue's capacity: a `POST /jobs` on a full queue waits up to {@link PUSH_WAIT_MS}, then
 * gets a 503. Changing it? Change {@link JOB_CHANNEL} too: the channel that exists keeps the
 * capacity it was created with, and every job route answers 500 (see {@link misconfigured}).
 */
export const JOB_CAPACITY = 1000;
/** How long a `POST /jobs` waits for room before answering 503. */
export const PUSH_WAIT_MS = 2000;
/** Limits of `POST /jobs/take`. */
export const TAKE_LIMITS = { max: 100, waitMs: 25_000 } as const;
/** The largest job body accepted, in bytes. */
export const MAX_JOB_BYTES = 64 * 1024;

/** The job queue's channel. Creating the client is free (no I/O), so each request makes one. */
function jobs(namespace: DurableObjectNamespaceLike | undefined): DurableChannel<unknown> | Response {
  if (namespace === undefined) {
    return Response.json({ error: 'no CHANNELS binding: bind ChannelObject in wrangler.jsonc' }, { status: 500 });
  }
  return durableChannel<unknown>(namespace, JOB_CHANNEL, { capacity: JOB_CAPACITY });
}

/**
 * The answer to an error of a job route that is this Worker's configuration, not the request:
 * the channel exists with another capacity than {@link JOB_CAPACITY} (every operation then
 * rejects with a `RangeError` saying so). A 500 that says what to change; `undefined` for any
 * other error.
 */
export function misconfigured(error: unknown): Response | undefined {
  if (!(error instanceof RangeError) || !error.message.includes('fixed when it was created')) return undefined;
  return Response.json(
    {
      error:
        `${error.message}. A durable channel's capacity never changes: to change JOB_CAPACITY, ` +
        'give the queue a new JOB_CHANNEL name too (src/jobs.ts)',
    },
    { status: 500 },
  );
}

/**
 * `POST /jobs`: pushes the request's JSON body as one job. Answers 202 `{ id }` once the job is
 * stored, 400 for a body that is not JSON, 413 for one over {@link MAX_JOB_BYTES}, 503 with
 * `Retry-After` when the queue stayed full for {@link PUSH_WAIT_MS}.
 */
export async function pushJob(request: Request, namespace: DurableObjectNamespaceLike | undefined): Promise<Response> {
  const channel = jobs(namespace);
  if (channel instanceof Response) return channel;
  const text = await readAtMost(request, MAX_JOB_BYTES);
  if (text === undefined) {
    return Response.json({ error: `a job is at most ${MAX_JOB_BYTES} bytes` }, { status: 413 });
  }
  let job: unknown;
  try {
    job = JSON.parse(text);
  } catch {
    return Response.json({ error: 'the body must be JSON' }, { status: 400 });
  }
  const key = request.headers.get('idempotency-key');
  if (key !== null && (key.length < 1 || key.length > 256)) {
    return Response.json({ error: 'Idempotency-Key must be 1 to 256 characters' }, { status: 400 });
  }
  const id = key ?? crypto.randomUUID();
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(PUSH_WAIT_MS)]);
  try {
    await channel.push(job, { id, signal });
  } catch (error) {
    if (error instanceof ChannelClosedError) return Response.json({ error: 'the queue is closed' }, { status: 410 });
    if (signal.aborted) {
      return Response.json(
        { error: 'the queue is full; retry later' },
        { status: 503, headers: { 'retry-after': '1' } },
      );
    }
    // A JSON value the channel cannot store (nested too deep for the structured clone): the
    // push refuses it with a TypeError before anything is stored.
    if (error instanceof TypeError && error.message.includes('cannot be sent to a durable channel')) {
      return Response.json({ error: `the job cannot be stored: ${error.message}` }, { status: 422 });
    }
    throw error;
  }
  return Response.json({ id }, { status: 202 });
}

/**
 * The request's body as text, or `undefined` if it is over `max` bytes. It stops reading one
 * chunk past `max` (a declared `Content-Length` over it is refused unread): `request.text()`
 * would read a body of any size, or wait forever for one that never ends, before it could be
 * measured.
 */
async function readAtMost(request: Request, max: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length')) > max) return undefined;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes); // UTF-8, as request.text()
}

/**
 * `POST /jobs/take?max=10&wait=1000`: takes up to `max` jobs (1 to 100, default 10), waiting up
 * to `wait` ms (0 to 25000, default 1000) for the first. Answers 200 `{ jobs }`, 204 when none
 * came in time, 410 when the queue is closed and drained. The jobs are removed from the queue
 * before the answer is sent. With `wait=0` it takes the jobs ready now (up to `max`) and waits
 * for none.
 */
export async function takeJobs(
  request: Request,
  url: URL,
  namespace: DurableObjectNamespaceLike | undefined,
): Promise<Response> {
  const channel = jobs(namespace);
  if (channel instanceof Response) return channel;
  const max = wholeParam(url, 'max', 10, 1, TAKE_LIMITS.max);
  const waitMs = wholeParam(url, 'wait', 1000, 0, TAKE_LIMITS.waitMs);
  if (typeof max === 'string') return Response.json({ error: max }, { status: 400 });
  if (typeof waitMs === 'string') return Response.json({ error: waitMs }, { status: 400 });
  if (waitMs === 0) {
    // Nothing to wait for: the jobs ready now, up to `max`, in one call to the object.
    const taken = await channel.tryPullMany(max);
    if (taken.length > 0) return Response.json({ jobs: taken });
    // Closed and drained (nothing leased either, that could come back): as `pullMany` says it.
    const { closed, leased } = await channel.stats();
    if (closed && leased === 0) return Response.json({ error: 'the queue is closed' }, { status: 410 });
    return new Response(null, { status: 204 });
  }
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(waitMs)]);
  try {
    return Response.json({ jobs: await channel.pullMany(max, { signal }) });
  } catch (error) {
    if (signal.aborted) return new Response(null, { status: 204 }); // nothing in time: nothing taken
    if (error instanceof ChannelClosedError) return Response.json({ error: 'the queue is closed' }, { status: 410 });
    throw error;
  }
}

/**
 * `GET /jobs/stream?heartbeat=15000`: takes jobs as they arrive and streams them as NDJSON (one
 * JSON line per job), until the client leaves or the queue is closed and drained: then a last
 * line `{"closed":true}`, or `{"error":"…"}` with the close reason's message (or the error that
 * stopped the stream). While it waits for a job it writes an empty line every `heartbeat` ms
 * (100 to 60000, default 15000): clients skip empty lines.
 *
 * When the client leaves, the jobs it may not have got go back to the queue (at its end, under
 * fresh ids): the one taken and not yet written, and every job whose line was not followed by
 * {@link CONFIRMING_WRITES} more writes of the stream (see {@link CONFIRMING_WRITES} for why
 * two). A write that has not completed after {@link STALL_MS} counts as a departure.
 *
 * Why it is written this way — the shapes that look simpler lose jobs when the client leaves:
 * - One stream with `highWaterMark: 0`, whose `pull` takes one job only when the client is
 *   ready for the next line, and writes every chunk (job lines and heartbeats alike), one per
 *   `pull`. The runtime pumps a body read → write → read, so a new `pull` means that the
 *   previous chunk was written. A `TransformStream` (or `TextEncoderStream`) piped after
 *   `ReadableStream.from(channel)` keeps a queue of its own: jobs pulled ahead into it were
 *   taken from the channel, and are gone when the client leaves.
 * - The channel's own iterator, ended by `return()` when the client leaves: `return()`
 *   withdraws a take that still waits (nothing is consumed). An `async function*` around a
 *   `for await` cannot do that: its `return()` waits for the pending take, which then takes the
 *   next job for nobody.
 * - The heartbeat: a Worker may learn that its client left only when it writes to it (so it is
 *   under `wrangler dev` and Miniflare), and a connection that carries no byte for 100 s is
 *   closed by Cloudflare's proxy. Without it, a stream whose client left would wait on, and take
 *   the next job for nobody.
 * - The push back inside `ctx.waitUntil`: once the client is gone, the runtime cancels the
 *   request's pending I/O, and the withdrawal of a waiting take and the pushes back (calls to the
 *   object) would be cancelled with it.
 */
export async function streamJobs(
  request: Request,
  url: URL,
  namespace: DurableObjectNamespaceLike | undefined,
  ctx: { waitUntil(promise: Promise<unknown>): void },
): Promise<Response> {
  const channel = jobs(namespace);
  if (channel instanceof Response) return channel;
  const heartbeatMs = wholeParam(url, 'heartbeat', 15_000, 100, 60_000);
  if (typeof heartbeatMs === 'string') return Response.json({ error: heartbeatMs }, { status: 400 });
  // One call to the object before the 200 goes out: a channel of another capacity than
  // JOB_CAPACITY gets the other job routes' 500 here, not a 200 whose one line is the error.
  try {
    await channel.stats();
  } catch (error) {
    const answer = misconfigured(error);
    if (answer === undefined) throw error;
    return answer;
  }
  const headers = { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' };
  // HEAD: the headers of the stream, and no stream: a take would take a job for nobody.
  if (request.method === 'HEAD') return new Response(null, { headers });
  const iterator = channel[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const line = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
  const written = new ConfirmedLines();
  /** The take in progress, kept across the `pull`s that only write a heartbeat while it waits. */
  let taking: Promise<IteratorResult<unknown>> | undefined;
  /** Set when the client left (the body was cancelled or `request.signal` aborted): nothing more is written. */
  let gone = false;
  let stopped: Promise<void> | undefined;
  /** Aborts {@link PUSH_BACK_MS} after the client left: the push back's deadline. */
  let pushBackBy: AbortSignal | undefined;
  /** Ends the iteration (withdrawing a take that waits), then pushes back the unconfirmed jobs. Once. */
  const stop = (left: boolean): Promise<void> => {
    if (stopped !== undefined) return stopped;
    gone = left;
    if (left) pushBackBy = AbortSignal.timeout(PUSH_BACK_MS);
    clearTimeout(stall);
    request.signal.removeEventListener('abort', onAbort);
    release();
    // The push back does not wait for the withdrawal: a take cut off by the departure may never
    // settle (its job then comes back when its lease ends). A job that take still gets is
    // pushed back as it arrives (`taking`, below).
    stopped = Promise.all([
      iterator.return?.(),
      gone ? pushBack(channel, written.drain(), pushBackBy) : undefined,
    ]).then(
      () => {},
      (error: unknown) => console.error('GET /jobs/stream: ending the iteration failed:', error),
    );
    // `waitUntil`: once the client is gone the runtime cancels the request's pending I/O, these
    // calls to the object included.
    ctx.waitUntil(stopped);
    return stopped;
  };
  const onAbort = () => void stop(true);
  request.signal.addEventListener('abort', onAbort, { once: true });
  // Keeps the request's context alive until the stream stops: the stall watchdog (below) must
  // still be able to run when the runtime has dropped the response without telling the Worker.
  let release = () => {};
  ctx.waitUntil(
    new Promise<void>((resolve) => {
      release = resolve;
    }),
  );
  /** Fires when a chunk's write has not completed after {@link STALL_MS}. */
  let stall: ReturnType<typeof setTimeout> | undefined;
  /**
   * Enqueues a chunk and watches its write: a write that has not completed after
   * {@link STALL_MS} means a client gone without the runtime saying so (seen in Miniflare when
   * the departure is found while a line is being written: no abort, no cancel, and the write
   * never completes), or one that stopped reading. Either way the stream stops as if the client
   * had left, and the body is closed.
   */
  const write = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array) => {
    controller.enqueue(chunk);
    stall = setTimeout(() => {
      void stop(true);
      try {
        controller.close();
      } catch {
        // already closed or cancelled
      }
    }, STALL_MS);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        written.pulled(); // the previous chunk was written
        clearTimeout(stall);
        // Every job taken is recorded as it arrives, before anything else can run: a departure
        // at that moment pushes it back.
        taking ??= iterator.next().then((next) => {
          if (next.done) return next;
          // Taken after the departure, before the withdrawal could stop it (the commit came first).
          if (gone) ctx.waitUntil(pushBack(channel, [next.value], pushBackBy));
          else written.taken(next.value);
          return next;
        });
        let next: IteratorResult<unknown> | typeof HEARTBEAT;
        try {
          next = await orHeartbeat(taking, heartbeatMs);
        } catch (error) {
          // The queue was closed with a reason (the iterator throws it after the last job), or
          // the object could not be reached: a last line says so, and the body ends cleanly (an
          // errored body is logged as uncaught).
          taking = undefined;
          await stop(false);
          if (gone) return;
          controller.enqueue(line({ error: error instanceof Error ? error.message : String(error) }));
          controller.close();
          return;
        }
        if (next === HEARTBEAT) {
          if (!gone) write(controller, encoder.encode('\n')); // the take still waits
          return;
        }
        taking = undefined;
        if (next.done) {
          // Closed and drained, or ended because the client left (nobody reads on).
          await stop(false);
          if (gone) return;
          controller.enqueue(line({ closed: true }));
          controller.close();
          return;
        }
        if (gone) return; // (pushed back as it arrived)
        written.writing(); // its line is this pull's chunk
        write(controller, line(next.value));
      },
      async cancel() {
        await stop(true);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers });
}

/**
 * How many chunks (job lines or heartbeats) must be written after a job's line before the job
 * counts as delivered and is not pushed back when the client leaves. Under `wrangler dev` the
 * first write after the client left still succeeds (the connection takes it; the peer answers
 * with a reset) and only the second fails, so the Worker learns of the departure one write late:
 * a job line followed by fewer than two writes may be lost.
 */
export const CONFIRMING_WRITES = 2;

/** How long a chunk's write may take before `GET /jobs/stream` treats its client as gone. */
export const STALL_MS = 10_000;

/**
 * How long the jobs of a stream whose client left may wait for room to go back into a full
 * queue. They go back inside `ctx.waitUntil`, which the platform cancels 30 s after the client
 * left: a push back still waiting then would be dropped without a word. Past this deadline it
 * is withdrawn instead (nothing stored) and the job is logged for an operator, as a job that
 * cannot go back is. 15 s: the departure itself can take up to {@link STALL_MS} to be found.
 */
export const PUSH_BACK_MS = 15_000;

/**
 * The jobs a stream wrote whose lines are not yet confirmed, in the order they were taken. Each
 * `pull` of a `highWaterMark: 0` body means that the chunk of the previous `pull` was written.
 */
class ConfirmedLines {
  #pulls = 0;
  /** `pull`: the `pull` whose chunk is the job's line; `undefined` while it is not enqueued. */
  #pending: { job: unknown; pull: number | undefined }[] = [];

  /** A `pull` began: the chunk of the previous one was written; confirms the lines old enough. */
  pulled(): void {
    this.#pulls++;
    // The line enqueued by pull p was written when pull p + 1 began, the next chunks when
    // p + 2 and p + 3 began.
    for (let first = this.#pending[0]; first?.pull !== undefined; first = this.#pending[0]) {
      if (first.pull + 1 + CONFIRMING_WRITES > this.#pulls) break;
      this.#pending.shift();
    }
  }

  /** A job was taken: it is the stream's until its line is confirmed. */
  taken(job: unknown): void {
    this.#pending.push({ job, pull: undefined });
  }

  /** The last job taken is enqueued by the current `pull`. */
  writing(): void {
    const last = this.#pending.at(-1);
    if (last !== undefined) last.pull = this.#pulls;
  }

  /** Removes and returns the jobs not confirmed, oldest first. */
  drain(): unknown[] {
    return this.#pending.splice(0).map((entry) => entry.job);
  }
}

/**
 * Pushes `jobs` back into the queue, in order, each under a fresh id (the id it was delivered
 * under is remembered by the object for 10 minutes: a push under it would store nothing), each
 * waiting for room until `deadline` aborts ({@link PUSH_BACK_MS}). A job that cannot go back
 * (the queue was closed meanwhile, stayed full past the deadline, or the object failed) is
 * logged with its content, so that an operator can recover it.
 */
async function pushBack(channel: DurableChannel<unknown>, jobs: unknown[], deadline?: AbortSignal): Promise<void> {
  for (const job of jobs) {
    try {
      await channel.push(job, { id: crypto.randomUUID(), signal: deadline });
    } catch (error) {
      const full = deadline?.aborted === true && error === deadline.reason;
      const why = full ? `the queue stayed full for ${PUSH_BACK_MS} ms` : String(error);
      console.error(`GET /jobs/stream: could not push back a job the client may not have got: ${why}`, job);
    }
  }
}

/** `GET /jobs/stats`: the queue's `stats()` (size, leased, waiting pushes and takes, capacity). */
export async function jobStats(namespace: DurableObjectNamespaceLike | undefined): Promise<Response> {
  const channel = jobs(namespace);
  if (channel instanceof Response) return channel;
  const stats = await channel.stats();
  return Response.json({ ...stats, capacity: stats.capacity === Infinity ? null : stats.capacity });
}

/** A whole-number query parameter in [min, max] (query.ts's rule), its default when absent, or the 400 message. */
function wholeParam(url: URL, name: string, fallback: number, min: number, max: number): number | string {
  try {
    return integer(url.searchParams, name, fallback, min, max);
  } catch (error) {
    if (error instanceof QueryError) return error.message;
    throw error;
  }
}
