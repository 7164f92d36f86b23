/**
 * The service worker's router (src/background/router.ts) as a pure state machine: the
 * hello/bye handshake per tab, per-tab isolation, validation of page messages, and clean-up.
 * Ports are plain strings here.
 */
import { describe, expect, test } from 'vitest';
import { LIMITS } from '../../src/protocol.js';
import { type Effect, frameOfPort, liveFrames, RATE, Router } from '../src/background/router.js';
import {
  BACKGROUND_SOURCE,
  CONTENT_PORT_PREFIX,
  CONTENT_SOURCE,
  type FrameInfo,
  MAX_MESSAGE_CHARS,
  PANEL_SOURCE,
} from '../src/messages.js';
import { channel, snapshot, T0 } from './snapshots.js';

const HELLO = { source: BACKGROUND_SOURCE, type: 'hello' };
const BYE = { source: BACKGROUND_SOURCE, type: 'bye' };
const subscribe = (tabId: number) => ({ source: PANEL_SOURCE, type: 'subscribe', tabId });
const fromPage = (message: unknown) => ({ source: CONTENT_SOURCE, type: 'page', message });
const frame = (documentId: string, frameId = 0): FrameInfo => ({
  frameId,
  url: 'https://a.example/',
  documentId,
  origin: 'https://a.example',
});

/** Effects that send to a tab (`tabs.sendMessage`). */
const toTabs = (effects: Effect<string>[]) =>
  effects.flatMap((e) => (e.kind === 'tab' ? [[e.tabId, (e.message as { type: string }).type]] : []));
/** Effects that post on a port, as [port, type]. */
const posts = (effects: Effect<string>[]) =>
  effects.flatMap((e) => (e.kind === 'post' ? [[e.port, (e.message as { type: string }).type]] : []));

/** A router with panel `panel` on `tabId` and content port `content` for a frame of `tabId`. */
function routerWith(tabId = 1) {
  const router = new Router<string>();
  router.panelConnected('panel');
  router.received('panel', subscribe(tabId), T0);
  router.frameConnected('content', tabId, frame('doc-a'));
  return router;
}

describe('hello and bye', () => {
  test('the first panel of a tab says hello to the tab and gets the kept snapshots', () => {
    const router = new Router<string>();
    router.panelConnected('p1');
    const effects = router.received('p1', subscribe(5), T0);
    expect(toTabs(effects)).toEqual([[5, 'hello']]);
    expect(effects).toContainEqual({ kind: 'restore', port: 'p1', tabId: 5 });
    expect(effects.find((e) => e.kind === 'tab')?.message).toEqual(HELLO);
  });

  test('a second panel of the same tab gets the kept snapshots but no new hello', () => {
    const router = routerWith(5);
    router.panelConnected('p2');
    const effects = router.received('p2', subscribe(5), T0);
    expect(toTabs(effects)).toEqual([]);
    expect(effects).toEqual([{ kind: 'restore', port: 'p2', tabId: 5 }]);
  });

  test('bye goes to the tab when its last panel leaves, not before', () => {
    const router = routerWith(5);
    router.panelConnected('p2');
    router.received('p2', subscribe(5), T0);
    expect(toTabs(router.disconnected('panel'))).toEqual([]);
    const effects = router.disconnected('p2');
    expect(toTabs(effects)).toEqual([[5, 'bye']]);
    expect(effects[0]).toMatchObject({ message: BYE });
    expect(router.isInspected(5)).toBe(false);
  });

  test('a panel that leaves without subscribing says nothing to any tab', () => {
    const router = new Router<string>();
    router.panelConnected('p');
    expect(router.disconnected('p')).toEqual([]);
  });

  test('an announce while a panel is open is answered with hello on the frame’s port', () => {
    const router = routerWith(1);
    const effects = router.received('content', fromPage({ source: 'chanasync', version: 1, type: 'announce' }), T0);
    expect(posts(effects)).toEqual([
      ['panel', 'announce'],
      ['content', 'hello'],
    ]);
  });

  test('an announce with no panel open gets no hello: the page stays quiet', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, frame('doc-a'));
    expect(router.received('content', fromPage({ source: 'chanasync', version: 1, type: 'announce' }), T0)).toEqual([]);
  });

  test('a page back from the back/forward cache gets hello if a panel is open, and bye if none is', () => {
    const restored = { source: CONTENT_SOURCE, type: 'restored' };
    expect(posts(routerWith(1).received('content', restored, T0))).toEqual([['content', 'hello']]);
    const alone = new Router<string>();
    alone.frameConnected('content', 1, frame('doc-a'));
    expect(posts(alone.received('content', restored, T0))).toEqual([['content', 'bye']]);
  });

  test('a frame that posts snapshots for a tab with no panel is told bye, at most once a second', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, frame('doc-a'), T0);
    const post = (at: number) => router.received('content', fromPage(snapshot([])), at);
    expect(post(T0)).toEqual([{ kind: 'post', port: 'content', message: BYE }]);
    expect(post(T0 + 100)).toEqual([]);
    expect(posts(post(T0 + 1000))).toEqual([['content', 'bye']]);
  });

  test('when the last panel leaves, the tab’s kept snapshots are dropped with the bye', () => {
    const router = routerWith(4);
    const effects = router.disconnected('panel');
    expect(toTabs(effects)).toEqual([[4, 'bye']]);
    expect(effects).toContainEqual({ kind: 'store', change: { op: 'clear-tab', tabId: 4 } });
  });

  test('resync says hello to the panel’s tab again', () => {
    const router = routerWith(3);
    expect(toTabs(router.received('panel', { source: PANEL_SOURCE, type: 'resync' }, T0))).toEqual([[3, 'hello']]);
  });
});

