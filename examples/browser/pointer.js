// Demo 2 — a pointer tracker on a conflated channel.
//
// Pointer events come far faster than this demo's (deliberately slow) renderer can draw. A
// 'block' channel would queue every one of them and the dot would lag ever further behind; a
// drop-oldest channel of capacity 1 — a *conflated* channel — keeps only the newest position:
// each pushNowait() into a full buffer throws the oldest value away instead of waiting. The
// renderer always draws where the pointer is now, and memory stays bounded by the capacity.
import { fromEvent } from '../../dist/index.js';

/** Positions the channel may hold: 1 makes it conflated (only the latest). */
export const CAPACITY = 1;

/** What one "frame" of the slow renderer costs, in ms. */
const RENDER_MS = 50;

/**
 * Starts the demo; returns its live counters (`window.demo.pointer`).
 *
 * @param {(id: string) => HTMLElement} $
 */
export function startPointer($) {
  const pad = $('pointer-pad');
  const stats = {
    capacity: CAPACITY,
    /** pointermove events dispatched on the pad. */
    produced: 0,
    /** Events the renderer pulled. */
    consumed: 0,
    /** Events thrown away by 'drop-oldest': produced − consumed − still buffered. */
    dropped: 0,
    /** The most events the channel ever held, sampled right after every push. */
    maxSize: 0,
    latest: null,
  };

  // fromEvent() registers its listener now, so it runs before the counting listener below:
  // when that one runs, the event is already in the channel and `size` includes it.
  const positions = fromEvent(pad, 'pointermove', { capacity: CAPACITY, overflow: 'drop-oldest' });
  pad.addEventListener('pointermove', () => {
    stats.produced++;
    stats.maxSize = Math.max(stats.maxSize, positions.size); // never above CAPACITY
    stats.dropped = stats.produced - stats.consumed - positions.size;
    showCounts($, stats);
  });

  render($, pad, positions, stats).catch((error) => {
    $('pointer-latest').textContent = `renderer failed: ${error}`;
  });
  return stats;
}

/** The consumer: pulls the latest position, draws it, and takes its time doing so. */
async function render($, pad, positions, stats) {
  const dot = $('pointer-dot');
  for await (const event of positions) {
    stats.consumed++;
    const box = pad.getBoundingClientRect();
    const x = Math.round(event.clientX - box.left);
    const y = Math.round(event.clientY - box.top);
    stats.latest = { x, y };
    stats.dropped = stats.produced - stats.consumed - positions.size;
    dot.hidden = false;
    dot.style.transform = `translate(${x}px, ${y}px)`;
    $('pointer-latest').textContent = `${x}, ${y}`;
    showCounts($, stats);
    // Pretend that drawing is expensive. Meanwhile new positions keep replacing each other in
    // the one-slot buffer; the next pull gets only the newest.
    await new Promise((resolve) => setTimeout(resolve, RENDER_MS));
  }
}

function showCounts($, stats) {
  $('pointer-produced').textContent = String(stats.produced);
  $('pointer-consumed').textContent = String(stats.consumed);
  $('pointer-dropped').textContent = String(stats.dropped);
  $('pointer-max').textContent = `${stats.maxSize} / ${stats.capacity}`;
  const held = stats.produced - stats.consumed - stats.dropped;
  $('pointer-ledger').textContent =
    `${stats.produced} events = ${stats.consumed} drawn + ${stats.dropped} dropped + ${held} held. ` +
    `The channel never held more than ${stats.capacity}: no queue builds up, the dot never lags.`;
}
