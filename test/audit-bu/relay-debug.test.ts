// Audit BU (debug mode): a relay that replaces a running one (a hot reload), or starts after
// one stopped, goes on where that one left off — README "Nothing after `bye`, through a relay
// too": no worker snapshot reaches the page between a `bye` and the next `hello`; and `relayDebug`'s
// stop tells a connected inspector that the worker's context has no channels any more, also
// when the relay stopped is one that replaced another.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, relayDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => disableDebug());

type Snapshot = { type: string; seq?: number; channels: { name: string }[] };

/** A worker stand-in: records what the relay tells it, and posts what the test makes it. */
class FakeWorker extends EventTarget {
  readonly heard: string[] = [];
  postMessage(message: { type: string }): void {
    this.heard.push(message.type);
  }
  terminate(): void {}
  emit(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

/** The page: what it posts, and an inspector saying `hello` or `bye` on its `listen`. */
function fakePage() {
  const posted: Snapshot[] = [];
  const listen = new EventTarget();
  return {
    options: { target: { postMessage: (message: Snapshot) => void posted.push(message) }, listen },
    snapshots: () => posted.filter((message) => message.type === 'snapshot'),
    say: (type: 'hello' | 'bye') =>
      listen.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type } })),
  };
}

/** A worker's snapshot listing one channel, `jobs`. */
const snapshotOf = (seq: number) => ({
  source: 'chanasync',
  version: 1,
  type: 'snapshot',
  time: 1000,
  seq,
  channels: [{ id: 1, name: 'jobs', capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [] }],
});

describe('a relay goes on where the relay before it left off', () => {
  it('after a bye, a relay that replaces the running one drops the snapshots still on their way', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, page.options);
    page.say('hello');
    worker.emit(snapshotOf(1));
    page.say('bye');
    worker.emit(snapshotOf(2));
    relayDebug(worker, page.options); // hot reload
    worker.emit(snapshotOf(3)); // posted before the worker heard the bye
    expect(page.snapshots().map((snapshot) => snapshot.seq)).toEqual([1]);
    page.say('hello');
    worker.emit(snapshotOf(4));
    expect(page.snapshots().map((snapshot) => snapshot.seq)).toEqual([1, 4]);
    expect(worker.heard).toEqual(['hello', 'bye', 'hello']);
  });

  it('after stop(), a new relay drops the snapshots still on their way until the next hello', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    const stop = relayDebug(worker, page.options);
    page.say('hello');
    worker.emit(snapshotOf(1));
    stop();
    expect(page.snapshots().at(-1)?.channels).toEqual([]);
    relayDebug(worker, page.options);
    worker.emit(snapshotOf(2));
    expect(page.snapshots().at(-1)?.channels).toEqual([]);
    expect(worker.heard).toEqual(['hello', 'bye']);
  });

  it('a new relay for a worker never told anything forwards its snapshots at once', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, page.options);
    worker.emit(snapshotOf(1));
    expect(page.snapshots().map((snapshot) => snapshot.seq)).toEqual([1]);
  });

  it('stopping the relay that replaced a connected one posts the empty snapshot and says bye', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, page.options);
    page.say('hello');
    worker.emit(snapshotOf(1));
    const stop = relayDebug(worker, page.options); // hot reload
    stop();
    expect(page.snapshots().at(-1)).toMatchObject({ channels: [], seq: 2 });
    expect(worker.heard).toEqual(['hello', 'bye']);
  });

  it('so does terminate() after a replacement', () => {
    const page = fakePage();
    const worker = new FakeWorker();
    relayDebug(worker, page.options);
    page.say('hello');
    worker.emit(snapshotOf(1));
    relayDebug(worker, page.options);
    worker.terminate();
    expect(page.snapshots().at(-1)?.channels).toEqual([]);
    expect(worker.heard).toEqual(['hello', 'bye']);
  });

  it('over a real MessageChannel: a relay restarted as the worker hears hello leaves the page with no channels once stopped', async () => {
    const { port1, port2 } = new MessageChannel();
    enableDebug({ target: port2, listen: port2 }); // the "worker"
    const jobs = new Channel<number>(0, { name: 'jobs' });
    jobs.pull().catch(() => {});
    const page = fakePage();
    let stop = relayDebug(port1, page.options);
    port2.addEventListener('message', (event) => {
      if ((event as MessageEvent).data?.type === 'hello') {
        stop();
        stop = relayDebug(port1, page.options);
      }
    });
    page.say('hello');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(page.snapshots().at(-1)?.channels ?? []).toEqual([]);
    stop();
    jobs.close();
    port1.close();
  });
});