describe('routing snapshots', () => {
  test('a snapshot goes to the panels of its tab, with its frame, and is kept', () => {
    const router = routerWith(1);
    const page = snapshot([channel({ id: 1, name: 'jobs' })]);
    const effects = router.received('content', fromPage(page), T0 + 5);
    expect(effects).toEqual([
      {
        kind: 'post',
        port: 'panel',
        message: {
          source: BACKGROUND_SOURCE,
          type: 'snapshot',
          frame: frame('doc-a'),
          snapshot: page,
          receivedAt: T0 + 5,
        },
      },
      {
        kind: 'store',
        change: { op: 'put', tabId: 1, entry: { frame: frame('doc-a'), snapshot: page, receivedAt: T0 + 5 } },
      },
    ]);
  });

  test('data of one tab never reaches the panel of another tab', () => {
    const router = routerWith(1);
    router.panelConnected('other-panel');
    router.received('other-panel', subscribe(2), T0);
    router.frameConnected('other-content', 2, frame('doc-b'));
    const effects = router.received('content', fromPage(snapshot([channel({ id: 1 })])), T0);
    expect(posts(effects)).toEqual([['panel', 'snapshot']]);
    const others = router.received('other-content', fromPage(snapshot([channel({ id: 2 })])), T0);
    expect(posts(others)).toEqual([['other-panel', 'snapshot']]);
  });

  test('a panel cannot switch to another tab by subscribing again', () => {
    const router = routerWith(1);
    expect(router.received('panel', subscribe(2), T0)).toEqual([]);
    router.frameConnected('content-2', 2, frame('doc-b'));
    expect(posts(router.received('content-2', fromPage(snapshot([])), T0))).toEqual([['content-2', 'bye']]);
  });

  test('a snapshot with no panel open is neither kept nor validated nor sent to any panel', () => {
    const router = new Router<string>();
    router.frameConnected('content', 1, frame('doc-a'));
    const effects = router.received('content', fromPage({ source: 'chanasync', type: 'snapshot', junk: true }), T0);
    expect(effects.map((e) => e.kind)).toEqual(['post']); // bye, nothing else: no store, no refusal notice
  });

  test('a frame flooding its port is cut to the rate limit, with one flooded notice a second', () => {
    const router = routerWith(1);
    let relayed = 0;
    let notices = 0;
    for (let i = 0; i < 1000; i++) {
      for (const [port, type] of posts(router.received('content', fromPage(snapshot([])), T0))) {
        if (port === 'panel' && type === 'snapshot') relayed++;
        if (port === 'panel' && type === 'refused') notices++;
      }
    }
    expect(relayed).toBe(RATE.burst);
    expect(notices).toBe(1);
    // A second later the bucket has refilled by RATE.perSecond.
    let later = 0;
    for (let i = 0; i < 100; i++) {
      if (posts(router.received('content', fromPage(snapshot([])), T0 + 1000)).some(([, t]) => t === 'snapshot'))
        later++;
    }
    expect(later).toBe(RATE.perSecond);
  });
});

