// A pipeline stage (pipeline.js): told by its first message which two MessagePorts to use, it
// receives stream `inName` on one, applies `op` and sends stream `outName` on the other —
// numbers doubled or incremented, or ArrayBuffers marked (byte 1 + 1) and moved on with
// `transfer`. Reports what it did and what it left behind.

import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';
import { listeners, liveIntervals } from '/programs/track.js';

addEventListener(
  'message',
  async (event) => {
    const { input, output, inName, outName, op, capacity } = event.data;
    const inbox = fromPort(input, { name: inName, capacity });
    const outbox = new Channel(capacity);
    const sending = toPort(outbox, output, {
      name: outName,
      transfer: op === 'bytes' ? (buffer) => [buffer] : undefined,
    });
    let count = 0;
    for await (const value of inbox) {
      count++;
      if (op === 'double') await outbox.push(value * 2);
      else if (op === 'inc') await outbox.push(value + 1);
      else {
        const bytes = new Uint8Array(value);
        bytes[1] = (bytes[1] + 1) % 256;
        await outbox.push(value);
      }
    }
    outbox.close();
    const { sent, undelivered } = await sending;
    postMessage({
      report: {
        count,
        sent,
        undelivered: undelivered.length,
        listeners: listeners(input, output, self),
        intervals: liveIntervals(),
      },
    });
  },
  { once: true },
);
