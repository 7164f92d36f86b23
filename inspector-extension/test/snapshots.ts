/** Builders of protocol snapshots and frames for the unit tests. */
import type { ChannelSnapshot, SnapshotMessage, WaiterSnapshot } from '../../src/protocol.js';
import type { FrameInfo } from '../src/messages.js';
import { EMPTY_DATA, type PanelData, withSnapshot } from '../src/panel/model.js';

/** The page's clock at the time of the snapshots below. */
export const T0 = 1_700_000_000_000;

export const TOP: FrameInfo = {
  frameId: 0,
  url: 'https://app.example/index.html',
  documentId: 'doc-top',
  origin: 'https://app.example',
};
export const IFRAME: FrameInfo = {
  frameId: 7,
  url: 'https://app.example/widgets/frame.html?x=1',
  documentId: 'doc-frame',
  origin: 'https://app.example',
};

/** A channel; unnamed, unbuffered, open, with no waiters unless told otherwise. */
export function channel(fields: Partial<ChannelSnapshot> & { id: number }): ChannelSnapshot {
  return { name: '', capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [], ...fields };
}

/** A waiter that parked `ageMs` before {@link T0}. */
export function waiter(kind: WaiterSnapshot['kind'], ageMs: number, stack?: string): WaiterSnapshot {
  return stack === undefined ? { kind, since: T0 - ageMs } : { kind, since: T0 - ageMs, stack };
}

/** A snapshot taken at `time` (default {@link T0}). */
export function snapshot(
  channels: readonly ChannelSnapshot[],
  extra: Partial<Pick<SnapshotMessage, 'time' | 'truncated' | 'seq' | 'leaked' | 'context'>> = {},
): SnapshotMessage {
  const { time = T0, truncated, ...rest } = extra;
  return {
    source: 'chanasync',
    version: 1,
    type: 'snapshot',
    time,
    channels,
    ...(truncated === undefined ? {} : { truncated }),
    ...rest,
  };
}

/** Panel data holding `channels` as the top frame's snapshot, received at {@link T0}. */
export function dataOf(channels: readonly ChannelSnapshot[], frame: FrameInfo = TOP, base: PanelData = EMPTY_DATA) {
  return withSnapshot(base, frame, snapshot(channels), T0);
}
