// @vitest-environment happy-dom
/**
 * Blind specification pass (audit BP): Window ports. SPEC: "a `Window` (then `origin` is
 * required on the receiving side and checked on every message)", and "for a `Window`, the port is
 * the *other* window". Two fake windows stand for a page and its frame: both streams listen on
 * this context's global (as a window port's messages arrive there), and each fake's postMessage
 * dispatches a MessageEvent carrying the poster's origin.
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, until } from './helpers.js';

const PAGE = 'https://page.example';
const FRAME = 'https://frame.example';

interface FakeWindow extends PortLike {
  window: FakeWindow;
  closed: boolean;
  posted: { message: unknown; targetOrigin: unknown }[];
}

/** A window that, posted to, delivers on this global as if `fromOrigin` posted it. */
function fakeWindow(fromOrigin: () => string, source: () => unknown): FakeWindow {
  const fake = {
    closed: false,
    posted: [] as { message: unknown; targetOrigin: unknown }[],
    postMessage(message: unknown, targetOrigin?: unknown) {
      fake.posted.push({ message, targetOrigin });
      const data = structuredClone(message);
      const origin = fromOrigin();
      setTimeout(() => {
        globalThis.dispatchEvent(new MessageEvent('message', { data, origin, source: source() as Window }));
      });
    },
    addEventListener(type: string, listener: (event: unknown) => void) {
      globalThis.addEventListener(type, listener as EventListener);
    },
    removeEventListener(type: string, listener: (event: unknown) => void) {
      globalThis.removeEventListener(type, listener as EventListener);
    },
  } as unknown as FakeWindow;
  fake.window = fake;
  return fake;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The page's view of its frame (toPort's port) and the frame's view of its parent (fromPort's). */
function windows(options: { frameOrigin?: string } = {}) {
  let parent!: FakeWindow;
  // Posting to the frame: the frame receives a message from the page.
  const frame = fakeWindow(
    () => PAGE,
    () => parent,
  );
  // Posting to the parent: the page receives a message from the frame.
  parent = fakeWindow(
    () => options.frameOrigin ?? FRAME,
    () => frame,
  );
  return { frame, parent };
}

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

describe('Window ports', () => {
  it('fromPort on a Window without origin is a TypeError', () => {
    const { parent } = windows();
    expect(() => fromPort(parent)).toThrow(TypeError);
  });

  it('a stream between two windows delivers with the right origin', async () => {
    const { frame, parent } = windows();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
    cleanups.push(() => remote.close());
    const sending = toPort(local, frame);
    await local.pushAll([1, 2, 3]);
    local.close();
    expect(await collect(remote)).toEqual([1, 2, 3]);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
    // The values went only to the receiver's origin, never to '*'.
    const valuePosts = frame.posted.filter((p) => (p.message as { type?: string }).type === 'values');
    expect(valuePosts.length).toBeGreaterThan(0);
    for (const post of valuePosts) expect(post.targetOrigin).toBe(FRAME);
  });

  it('a receiver expecting another origin never takes the values', async () => {
    const { frame, parent } = windows();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(parent, { origin: 'https://elsewhere.example', capacity: 2 });
    const controller = new AbortController();
    const sending = toPort(local, frame, { signal: controller.signal });
    await sleep(500);
    expect(remote.size).toBe(0);
    expect(local.size).toBe(2); // nobody answered, so nothing was pulled
    controller.abort();
    expect(await sending).toEqual({ sent: 0, undelivered: [] });
    remote.close();
  });

  it('a forged message from another origin mid-stream is ignored', async () => {
    const { frame, parent } = windows();
    const local = new Channel<string>(4);
    const remote = fromPort<string>(parent, { origin: PAGE, capacity: 4 });
    cleanups.push(() => remote.close());
    const sending = toPort(local, frame);
    await local.push('real-1');
    await until(() => remote.size === 1, 'the first value');
    // Replay the real values message with other values, from an evil origin.
    const real = frame.posted.find((p) => (p.message as { type?: string }).type === 'values');
    const forged = { ...(real?.message as object), values: ['forged'], posted: 1 };
    globalThis.dispatchEvent(
      new MessageEvent('message', {
        data: forged,
        origin: 'https://evil.example',
        source: parent as unknown as Window,
      }),
    );
    const forgedEnd = { ...(real?.message as object), type: 'end', abort: true, reason: 'evil', posted: 1 };
    globalThis.dispatchEvent(
      new MessageEvent('message', {
        data: forgedEnd,
        origin: 'https://evil.example',
        source: parent as unknown as Window,
      }),
    );
    await sleep(100);
    await local.push('real-2');
    local.close();
    expect(await collect(remote)).toEqual(['real-1', 'real-2']);
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('a removed frame (its window reads closed) ends the stream well within the heartbeat', async () => {
    const { frame, parent } = windows();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(parent, { origin: PAGE, capacity: 1 });
    const sending = toPort(local, frame);
    await local.push(1);
    await until(() => remote.size === 1, 'the first value');
    await local.push(2);
    // The frame goes away: its window reads closed, and it answers nothing more.
    frame.closed = true;
    frame.postMessage = () => {};
    parent.postMessage = () => {};
    const at = Date.now();
    const result = await sending;
    expect(Date.now() - at).toBeLessThan(3_000);
    expect(result.sent + result.undelivered.length + local.size).toBe(2);
    expect(result.sent).toBeLessThanOrEqual(1);
    remote.close();
  });
});
