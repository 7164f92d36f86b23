/**
 * Auditor BB — review of the audit BA fixes of `chanasync/port`, in Node:
 * 1. a `fromPort` on a window runs its heartbeat tick from its creation (to see the window close
 *    before its sender starts);
 * 2. `close` is listened to only on real ports (never on a global).
 *
 * Windows here are fakes (`window === itself`, messages heard on the global, which the test
 * makes an EventTarget), on a clock of the test's own (fake timers, `performance.now` mocked).
 */
import { MessageChannel as NodeMessageChannel } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { Channel } from '../../src/channel.js';
import { ChannelClosedError, ChannelError } from '../../src/errors.js';
import { fromPort, type PortLike, toPort } from '../../src/port/index.js';
import { FRAME, windows, withGlobal } from '../helpers/fake-windows.js';
import { onOwnClock } from '../helpers/own-clock.js';

/** The close reason a pull on a closed channel reports (its `cause`), or `'open'`. */
async function reasonOf(channel: Channel<unknown>): Promise<unknown> {
  if (!channel.closed) return 'open';
  return channel.pull().then(
    () => 'resolved',
    (error: unknown) => (error instanceof ChannelClosedError ? error.cause : error),
  );
}

/**
 * Two windows of one global that deliver synchronously, from inside `postMessage` (the README:
 * a hand-made port "may deliver synchronously, from inside `postMessage`"). Each records what it
 * was sent.
 */
function syncWindows(global: EventTarget) {
  class SyncWindow {
    readonly window = this;
    other!: SyncWindow;
    closed = false;
    readonly received: { type: string }[] = [];
    constructor(readonly origin: string) {}
    postMessage(message: unknown, targetOrigin: string): void {
      if (targetOrigin !== '*' && new URL(targetOrigin).origin !== this.origin) return;
      const data = structuredClone(message) as { type: string };
      this.received.push(data);
      const source = this.other;
      global.dispatchEvent(Object.assign(new Event('message'), { data, source, origin: source.origin }));
    }
  }
  const frame = new SyncWindow(FRAME);
  const parent = new SyncWindow('https://page.example');
  frame.other = parent;
  parent.other = frame;
  return { frame: frame as SyncWindow & PortLike, parent: parent as SyncWindow & PortLike };
}

