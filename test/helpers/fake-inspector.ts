/**
 * An inspector that a test drives by hand: the debug target records what the page posts, and
 * `say('hello' | 'bye')` speaks on the `listen` EventTarget as the inspector would.
 */
import { INSPECTOR_SOURCE, type SnapshotMessage } from '../../src/protocol.js';

/** A target that records what is posted, and an EventTarget on which the inspector speaks. */
export function fakeInspector() {
  const posted: unknown[] = [];
  const listen = new EventTarget();
  const say = (type: 'hello' | 'bye') =>
    listen.dispatchEvent(new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type } }));
  const snapshots = () => posted.filter((m): m is SnapshotMessage => (m as SnapshotMessage).type === 'snapshot');
  const target = {
    postMessage: (message: unknown): void => {
      posted.push(message);
    },
  };
  return { target, listen, say, posted, snapshots };
}
