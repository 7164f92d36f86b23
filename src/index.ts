/**
 * chanasync — Go-style channels for TypeScript on the web platform.
 *
 * @packageDocumentation
 */
export type { ChannelOptions, ChannelStats, OperationOptions, Overflow, PullChannel, PushChannel } from './channel.js';
export { Channel } from './channel.js';
export { ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from './errors.js';
