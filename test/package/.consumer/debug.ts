/**
 * A consumer program for the `chanasync/debug` entry (see index.ts): every export, used as the
 * README does, compiled against the installed tarball and run with Node.
 */
import { Channel } from 'chanasync';
import {
  type ChannelSnapshot,
  clearLeaks,
  type DebugContext,
  type DebugOptions,
  type DebugSnapshot,
  type DebugTarget,
  disableDebug,
  enableDebug,
  type LeakCase,
  type LeakSnapshot,
  type RelayEndpoint,
  type RelayOptions,
  relayDebug,
  snapshot,
  type Waiter,
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
const spelled: Waiter | undefined = waiter; // the SPEC's name for the same type
if (spelled?.kind !== 'pull') throw new Error(`snapshot() did not list the parked pull: ${JSON.stringify(taken)}`);
if (posted.length !== 1) throw new Error(`enableDebug posted ${posted.length} messages, expected one announce`);
replies.close();
if ((await parked) !== 'closed') throw new Error('the parked pull did not fail on close');
clearLeaks();
const leaks: readonly LeakSnapshot[] = snapshot().leaked ?? [];
if (leaks.length !== 0) throw new Error(`snapshot() lists ${leaks.length} leaks after clearLeaks()`);
// A leaked select lists its cases; each names its channel and direction.
const cases: readonly LeakCase[] = leaks.flatMap((leak) => leak.cases ?? []);
if (cases.some((leakCase) => leakCase.kind !== 'push' && leakCase.kind !== 'pull'))
  throw new Error('a case of another kind');
const context: DebugContext | undefined = snapshot().context;
if (context !== undefined && !['page', 'worker', 'frame'].includes(context.kind)) {
  throw new Error(`snapshot() reports the context ${JSON.stringify(context)}`);
}
disableDebug();
if (snapshot().channels.length !== 0) throw new Error('snapshot() lists channels after disableDebug()');

// A worker's debug mode relayed to the page: here a MessageChannel stands in for the Worker.
const { port1, port2 } = new MessageChannel();
const worker: RelayEndpoint = port1;
const relayed: unknown[] = [];
const relayOptions: RelayOptions = {
  url: 'worker.js#1',
  target: { postMessage: (message: unknown) => relayed.push(message) },
  listen: new EventTarget(),
};
const stop = relayDebug(worker, relayOptions);
stop();
port1.close();
port2.close();
