/**
 * Second red-team audit of the inspector: what a long-lived page does to it (many leaks, many
 * Clears, many debug contexts in one frame posting at once) and the rate limit's consequences —
 * in Node (a happy-dom document for the renderer) and, once, in Chromium with the extension.
 */
import { Window } from 'happy-dom';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { LeakSnapshot, SnapshotMessage } from '../../src/protocol.js';
import { CATCH_UP_MS, type Effect, RATE, Router } from '../src/background/router.js';
import { type SessionArea, SnapshotStore } from '../src/background/store.js';
import {
  BACKGROUND_SOURCE,
  CONTENT_SOURCE,
  type FrameInfo,
  isBackgroundToContentMessage,
  PANEL_SOURCE,
  type StoredFrame,
} from '../src/messages.js';
import {
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  MAX_DISMISSED,
  MAX_LEAKS,
  type PanelData,
  rowsOf,
  withNotice,
  withoutFrame,
  withSnapshot,
} from '../src/panel/model.js';
import { render } from '../src/panel/render.js';
import { safeLine } from '../src/panel/sanitize.js';
import { useExtensionBrowser } from './extension-browser.js';
import { loadFixture, newTab } from './harness.mjs';
import { channel, snapshot, T0, TOP, waiter } from './snapshots.js';

/** The extension API the content script sees (below): ports that can break, and a switch to refuse new ones. */
const extension = vi.hoisted(() => {
  class FakePort {
    readonly posted: unknown[] = [];
    /** Closed by the other side, `onDisconnect` not delivered yet: posting throws, as in Chrome. */
    broken = false;
    readonly onMessage = { addListener: () => {} };
    readonly onDisconnect = { addListener: () => {} };
    postMessage(message: unknown): void {
      if (this.broken) throw new Error('Attempting to use a disconnected port object');
      this.posted.push(message);
    }
    disconnect(): void {}
  }
  return { FakePort, ports: [] as InstanceType<typeof FakePort>[], invalidated: false };
});

vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      connect: () => {
        if (extension.invalidated) throw new Error('Extension context invalidated.');
        const port = new extension.FakePort();
        extension.ports.push(port);
        return port;
      },
      onMessage: { addListener: () => {} },
    },
  },
}));

/** A document for the renderer (this file runs in Node, for the browser test below). */
const document = new Window().document as unknown as Document;

function leak(id: number): LeakSnapshot {
  return {
    id,
    kind: 'pull',
    since: T0 - 1000,
    detectedAt: T0 - 10,
    channel: { id: 10_000 + id, name: '', capacity: 0 },
  };
}

/** Leak snapshots of one page whose ids run from `from` to `from + count - 1`. */
function leaks(from: number, count: number): LeakSnapshot[] {
  return Array.from({ length: count }, (_, i) => leak(from + i));
}

