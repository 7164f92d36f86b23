// @vitest-environment happy-dom
/**
 * Audit BE, port: a `Window` as the port (SPEC: "then `origin` is required on the receiving side
 * and checked on every message"; settled point: the port is the *other* window). Two fake
 * windows stand for a page and its frame inside one happy-dom global: each is `window`-shaped
 * (`w.window === w`), and a post to one is dispatched on the global as a `MessageEvent` whose
 * `source` is the other one and whose `origin` is the poster's, dropped when the target origin
 * does not match (as `postMessage` does).
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { drain } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitFor = async (probe: () => boolean) => {
  while (!probe()) await sleep(5);
};

interface FakeWindow {
  window: FakeWindow;
  closed: boolean;
  origin: string;
  postMessage(message: unknown, targetOrigin: string, transfer?: Transferable[]): void;
}

/** Two fake windows: a post to `frame` is heard (on the global) as coming from `page`, and back. */
function windows(pageOrigin: string, frameOrigin: string) {
  const make = (origin: string): FakeWindow => {
    const w = { closed: false, origin } as FakeWindow;
    w.window = w;
    return w;
  };
  const page = make(pageOrigin);
  const frame = make(frameOrigin);
  const wire = (to: FakeWindow, from: FakeWindow) => {
    to.postMessage = (message, targetOrigin) => {
      if (targetOrigin !== '*' && new URL(targetOrigin).origin !== to.origin) return; // dropped by the platform
      const data = structuredClone(message);
      setTimeout(() => {
        globalThis.dispatchEvent(new MessageEvent('message', { data, origin: from.origin, source: from as never }));
      }, 0);
    };
  };
  wire(frame, page);
  wire(page, frame);
  return { page: page as unknown as PortLike, frame: frame as unknown as PortLike, pageW: page, frameW: frame };
}

describe('Window ports', () => {
  it('fromPort over a Window without origin is a TypeError', () => {
    const { page } = windows('https://page.example', 'https://frame.example');
    expect(() => fromPort(page)).toThrow(TypeError);
  });

  it('a page streams to its frame: toPort(ch, frameWindow) / fromPort(parentWindow, { origin })', async () => {
    const { page, frame } = windows('https://page.example', 'https://frame.example');
    const local = new Channel<number>(4);
    const sending = toPort(local, frame, { name: 'w1' }); // in the page
    const remote = fromPort<number>(page, { name: 'w1', capacity: 2, origin: 'https://page.example' }); // in the frame
    await local.pushAll([1, 2, 3, 4]);
    local.close(new Error('page done'));
    const { got, error } = await drain(remote);
    expect(got).toEqual([1, 2, 3, 4]);
    expect((error as Error).message).toBe('page done');
    await expect(sending).resolves.toEqual({ sent: 4, undelivered: [] });
  });

  it('a receiver naming another origin than the sender ignores its messages', async () => {
    const { page, frame } = windows('https://page.example', 'https://frame.example');
    const local = new Channel<number>(2);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const sending = toPort(local, frame, { name: 'w2', signal: controller.signal });
    const remote = fromPort<number>(page, { name: 'w2', capacity: 2, origin: 'https://other.example' });
    await sleep(100);
    expect(remote.size).toBe(0);
    expect(local.size).toBe(2);
    controller.abort();
    await expect(sending).resolves.toEqual({ sent: 0, undelivered: [] });
    expect(remote.closed).toBe(false);
    remote.close();
    local.close();
  });

  it('the origin is checked on every message: a forged message of the paired session from another origin is ignored', async () => {
    const { page, frame, pageW } = windows('https://page.example', 'https://frame.example');
    const sessions: string[] = [];
    const spyListener = (event: Event) => {
      const data = (event as MessageEvent).data;
      if (data?.source === 'chanasync-port' && typeof data.session === 'string') sessions.push(data.session);
    };
    globalThis.addEventListener('message', spyListener);
    const local = new Channel<number>(4);
    const sending = toPort(local, frame, { name: 'w3' });
    const remote = fromPort<number>(page, { name: 'w3', capacity: 4, origin: 'https://page.example' });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    const session = sessions[0]!;
    const forge = (data: object) =>
      globalThis.dispatchEvent(
        new MessageEvent('message', {
          data: { source: 'chanasync-port', version: 1, name: 'w3', session, ...data },
          origin: 'https://evil.example',
          source: pageW as never,
        }),
      );
    forge({ type: 'values', values: [666], posted: 1 });
    forge({ type: 'end', abort: true, reason: 'forged', posted: 1 });
    await sleep(50);
    expect(remote.closed).toBe(false);
    expect(remote.size).toBe(0);
    await local.push(2);
    local.close();
    const { got, error } = await drain(remote);
    expect(got).toEqual([2]);
    expect(error).toBeUndefined();
    await expect(sending).resolves.toEqual({ sent: 2, undelivered: [] });
    globalThis.removeEventListener('message', spyListener);
  });

  it('control for the forgery above: the same forged values message from the right origin would be taken', async () => {
    const { page, frame, pageW } = windows('https://page.example', 'https://frame.example');
    const sessions: string[] = [];
    const spyListener = (event: Event) => {
      const data = (event as MessageEvent).data;
      if (data?.source === 'chanasync-port' && typeof data.session === 'string') sessions.push(data.session);
    };
    globalThis.addEventListener('message', spyListener);
    const local = new Channel<number>(4);
    const controller = new AbortController();
    const sending = toPort(local, frame, { name: 'w5', signal: controller.signal });
    const remote = fromPort<number>(page, { name: 'w5', capacity: 4, origin: 'https://page.example' });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    await waitFor(() => sessions.length > 0);
    const receiver = sessions[0]!;
    globalThis.dispatchEvent(
      new MessageEvent('message', {
        data: {
          source: 'chanasync-port',
          version: 1,
          name: 'w5',
          session: receiver,
          type: 'values',
          values: [666],
          posted: 1,
        },
        origin: 'https://page.example',
        source: pageW as never,
      }),
    );
    await sleep(50);
    expect(remote.tryPull()).toBe(666);
    controller.abort();
    await sending.catch(() => undefined); // the forgery broke the stream's counts: either outcome
    remote.close();
    local.close();
    globalThis.removeEventListener('message', spyListener);
  });

  it("a frame window that reads closed ends the page's streams (gone) within a tick", async () => {
    const { page, frame, frameW } = windows('https://page.example', 'https://frame.example');
    const local = new Channel<number>(4);
    await local.pushAll([1, 2, 3]);
    const sending = toPort(local, frame, { name: 'w4' });
    const remote = fromPort<number>(page, { name: 'w4', capacity: 1, origin: 'https://page.example' });
    while (remote.size === 0) await sleep(5);
    frameW.closed = true; // the iframe was removed
    const { sent, undelivered } = await sending;
    expect(sent + undelivered.length + local.size).toBe(3);
    remote.close();
    local.close();
    expect(remote.pullNowait()).toBe(1);
    expect(() => remote.pullNowait()).toThrow(ChannelClosedError);
  });
});
