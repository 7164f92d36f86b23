// Adapter for the hand-written floor channel (../floor.mjs): the 1.00× bar.
import { FloorChannel } from '../floor.mjs';
import { identity } from './common.mjs';

export default {
  name: 'floor',
  note: 'hand-written ring buffer + waiter ring (bench/floor.mjs)',
  make: (capacity) => new FloorChannel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.pull(),
  unwrap: identity,
  tryPush: (ch, v) => ch.tryPush(v),
  tryPull: (ch) => ch.tryPull(),
  na: { abort: 'no abort by design (see the Node baseline below the table)' },
};
