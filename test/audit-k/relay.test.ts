/**
 * Audit K: a relayed Worker that the page terminates without stopping its relay must not stay
 * listed in the inspector as if alive — `worker.terminate()` stops the relay first.
 */
import { expect, test } from 'vitest';
import { relayDebug } from '../../src/debug/index.js';
import { INSPECTOR_SOURCE, PAGE_SOURCE, type SnapshotMessage } from '../../src/protocol.js';

/** A stand-in for a `Worker` object, with a `terminate` on its prototype as a real one has. */
class FakeWorker extends EventTarget {
  readonly received: unknown[] = [];
  terminated = 0;
  postMessage(message: unknown): void {
    this.received.push(message);
  }
  terminate(): void {
    this.terminated += 1;
  }
  emit(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

function fakePage() {
  const posted: unknown[] = [];
  const listen = new EventTarget();
  const say = (type: 'hello' | 'bye') =>
    listen.dispatchEvent(new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type } }));
  return { target: { postMessage: (message: unknown) => posted.push(message) }, listen, posted, say };
}

const snapshot = (seq: number): SnapshotMessage => ({
  source: PAGE_SOURCE,
  version: 1,
  type: 'snapshot',
  time: 1000,
  seq,
  instance: 'abc',
  channels: [{ id: 1, name: 'jobs', capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [] }],
});

test('terminating a relayed Worker tells a connected inspector that its context has no channels, then terminates it', () => {
  const page = fakePage();
  const worker = new FakeWorker();
  relayDebug(worker, { target: page.target, listen: page.listen, url: 'crunch #1' });
  page.say('hello');
  worker.emit(snapshot(4));
  worker.terminate();
  expect(worker.terminated).toBe(1);
  expect(page.posted.at(-1)).toMatchObject({
    type: 'snapshot',
    channels: [],
    seq: 5,
    instance: 'abc',
    context: { kind: 'worker', url: 'crunch #1' },
  });
  expect(worker.received.at(-1)).toMatchObject({ type: 'bye' });
  // The relay is stopped: nothing more of the worker reaches the page.
  const before = page.posted.length;
  worker.emit(snapshot(6));
  page.say('hello');
  expect(page.posted.length).toBe(before);
});

test('terminate keeps its receiver and result, and after the relay stopped only terminates', () => {
  const page = fakePage();
  const worker = new FakeWorker();
  const stop = relayDebug(worker, { target: page.target, listen: page.listen });
  stop();
  const posted = page.posted.length;
  worker.terminate();
  worker.terminate();
  expect(worker.terminated).toBe(2);
  expect(page.posted.length).toBe(posted);
});

test('a relay started again for the same Worker is the one that terminate stops', () => {
  const page = fakePage();
  const worker = new FakeWorker();
  relayDebug(worker, { target: page.target, listen: page.listen });
  relayDebug(worker, { target: page.target, listen: page.listen });
  page.say('hello');
  worker.emit(snapshot(1));
  worker.terminate();
  expect(worker.terminated).toBe(1);
  expect(
    page.posted
      .filter((m) => (m as SnapshotMessage).type === 'snapshot')
      .map((m) => (m as SnapshotMessage).channels.length),
  ).toEqual([1, 0]);
});

test('closing a relayed MessagePort (a SharedWorker’s) stops its relay first, then closes it', async () => {
  const page = fakePage();
  const { port1, port2 } = new MessageChannel();
  relayDebug(port1, { target: page.target, listen: page.listen, url: 'shared.js' });
  page.say('hello');
  port2.postMessage(snapshot(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(page.posted.at(-1)).toMatchObject({ type: 'snapshot', channels: [{ name: 'jobs' }] });
  port1.close();
  expect(page.posted.at(-1)).toMatchObject({ type: 'snapshot', channels: [], seq: 3, context: { url: 'shared.js' } });
  port2.close();
});

test('an endpoint whose terminate cannot be read or replaced is relayed all the same', () => {
  const page = fakePage();
  const hostile = new FakeWorker();
  Object.defineProperty(hostile, 'terminate', {
    get() {
      throw new Error('no');
    },
  });
  const stop = relayDebug(hostile, { target: page.target, listen: page.listen });
  const frozen = Object.freeze(new FakeWorker());
  const stopFrozen = relayDebug(frozen, { target: page.target, listen: page.listen });
  page.say('hello');
  expect(hostile.received.at(-1)).toMatchObject({ type: 'hello' });
  expect(frozen.received.at(-1)).toMatchObject({ type: 'hello' });
  stop();
  stopFrozen();
});
