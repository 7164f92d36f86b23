// W7's shape with the hand-written floor (bench/floor.mjs) given a batch take with chanasync's
// commit rules — the buffer first, each slot it frees refilled from the oldest parked push,
// which resolves; a take that finds nothing parks and is served by the next push alone — and
// nothing else: no close, no abort, no errors. What a minimal channel spends per W7 value,
// next to `batch` (chanasync) and `fanin-floor` (W7's base). One op: one value. (The bundle
// argument is unused.)
import { consumeBatches, fanIn } from './fan-in.mjs';

const { FloorChannel } = await import(new URL('../../bench/floor.mjs', import.meta.url).href);

/** Up to `max` values at once; a parked take is served by the next push, with that value. */
function pullMany(channel, max) {
  const { values, waiters } = channel;
  const taken = [];
  while (taken.length < max) {
    if (values.length !== 0) {
      taken.push(values.shift());
      // Parked pushes, if any: the oldest one's value takes the freed slot, and it resolves.
      if (waiters.length !== 0) {
        values.push(waiters.shift());
        waiters.shift()();
      }
    } else if (waiters.length !== 0 && channel.pushersParked) {
      taken.push(waiters.shift());
      waiters.shift()();
    } else {
      break;
    }
  }
  if (taken.length !== 0) return Promise.resolve(taken);
  channel.pushersParked = false;
  return new Promise((resolve) => {
    waiters.push((value) => resolve([value]));
  });
}

const n = Number(process.argv[3]) * 64;
const channel = new FloorChannel(64);
await fanIn('batch-floor', channel, n, () => consumeBatches(() => pullMany(channel, 64), n));
