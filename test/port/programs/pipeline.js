// The pipeline program: page → worker A → worker B → page, joined by three MessageChannels whose
// ports the page hands to the workers (A's output port and B's input port are the two ends of
// one channel: the workers talk to each other directly). Numbers (A doubles, B adds one), or
// 64 KB ArrayBuffers moved with `transfer` at every hop.
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { listeners, liveIntervals, nextReport } from '/programs/track.js';

export async function runPipeline({ count, bytes = 0, capacity = 16 }) {
  const pageToA = new MessageChannel();
  const aToB = new MessageChannel();
  const bToPage = new MessageChannel();
  const a = new Worker('/programs/stage-worker.js', { type: 'module' });
  const b = new Worker('/programs/stage-worker.js', { type: 'module' });
  const reports = [nextReport(a), nextReport(b)];
  const op = bytes > 0 ? 'bytes' : undefined;
  a.postMessage(
    { input: pageToA.port2, output: aToB.port1, inName: 'in', outName: 'mid', op: op ?? 'double', capacity },
    [pageToA.port2, aToB.port1],
  );
  b.postMessage(
    { input: aToB.port2, output: bToPage.port1, inName: 'mid', outName: 'out', op: op ?? 'inc', capacity },
    [aToB.port2, bToPage.port1],
  );
  const input = new Channel(capacity);
  const sending = toPort(input, pageToA.port1, {
    name: 'in',
    transfer: op === 'bytes' ? (buffer) => [buffer] : undefined,
  });
  const output = fromPort(bToPage.port2, { name: 'out', capacity });
  const posted = [];
  const producing = (async () => {
    for (let i = 0; i < count; i++) {
      if (op === 'bytes') {
        const buffer = new ArrayBuffer(bytes);
        const view = new Uint8Array(buffer);
        view[0] = i % 256;
        view[bytes - 1] = (i * 7) % 256;
        posted.push(buffer);
        await input.push(buffer);
      } else {
        await input.push(i);
      }
    }
    input.close();
  })();
  let received = 0;
  let inOrder = true;
  for await (const value of output) {
    if (op === 'bytes') {
      const view = new Uint8Array(value);
      const ok =
        value.byteLength === bytes &&
        view[0] === received % 256 &&
        view[1] === 2 &&
        view[bytes - 1] === (received * 7) % 256;
      if (!ok) inOrder = false;
    } else if (value !== 2 * received + 1) inOrder = false;
    received++;
  }
  await producing;
  const result = await sending;
  const stages = await Promise.all(reports);
  a.terminate();
  b.terminate();
  return {
    received,
    inOrder,
    detached: posted.filter((buffer) => buffer.byteLength === 0).length,
    sent: result.sent,
    undelivered: result.undelivered.length,
    stages,
    pageListeners: listeners(pageToA.port1, bToPage.port2),
    intervals: liveIntervals(),
  };
}