describe('validation', () => {
  const malformed = [
    ['a wrong source', { ...snapshot([]), source: 'chanasync-evil' }],
    ['a wrong version', { ...snapshot([]), version: 2 }],
    ['a capacity that is not a number', snapshot([{ ...channel({ id: 1 }), capacity: '8' as unknown as number }])],
    ['a name longer than the limit', snapshot([channel({ id: 1, name: 'x'.repeat(LIMITS.name + 1) })])],
    ['too many channels', snapshot(Array.from({ length: LIMITS.channels + 1 }, (_, i) => channel({ id: i })))],
    ['an unknown waiter kind', snapshot([channel({ id: 1, pullers: [{ kind: 'steal' as 'pull', since: 1 }] })])],
    ['a negative size', snapshot([channel({ id: 1, capacity: 4, size: -1 })])],
    ['a fractional size', snapshot([channel({ id: 1, capacity: 4, size: 1.5 })])],
    ['a size above the capacity', snapshot([channel({ id: 1, capacity: 4, size: 5 })])],
    ['two channels with one id', snapshot([channel({ id: 1 }), channel({ id: 1 })])],
    ['a since before the epoch', snapshot([channel({ id: 1, pullers: [{ kind: 'pull', since: -1 }] })])],
    [
      'a cycle',
      (() => {
        const cyclic: Record<string, unknown> = { source: 'chanasync', version: 1, type: 'snapshot' };
        cyclic.self = cyclic;
        return cyclic;
      })(),
    ],
  ] as const;

  test.each(malformed)('a page message with %s is refused as malformed, with a notice, and not kept', (_, message) => {
    const effects = routerWith(1).received('content', fromPage(message), T0);
    expect(effects).toEqual([
      {
        kind: 'post',
        port: 'panel',
        message: { source: BACKGROUND_SOURCE, type: 'refused', frame: frame('doc-a'), reason: 'malformed' },
      },
    ]);
  });

  test('an oversized page message is refused with its size, even if the guard would pass it', () => {
    const name = 'x'.repeat(LIMITS.name);
    const huge = snapshot(
      Array.from({ length: LIMITS.channels }, (_, i) => channel({ id: i, name, createdAt: 'y'.repeat(LIMITS.stack) })),
    );
    const effects = routerWith(1).received('content', fromPage(huge), T0);
    expect(effects).toHaveLength(1);
    expect(effects[0]).toMatchObject({ kind: 'post', message: { type: 'refused', reason: 'oversized' } });
    expect((effects[0] as { message: { chars: number } }).message.chars).toBeGreaterThan(MAX_MESSAGE_CHARS);
  });

  test('a refusal reported by the content script is passed on to the panels', () => {
    const refused = { source: CONTENT_SOURCE, type: 'refused', reason: 'oversized', chars: 9e6 };
    expect(routerWith(1).received('content', refused, T0)).toEqual([
      {
        kind: 'post',
        port: 'panel',
        message: { source: BACKGROUND_SOURCE, type: 'refused', frame: frame('doc-a'), reason: 'oversized', chars: 9e6 },
      },
    ]);
  });

  test('messages of the wrong shape, or on unknown ports, are dropped', () => {
    const router = routerWith(1);
    expect(router.received('content', { source: 'someone', type: 'page', message: snapshot([]) }, T0)).toEqual([]);
    expect(router.received('content', subscribe(1), T0)).toEqual([]); // a frame cannot subscribe
    expect(router.received('panel', fromPage(snapshot([])), T0)).toEqual([]); // a panel cannot post snapshots
    expect(router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: -1 }, T0)).toEqual([]);
    expect(router.received('stranger', fromPage(snapshot([])), T0)).toEqual([]);
  });

  test('keepalive is accepted and does nothing', () => {
    expect(routerWith(1).received('panel', { source: PANEL_SOURCE, type: 'keepalive' }, T0)).toEqual([]);
  });
});

