/**
 * `chanasync/port`: channels across JavaScript contexts — a page, a dedicated or shared
 * Worker, an iframe, anything with `postMessage`. {@link toPort} sends a local channel's
 * values, {@link fromPort} receives them into a channel on the other side, with the local
 * channel's guarantees: FIFO order, no value lost or duplicated, credit-based backpressure,
 * close in both directions and detection of a context that died.
 *
 * Layout: `protocol.ts` is the wire format (one tagged union, checkable against the SPEC),
 * `transport.ts` the shared listener per port and the heartbeat, `sender.ts` and
 * `receiver.ts` the two ends, each with its invariants at the top.
 *
 * @packageDocumentation
 */
export type { PortMessage, ReceiverToSenderMessage, SenderToReceiverMessage } from './protocol.js';
export { isPortMessage, PORT_SOURCE, PORT_VERSION } from './protocol.js';
export type { FromPortOptions } from './receiver.js';
export { fromPort } from './receiver.js';
export type { PortResult, ToPortOptions } from './sender.js';
export { toPort } from './sender.js';
export type { PortLike } from './transport.js';
export { GONE_AFTER_MS, PING_AFTER_MS } from './transport.js';
