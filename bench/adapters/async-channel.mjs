// Adapter for async-channel, using BaseChannel (the README's lightweight class
// for basic communication): push(v) resolves when buffered or received,
// get() resolves with the next value.
import asyncChannel from 'async-channel';
import { identity } from './common.mjs';

const { BaseChannel } = asyncChannel;

export default {
  name: 'async-channel',
  note: 'BaseChannel: push() / get()',
  make: (capacity) => new BaseChannel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.get(),
  unwrap: identity,
  na: {
    nowait: 'no synchronous push/pull',
    abort: 'no AbortSignal on pull',
  },
};
