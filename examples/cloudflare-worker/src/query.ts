/**
 * The query parameters of the fan-out route, parsed and checked before any work starts: a
 * bad query gets a 400 with a message that names the parameter, never a half-done fan-out.
 */

/** Upper bounds, chosen to stay inside the Workers Free plan (50 subrequests per request). */
export const LIMITS = {
  upstreams: 50,
  concurrency: 50,
  deadlineMs: 30_000,
  delayMs: 30_000,
  heartbeatMs: 60_000,
} as const;

/** How the answer is sent: NDJSON lines as results arrive, or one JSON document at the end. */
export type Format = 'ndjson' | 'json';

/** A checked fan-out query. */
export interface FanOutQuery {
  /** `n`: how many upstream requests to make. */
  upstreams: number;
  /** `k`: the pool size, the most upstream requests in flight at once. */
  concurrency: number;
  /** `deadline`: milliseconds after which unfinished upstreams are reported late and aborted. */
  deadlineMs: number;
  /** `heartbeat`: NDJSON only, write an empty line after this many ms without a line (100 to 60000). */
  heartbeatMs: number;
  /** `format`: `ndjson` (streamed, the default) or `json` (gathered). */
  format: Format;
  /** `delay`: the simulated upstreams' delays in ms, used in turn (upstream i gets `delays[i % length]`). */
  delays: number[];
  /** `fail`: the indexes of the simulated upstreams that answer 500. */
  fail: Set<number>;
}

/** The defaults: eight upstreams, three at a time, a one-second deadline, streamed with a heartbeat every second. */
export const DEFAULTS = {
  upstreams: 8,
  concurrency: 3,
  deadlineMs: 1000,
  heartbeatMs: 1000,
  format: 'ndjson',
  delays: [100, 200, 300],
} as const;

/** The parameters of the fan-out route, in the order its 400 lists them. */
export const FAN_OUT_PARAMS = ['n', 'k', 'deadline', 'format', 'delay', 'fail', 'heartbeat'] as const;

/** Thrown by {@link parseQuery}; its message is the body of the 400 answer. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/**
 * The `400 {"error": …}` answer to a bad query: `error` is a {@link QueryError} (its message names
 * the parameter); any other error is thrown on.
 */
export function badQuery(error: unknown): Response {
  if (error instanceof QueryError) return Response.json({ error: error.message }, { status: 400 });
  throw error;
}

/**
 * Parses and checks the fan-out route's query parameters.
 *
 * @param params the request URL's `searchParams`.
 * @returns the checked query, with defaults filled in.
 * @throws {QueryError} naming the first bad parameter: an unknown name, a parameter given more
 * than once, a value that is not a whole number (`n=abc`, `n=1e3`, an empty `fail=`), or one out
 * of range (`k=0`, `k=-2`, `n=1000`, `n=99999999999999999999`).
 */
export function parseQuery(params: URLSearchParams): FanOutQuery {
  checkNames(params, FAN_OUT_PARAMS);
  const upstreams = integer(params, 'n', DEFAULTS.upstreams, 1, LIMITS.upstreams);
  const concurrency = integer(params, 'k', DEFAULTS.concurrency, 1, LIMITS.concurrency);
  const deadlineMs = integer(params, 'deadline', DEFAULTS.deadlineMs, 1, LIMITS.deadlineMs);
  const heartbeatMs = integer(params, 'heartbeat', DEFAULTS.heartbeatMs, 100, LIMITS.heartbeatMs);

  const format = params.get('format') ?? DEFAULTS.format;
  if (format !== 'ndjson' && format !== 'json') {
    throw new QueryError(`format must be "ndjson" or "json", got "${format}"`);
  }

  const delayList = params.get('delay');
  const delays = delayList === null ? [...DEFAULTS.delays] : list(delayList, 'delay', 0, LIMITS.delayMs);

  const failList = params.get('fail');
  const fail = new Set(failList === null ? [] : list(failList, 'fail', 0, upstreams - 1));
  return { upstreams, concurrency, deadlineMs, heartbeatMs, format, delays, fail };
}

/**
 * Checks the names of a route's query parameters, the same way on every route: each must be one
 * the route takes, given at most once.
 *
 * @param params the request URL's `searchParams`.
 * @param known the names the route takes (none: the route takes no parameter).
 * @throws {QueryError} naming the first unknown or repeated parameter.
 */
export function checkNames(params: URLSearchParams, known: readonly string[]): void {
  for (const name of new Set(params.keys())) {
    if (!known.includes(name)) {
      const takes = known.length === 0 ? 'this route takes none' : `known: ${known.join(', ')}`;
      throw new QueryError(`unknown query parameter "${name}"; ${takes}`);
    }
    const count = params.getAll(name).length;
    if (count > 1) throw new QueryError(`${name} is given ${count} times; give it once`);
  }
}

/**
 * One whole-number parameter in [min, max], or its default when absent; the rule of every route
 * (repeats are refused before, by {@link checkNames}).
 *
 * @throws {QueryError} naming the parameter, for a value that is not whole or out of range.
 */
export function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  return whole(raw, name, min, max);
}

/** A comma-separated, non-empty list of whole numbers, each in [min, max]. */
function list(raw: string, name: string, min: number, max: number): number[] {
  if (raw === '') throw new QueryError(`${name} must be a comma-separated list of whole numbers, got ""`);
  return raw.split(',').map((item) => whole(item.trim(), name, min, max));
}

/**
 * A whole number in [min, max]. Only an optional minus sign and digits are taken (`n=1e9`,
 * `n=abc`, `n=` and `n=1.5` are refused as not whole); a number out of range — negative, or too
 * large, however many digits — is refused naming the range and the text as given.
 */
export function whole(raw: string, name: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw)) throw new QueryError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new QueryError(`${name} must be from ${min} to ${max}, got ${raw}`);
  return value;
}