describe('a fromPort on a window: its heartbeat tick from creation (fix 1)', () => {
  it('a fromPort on a window whose stream ended inside its own creation leaves no timer behind and posts nothing more', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame, parent } = syncWindows(global);
        // The frame side: a sender whose channel is closed and empty, waiting for its receiver.
        const local = new Channel<number>(0);
        local.close();
        const sending = toPort(local, parent, { name: 'results' });
        // The page side: `ready` reaches the sender at once, which answers `open`; the receiver
        // grants credit, the sender finds its channel drained and posts `end`: all of it inside
        // fromPort's `ready` post.
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME });
        expect(await sending).toEqual({ sent: 0, undelivered: [] });
        expect(results.closed).toBe(true);
        expect(await reasonOf(results as Channel<unknown>)).toBeUndefined(); // a normal end
        const postedAtEnd = frame.received.length;
        await advance(3000);
        // Observed: the interval started after the stream ended is still there, and the finished
        // receiver posts a `ping` to the window at every tick from 1 s on.
        expect.soft(frame.received.slice(postedAtEnd).map((m) => m.type)).toEqual([]);
        await advance(10_000);
        expect(vi.getTimerCount()).toBe(0);
      }),
    ));

  it('probe (holds): an unpaired fromPort on a window that stays open posts only its ready, stays open, and pairs with a sender that starts late', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame, parent } = windows(global);
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME, capacity: 2 });
        await advance(20_000);
        expect(frame.received.map(([m]) => (m as { type: string }).type)).toEqual(['ready']);
        expect(results.closed).toBe(false);
        const local = new Channel<number>(4);
        const sending = toPort(local, parent, { name: 'results' });
        for (const v of [1, 2, 3]) local.pushNowait(v);
        local.close();
        const got: number[] = [];
        const reading = (async () => {
          for await (const v of results) got.push(v);
        })();
        await advance(200);
        await reading;
        expect(got).toEqual([1, 2, 3]);
        expect(await sending).toEqual({ sent: 3, undelivered: [] });
        expect(vi.getTimerCount()).toBe(0);
      }),
    ));

  it('probe (holds): an unpaired fromPort on a window closes as gone within a tick once the window reads closed, and leaves no timer', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame } = windows(global);
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME });
        await advance(1200);
        frame.closed = true;
        await advance(510);
        const reason = await reasonOf(results as Channel<unknown>);
        expect(reason).toBeInstanceOf(ChannelError);
        expect((reason as Error).message).toMatch(/the other side is gone \(its window was closed\)/);
        expect(vi.getTimerCount()).toBe(0);
      }),
    ));

  it('probe (holds): a fromPort created on a window already closed closes as gone at its first tick', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame } = windows(global);
        frame.closed = true;
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME });
        expect(results.closed).toBe(false);
        await advance(510);
        expect(await reasonOf(results as Channel<unknown>)).toBeInstanceOf(ChannelError);
        expect(vi.getTimerCount()).toBe(0);
      }),
    ));

  it('probe (holds): an unpaired window fromPort whose signal aborts later closes normally and clears its timer; an aborted one starts none', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame } = windows(global);
        const controller = new AbortController();
        const results = fromPort<number>(frame, { name: 'a', origin: FRAME, signal: controller.signal });
        await advance(700);
        expect(vi.getTimerCount()).toBe(1);
        controller.abort();
        expect(await reasonOf(results as Channel<unknown>)).toBeUndefined();
        // (The fake window delivers what is posted to it by a timer of its own: the `ready` with
        // `closingAt` that the close posts at once, since audit BW.)
        await advance(20);
        expect(vi.getTimerCount()).toBe(0);
        const early = fromPort<number>(frame, { name: 'b', origin: FRAME, signal: AbortSignal.abort() });
        expect(early.closed).toBe(true);
        expect(vi.getTimerCount()).toBe(0);
        await advance(600);
        // 'a' said it was there, and (since audit BV) that it closed before any sender paired
        // with it: at once (since audit BW, `closingAt`) and at the end of the turn (`closedAt`);
        // 'b', aborted before the call, posted nothing.
        expect(frame.received.map(([m]) => (m as { type: string }).type)).toEqual(['ready', 'ready', 'ready']);
        expect(frame.received[1]![0]).toMatchObject({ name: 'a', type: 'ready', closingAt: expect.any(Number) });
        expect(frame.received[2]![0]).toMatchObject({ name: 'a', type: 'ready', closedAt: expect.any(Number) });
      }),
    ));

  it('probe (holds): an unpaired window fromPort after a 10 s block of its event loop stays open and pings nobody', () =>
    withGlobal((global) =>
      onOwnClock(async (advance, block) => {
        const { frame } = windows(global);
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME });
        await advance(600);
        block(10_000);
        await advance(6000);
        expect(results.closed).toBe(false);
        expect(frame.received.map(([m]) => (m as { type: string }).type)).toEqual(['ready']);
        results.close();
        await advance(20); // the fake window's delivery of the close's `closingAt` (audit BW)
        expect(vi.getTimerCount()).toBe(0);
      }),
    ));
});

describe('close is listened to on real ports only (fix 2)', () => {
  it('probe (holds): in Node, closing a MessageChannel port ends a running fromPort and toPort over it at once', async () => {
    const { port1, port2 } = new NodeMessageChannel();
    const local = new Channel<number>(Infinity);
    const sending = toPort(local, port1 as unknown as PortLike, { name: 'n' });
    const remote = fromPort<number>(port2 as unknown as PortLike, { name: 'n', capacity: 1 });
    local.pushNowait(1);
    expect(await remote.pull()).toBe(1);
    const closedAt = performance.now();
    port2.close();
    const result = await sending;
    expect(performance.now() - closedAt).toBeLessThan(3000); // the close event (a loaded machine's seconds), not the 5 s heartbeat
    expect(result.sent).toBeGreaterThanOrEqual(1);
    const reason = await reasonOf(remote as Channel<unknown>);
    expect(reason).toBeInstanceOf(ChannelError);
    expect((reason as Error).message).toMatch(/its port closed/);
    local.close();
  });

  it('probe (holds): a close event dispatched on a window global leaves an unpaired and a running window stream alone', () =>
    withGlobal((global) =>
      onOwnClock(async (advance) => {
        const { frame, parent } = windows(global);
        const waiting = fromPort<number>(frame, { name: 'idle', origin: FRAME });
        const results = fromPort<number>(frame, { name: 'results', origin: FRAME, capacity: 4 });
        const local = new Channel<number>(Infinity);
        const sending = toPort(local, parent, { name: 'results' });
        local.pushNowait(1);
        await advance(50);
        global.dispatchEvent(new Event('close'));
        local.pushNowait(2);
        local.close();
        await advance(50);
        expect([await results.pull(), await results.pull()]).toEqual([1, 2]);
        expect(await sending).toEqual({ sent: 2, undelivered: [] });
        expect(waiting.closed).toBe(false);
        waiting.close();
      }),
    ));
});
