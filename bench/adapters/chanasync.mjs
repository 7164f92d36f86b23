// Adapter for chanasync, loaded from the built ../../dist/index.js.
// Uses the Channel object directly; nowait ops map the library's
// ChannelFullError / ChannelEmptyError to the boolean / EMPTY protocol.
import { EMPTY, identity } from './common.mjs';

let Channel;
let ChannelFullError;
let ChannelEmptyError;

export default {
  name: 'chanasync',
  note: 'dist/index.js; nowait detects full/empty by catching ChannelFullError / ChannelEmptyError',
  async load() {
    try {
      const mod = await import(new URL('../../dist/index.js', import.meta.url).href);
      ({ Channel, ChannelFullError, ChannelEmptyError } = mod);
      if (typeof Channel !== 'function') return 'dist/index.js has no Channel export';
    } catch (error) {
      return `not built (${error.code ?? error.message})`;
    }
  },
  make: (capacity) => new Channel(capacity),
  push: (ch, v) => ch.push(v),
  pull: (ch) => ch.pull(),
  unwrap: identity,
  tryPush(ch, v) {
    try {
      ch.pushNowait(v);
      return true;
    } catch (error) {
      if (error instanceof ChannelFullError) return false;
      throw error;
    }
  },
  tryPull(ch) {
    try {
      return ch.pullNowait();
    } catch (error) {
      if (error instanceof ChannelEmptyError) return EMPTY;
      throw error;
    }
  },
  pullWithSignal: (ch, signal) => ch.pull({ signal }),
};