describe('frames going away', () => {
  test('a frame going away tells its tab’s panels and forgets its kept snapshot', () => {
    const effects = routerWith(1).disconnected('content');
    expect(effects).toEqual([
      { kind: 'post', port: 'panel', message: { source: BACKGROUND_SOURCE, type: 'frame-gone', documentId: 'doc-a' } },
      { kind: 'store', change: { op: 'remove-frame', tabId: 1, documentId: 'doc-a' } },
    ]);
  });

  test('a closed tab’s kept snapshots are forgotten', () => {
    expect(new Router<string>().tabRemoved(4)).toEqual([{ kind: 'store', change: { op: 'clear-tab', tabId: 4 } }]);
  });
});

describe('frameOfPort', () => {
  const origin = 'chrome-extension://abc/';
  const sender = { tab: { id: 3 }, frameId: 2, url: 'https://a.example/f.html' };

  test('a content script’s port names its frame: id and URL from the sender, document id from the name', () => {
    expect(frameOfPort(`${CONTENT_PORT_PREFIX}doc-1`, sender, origin)).toEqual({
      frameId: 2,
      url: 'https://a.example/f.html',
      documentId: 'doc-1',
      origin: 'https://a.example',
    });
  });

  test('a frame’s origin is the one the browser reports for the port, and when its document started comes from the name', () => {
    const framed = { ...sender, origin: 'https://ads.example' };
    expect(frameOfPort(`${CONTENT_PORT_PREFIX}doc-1/1700000000000`, framed, origin)).toEqual({
      frameId: 2,
      url: 'https://a.example/f.html',
      documentId: 'doc-1',
      origin: 'https://ads.example',
      startedAt: 1_700_000_000_000,
    });
  });

  test('ports of extension pages, of no tab, or with a bad name are not content scripts', () => {
    expect(
      frameOfPort(`${CONTENT_PORT_PREFIX}doc-1`, { ...sender, url: `${origin}panel.html` }, origin),
    ).toBeUndefined();
    expect(
      frameOfPort(`${CONTENT_PORT_PREFIX}doc-1`, { frameId: 0, url: 'https://a.example/' }, origin),
    ).toBeUndefined();
    expect(frameOfPort(`${CONTENT_PORT_PREFIX}doc 1`, sender, origin)).toBeUndefined();
    expect(frameOfPort(`${CONTENT_PORT_PREFIX}${'x'.repeat(65)}`, sender, origin)).toBeUndefined();
    expect(frameOfPort('chanasync-panel', sender, origin)).toBeUndefined();
  });
});

describe('liveFrames', () => {
  const kept = (documentId: string, frameId: number) => ({
    frame: { frameId, url: 'https://a.example/', documentId, origin: 'https://a.example' },
    snapshot: snapshot([]),
    receivedAt: T0,
  });

  test('only kept frames whose content script answers with the same document id are restored', async () => {
    const answers = new Map<number, string>([
      [0, 'doc-now'], // the top frame holds a newer document than the kept one
      [3, 'doc-3'], // still the same document
    ]);
    const ask = async (frameId: number) => {
      if (!answers.has(frameId)) throw new Error('Could not establish connection. Receiving end does not exist.');
      return answers.get(frameId);
    };
    const { live, gone } = await liveFrames([kept('doc-old', 0), kept('doc-3', 3), kept('doc-5', 5)], ask);
    expect(live.map((e) => e.frame.documentId)).toEqual(['doc-3']);
    expect(gone.map((e) => e.frame.documentId)).toEqual(['doc-old', 'doc-5']);
  });
});
