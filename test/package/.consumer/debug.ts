/**
 * A consumer program for the `chanasync/debug` entry (see index.ts): every export, used as the
 * README does, compiled against the installed tarball and run with Node.
 */
import { Channel } from 'chanasync';
import {
  type ChannelSnapshot,
  type DebugOptions,
  type DebugSnapshot,
  type DebugTarget,
  disableDebug,
  enableDebug,
  snapshot,
  type WaiterSnapshot,
} from 'chanasync/debug';

const posted: unknown[] = [];
const target: DebugTarget = { postMessage: (message: unknown) => posted.push(message) };
const options: DebugOptions = { target, listen: new EventTarget(), intervalMs: 50, stacks: false };
enableDebug(options);
const replies = new Channel<string>(0, { name: 'replies' });
const parked = replies.pull().catch(() => 'closed');
const taken: DebugSnapshot = snapshot();
const channel: ChannelSnapshot | undefined = taken.channels.find((listed) => listed.name === 'replies');
const waiter: WaiterSnapshot | undefined = channel?.pullers[0];
if (waiter?.kind !== 'pull') throw new Error(`snapshot() did not list the parked pull: ${JSON.stringify(taken)}`);
if (posted.length !== 1) throw new Error(`enableDebug posted ${posted.length} messages, expected one announce`);
replies.close();
if ((await parked) !== 'closed') throw new Error('the parked pull did not fail on close');
disableDebug();
if (snapshot().channels.length !== 0) throw new Error('snapshot() lists channels after disableDebug()');