describe('the panel stays bounded over a long session', () => {
  test('a page that keeps leaking and calling clearLeaks() lists at most MAX_LEAKS leaks, the newest', () => {
    let data: PanelData = EMPTY_DATA;
    const rounds = MAX_LEAKS / 100 + 5;
    for (let round = 0; round < rounds; round++) {
      // The page lists 100 leaks, then its clearLeaks() makes the next snapshot list 100 new ones.
      data = withSnapshot(data, TOP, snapshot([], { leaked: leaks(round * 100 + 1, 100), seq: round }), T0 + round);
    }
    expect(data.leaks).toHaveLength(MAX_LEAKS);
    expect(data.leaks.at(-1)?.leak.id).toBe(rounds * 100);
    expect(data.leaks[0]?.leak.id).toBe(rounds * 100 - MAX_LEAKS + 1);
    expect(data.leaksDropped).toBe(rounds * 100 - MAX_LEAKS);
  });

  test('leaks dropped over the bound are told in a notice, and Clear starts the count over', () => {
    let data: PanelData = EMPTY_DATA;
    for (let round = 0; round < MAX_LEAKS / 100 + 1; round++) {
      data = withSnapshot(data, TOP, snapshot([], { leaked: leaks(round * 100 + 1, 100), seq: round }), T0 + round);
    }
    const output = render({ data, view: DEFAULT_VIEW, now: T0, connection: 'connected' }, document);
    expect(output.notices.textContent).toContain('100 older leaks no longer listed');
    expect(cleared(data).leaksDropped).toBe(0);
  });

  test('leaks carried across reloads count toward the bound too', () => {
    let data: PanelData = EMPTY_DATA;
    for (let reload = 0; reload < MAX_LEAKS / 100 + 2; reload++) {
      const frame: FrameInfo = { ...TOP, documentId: `doc-${reload}` };
      data = withSnapshot(data, frame, snapshot([], { leaked: leaks(1, 100) }), T0 + reload);
      data = withoutFrame(data, frame.documentId); // navigated away: leaks stay until Clear
    }
    expect(data.leaks).toHaveLength(MAX_LEAKS);
    expect(rowsOf(data, DEFAULT_VIEW, T0).rows.filter((row) => row.state === 'leaked')).toHaveLength(MAX_LEAKS);
  });

  test('a cleared leak the page no longer lists (it called clearLeaks) is forgotten by the panel', () => {
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: leaks(1, 3), seq: 1 }), T0);
    data = cleared(data);
    expect(data.dismissed.size).toBe(3);
    // The page still lists leak 3 only: 1 and 2 can never be listed again (ids never repeat).
    data = withSnapshot(data, TOP, snapshot([], { leaked: [leak(3)], seq: 2 }), T0 + 1);
    expect(data.dismissed.size).toBe(1);
    expect(data.leaks).toEqual([]);
  });

  test('a cleared leak the page still lists stays dismissed however many snapshots follow', () => {
    let data = cleared(withSnapshot(EMPTY_DATA, TOP, snapshot([], { leaked: [leak(1)], seq: 1 }), T0));
    for (let i = 2; i < 10; i++) data = withSnapshot(data, TOP, snapshot([], { leaked: [leak(1)], seq: i }), T0 + i);
    expect(data.leaks).toEqual([]);
    expect(data.dismissed.size).toBe(1);
  });

  test('the cleared-leak memory is bounded even for documents that never report again', () => {
    let data: PanelData = EMPTY_DATA;
    for (let doc = 0; doc < MAX_DISMISSED / 100 + 3; doc++) {
      const frame: FrameInfo = { ...TOP, documentId: `gone-${doc}` };
      data = cleared(withSnapshot(data, frame, snapshot([], { leaked: leaks(1, 100) }), T0 + doc));
    }
    expect(data.dismissed.size).toBe(MAX_DISMISSED);
  });
});

describe('notices of frames that come and go', () => {
  const frameOf = (n: number): FrameInfo => ({
    frameId: 100 + n,
    url: `https://ads.example/${n}.html`,
    documentId: `ad-${n}`,
    origin: 'https://ads.example',
  });

  test('the notices of a frame that is gone leave with it, so frames that come and go do not pile them up', () => {
    let data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1 })]), T0);
    for (let n = 0; n < 500; n++) {
      data = withNotice(data, 'malformed', frameOf(n));
      data = withoutFrame(data, frameOf(n).documentId);
    }
    expect(data.notices).toEqual([]);
    expect(data.frames.size).toBe(1);
  });

  test('the notices of frames still there stay', () => {
    let data = withNotice(EMPTY_DATA, 'oversized', frameOf(1), 5_000_000);
    data = withNotice(data, 'malformed', frameOf(2));
    data = withoutFrame(data, frameOf(2).documentId);
    expect(data.notices.map((notice) => notice.frame.documentId)).toEqual(['ad-1']);
  });
});

