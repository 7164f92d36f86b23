// The worker-pool program, as a page writes it: N dedicated Workers, one port each (the Worker
// itself) carrying three named streams — jobs (one local queue feeds every worker: whichever is
// free takes the next job), results and progress. Results are collected in order of completion.
// With `kill`, the page terminates worker 0 once `kill` results are in: its toPort settles with
// the jobs it never took, its channels close with an error, and every job left without a result
// goes to a fresh worker. Returns everything the test checks, leftovers included.
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { listeners, liveIntervals, nextReport } from '/programs/track.js';

/** Reads `channel` to its end; returns how it ended (null: normally, else the error's message). */
async function consume(channel, each) {
  try {
    for await (const value of channel) each(value);
    return null;
  } catch (error) {
    return `${error?.name}: ${error?.message}`;
  }
}

/** Runs `jobList` on `count` new workers (ids from `firstId`) fed from one queue. */
async function round(jobList, count, firstId, steps, kill, onResult) {
  const queue = new Channel(0);
  const workers = [];
  for (let w = firstId; w < firstId + count; w++) {
    const worker = new Worker(`/programs/pool-worker.js?worker=${w}&steps=${steps}`, { type: 'module' });
    const giveUp = new AbortController();
    const report = nextReport(worker, undefined, giveUp.signal);
    const sending = toPort(queue, worker, { name: 'jobs' });
    const entry = { id: w, worker, report, giveUp, sending, progress: [] };
    entry.resultsEnd = consume(fromPort(worker, { name: 'results', capacity: 4 }), (result) => {
      onResult(result);
      if (kill !== undefined && w === firstId && --kill.after === 0) {
        kill.at = performance.now();
        worker.terminate();
      }
    });
    entry.progressEnd = consume(fromPort(worker, { name: 'progress', capacity: 4 }), (p) => entry.progress.push(p));
    workers.push(entry);
  }
  // Every worker asks before the first job goes: each one's toPort parks a pull on the queue once
  // its Worker has loaded and granted credit. Otherwise a loaded machine lets the workers that
  // load first take every job, and a test of what worker 0 had in flight has nothing to test.
  for (let waited = 0; queue.stats().waitingPullers < count && waited < 10_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const job of jobList) await queue.push(job);
  queue.close();
  const out = [];
  for (const entry of workers) {
    const sent = await entry.sending;
    const resultsEnd = await entry.resultsEnd;
    const progressEnd = await entry.progressEnd;
    const killed = kill !== undefined && entry.id === firstId;
    if (killed) entry.giveUp.abort(); // it will never report
    const report = killed ? null : await entry.report;
    if (!killed) entry.worker.terminate();
    out.push({
      id: entry.id,
      sent: sent.sent,
      undelivered: sent.undelivered.map((job) => job.id),
      resultsEnd,
      progressEnd,
      progress: entry.progress,
      report,
      pageListeners: listeners(entry.worker),
    });
  }
  return { workers: out, queue: queue.stats() };
}

export async function runPool({ workers = 3, jobs = 30, steps = 3, kill } = {}) {
  const jobList = Array.from({ length: jobs }, (_, id) => ({ id, n: 100 + id, delay: id % 3 }));
  const results = [];
  const outstanding = new Set(jobList.map((job) => job.id));
  const onResult = (result) => {
    results.push(result);
    outstanding.delete(result.id);
  };
  const started = performance.now();
  const killing = kill === undefined ? undefined : { after: kill };
  const first = await round(jobList, workers, 0, steps, killing, onResult);
  const detectedAfter = killing?.at === undefined ? undefined : performance.now() - killing.at;
  const retried = [...outstanding];
  const second =
    retried.length === 0
      ? undefined
      : await round(
          jobList.filter((job) => outstanding.has(job.id)),
          1,
          workers,
          steps,
          undefined,
          onResult,
        );
  return {
    results,
    retried,
    rounds: [first, second].filter(Boolean),
    detectedAfter,
    ms: performance.now() - started,
    intervals: liveIntervals(),
    windowListeners: listeners(window),
  };
}
