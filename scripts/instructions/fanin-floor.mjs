// W3's shape with the hand-written floor (bench/floor.mjs), the base of W7's ratio: 64
// producers, each awaiting every push into capacity 64, one consumer awaiting each pull.
// One op: one value. (The bundle argument is unused: this is the floor, not chanasync.)
import { fanIn } from './fan-in.mjs';

const { FloorChannel } = await import(new URL('../../bench/floor.mjs', import.meta.url).href);
const n = Number(process.argv[3]) * 64;
const channel = new FloorChannel(64);
await fanIn('fanin-floor', channel, n, async () => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await channel.pull();
  return sum;
});
