// The program of a Worker whose loop throws mid-stream (thrower-worker.js): the page sends jobs
// 0..count-1, collects squares, and when the Worker's `error` event fires it stops its own side
// — aborts toPort's signal, closes its results channel — unless the worker closed its streams
// itself (`tidy`). Every job left without a result then
// goes to a fresh Worker. Returns what the test checks.
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { listeners, liveIntervals, nextReport } from '/programs/track.js';

function run(jobList, { crashAt, tidy, onResult }) {
  const worker = new Worker(`/programs/thrower-worker.js?crashAt=${crashAt}&tidy=${tidy ? 1 : 0}`, { type: 'module' });
  const jobs = new Channel(2);
  // A signal to stop the stream: closing `jobs` would not (toPort sends what a closed channel still
  // holds, and this worker no longer pulls).
  const stop = new AbortController();
  const sending = toPort(jobs, worker, { name: 'jobs', signal: stop.signal });
  const results = fromPort(worker, { name: 'results' });
  const state = { error: null, erroredAt: undefined };
  const onError = (event) => {
    event.preventDefault(); // handled: the page logs it and recovers
    state.error = event.message;
    state.erroredAt = performance.now();
    if (!tidy) {
      // The worker is alive, its streams open: nothing would settle by itself. Stop our side.
      stop.abort(new Error('the worker failed'));
      results.close();
    }
  };
  worker.addEventListener('error', onError);
  const report = crashAt < 0 ? nextReport(worker) : undefined;
  const producing = (async () => {
    try {
      for (const job of jobList) await jobs.push(job);
      jobs.close();
    } catch {
      // closed once the stream is over: the jobs not pushed are outstanding
    }
  })();
  const reading = (async () => {
    try {
      for await (const result of results) onResult(result);
      return null;
    } catch (error) {
      return `${error?.name}: ${error?.message}`;
    }
  })();
  return (async () => {
    const result = await sending;
    const resultsEnd = await reading;
    jobs.close(); // the worker is done with them: release a producer still waiting
    await producing;
    const settledAfter = state.erroredAt === undefined ? undefined : performance.now() - state.erroredAt;
    worker.removeEventListener('error', onError);
    const workerReport = report === undefined ? null : await report;
    worker.terminate();
    return {
      sent: result.sent,
      undelivered: result.undelivered,
      resultsEnd,
      error: state.error,
      settledAfter,
      workerReport,
      leftInQueue: jobs.size,
      pageListeners: listeners(worker),
    };
  })();
}

export async function runThrower({ count, crashAt, tidy }) {
  const outstanding = new Set(Array.from({ length: count }, (_, i) => i));
  const squares = [];
  const onResult = ({ job, square }) => {
    squares.push([job, square]);
    outstanding.delete(job);
  };
  const first = await run([...outstanding], { crashAt, tidy, onResult });
  const retried = [...outstanding];
  const second = await run(retried, { crashAt: -1, tidy, onResult });
  return { first, retried, second, squares, intervals: liveIntervals(), windowListeners: listeners(window) };
}
