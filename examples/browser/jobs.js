// Demo 3 — a job queue: producers, a bounded buffer, a worker pool.
//
// Backpressure is the whole point of a bounded channel: `await jobs.push(job)` resolves once the
// job is *committed* (in the buffer, or handed to a waiting worker). While the buffer is full it
// waits, so fast producers are held back to the pace of the workers instead of piling up work
// in memory. The bar below shows the buffer; "producers waiting" is the channel's own count of
// parked pushes (stats().waitingPushers).
//
// Exactly once: several workers iterate the same channel with `for await`; each value goes to
// exactly one of them, and close() ends their loops only once the buffer is drained, so no job
// is lost or done twice. The demo counts every job to prove it.
import { Channel } from '../../dist/index.js';

export const PRODUCERS = 3;
export const JOBS_PER_PRODUCER = 12;
export const WORKERS = 3;
export const CAPACITY = 5;

/** How long a producer takes to make a job, and a worker to do one, in ms. Workers are slower. */
const MAKE_MS = [10, 40];
const WORK_MS = [80, 200];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([min, max]) => min + Math.random() * (max - min);

/**
 * Wires the button; returns the live counters (`window.demo.jobs`).
 *
 * @param {(id: string) => HTMLElement} $
 */
export function startJobs($) {
  const stats = {
    runs: 0,
    running: false,
    total: PRODUCERS * JOBS_PER_PRODUCER,
    capacity: CAPACITY,
    pushed: 0,
    done: 0,
    duplicates: 0,
    missing: 0,
    /** The fullest the buffer got, and the most producers parked at once. */
    maxSize: 0,
    maxWaitingPushers: 0,
    /** After a run: whether every job was done exactly once. */
    exactlyOnce: null,
  };
  const button = /** @type {HTMLButtonElement} */ ($('jobs-run'));
  drawBar($, 0);
  drawChips(
    $('jobs-producers'),
    Array.from({ length: PRODUCERS }, (_, i) => [`P${i + 1}`, 'idle', '']),
  );
  drawChips(
    $('jobs-workers'),
    Array.from({ length: WORKERS }, (_, i) => [`W${i + 1}`, 'idle', '']),
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Running…';
    run($, stats)
      .catch((error) => {
        $('jobs-verdict').textContent = `failed: ${error}`;
      })
      .finally(() => {
        button.disabled = false;
        button.textContent = `Run ${stats.total} jobs again`;
      });
  });
  return stats;
}

/** One run: PRODUCERS × JOBS_PER_PRODUCER jobs through a channel of CAPACITY to WORKERS workers. */
async function run($, stats) {
  Object.assign(stats, { running: true, pushed: 0, done: 0, duplicates: 0, missing: 0, exactlyOnce: null });
  Object.assign(stats, { maxSize: 0, maxWaitingPushers: 0 });
  stats.runs++;
  $('jobs-verdict').textContent = '';
  $('jobs-verdict').className = 'verdict';

  // A fresh channel per run (named, so the inspector lists it as 'jobs').
  const jobs = new Channel(CAPACITY, { name: 'jobs' });
  const producers = Array.from({ length: PRODUCERS }, () => ({ state: 'making', job: '' }));
  const workers = Array.from({ length: WORKERS }, () => ({ state: 'idle', job: '' }));
  /** How many times each job was done: every entry must end at exactly 1. */
  const doneCount = new Map();

  async function producer(index) {
    const me = producers[index];
    for (let n = 1; n <= JOBS_PER_PRODUCER; n++) {
      me.state = 'making';
      me.job = '';
      await sleep(between(MAKE_MS));
      const job = `P${index + 1}-${n}`;
      doneCount.set(job, 0);
      me.state = 'waiting';
      me.job = job;
      // Backpressure: with the buffer full, this push parks until a worker frees a slot. (With
      // room, it resolves at once, so a producer the screen shows as 'waiting' is parked.)
      const committed = jobs.push(job);
      sample(); // the push has either committed or parked by now: both show in stats()
      await committed;
      stats.pushed++;
    }
    me.state = 'done';
    me.job = '';
  }

  async function worker(index) {
    const me = workers[index];
    // Each job goes to exactly one of the workers iterating the channel. The loop ends when
    // the channel is closed *and* drained — jobs still buffered at close() are not lost.
    for await (const job of jobs) {
      me.state = 'working';
      me.job = job;
      await sleep(between(WORK_MS));
      const count = doneCount.get(job) + 1;
      doneCount.set(job, count);
      if (count > 1) stats.duplicates++;
      stats.done++;
      me.state = 'idle';
      me.job = '';
    }
    me.state = 'finished';
  }

  /** Records the fullest buffer and the most parked producers; returns the channel's stats. */
  function sample() {
    const now = jobs.stats();
    stats.maxSize = Math.max(stats.maxSize, now.size);
    stats.maxWaitingPushers = Math.max(stats.maxWaitingPushers, now.waitingPushers);
    return now;
  }

  // Redraw from the channel's own state every frame while the run lasts.
  let frame = 0;
  const draw = () => {
    const { size, waitingPushers } = sample();
    drawBar($, size);
    $('jobs-size').textContent = `${size} / ${CAPACITY}`;
    $('jobs-waiting').textContent = String(waitingPushers);
    drawChips(
      $('jobs-producers'),
      producers.map((p, i) => [`P${i + 1}`, p.state, p.job]),
    );
    drawChips(
      $('jobs-workers'),
      workers.map((w, i) => [`W${i + 1}`, w.state, w.job]),
    );
    for (const name of ['pushed', 'done', 'duplicates']) $(`jobs-${name}`).textContent = String(stats[name]);
    $('jobs-max-waiting').textContent = String(stats.maxWaitingPushers);
    frame = requestAnimationFrame(draw);
  };
  draw();

  const pool = workers.map((_, i) => worker(i));
  await Promise.all(producers.map((_, i) => producer(i)));
  jobs.close(); // no more jobs: the workers finish what is buffered, then their loops end
  await Promise.all(pool);

  cancelAnimationFrame(frame);
  draw();
  cancelAnimationFrame(frame); // draw() scheduled one more frame
  stats.missing = [...doneCount.values()].filter((count) => count === 0).length;
  stats.exactlyOnce =
    doneCount.size === stats.total && stats.done === stats.total && stats.duplicates === 0 && stats.missing === 0;
  stats.running = false;
  const verdict = $('jobs-verdict');
  verdict.textContent = stats.exactlyOnce
    ? `✓ ${stats.done} of ${stats.total} jobs done, each exactly once`
    : `✗ ${stats.done} done, ${stats.duplicates} twice, ${stats.missing} never`;
  verdict.classList.add(stats.exactlyOnce ? 'ok' : 'bad');
}

function drawBar($, size) {
  const bar = $('jobs-bar');
  if (bar.children.length !== CAPACITY) {
    bar.replaceChildren(...Array.from({ length: CAPACITY }, () => document.createElement('span')));
  }
  [...bar.children].forEach((slot, i) => {
    slot.classList.toggle('full', i < size);
  });
}

/** Draws [label, state, job] chips. */
function drawChips(list, chips) {
  list.replaceChildren(
    ...chips.map(([label, state, job]) => {
      const chip = document.createElement('li');
      chip.className = `chip ${state}`;
      chip.textContent = job === '' ? `${label} · ${state}` : `${label} · ${state} ${job}`;
      return chip;
    }),
  );
}