describe('the rate limit never leaves the panel stale', () => {
  const subscribe = { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 };
  const frame: FrameInfo = { frameId: 0, url: 'https://a.example/', documentId: 'doc-a', origin: 'https://a.example' };
  const fromPage = (message: SnapshotMessage) => ({ source: CONTENT_SOURCE, type: 'page', message });

  function inspected() {
    const router = new Router<string>();
    router.panelConnected('panel');
    router.received('panel', subscribe, T0);
    router.frameConnected('content', 1, frame, T0);
    return router;
  }

  /** Sends `count` snapshots at `now`; returns every effect. */
  function flood(router: Router<string>, count: number, now: number): Effect<string>[] {
    const effects: Effect<string>[] = [];
    for (let i = 0; i < count; i++) effects.push(...router.received('content', fromPage(snapshot([])), now));
    return effects;
  }

  test('a frame that lost snapshots to the rate limit is told hello once its budget refilled, so its sessions re-post', () => {
    const router = inspected();
    const effects = flood(router, RATE.burst + 10, T0);
    const later = effects.filter((effect) => effect.kind === 'later');
    expect(later).toEqual([{ kind: 'later', port: 'content', delayMs: CATCH_UP_MS }]);
    const catchUp = router.catchUp('content');
    expect(catchUp).toEqual([{ kind: 'post', port: 'content', message: { source: BACKGROUND_SOURCE, type: 'hello' } }]);
    expect(catchUp.every((effect) => effect.kind === 'post' && isBackgroundToContentMessage(effect.message))).toBe(
      true,
    );
  });

  test('the catch-up waits long enough for a whole burst of re-posted snapshots to pass', () => {
    const router = inspected();
    flood(router, RATE.burst + 1, T0);
    router.catchUp('content');
    const relayed = flood(router, RATE.burst, T0 + CATCH_UP_MS).filter(
      (effect) => effect.kind === 'post' && effect.port === 'panel',
    );
    expect(relayed).toHaveLength(RATE.burst);
  });

  test('one catch-up is scheduled per flood, and another after it if the frame floods again', () => {
    const router = inspected();
    const first = flood(router, RATE.burst * 3, T0).filter((effect) => effect.kind === 'later');
    expect(first).toHaveLength(1);
    router.catchUp('content');
    const second = flood(router, RATE.burst * 3, T0 + CATCH_UP_MS).filter((effect) => effect.kind === 'later');
    expect(second).toHaveLength(1);
  });

  test('a frame within its budget never gets a catch-up', () => {
    const router = inspected();
    const effects = flood(router, RATE.burst, T0);
    expect(effects.filter((effect) => effect.kind === 'later')).toEqual([]);
  });

  test('no catch-up for a tab whose panel left, nor for a port that closed', () => {
    const router = inspected();
    flood(router, RATE.burst + 1, T0);
    router.disconnected('panel');
    expect(router.catchUp('content')).toEqual([]);
    const other = inspected();
    flood(other, RATE.burst + 1, T0);
    other.disconnected('content');
    expect(other.catchUp('content')).toEqual([]);
  });

  test('an uninspected frame that floods schedules nothing', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, frame, T0);
    const effects = flood(router, RATE.burst * 2, T0);
    expect(effects.filter((effect) => effect.kind === 'later')).toEqual([]);
  });

  test('eight relayed workers posting four snapshots a second each lose snapshots to the limit (why catch-up exists)', () => {
    const router = inspected();
    let dropped = 0;
    for (let tick = 0; tick < 40; tick++) {
      for (let worker = 0; worker < 8; worker++) {
        const context = { kind: 'worker' as const, url: `https://a.example/w.js#${worker}` };
        const effects = router.received(
          'content',
          fromPage(snapshot([channel({ id: 1 })], { context })),
          T0 + tick * 250,
        );
        if (!effects.some((effect) => effect.kind === 'post' && effect.port === 'panel')) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(0);
  });
});

