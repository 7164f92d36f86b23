// @vitest-environment happy-dom
/**
 * The content script (src/content/index.ts) after the extension was reloaded, updated or
 * removed: it keeps running in the page as an orphan that can no longer reach the extension.
 * It must tell the page `bye` — else the page's debug mode, still connected to an inspector that
 * is gone, keeps posting snapshots for nobody — and stop listening. Each test loads a fresh copy
 * of the script into the happy-dom window, with a fake extension API that can "reload".
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { INSPECTOR_SOURCE, PAGE_SOURCE } from '../../src/protocol.js';
import { BACKGROUND_SOURCE, CONTENT_SOURCE } from '../src/messages.js';

type Listener = (message: unknown) => unknown;

/** A fake `runtime.Port` that records what is posted on it. */
class FakePort {
  readonly posted: unknown[] = [];
  readonly messageListeners: Listener[] = [];
  readonly disconnectListeners: (() => void)[] = [];
  readonly onMessage = { addListener: (listener: Listener) => this.messageListeners.push(listener) };
  readonly onDisconnect = { addListener: (listener: () => void) => this.disconnectListeners.push(listener) };
  closed = false;
  postMessage(message: unknown): void {
    if (this.closed) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(structuredClone(message));
  }
  disconnect(): void {
    this.closed = true;
  }
  /** The other end went away (the service worker stopped, or the whole extension). */
  drop(): void {
    this.closed = true;
    for (const listener of this.disconnectListeners) listener();
  }
}

/** The fake extension: `alive` false is an extension that was reloaded or removed. */
const fake = vi.hoisted(() => ({
  alive: true,
  ports: [] as FakePort[],
  runtimeListeners: new Set<Listener>(),
}));

vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      get id() {
        return fake.alive ? 'abcdefghijklmnop' : undefined;
      },
      connect: () => {
        if (!fake.alive) throw new Error('Extension context invalidated.');
        const port = new FakePort();
        fake.ports.push(port);
        return port;
      },
      onMessage: {
        addListener: (listener: Listener) => fake.runtimeListeners.add(listener),
        removeListener: (listener: Listener) => {
          if (!fake.alive) throw new Error('Extension context invalidated.');
          fake.runtimeListeners.delete(listener);
        },
      },
    },
  },
}));

const announce = { source: PAGE_SOURCE, version: 1, type: 'announce' };
const snapshot = { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: 1, channels: [] };
const bye = { source: INSPECTOR_SOURCE, version: 1, type: 'bye' };
const hello = { source: INSPECTOR_SOURCE, version: 1, type: 'hello' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** The page posting `data` to its own window (happy-dom's `postMessage` sets another `source`). */
const pagePosts = (data: unknown) => window.dispatchEvent(new MessageEvent('message', { data, source: window }));

/** What the inspector side posted to the page's window. */
let saidToPage: unknown[] = [];
const record = (event: MessageEvent) => {
  if ((event.data as { source?: unknown })?.source === INSPECTOR_SOURCE) saidToPage.push(event.data);
};

beforeEach(async () => {
  fake.alive = true;
  fake.ports.length = 0;
  fake.runtimeListeners.clear();
  saidToPage = [];
  window.addEventListener('message', record);
  vi.resetModules();
  await import('../src/content/index.js');
});

afterEach(async () => {
  // Leave no live copy behind for the next test: a reload orphans this one. Its `bye` (posted
  // to the window, delivered in a later task) arrives before the next test listens.
  fake.alive = false;
  for (const port of fake.ports) port.drop();
  pagePosts(snapshot);
  await settle();
  window.removeEventListener('message', record);
});

describe('the content script after the extension is reloaded', () => {
  test('when its port disconnects because the extension is gone, the page is told bye', async () => {
    pagePosts(announce);
    expect(fake.ports).toHaveLength(1);
    fake.alive = false;
    fake.ports[0]?.drop();
    await settle();
    expect(saidToPage).toEqual([bye]);
  });

  test('when runtime.id is still set as the port disconnects but gone a moment later (Chromium), the page is told bye', async () => {
    pagePosts(announce);
    fake.ports[0]?.drop(); // the extension is reloading: its id goes a little after the port
    fake.alive = false;
    await settle();
    expect(saidToPage).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(saidToPage).toEqual([bye]);
  });

  test('when the page posts and the extension can no longer be reached, the page is told bye', async () => {
    pagePosts(announce);
    fake.ports[0]?.drop(); // the service worker stopped: no bye, the next message reconnects
    await settle();
    expect(saidToPage).toEqual([]);
    fake.alive = false; // then the extension was reloaded before the page spoke again
    pagePosts(snapshot);
    await settle();
    expect(saidToPage).toEqual([bye]);
  });

  test('a service-worker restart is not a reload: the page is not told bye and the next message reconnects', async () => {
    pagePosts(announce);
    fake.ports[0]?.drop();
    pagePosts(snapshot);
    await settle();
    expect(saidToPage).toEqual([]);
    expect(fake.ports).toHaveLength(2);
    expect(fake.ports[1]?.posted).toEqual([{ source: CONTENT_SOURCE, type: 'page', message: snapshot }]);
  });

  test('an orphan says bye once, however often the page keeps posting', async () => {
    pagePosts(announce);
    fake.alive = false;
    fake.ports[0]?.drop();
    for (let i = 0; i < 5; i++) pagePosts(snapshot);
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await settle();
    expect(saidToPage).toEqual([bye]);
  });

  test('an orphan relays nothing more: a hello arriving late from the dead extension is not passed on', async () => {
    pagePosts(announce);
    const port = fake.ports[0] as FakePort;
    const listeners = [...fake.runtimeListeners];
    fake.alive = false;
    port.drop();
    for (const listener of port.messageListeners) listener({ source: BACKGROUND_SOURCE, type: 'hello' });
    for (const listener of listeners) listener({ source: BACKGROUND_SOURCE, type: 'hello' });
    await settle();
    expect(saidToPage).toEqual([bye]);
    expect(saidToPage).not.toContainEqual(hello);
  });

  test('a page without debug mode is told nothing when the extension goes away', async () => {
    pagePosts({ source: 'someone-else', type: 'snapshot' });
    expect(fake.ports).toHaveLength(0);
    fake.alive = false;
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await settle();
    expect(saidToPage).toEqual([]);
  });

  test('a live page’s debug mode stops posting once the orphan says bye', async () => {
    const { disableDebug, enableDebug } = await import('../../src/debug/index.js');
    const { Channel } = await import('../../src/index.js');
    const posted: unknown[] = [];
    // The page's debug mode: posts to its window (recorded, then relayed like postMessage would).
    const target = {
      postMessage: (message: unknown) => {
        posted.push(message);
        pagePosts(message);
      },
    };
    enableDebug({ target, listen: window, intervalMs: 10 });
    try {
      // The inspector says hello through the (live) content script.
      for (const listener of fake.ports[0]?.messageListeners ?? [])
        listener({ source: BACKGROUND_SOURCE, type: 'hello' });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const channel = new Channel<number>(1, { name: 'busy' });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(posted.some((m) => (m as { type?: string }).type === 'snapshot')).toBe(true);
      fake.alive = false;
      fake.ports[0]?.drop();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const before = posted.length;
      for (let i = 0; i < 5; i++) {
        channel.tryPush(i); // a change every step: a connected session would post
        channel.tryPull();
        channel.tryPush(i);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(posted.length).toBe(before);
    } finally {
      disableDebug();
    }
  });
});
