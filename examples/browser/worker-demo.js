// The page of worker-demo.html: a CPU-heavy job moved into a Worker through channels.
//
// - `toPort(jobs, worker)` sends the jobs the producer pushes; the Worker's `fromPort` grants
//   credit for its free slots only, so `await jobs.push(job)` waits while the Worker is busy:
//   backpressure across the thread boundary (the bar shows how many jobs are out).
// - `fromPort(worker)` receives the results into a channel the page iterates with `for await`.
// - "Terminate the worker" kills it mid-stream. Nothing is silently lost: within the heartbeat
//   bound (about 5 s) `toPort` resolves with `undelivered`, the jobs that never reached the
//   Worker's channel, and the results channel closes with an error saying the other side is
//   gone. The jobs the Worker had taken but not finished died with it; the page knows which
//   (no result came back) and "Restart" runs exactly the missing ones in a new Worker.
import { enableDebug, relayDebug } from '../../dist/debug.js';
import { Channel } from '../../dist/index.js';
import { fromPort, toPort } from '../../dist/port.js';

// Debug mode on this page too, before any channel exists (they are made on Start), so the
// inspector lists the page's `jobs` — where the producer waits on the Worker's credit — and its
// `results` beside the Worker's two channels of the same names, each row tagged with its context.
enableDebug({ stacks: true });

/** Jobs in one run, and the numbers each one scans. */
export const JOBS = 120;
const BLOCK = 40_000;
/** The most jobs out at once: 4 in the Worker's channel + 1 in its hands + 1 result parked there. */
export const MAX_OUT = 6;

const $ = (id) => document.getElementById(id);

const state = {
  /** Job ids not yet pushed (a restart refills it with the missing ones). */
  queue: [],
  /** Results by job id. */
  results: new Map(),
  duplicates: 0,
  /** Jobs taken by toPort (committed to it) in the current Worker's run. */
  pushed: 0,
  /** Results received in the current Worker's run. */
  resultsThisRun: 0,
  maxOut: 0,
  /** What the last terminated Worker's toPort returned. */
  undelivered: [],
  /** Jobs the last terminated Worker had accepted but not finished. */
  diedWith: [],
  running: false,
  worker: undefined,
  phase: 'idle',
};
window.workerDemo = state;

function render() {
  const out = state.pushed - state.resultsThisRun;
  $('wd-pushed').textContent = String(state.pushed);
  $('wd-done').textContent = `${state.results.size} / ${JOBS}`;
  $('wd-out').textContent = `${out} (max ${state.maxOut} of ${MAX_OUT})`;
  $('wd-duplicates').textContent = String(state.duplicates);
  $('wd-bar').replaceChildren(
    ...Array.from({ length: MAX_OUT }, (_, i) => {
      const cell = document.createElement('span');
      if (i < out) cell.className = 'full';
      return cell;
    }),
  );
  $('wd-phase').textContent = state.phase;
  $('wd-undelivered').textContent = state.undelivered.length ? state.undelivered.join(', ') : '–';
  $('wd-died').textContent = state.diedWith.length ? state.diedWith.join(', ') : '–';
  $('wd-start').disabled = state.running || state.results.size === JOBS;
  // Terminate once the Worker took a job: its streams are paired by then, so the heartbeat
  // notices its death. (A Worker killed before its script ran never pairs: nothing would.)
  $('wd-terminate').disabled = !state.running || state.pushed === 0;
}

/** Runs the jobs in `state.queue` in a new Worker until they are done or the Worker dies. */
async function run() {
  state.running = true;
  state.pushed = 0;
  state.resultsThisRun = 0;
  state.phase = 'running: the producer waits whenever the Worker holds 4 jobs';
  render(); // at once: Start is disabled from the first click (a double click runs one Worker)
  const worker = new Worker(new URL('./worker-demo.worker.js', import.meta.url), { type: 'module' });
  state.worker = worker;
  const stopRelay = relayDebug(worker, { url: `worker-demo.worker.js#${Date.now()}` });
  const jobs = new Channel(0, { name: 'jobs' });
  const stopSending = new AbortController();
  const sending = toPort(jobs, worker, { name: 'jobs', signal: stopSending.signal });
  const results = fromPort(worker, { name: 'results', capacity: 1 });
  const taken = new Set();
  // A Worker whose script failed to load (a 404, a syntax error, a bare 'chanasync' import: a
  // module Worker does not see the page's import map) never answers, and its streams would wait
  // forever; an uncaught error in a live Worker leaves its streams open. Both fire `error` on
  // the Worker: stop this side of both streams, and the Worker.
  worker.addEventListener('error', (event) => {
    const detail = event instanceof ErrorEvent && event.message ? event.message : 'its script failed to load';
    worker.terminate();
    stopSending.abort(new Error(`the Worker failed: ${detail}`));
    results.close(new Error(`the Worker failed: ${detail}`));
  });

  const producing = (async () => {
    while (state.queue.length > 0) {
      const id = state.queue[0];
      await jobs.push({ id, start: 10_000_000 + id * BLOCK, size: BLOCK });
      state.queue.shift();
      taken.add(id);
      state.pushed++;
      state.maxOut = Math.max(state.maxOut, state.pushed - state.resultsThisRun);
      render();
    }
    jobs.close();
  })().catch(() => {}); // the push parked when the Worker died is failed by close() below

  let failure;
  try {
    for await (const result of results) {
      if (state.results.has(result.id)) state.duplicates++;
      state.results.set(result.id, result);
      taken.delete(result.id);
      state.resultsThisRun++;
      const item = document.createElement('li');
      item.textContent = `#${result.id}: ${result.primes} primes (${result.ms.toFixed(1)} ms)`;
      $('wd-log').prepend(item);
      $('wd-log').children[20]?.remove();
      render();
    }
  } catch (error) {
    failure = error;
  }
  // Every job toPort took is in exactly one place: a result, `undelivered`, or the Worker that
  // died with it. A job the producer had not handed over yet is still at the queue's head.
  const { undelivered } = await sending;
  jobs.close();
  await producing;
  stopRelay();
  worker.terminate(); // done or gone: an idle Worker would stay until the page closes
  state.worker = undefined;
  state.running = false;
  if (failure === undefined) {
    state.phase = 'done: every job computed exactly once';
  } else {
    state.undelivered = undelivered.map((job) => job.id);
    for (const id of state.undelivered) taken.delete(id);
    state.diedWith = [...taken];
    state.queue.unshift(...state.undelivered, ...state.diedWith);
    state.queue.sort((a, b) => a - b);
    state.phase = `the Worker is gone (${failure.message}); restart to run the ${state.queue.length} missing jobs`;
  }
  render();
}

$('wd-start').addEventListener('click', () => {
  if (state.running) return; // one Worker at a time: two would take the same jobs
  if (state.queue.length === 0 && state.results.size === 0) state.queue = Array.from({ length: JOBS }, (_, i) => i);
  void run();
});
$('wd-terminate').addEventListener('click', () => {
  state.worker?.terminate();
  state.phase = 'terminated: toPort notices within the heartbeat bound (about 5 s)…';
  render();
});
state.queue = Array.from({ length: JOBS }, (_, i) => i);
render();
state.ready = true;
