// W7: W3's 64 producers, each awaiting every push into capacity 64, and one consumer taking
// batches with pullMany(64). One op: one value.
import { consumeBatches, fanIn } from './fan-in.mjs';

const { Channel } = await import(process.argv[2]);
const n = Number(process.argv[3]) * 64;
const channel = new Channel(64);
await fanIn('batch', channel, n, () => consumeBatches(() => channel.pullMany(64), n));
