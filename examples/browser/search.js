// Demo 1 — search as you type. Read this file first: `searchLoop` is one loop that owns all
// the state (the query, the debounce timer, the request in flight) and reacts to whichever of
// three channels is ready. No flags shared between callbacks, no races between them:
//
//   keystrokes ──► select ──► (quiet for 250 ms) ──► start a request ──► replies ──► render
//                    ▲             after(250)                  │
//                    └──────── a new keystroke aborts it ◄─────┘
import { after, Channel, fromEvent, pull, select } from '../../dist/index.js';
import { searchBackend } from './backend.js';

/** How long the input must be quiet before a request starts. */
export const DEBOUNCE_MS = 250;

/** Entries kept in the request log. */
const LOG_LENGTH = 8;

/**
 * Starts the demo; returns its live counters (`window.demo.search`).
 *
 * @param {(id: string) => HTMLElement} $
 */
export function startSearch($) {
  const stats = {
    keystrokes: 0,
    requests: 0,
    aborted: 0,
    answered: 0,
    /** Replies that arrived after their request was aborted, dropped unrendered (rare). */
    staleDropped: 0,
    /** The query of the request in flight, or null. */
    inFlight: null,
    /** The query whose results are on screen, or null. */
    renderedQuery: null,
    /** The results on screen. */
    results: [],
  };
  const box = /** @type {HTMLInputElement} */ ($('search-box'));
  const ui = {
    /** Shows `stats[name]` in the counter of that name. */
    count(name) {
      $(`search-${name}`).textContent = String(stats[name]);
    },
    log(text, kind) {
      const item = document.createElement('li');
      item.className = kind;
      item.textContent = text;
      const log = $('search-log');
      log.prepend(item);
      while (log.children.length > LOG_LENGTH) log.lastElementChild.remove();
    },
    render(query, items) {
      $('search-heading').textContent = query === '' ? 'Results' : `Results for “${query}”`;
      const list = $('search-results');
      list.dataset.query = query;
      list.replaceChildren(
        ...items.map((word) => {
          const item = document.createElement('li');
          item.textContent = word;
          return item;
        }),
      );
      if (query !== '' && items.length === 0) list.innerHTML = '<li class="empty">no match</li>';
    },
  };
  searchLoop(box, stats, ui).catch((error) => ui.log(`search loop failed: ${error}`, 'error'));
  return stats;
}

/**
 * The loop. Each turn waits on up to three channels with `select`, which commits exactly one
 * case and withdraws the others — a losing `pull` consumes nothing and leaves no waiter.
 *
 * @param {HTMLInputElement} box
 * @param {ReturnType<typeof startSearch>} stats
 */
async function searchLoop(box, stats, ui) {
  // Input events as a channel. fromEvent's default is a *conflated* channel (capacity 1,
  // 'drop-oldest'): if three keystrokes land while the loop is busy, it sees only the last,
  // which is all a search box needs — the box's current value.
  const keystrokes = fromEvent(box, 'input');

  // Replies of the backend come back on a channel too, so that the loop — not a .then()
  // callback that might run at any time — decides what gets rendered.
  const replies = new Channel(1, { name: 'search-replies' });

  let query = '';
  /** The debounce timer: an after() channel, or null while no keystroke awaits its pause. */
  let timer = null;
  /** Cancels the pending after() timer when a newer keystroke replaces it. */
  let timerControl = null;
  /** The request in flight: { id, query, controller, startedAt }, or null. */
  let inFlight = null;
  let nextId = 1;

  for (;;) {
    // A `null` case is skipped (and keeps its index): with no timer pending, the loop waits on
    // keystrokes and replies only. This is Go's nil-channel idiom.
    const result = await select([pull(keystrokes), timer === null ? null : pull(timer), pull(replies)]);

    if (result.index === 0) {
      // ── A keystroke. ───────────────────────────────────────────────────────────────────
      if (!result.ok) return; // the input's channel was closed: the demo is over
      stats.keystrokes++;
      ui.count('keystrokes');
      query = box.value.trim();

      // Debounce: replace the timer with a fresh after(DEBOUNCE_MS). Aborting the old one's
      // signal clears its setTimeout and closes it; the next select no longer waits on it.
      timerControl?.abort();
      timerControl = new AbortController();
      timer = after(DEBOUNCE_MS, { signal: timerControl.signal });

      // The request in flight answers a query the user has just changed: abort it now rather
      // than wait for an answer nobody will look at. Its fetch-like backend stops, and its
      // `replies.push(…, { signal })` — if it was about to deliver — delivers nothing.
      if (inFlight !== null) {
        const stale = inFlight;
        stale.controller.abort(new DOMException(`superseded by “${query}”`, 'AbortError'));
        stats.aborted++;
        ui.count('aborted');
        ui.log(`#${stale.id} “${stale.query}” aborted after ${elapsed(stale)} ms`, 'aborted');
        inFlight = null;
        stats.inFlight = null;
      }
    } else if (result.index === 1) {
      // ── The timer fired: DEBOUNCE_MS without a keystroke. ──────────────────────────────
      timer = null;
      timerControl = null;
      if (query === '') {
        ui.render('', []);
        stats.renderedQuery = '';
        stats.results = [];
        continue;
      }
      inFlight = startRequest(nextId++, query, replies, ui);
      stats.requests++;
      stats.inFlight = query;
      ui.count('requests');
    } else {
      // ── A reply. ───────────────────────────────────────────────────────────────────────
      const reply = result.value;
      if (inFlight === null || reply.id !== inFlight.id) {
        // Rare, but possible: the reply's push committed in the instant between select()
        // choosing a keystroke and this loop aborting that request (abort cannot undo a
        // committed push). Rendering whatever arrives is the classic out-of-order search bug;
        // the loop knows which request is current and drops the rest.
        stats.staleDropped++;
        continue;
      }
      ui.log(`#${reply.id} “${reply.query}” → ${reply.items.length} results in ${elapsed(inFlight)} ms`, 'answered');
      inFlight = null;
      stats.inFlight = null;
      stats.answered++;
      stats.renderedQuery = reply.query;
      stats.results = reply.items;
      ui.count('answered');
      ui.render(reply.query, reply.items);
    }
  }
}

/**
 * Starts one request with its own AbortController and returns its record. The request runs on
 * its own; when the backend answers, it pushes the reply into `replies` — with the same signal,
 * so that once aborted, neither the backend call nor the push can deliver anything.
 */
function startRequest(id, query, replies, ui) {
  const controller = new AbortController();
  const { signal } = controller;
  const request = { id, query, controller, startedAt: performance.now() };
  searchBackend(query, { signal })
    .then((items) => replies.push({ id, query, items }, { signal }))
    .catch((error) => {
      if (!signal.aborted) ui.log(`#${id} “${query}” failed: ${error}`, 'error'); // aborts are logged by the loop
    });
  return request;
}

function elapsed(request) {
  return Math.round(performance.now() - request.startedAt);
}
