// An unnamed channel made by a helper is found by its createdAt: does it point at the line of
// the helper's call in the user's code?
import { after, broadcast, Channel, fromEvent, merge, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort } from 'chanasync/port';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { firstFrame, nextLine } from './helpers.js';

const FILE = 'created-at.test.ts';
const closing: { close(): void }[] = [];
beforeEach(() => enableDebug({ target: { postMessage() {} }, stacks: true }));
afterEach(() => {
  for (const c of closing.splice(0)) c.close();
  disableDebug();
});

/** The createdAt of the one channel created since `before` ids. */
function createdAtOfNewest(): string | undefined {
  const snap = snapshot();
  const newest = snap.channels.reduce((a, b) => (b.id > a.id ? b : a));
  return newest.createdAt;
}

it.each([
  [
    'after',
    () => {
      const line = nextLine();
      closing.push(after(1000));
      return line;
    },
  ],
  [
    'ticker',
    () => {
      const line = nextLine();
      closing.push(ticker(1000));
      return line;
    },
  ],
  [
    'merge',
    () => {
      const a = new Channel(0);
      closing.push(a);
      const line = nextLine();
      closing.push(merge(a));
      return line;
    },
  ],
  [
    'Channel.from(array)',
    () => {
      const line = nextLine();
      closing.push(Channel.from([1, 2]));
      return line;
    },
  ],
  [
    'broadcast().subscribe()',
    () => {
      const s = new Channel(0);
      closing.push(s);
      const hub = broadcast(s);
      closing.push(hub);
      const line = nextLine();
      closing.push(hub.subscribe());
      return line;
    },
  ],
  [
    'fromEvent',
    () => {
      const t = new EventTarget();
      const line = nextLine();
      closing.push(fromEvent(t, 'x'));
      return line;
    },
  ],
  [
    'fromPort',
    () => {
      const { port1, port2 } = new MessageChannel();
      closing.push(port1, port2);
      const line = nextLine();
      closing.push(fromPort(port1));
      return line;
    },
  ],
] as const)('%s: createdAt names the call line', (_name, make) => {
  const line = make();
  expect(firstFrame(createdAtOfNewest())).toContain(`${FILE}:${line}:`);
});
