// Demo 4 — a channel that is stuck on purpose, for the inspector to find.
//
// The bug it imitates: a consumer waits on a channel whose producer never comes (it crashed,
// was never started, or pushes to another channel). Nothing throws; a promise just never
// settles. Debug mode keeps, for every tracked channel, its parked operations with the time
// they parked and — with `stacks: true` — the user frames of where they parked, so such a wait
// shows up at once in snapshot() and in the DevTools inspector.
import { Channel, ChannelClosedError } from '../../dist/index.js';

/** The name the inspector shows, and the end-to-end test looks for. */
export const STUCK_NAME = 'stuck-demo';

/**
 * Wires the buttons and the snapshot table; returns the live state (`window.demo.stuck`).
 *
 * @param {(id: string) => HTMLElement} $
 * @param {() => import('../../dist/debug/index.js').DebugSnapshot} snapshot
 */
export function startStuck($, snapshot) {
  const state = { parked: 0, since: null };
  /** Kept in a variable on purpose: debug mode holds channels only weakly. */
  let stuck = null;
  const release = /** @type {HTMLButtonElement} */ ($('stuck-release'));

  $('stuck-park').addEventListener('click', () => {
    stuck ??= new Channel(0, { name: STUCK_NAME }); // unbuffered, and nobody will ever push
    state.parked++;
    state.since ??= Date.now();
    release.disabled = false;
    // The deliberate bug: a pull nobody answers. This promise never settles (until the channel
    // is closed), and the pull stays parked on 'stuck-demo' for the inspector to see.
    waitForever(stuck).then(
      () => {},
      (error) => {
        if (!(error instanceof ChannelClosedError)) throw error;
      },
    );
    refresh();
  });

  // close() fails every parked operation with a ChannelClosedError: the way out of a stuck wait.
  release.addEventListener('click', () => {
    stuck?.close();
    stuck = null;
    state.parked = 0;
    state.since = null;
    release.disabled = true;
    refresh();
  });

  function refresh() {
    const status = $('stuck-status');
    if (state.parked === 0) {
      status.textContent = 'Nothing parked yet.';
      status.classList.remove('alert');
    } else {
      const seconds = Math.round((Date.now() - state.since) / 1000);
      status.textContent = `${state.parked} pull${state.parked === 1 ? '' : 's'} parked on “${STUCK_NAME}” for ${seconds} s — nobody will ever push.`;
      status.classList.add('alert');
    }
    showSnapshot($, snapshot());
  }

  refresh();
  setInterval(refresh, 500);
  return state;
}

/** Named so that it shows in the stack debug mode records for the parked pull. */
function waitForever(channel) {
  return channel.pull();
}

/**
 * Lists the channels that have parked operations as debug mode sees them: those whose waits
 * nothing explains first (the snapshot's own order), then those waiting for input — a channel
 * fed by the outside world (`fromEvent`, `after`: `input` in the snapshot), or a case of a
 * select that includes one — which is how an idle event loop looks, not a bug.
 */
function showSnapshot($, { channels, time }) {
  const parked = channels.filter((channel) => channel.pushers.length + channel.pullers.length > 0);
  const rows = parked.map((channel) => {
    const waiters = [...channel.pushers, ...channel.pullers];
    const oldest = Math.min(...waiters.map((waiter) => waiter.since));
    const explained = channel.input === true || waiters.every((waiter) => waiter.input === true);
    const row = document.createElement('tr');
    if (channel.name === STUCK_NAME) row.className = 'stuck';
    else if (explained) row.className = 'input';
    const kinds = [
      channel.pushers.length > 0 ? `${channel.pushers.length} push` : '',
      channel.pullers.length > 0 ? `${channel.pullers.length} pull` : '',
    ].filter(Boolean);
    for (const text of [
      channel.name || `#${channel.id}`,
      `${channel.size} / ${channel.capacity ?? '∞'}`,
      kinds.join(', '),
      `${((time - oldest) / 1000).toFixed(1)} s`,
      explained ? 'waiting for input' : 'nothing explains it',
    ]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  });
  const table = $('stuck-table');
  if (rows.length === 0) {
    table.innerHTML = '<tr><td colspan="5" class="empty">no parked operations</td></tr>';
  } else {
    table.replaceChildren(...rows);
  }
  // With stacks: true, the parked pull carries the user frames of where it parked.
  const stack = $('stuck-stack');
  const stuck = parked.find((channel) => channel.name === STUCK_NAME);
  const where = stuck?.pullers[0]?.stack;
  stack.hidden = where === undefined;
  if (where !== undefined) stack.textContent = `where the first pull parked:\n${shorten(where)}`;
}

/** Stack frames with the page's origin cut off, to fit the panel. */
function shorten(stack) {
  return stack
    .split('\n')
    .slice(0, 4)
    .map((frame) => frame.replace(`${location.origin}/`, ''))
    .join('\n');
}
