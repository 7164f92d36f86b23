/**
 * chanasync — Go-style channels for TypeScript on the web platform.
 *
 * @packageDocumentation
 */

export { after } from './after.js';
export type { Broadcast, SubscribeOptions } from './broadcast.js';
export { broadcast } from './broadcast.js';
export type { ChannelOptions, ChannelStats, OperationOptions, Overflow, PullChannel, PushChannel } from './channel.js';
export { Channel } from './channel.js';
export { ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from './errors.js';
export type { EventOf, FromEventOptions } from './interop/event.js';
export { fromEvent } from './interop/event.js';
export type { FromFunction, FromOptions, Source } from './interop/from.js';
export { from } from './interop/from.js';
export type { ChannelValue } from './interop/merge.js';
export { merge } from './interop/merge.js';
export type { ToReadableStreamOptions } from './interop/stream.js';
export { toReadableStream } from './interop/stream.js';
export type { CaseResult, PullCase, PushCase, PushValue, SelectCase, SelectCases, SelectResult } from './select.js';
export { pull, push, select, selectNowait } from './select.js';
export { ticker } from './ticker.js';
