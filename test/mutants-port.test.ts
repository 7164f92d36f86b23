import { describe, expect, test } from 'vitest';
import { Channel } from '../src/index.js';
import { fromPort, type PortLike, toPort } from '../src/port/index.js';
import { fakePorts } from './helpers/fake-ports.js';
import { onOwnClock } from './helpers/own-clock.js';
import { collect, until } from './helpers/ports.js';
import { track } from './helpers/track.js';

describe('aborting', () => {
  test('once the signal aborts, toPort pulls nothing more: a value pushed right after stays in the local channel', async () => {
    const { a, b } = fakePorts();
    const controller = new AbortController();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 4 });
    const sending = toPort(local, a, { signal: controller.signal });
    await until(() => local.stats().waitingPullers === 1); // paired, waiting for a value
    controller.abort(new Error('stop'));
    expect(local.stats().waitingPullers).toBe(0);
    local.pushNowait(5);
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    expect(local.pullNowait()).toBe(5);
    await until(() => remote.closed);
    expect(remote.closeReason).toEqual(new Error('stop'));
  });
});

describe('a receiver whose event loop was blocked', () => {
  test('once its sender answers that it still runs the stream, the values that arrived meanwhile reach the pull that waits for them, and the sender is told', () =>
    onOwnClock(async (advance, block) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 2 });
      const sending = toPort(local, a);
      await advance(50);
      const pulled = track(remote.pull());
      block(3500); // this side posted nothing for longer than 3 s: it checks before committing
      local.pushNowait(1);
      await advance(100);
      expect(b.sent('ping').some((message) => message.nonce !== undefined)).toBe(true);
      expect(pulled.current).toEqual({ status: 'fulfilled', value: 1 });
      // …and the sender hears at once that it was committed, with the credit freed.
      expect(b.sent('credit').at(-1)).toMatchObject({ committed: 1, granted: 3 });
      local.close();
      await advance(100);
      expect(remote.closed).toBe(true);
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    }));

  test('a quiet stream’s heartbeats (ping and pong) cost no credit message: the receiver posts credit only when room or commits changed', () =>
    onOwnClock(async (advance) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      fromPort<number>(b, { capacity: 2 });
      const controller = new AbortController();
      const sending = toPort(local, a, { signal: controller.signal });
      await advance(50);
      const credits = b.sent('credit').length;
      await advance(3000);
      expect(a.sent('ping').length + b.sent('ping').length).toBeGreaterThan(0);
      expect(a.sent('pong').length + b.sent('pong').length).toBeGreaterThan(0);
      expect(b.sent('credit')).toHaveLength(credits);
      controller.abort();
      await advance(50);
      expect(await sending).toEqual({ sent: 0, undelivered: [] });
    }));
});

describe('a Window as port', () => {
  test('with transfer, the values’ buffers move to the other window (detached here once posted), as over a MessagePort', async () => {
    // A fake window (`window === itself`): what it is posted arrives on this context's global.
    const target = new EventTarget();
    const scope = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    scope.addEventListener = target.addEventListener.bind(target);
    scope.removeEventListener = target.removeEventListener.bind(target);
    const ORIGIN = 'https://app.example';
    class FakeWindow {
      readonly window = this;
      other!: FakeWindow;
      postMessage(message: unknown, _targetOrigin: string, transfer?: Transferable[]): void {
        const data = structuredClone(message, transfer === undefined ? undefined : { transfer });
        const source = this.other;
        setTimeout(
          () => target.dispatchEvent(Object.assign(new Event('message'), { data, source, origin: ORIGIN })),
          0,
        );
      }
    }
    const page = new FakeWindow();
    const frame = new FakeWindow();
    page.other = frame;
    frame.other = page;
    try {
      const remote = fromPort<ArrayBuffer>(page as FakeWindow & PortLike, { origin: ORIGIN, capacity: 2 });
      const local = new Channel<ArrayBuffer>(2);
      const buffer = new ArrayBuffer(8);
      local.pushNowait(buffer);
      local.close();
      const sending = toPort(local, frame as FakeWindow & PortLike, { origin: ORIGIN, transfer: (value) => [value] });
      const [received] = await collect(remote);
      expect(received?.byteLength).toBe(8);
      expect(buffer.byteLength).toBe(0); // detached: it moved
      expect(await sending).toEqual({ sent: 1, undelivered: [] });
    } finally {
      delete scope.addEventListener;
      delete scope.removeEventListener;
    }
  });
});
