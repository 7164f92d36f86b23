/**
 * Helpers of the BQ-jobs audit: the example Worker in workerd (through the example's own
 * harness), optionally with another queue capacity and channel name, as the README's
 * "Changing the queue's capacity" says (a new JOB_CAPACITY goes with a new JOB_CHANNEL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { bundleWorker, startWorker } from '../harness.js';

export const BASE = 'http://localhost';

let bundled: Promise<string> | undefined;

/** The bundled Worker, once per file. */
export function script(): Promise<string> {
  bundled ??= bundleWorker();
  return bundled;
}

/**
 * The bundled Worker with `JOB_CAPACITY` and `JOB_CHANNEL` rewritten (the README's procedure),
 * and any other of src/jobs.ts's exported constants given in `more` (`{ PUSH_WAIT_MS: 10_000 }`).
 */
export async function scriptWith(
  capacity: number,
  channel: string,
  more: Record<string, number> = {},
): Promise<string> {
  let text = await script();
  const values: Record<string, number | string> = { JOB_CAPACITY: capacity, JOB_CHANNEL: channel, ...more };
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`var ${name} = [^;]+;`);
    if (!line.test(text)) throw new Error(`the bundle no longer has the constant ${name}`);
    text = text.replace(line, `var ${name} = ${JSON.stringify(value)};`);
  }
  return text;
}

/** What workerd printed, kept for assertions. */
export interface Running {
  mf: Miniflare;
  logs: string[];
  dispose(): Promise<void>;
}

/** Starts the Worker (`text`, default: the example as is), optionally on kept storage. */
export async function start(text?: string, persist?: string): Promise<Running> {
  const logs: string[] = [];
  const mf = startWorker(text ?? (await script()), {}, (line) => logs.push(line), persist);
  await mf.ready;
  let disposed = false;
  return {
    mf,
    logs,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await mf.dispose();
    },
  };
}

/** A temporary folder under /tmp, for `persist`. */
export function tempFolder(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'bq-jobs-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

type Init = Parameters<Miniflare['dispatchFetch']>[1];

/** A request to the Worker; the body is read as text (an empty string for none). */
export async function call(
  mf: Miniflare,
  path: string,
  init?: Init,
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const response = await mf.dispatchFetch(`${BASE}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    text,
    json: () => JSON.parse(text),
  };
}

/** `POST /jobs` with `job` as JSON, an optional Idempotency-Key. */
export function post(mf: Miniflare, job: unknown, key?: string) {
  return call(mf, '/jobs', {
    method: 'POST',
    body: JSON.stringify(job),
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });
}

/**
 * A `GET /jobs/stream?heartbeat=5000` client that reads until `job`'s line has come, then
 * leaves (aborts its request and cancels the body): the stream has written that line, and no
 * two more writes confirmed it.
 */
export async function readThenLeave(mf: Miniflare, job: unknown): Promise<void> {
  const controller = new AbortController();
  const response = await mf.dispatchFetch(`${BASE}/jobs/stream?heartbeat=5000`, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(JSON.stringify(job))) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`readThenLeave: the stream ended before ${JSON.stringify(job)}`);
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  await reader.cancel().catch(() => {});
}

/** `POST /jobs/take?…`: the jobs (an empty list for a 204); throws on another status. */
export async function take(mf: Miniflare, query = 'max=10&wait=0'): Promise<unknown[]> {
  const answer = await call(mf, `/jobs/take?${query}`, { method: 'POST' });
  if (answer.status === 204) return [];
  if (answer.status !== 200) throw new Error(`take: ${answer.status} ${answer.text}`);
  return (answer.json() as { jobs: unknown[] }).jobs;
}

export interface Stats {
  name: string;
  capacity: number | null;
  size: number;
  leased: number;
  closed: boolean;
  waitingPushers: number;
  waitingPullers: number;
}

export async function stats(mf: Miniflare): Promise<Stats> {
  const answer = await call(mf, '/jobs/stats');
  if (answer.status !== 200) throw new Error(`stats: ${answer.status} ${answer.text}`);
  return answer.json() as Stats;
}

/** Takes everything ready now (`wait=0`), batch after batch. */
export async function drain(mf: Miniflare): Promise<unknown[]> {
  const all: unknown[] = [];
  for (;;) {
    const batch = await take(mf, 'max=100&wait=0');
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or throws after `ms`. */
export async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The uncaught errors workerd reported. */
export function uncaught(logs: string[]): string[] {
  return logs.filter((line) => /uncaught/i.test(line));
}

/**
 * A raw HTTP/1.1 request on a socket to the Worker's URL (what curl would send): `head` is the
 * request line's method and path plus header lines; `body` is written after the headers. The
 * answer's status and body (the body de-chunked only if short and simple: tests use its status).
 */
export async function raw(
  mf: Miniflare,
  head: string,
  body: Buffer | string = '',
): Promise<{ status: number; text: string }> {
  const url = await mf.ready;
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`${head}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      if (body.length > 0) socket.write(body);
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    // a reset after the answer (the Worker answered before reading the body) keeps the answer
    socket.on('error', (error) => {
      if (data === '') reject(error);
    });
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, text: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}
