/** Builders of protocol snapshots and frames for the unit tests. */
import type { ChannelSnapshot, SnapshotMessage, WaiterSnapshot } from '../../src/protocol.js';
import type { FrameInfo } from '../src/messages.js';
import { EMPTY_DATA, type PanelData, withSnapshot } from '../src/panel/model.js';

/** The page's clock at the time of the snapshots below. */
export const T0 = 1_700_000_000_000;

export const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/index.html', documentId: 'doc-top' };
export const IFRAME: FrameInfo = {
  frameId: 7,
  url: 'https://app.example/widgets/frame.html?x=1',
  documentId: 'doc-frame',
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
  extra: { time?: number; truncated?: { channels: number; waiters: number } } = {},
): SnapshotMessage {
  const { time = T0, truncated } = extra;
  return {
    source: 'chanasync',
    version: 1,
    type: 'snapshot',
    time,
    channels,
    ...(truncated === undefined ? {} : { truncated }),
  };
}

/** Panel data holding `channels` as the top frame's snapshot, received at {@link T0}. */
export function dataOf(channels: readonly ChannelSnapshot[], frame: FrameInfo = TOP, base: PanelData = EMPTY_DATA) {
  return withSnapshot(base, frame, snapshot(channels), T0);
}
