// Adapter for @repeaterjs/repeater. The executor (which hands us `push`) only
// runs on the first next(), so make() calls next() once eagerly and gives that
// promise to the first pull. Capacity n uses FixedBuffer(n). Without a buffer
// a push resolves only when the consumer asks for the *following* value, so a
// producer awaiting its last push never finishes: no rendezvous mode.
import { FixedBuffer, Repeater } from '@repeaterjs/repeater';
import { iteratorValue } from './common.mjs';

const idleExecutor = () => {};

function make(capacity) {
  let push;
  const repeater = new Repeater(
    (p) => {
      push = p;
    },
    capacity > 0 ? new FixedBuffer(capacity) : undefined,
  );
  const first = repeater.next();
  return { repeater, push, first };
}

export default {
  name: 'repeater',
  note: 'FixedBuffer(capacity); next() is called once eagerly so the executor hands over push',
  make,
  push: (ch, v) => ch.push(v),
  pull(ch) {
    const first = ch.first;
    if (first === null) return ch.repeater.next();
    ch.first = null;
    return first;
  },
  unwrap: iteratorValue,
  idle: (capacity) => new Repeater(idleExecutor, capacity > 0 ? new FixedBuffer(capacity) : undefined),
  na: {
    '1:1-unbuffered':
      'no rendezvous: an unbuffered push resolves on the following next(), so the last push never settles',
    nowait: 'no synchronous push/pull',
    abort: 'no AbortSignal on pull',
    'mem-parked': 'at most 1024 pending next() calls (MAX_QUEUE_LENGTH)',
  },
};
