// A slow consumer (the slow-consumer program of programs-port.browser.test.ts): takes one
// ArrayBuffer every `ms`, and tells the page how many it consumed with a plain message on the
// same port as the stream (chanasync ignores it). Reports its leftovers at the end.

import { fromPort } from '/dist/port.js';
import { listeners, liveIntervals, sleep } from '/programs/track.js';

const params = new URL(location.href).searchParams;
const capacity = Number(params.get('capacity'));
const ms = Number(params.get('ms'));
let consumed = 0;
let bytes = 0;
for await (const buffer of fromPort(self, { name: 'in', capacity })) {
  consumed++;
  bytes += buffer.byteLength;
  postMessage({ consumed });
  await sleep(ms);
}
postMessage({ report: { consumed, bytes, listeners: listeners(self), intervals: liveIntervals() } });
