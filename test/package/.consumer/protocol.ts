/**
 * A consumer program for the `chanasync/protocol` entry (see index.ts): an inspector's side of
 * the wire format — every export, compiled against the installed tarball and run with Node.
 */
import {
  type AnnounceMessage,
  type ChannelSnapshot,
  type DebugContext,
  INSPECTOR_SOURCE,
  type InspectorToPageMessage,
  isInspectorToPageMessage,
  isInstanceId,
  isPageToInspectorMessage,
  type LeakCase,
  type LeakSnapshot,
  LIMITS,
  MAX_TIME,
  PAGE_SOURCE,
  type PageToInspectorMessage,
  PROTOCOL_VERSION,
  type SnapshotMessage,
  type WaiterSnapshot,
} from 'chanasync/protocol';

const hello: InspectorToPageMessage = { source: INSPECTOR_SOURCE, version: PROTOCOL_VERSION, type: 'hello' };
if (!isInspectorToPageMessage(hello)) throw new Error('isInspectorToPageMessage refused a hello');
if (isInspectorToPageMessage({ ...hello, source: 'someone-else' })) throw new Error('a foreign hello was accepted');

const announce: AnnounceMessage = { source: PAGE_SOURCE, version: PROTOCOL_VERSION, type: 'announce' };
const waiter: WaiterSnapshot = { kind: 'pull', since: 1 };
const channel: ChannelSnapshot = {
  id: 1,
  name: 'replies',
  capacity: null,
  size: 0,
  closed: false,
  overflow: 'block',
  pushers: [],
  pullers: [waiter],
};
const leak: LeakSnapshot = {
  id: 1,
  kind: 'pull',
  since: 1,
  detectedAt: 2,
  channel: { id: 2, name: 'gone', capacity: 0 },
};
const leakCase: LeakCase = { kind: 'push', channel: { id: 3, name: 'results' } };
const leakedSelect: LeakSnapshot = { ...leak, id: 2, kind: 'select', cases: [leakCase] };
const context: DebugContext = { kind: 'page' };
const snapshot: SnapshotMessage = {
  source: PAGE_SOURCE,
  version: PROTOCOL_VERSION,
  type: 'snapshot',
  time: 2,
  channels: [channel],
  leaked: [leak, leakedSelect],
  context,
};
const posted: SnapshotMessage = { ...snapshot, instance: 'k3x9q0ab7mz2c1de' };
if (!isInstanceId(posted.instance) || isInstanceId('not an id')) throw new Error('isInstanceId misread an id');
const messages: readonly PageToInspectorMessage[] = [announce, snapshot, posted];
for (const [index, message] of messages.entries()) {
  if (!isPageToInspectorMessage(message)) throw new Error(`isPageToInspectorMessage refused message ${index}`);
}
const tooOld = { ...snapshot, time: MAX_TIME + 1 };
if (isPageToInspectorMessage(tooOld)) throw new Error('a snapshot from after MAX_TIME was accepted');
const tooMany = { ...snapshot, channels: Array.from({ length: LIMITS.channels + 1 }, () => channel) };
if (isPageToInspectorMessage(tooMany)) throw new Error('a snapshot beyond LIMITS.channels was accepted');
