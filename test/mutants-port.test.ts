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

describe('a lost credit', () => {
  // Was: a `credit` the port lost (a page frozen in the back/forward cache can lose messages to
  // and from a cross-origin frame: test/audit-aa/bfcache.chromium.test.ts) stalled the stream for
  // good — the sender had used up the credit it knew of, the receiver had granted more, and
  // heartbeats kept both sides alive. A sender's heartbeat now says it is starved, and the
  // receiver posts its cumulative credit again.
  test('a sender starved by a lost credit hears it again at its next heartbeat, and the stream goes on', () =>
    onOwnClock(async (advance) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      for (let i = 0; i < 6; i++) local.pushNowait(i);
      local.close();
      const remote = fromPort<number>(b, { capacity: 2 });
      const sending = toPort(local, a);
      await advance(50);
      expect(b.sent('credit').at(-1)).toMatchObject({ granted: 2 });
      // The credits the receiver posts while its consumer takes those two vanish on the way (no
      // messageerror either); later ones arrive.
      let dropping = true;
      let dropped = 0;
      a.firesMessageError = false;
      a.undeserializable = (data) => data.type === 'credit' && dropping && ++dropped > 0;
      const got = [await remote.pull(), await remote.pull()];
      await advance(50);
      dropping = false;
      expect(remote.stats().size).toBe(0);
      expect(dropped).toBeGreaterThan(0);
      expect(b.sent('credit').at(-1)).toMatchObject({ granted: 4 });
      // Starved: the two values its credit allowed were sent, and no more.
      expect(a.sent('values').flatMap((message) => message.values as number[])).toEqual([0, 1]);
      await advance(6000); // a heartbeat period or two
      expect(a.sent('ping').some((message) => message.starved === true)).toBe(true);
      for (let i = 0; i < 4; i++) {
        const next = remote.pull();
        await advance(50);
        got.push(await next);
      }
      expect(got).toEqual([0, 1, 2, 3, 4, 5]);
      await advance(100);
      expect(await sending).toEqual({ sent: 6, undelivered: [] });
    }));

  test('a quiet sender with credit left is not starved: its heartbeats bring no credit', () =>
    onOwnClock(async (advance) => {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      fromPort<number>(b, { capacity: 2 });
      const controller = new AbortController();
      const sending = toPort(local, a, { signal: controller.signal });
      await advance(6000);
      expect(a.sent('ping').length + a.sent('pong').length).toBeGreaterThan(0);
      expect([...a.sent('ping'), ...a.sent('pong')].every((message) => message.starved === false)).toBe(true);
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