describe('ranking with ties', () => {
  test('stuck channels blocked equally long are listed by id, whatever order the page sent them in', () => {
    const data = withSnapshot(
      EMPTY_DATA,
      TOP,
      snapshot([
        channel({ id: 9, name: 'c', pullers: [waiter('pull', 60_000)] }),
        channel({ id: 3, name: 'b', pullers: [waiter('pull', 60_000)] }),
        channel({ id: 5, name: 'a', pullers: [waiter('pull', 60_000)] }),
      ]),
      T0,
    );
    expect(rowsOf(data, DEFAULT_VIEW, T0).rows.map((row) => row.id)).toEqual([3, 5, 9]);
  });
});

describe('kept snapshots of a page and the workers it relays', () => {
  /** An in-memory `storage.session`. */
  function memoryArea(): SessionArea {
    const items = new Map<string, unknown>();
    return {
      get: async (key) =>
        key === null ? Object.fromEntries(items) : items.has(key) ? { [key]: structuredClone(items.get(key)) } : {},
      set: async (values) => {
        for (const [key, value] of Object.entries(values)) items.set(key, structuredClone(value));
      },
      remove: async (key) => void items.delete(key),
    };
  }
  const worker = (url: string) => ({ kind: 'worker' as const, url });
  const kept = (context: SnapshotMessage['context'], receivedAt: number, documentId = 'doc-top'): StoredFrame => ({
    frame: { ...TOP, documentId },
    snapshot: snapshot([channel({ id: 1, name: context?.url ?? 'page' })], context === undefined ? {} : { context }),
    receivedAt,
  });
  const names = (frames: StoredFrame[]) => frames.map((entry) => entry.snapshot.channels[0]?.name).sort();

  test('a page’s snapshot and its relayed workers’ snapshots are all kept, not the last one alone', async () => {
    const store = new SnapshotStore(memoryArea());
    void store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0) });
    void store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js#1'), T0 + 1) });
    await store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js#2'), T0 + 2) });
    expect(names(await store.read(1))).toEqual(['https://a.example/w.js#1', 'https://a.example/w.js#2', 'page']);
  });

  test('a context’s newer snapshot replaces its older one only', async () => {
    const store = new SnapshotStore(memoryArea());
    await store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0) });
    await store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js'), T0 + 1) });
    await store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js'), T0 + 2) });
    const frames = await store.read(1);
    expect(frames.map((entry) => entry.receivedAt).sort()).toEqual([T0, T0 + 2]);
  });

  test('a document that goes removes the kept snapshots of all its contexts, and only its own', async () => {
    const store = new SnapshotStore(memoryArea());
    await store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0) });
    await store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js'), T0 + 1) });
    await store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0 + 2, 'doc-other') });
    await store.apply({ op: 'remove-frame', tabId: 1, documentId: 'doc-top' });
    expect((await store.read(1)).map((entry) => entry.frame.documentId)).toEqual(['doc-other']);
  });

  test('a snapshot queued after its document’s removal (a page back from the cache) is kept', async () => {
    const store = new SnapshotStore(memoryArea());
    await store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0) });
    void store.apply({ op: 'remove-frame', tabId: 1, documentId: 'doc-top' });
    await store.apply({ op: 'put', tabId: 1, entry: kept(undefined, T0 + 5) });
    expect((await store.read(1)).map((entry) => entry.receivedAt)).toEqual([T0 + 5]);
  });

  test('a removal queued after a snapshot of that document drops the snapshot too', async () => {
    const store = new SnapshotStore(memoryArea());
    void store.apply({ op: 'put', tabId: 1, entry: kept(worker('https://a.example/w.js'), T0) });
    await store.apply({ op: 'remove-frame', tabId: 1, documentId: 'doc-top' });
    expect(await store.read(1)).toEqual([]);
  });
});

describe('untrusted names stay on one line', () => {
  test('a channel name with Unicode line or paragraph separators is shown on one line', () => {
    expect(safeLine('jobs\u2028fake row\u2029another')).toBe('jobs fake row another');
    const data = withSnapshot(EMPTY_DATA, TOP, snapshot([channel({ id: 1, name: 'a\u2028b' })]), T0);
    const output = render({ data, view: DEFAULT_VIEW, now: T0, connection: 'connected' }, document);
    expect(output.content.textContent).toContain('a b');
    expect(output.content.textContent).not.toContain('\u2028');
  });
});

