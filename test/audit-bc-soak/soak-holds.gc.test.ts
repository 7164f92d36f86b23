/**
 * Audit BC-soak: probes of a long-running program that held. Each runs a pattern a small number
 * of times, then many more times, and checks that nothing it leaves behind grows with the count:
 * listeners on the reused signal, port or BroadcastChannel, pending timers, parked operations on
 * the long-lived channels, debug mode's tracked channels — and that the heap retained by the long
 * run stays under a generous bound (a leak of even 20 bytes per iteration would exceed it).
 */
import { getEventListeners } from 'node:events';
import { after, broadcast, Channel, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { heapUsed, tick } from '../helpers/gc.js';

/** Pending `Timeout`s of this process (set by anything: only their change is compared). */
const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/**
 * Heap retained by `run(count)` after a warm-up: the smaller of two consecutive runs' growth (the
 * first run after the warm-up may still grow compiled code and feedback; a leak grows both).
 */
async function retained(run: (count: number) => Promise<void>, count: number): Promise<number> {
  await run(Math.ceil(count / 4));
  const first = await heapUsed();
  await run(count);
  const second = await heapUsed();
  await run(count);
  const third = await heapUsed();
  return Math.min(second - first, third - second);
}

describe('core: churn around long-lived channels and one long-lived signal', () => {
  const shutdown = new AbortController();
  const signal = shutdown.signal;
  const jobs = new Channel<number>(4, { name: 'jobs' });
  const handoff = new Channel<number>(0, { name: 'handoff' });
  const stop = new Channel<void>(0, { name: 'stop' });
  const source = new Channel<number>(1, { name: 'prices' });
  const hub = broadcast(source);
  const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
  const target = new EventTarget();

  const patterns: Record<string, (count: number) => Promise<void>> = {
    'selects abandoned by their own abort': async (count) => {
      for (let i = 0; i < count; i++) {
        const controller = new AbortController();
        const result = select([pull(jobs), pull(handoff), push(handoff, i), pull(stop)], {
          signal: controller.signal,
        }).catch(() => undefined);
        controller.abort();
        await result;
      }
    },
    'pullMany and pushAll aborted part-way (every value accounted for)': async (count) => {
      let pushed = 0;
      let pulled = 0;
      for (let i = 0; i < count; i++) {
        const controller = new AbortController();
        const many = jobs.pullMany(3, { signal: controller.signal }).catch(() => []);
        const all = jobs.pushAll([1, 2, 3, 4, 5, 6, 7], { signal: controller.signal }).then(
          () => 7,
          (error: { pushed: number }) => error.pushed,
        );
        await Promise.resolve();
        controller.abort();
        pushed += await all;
        pulled += (await many).length;
        while (jobs.tryPull() !== undefined) pulled++;
      }
      expect(pulled).toBe(pushed);
    },
    'iterators broken out of, and returned while their next() waits': async (count) => {
      for (let i = 0; i < count; i++) {
        jobs.tryPush(i);
        for await (const _ of jobs) break;
        const iterator = handoff[Symbol.asyncIterator]();
        const next = iterator.next();
        await iterator.return?.();
        await next;
      }
    },
    'tickers closed, lost afters closed, on the long-lived signal': async (count) => {
      for (let i = 0; i < count; i++) {
        ticker(1000, { signal }).close();
        const timeout = after(60_000, { signal });
        jobs.tryPush(i);
        await select([pull(jobs), pull(timeout)]);
        timeout.close();
      }
    },
    'subscribers joining and leaving (close and own abort), merges and fromEvent channels closed': async (count) => {
      for (let i = 0; i < count; i++) {
        const leave = new AbortController();
        const subscriber = hub.subscribe({ signal: i % 2 ? signal : leave.signal });
        source.tryPush(i);
        await subscriber.pull();
        if (i % 2) subscriber.close();
        else leave.abort();
        const merged = merge(jobs, handoff);
        jobs.tryPush(i);
        await merged.pull();
        merged.close();
        const events = fromEvent(target, 'tick', { signal });
        target.dispatchEvent(new Event('tick'));
        await events.pull();
        events.close();
      }
    },
  };

  it.each(Object.entries(patterns))(
    '(holds) %s: nothing grows',
    async (_, run) => {
      const timersBefore = timeouts();
      const bytes = await retained(run, 12_000);
      expect(bytes).toBeLessThan(400_000);
      expect(getEventListeners(signal, 'abort').length).toBe(0);
      expect(timeouts()).toBeLessThanOrEqual(timersBefore);
      for (const channel of [jobs, handoff, stop]) {
        expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
      }
      expect(getEventListeners(target, 'tick').length).toBe(0);
      expect(latest.size).toBeLessThanOrEqual(1);
    },
    20_000,
  );
});

/** Runs `count` streams one after another over one pair of ports, each ending a different way. */
async function streams(send: PortLike, receive: PortLike, count: number, signal: AbortSignal) {
  let pushed = 0;
  let received = 0;
  let undelivered = 0;
  for (let i = 0; i < count; i++) {
    const name = `stream ${i % 5}`;
    const remote = fromPort<number>(receive, { name, capacity: 2, signal });
    const local = new Channel<number>(2);
    const done = toPort(local, send, { name, signal });
    const consumer = (async () => {
      for await (const _ of remote) {
        received++;
        // One in three consumers leaves early: the sender stops and lists what it held.
        if (i % 3 === 2 && received % 2 === 0) remote.close();
      }
    })().catch(() => {});
    for (let value = 0; value < 4; value++) {
      const taken = await Promise.race([local.push(value).then(() => true), done.then(() => false)]);
      if (!taken) break;
      pushed++;
    }
    local.close();
    const result = await done;
    await consumer;
    remote.close();
    undelivered += result.undelivered.length;
    while (local.tryPull() !== undefined) undelivered++;
  }
  return { pushed, received, undelivered };
}

describe.each([
  ['a MessageChannel', () => new MessageChannel() as unknown as { port1: PortLike; port2: PortLike }],
  [
    'two BroadcastChannel objects of one name',
    () => {
      const name = `soak ${Math.random()}`;
      return { port1: new BroadcastChannel(name), port2: new BroadcastChannel(name) };
    },
  ],
])('port: thousands of streams over %s', (_, open) => {
  it('(holds) every value is received or undelivered; no listener, timer or memory is left behind', async () => {
    const { port1, port2 } = open();
    const shutdown = new AbortController();
    const timersBefore = timeouts();
    const totals = { pushed: 0, received: 0, undelivered: 0 };
    const bytes = await retained(async (count) => {
      const run = await streams(port1, port2, count, shutdown.signal);
      totals.pushed += run.pushed;
      totals.received += run.received;
      totals.undelivered += run.undelivered;
    }, 800);
    expect(totals.received + totals.undelivered).toBe(totals.pushed);
    expect(bytes).toBeLessThan(600_000);
    for (const port of [port1, port2]) {
      for (const type of ['message', 'messageerror', 'close']) {
        expect(getEventListeners(port as unknown as EventTarget, type).length).toBe(0);
      }
    }
    expect(getEventListeners(shutdown.signal, 'abort').length).toBe(0);
    expect(timeouts()).toBeLessThanOrEqual(timersBefore);
    (port1 as unknown as { close(): void }).close();
    (port2 as unknown as { close(): void }).close();
  }, 20_000);
});

describe('debug mode on for a long run, an inspector connected', () => {
  it('(holds) tracked channels and records do not pile up; nothing is reported leaked', async () => {
    const inspector = new EventTarget();
    let posted = 0;
    enableDebug({
      target: {
        postMessage() {
          posted++;
        },
      },
      listen: inspector,
      intervalMs: 5,
      warnLeaks: false,
    });
    try {
      inspector.dispatchEvent(
        Object.assign(new Event('message'), {
          data: { source: 'chanasync-inspector', version: 1, type: 'hello' },
        }),
      );
      const { signal } = new AbortController();
      const long = new Channel<number>(2, { name: 'long' });
      const source = new Channel<number>(1, { name: 'source' });
      const hub = broadcast(source);
      const run = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const reply = new Channel<number>(i % 3, { name: `reply ${i % 10}` });
          const pulled = reply.pull({ signal });
          await tick(); // parked across a task: recorded
          await reply.push(i);
          await pulled;
          const subscriber = hub.subscribe({ signal });
          const next = subscriber.pull();
          await tick();
          await source.push(i);
          await next;
          subscriber.close();
          long.tryPush(i);
          await select([pull(long), push(long, i)]);
          while (long.tryPull() !== undefined);
        }
      };
      const bytes = await retained(run, 800);
      const last = snapshot();
      expect(bytes).toBeLessThan(600_000);
      expect(last.channels.length).toBeLessThan(20);
      expect(last.leaked ?? []).toEqual([]);
      expect(posted).toBeGreaterThan(10);
    } finally {
      disableDebug();
    }
  }, 60_000);
});
