/**
 * A consumer program for the `chanasync/port` entry (see index.ts): a channel's values sent
 * through a `MessageChannel` — the two ends stand for two contexts — with every export.
 */
import { Channel } from 'chanasync';
import {
  type FromPortOptions,
  fromPort,
  GONE_AFTER_MS,
  isPortMessage,
  PING_AFTER_MS,
  PORT_SOURCE,
  PORT_VERSION,
  type PortLike,
  type PortMessage,
  type PortResult,
  type ReceiverToSenderMessage,
  type SenderToReceiverMessage,
  type ToPortOptions,
  toPort,
} from 'chanasync/port';

const { port1, port2 } = new MessageChannel();
const sending: PortLike = port1;
const receiving: PortLike = port2;
const local = new Channel<{ n: number }>(4);
const toOptions: ToPortOptions<{ n: number }> = { name: 'numbers' };
const fromOptions: FromPortOptions = { name: 'numbers', capacity: 2 };
const sent: Promise<PortResult<{ n: number }>> = toPort(local, sending, toOptions);
const remote = fromPort<{ n: number }>(receiving, fromOptions);
await local.pushAll([{ n: 1 }, { n: 2 }, { n: 3 }]);
local.close();
const received: number[] = [];
for await (const value of remote) received.push(value.n);
const result = await sent;
port1.close();
port2.close();
if (received.join() !== '1,2,3') throw new Error(`fromPort received ${received.join()}`);
if (result.sent !== 3 || result.undelivered.length !== 0) throw new Error(`toPort: ${JSON.stringify(result)}`);

// The wire format, for code that shares the port with other messages.
const inspect = (message: PortMessage): string => message.type;
const fromReceiver = (message: ReceiverToSenderMessage): string => inspect(message);
const fromSender = (message: SenderToReceiverMessage): string => inspect(message);
if (isPortMessage({ source: 'someone-else', version: PORT_VERSION })) throw new Error('a foreign message passed');
if (!(PORT_SOURCE.length > 0 && PING_AFTER_MS < GONE_AFTER_MS)) throw new Error('the heartbeat constants disagree');
void [fromReceiver, fromSender];
