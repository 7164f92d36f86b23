// Adapter for WHATWG streams: an identity TransformStream whose readable side
// has highWaterMark = capacity. writer.write() resolves once the chunk has been
// transformed into the readable queue, which waits while that queue is full;
// with highWaterMark 0 it waits for a pending read(), i.e. rendezvous.
// Producers share one writer and consumers share one reader (both queue
// concurrent calls in FIFO order).
import { iteratorValue } from './common.mjs';

function make(capacity) {
  const stream = new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: capacity });
  return { writer: stream.writable.getWriter(), reader: stream.readable.getReader() };
}

export default {
  name: 'web-streams',
  note: 'identity TransformStream, readable highWaterMark = capacity; producers share one writer, consumers one reader',
  make,
  push: (ch, v) => ch.writer.write(v),
  pull: (ch) => ch.reader.read(),
  unwrap: iteratorValue,
  idle: (capacity) => new TransformStream(undefined, { highWaterMark: 1 }, { highWaterMark: capacity }),
  na: {
    nowait: 'no synchronous push/pull',
    abort: 'no AbortSignal on pull',
  },
};