describe('the content script when its port breaks', () => {
  /** A stand-in for the page's window: the content script listens on it. */
  const page = Object.assign(new EventTarget(), { postMessage() {} });
  /** The page posting `data` to its own window. */
  const pagePosts = (data: unknown) => {
    const event = new MessageEvent('message', { data });
    Object.defineProperty(event, 'source', { value: page });
    page.dispatchEvent(event);
  };
  const message = (n: number) => ({ source: 'chanasync', version: 1, type: 'snapshot', time: n, channels: [] });
  const relayed = () =>
    extension.ports.flatMap((port) => port.posted.map((m) => (m as { message: { time: number } }).message.time));

  beforeAll(async () => {
    (globalThis as { window?: unknown }).window = page;
    await import('../src/content/index.js');
  });
  afterAll(() => {
    delete (globalThis as { window?: unknown }).window;
  });

  test('a port closed before its disconnect event arrived is replaced, and nothing the page posted is lost', () => {
    pagePosts(message(1));
    (extension.ports[0] as { broken: boolean }).broken = true; // the service worker stopped
    pagePosts(message(2));
    pagePosts(message(3));
    expect(extension.ports).toHaveLength(2);
    expect(relayed()).toEqual([1, 2, 3]);
  });

  test('an extension that was reloaded or removed makes the script stop listening', () => {
    (extension.ports.at(-1) as { broken: boolean }).broken = true;
    extension.invalidated = true;
    pagePosts(message(4));
    extension.invalidated = false;
    pagePosts(message(5));
    expect(relayed()).toEqual([1, 2, 3]);
  });
});

describe('in Chromium, with the extension', () => {
  const env = useExtensionBrowser();

  test('a state posted while the page floods the rate limit reaches the panel once the flood is over', async () => {
    const { page, tabId } = await newTab(env.browser.context, env.browser.serviceWorker);
    const panel: Page = await env.browser.context.newPage();
    try {
      await panel.goto(`chrome-extension://${env.browser.extensionId}/panel.html?tabId=${tabId}`);
      await loadFixture(page, `${env.server.origin}/inspector-extension/test/fixtures/plain.html`);
      // Strings, not functions: vitest would rewrite a function's dynamic imports.
      await page.evaluate(`(async () => {
        const { enableDebug } = await import('/dist/debug.js');
        const { Channel } = await import('/dist/index.js');
        enableDebug({ intervalMs: 50 });
        window.keep = [new Channel(0, { name: 'before' })];
      })()`);
      const names = () => panel.$$eval('.row .name-text', (rows) => rows.map((row) => row.textContent));
      await expect.poll(names, { timeout: 10_000 }).toContain('before');
      // Another script of the page floods for a second (as many relayed workers would); the
      // page's debug mode posts its new state in the middle of it, and then nothing more changes.
      await page.evaluate(`(async () => {
        const { Channel } = await import('/dist/index.js');
        const flood = { source: 'chanasync', version: 1, type: 'snapshot', channels: [] };
        const timer = setInterval(() => {
          for (let i = 0; i < 10; i++) {
            window.postMessage({ ...flood, time: Date.now(), context: { kind: 'worker', url: 'flood.js' } }, '*');
          }
        }, 10);
        await new Promise((resolve) => setTimeout(resolve, 300));
        window.keep.push(new Channel(0, { name: 'final' }));
        await new Promise((resolve) => setTimeout(resolve, 700));
        clearInterval(timer);
      })()`);
      // The catch-up comes 2 s after the first dropped message (again after any later drop).
      await expect.poll(names, { timeout: 20_000, interval: 100 }).toContain('final');
    } finally {
      await panel.close();
      await page.close();
    }
  }, 60_000);
});
