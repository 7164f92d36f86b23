// @vitest-environment happy-dom
/**
 * The content script (src/content/index.ts) in a happy-dom window, with a fake extension API
 * in place of webextension-polyfill: what it relays, when it opens its port, and how it
 * reconnects.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { INSPECTOR_SOURCE, PAGE_SOURCE } from '../../src/protocol.js';
import { BACKGROUND_SOURCE, CONTENT_PORT_PREFIX, CONTENT_SOURCE, MAX_MESSAGE_CHARS } from '../src/messages.js';

type Listener = (message: unknown) => unknown;

/** A fake `runtime.Port` that records what is posted on it. */
class FakePort {
  readonly posted: unknown[] = [];
  readonly messageListeners: Listener[] = [];
  readonly disconnectListeners: (() => void)[] = [];
  readonly onMessage = { addListener: (listener: Listener) => this.messageListeners.push(listener) };
  readonly onDisconnect = { addListener: (listener: () => void) => this.disconnectListeners.push(listener) };
  closed = false;
  constructor(readonly name: string) {}
  postMessage(message: unknown): void {
    if (this.closed) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(structuredClone(message));
  }
  /** Whether the content script closed it. */
  disconnected = false;
  disconnect(): void {
    this.disconnected = true;
    this.closed = true;
  }
  /** The service worker went away. */
  drop(): void {
    this.closed = true;
    for (const listener of this.disconnectListeners) listener();
  }
}

const fake = vi.hoisted(() => ({
  ports: [] as FakePort[],
  runtimeListeners: [] as Listener[],
}));

vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      id: 'chanasync-inspector-test', // an orphaned content script (extension reloaded) has none
      connect: ({ name }: { name: string }) => {
        const port = new FakePort(name);
        fake.ports.push(port);
        return port;
      },
      onMessage: { addListener: (listener: Listener) => fake.runtimeListeners.push(listener) },
    },
  },
}));

const announce = { source: PAGE_SOURCE, version: 1, type: 'announce' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * The page posting `data` to its own window. (happy-dom's `postMessage` sets `event.source` to
 * its inner window object rather than the `window` global, so the event is built here.)
 */
const pagePosts = (data: unknown) => window.dispatchEvent(new MessageEvent('message', { data, source: window }));

/** Messages the inspector side posted to the page's window. */
const saidToPage: unknown[] = [];

beforeAll(async () => {
  window.addEventListener('message', (event) => {
    if ((event.data as { source?: unknown })?.source === INSPECTOR_SOURCE) saidToPage.push(event.data);
  });
  await import('../src/content/index.js');
});

describe('the content script', () => {
  test('it opens no port while the page posts nothing from chanasync', async () => {
    pagePosts({ source: 'react-devtools-bridge', payload: 1 });
    pagePosts('hello');
    await settle();
    expect(fake.ports).toHaveLength(0);
  });

  test('a chanasync message the page posts to its own window goes to the service worker on a new port', async () => {
    pagePosts(announce);
    await settle();
    expect(fake.ports).toHaveLength(1);
    expect(fake.ports[0]?.name).toMatch(new RegExp(`^${CONTENT_PORT_PREFIX}[\\w-]+/\\d+$`));
    expect(fake.ports[0]?.posted).toEqual([{ source: CONTENT_SOURCE, type: 'page', message: announce }]);
  });

  test('messages from another window (another frame) are left to that frame’s content script', async () => {
    window.dispatchEvent(new MessageEvent('message', { data: announce, source: null }));
    await settle();
    expect(fake.ports[0]?.posted).toHaveLength(1);
  });

  test('an oversized message is refused with its size instead of being relayed', async () => {
    pagePosts({ source: PAGE_SOURCE, version: 1, type: 'snapshot', padding: 'x'.repeat(MAX_MESSAGE_CHARS) });
    await settle();
    const last = fake.ports[0]?.posted.at(-1) as { type: string; reason: string; chars: number };
    expect(last).toMatchObject({ source: CONTENT_SOURCE, type: 'refused', reason: 'oversized' });
    expect(last.chars).toBeGreaterThan(MAX_MESSAGE_CHARS);
  });

  test('hello and bye from the service worker reach the page as the protocol’s messages', async () => {
    fake.ports[0]?.messageListeners[0]?.({ source: BACKGROUND_SOURCE, type: 'hello' }); // on the port
    fake.runtimeListeners[0]?.({ source: BACKGROUND_SOURCE, type: 'bye' }); // by tabs.sendMessage
    fake.runtimeListeners[0]?.({ source: 'someone', type: 'hello' }); // not ours: ignored
    await settle();
    expect(saidToPage).toEqual([
      { source: INSPECTOR_SOURCE, version: 1, type: 'hello' },
      { source: INSPECTOR_SOURCE, version: 1, type: 'bye' },
    ]);
  });

  test('a ping is answered with the document id the port is named after, and not relayed to the page', async () => {
    const before = saidToPage.length;
    const answer = await fake.runtimeListeners[0]?.({ source: BACKGROUND_SOURCE, type: 'ping' });
    expect(fake.ports[0]?.name).toBe(`${CONTENT_PORT_PREFIX}${answer}/${Math.round(performance.timeOrigin)}`);
    await settle();
    expect(saidToPage).toHaveLength(before);
  });

  test('a page back from the back/forward cache with debug mode tells the service worker', async () => {
    const pageshow = Object.assign(new Event('pageshow'), { persisted: true });
    window.dispatchEvent(pageshow);
    await settle();
    expect(fake.ports[0]?.posted.at(-1)).toEqual({ source: CONTENT_SOURCE, type: 'restored' });
  });

  test('when the service worker restarts, the next message opens a new port with the same document id', async () => {
    const first = fake.ports[0]!;
    first.drop();
    pagePosts(announce);
    await settle();
    expect(fake.ports).toHaveLength(2);
    expect(fake.ports[1]?.name).toBe(first.name);
    expect(fake.ports[1]?.posted).toEqual([{ source: CONTENT_SOURCE, type: 'page', message: announce }]);
  });

  test('leaving the page closes its port, and coming back from the back/forward cache reconnects and says restored', async () => {
    const open = fake.ports.at(-1)!;
    window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
    expect(open.disconnected).toBe(true);
    const count = fake.ports.length;
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await settle();
    expect(fake.ports).toHaveLength(count + 1);
    expect(fake.ports.at(-1)?.name).toBe(open.name);
    expect(fake.ports.at(-1)?.posted).toEqual([{ source: CONTENT_SOURCE, type: 'restored' }]);
  });
});

describe('the content script’s filter under arbitrary page messages (property)', () => {
  /** What the filter must do with `data`, posted by the page to its own window. */
  function expected(data: unknown): unknown {
    if (typeof data !== 'object' || data === null || (data as { source?: unknown }).source !== PAGE_SOURCE)
      return 'nothing';
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch {
      return { source: CONTENT_SOURCE, type: 'refused', reason: 'malformed' };
    }
    if (json === undefined) return { source: CONTENT_SOURCE, type: 'refused', reason: 'malformed' };
    if (json.length > MAX_MESSAGE_CHARS)
      return { source: CONTENT_SOURCE, type: 'refused', reason: 'oversized', chars: json.length };
    return 'relayed';
  }

  const pageData = fc.oneof(
    fc.anything({
      withBigInt: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
    fc.record(
      {
        source: fc.constant(PAGE_SOURCE),
        version: fc.anything(),
        type: fc.anything(),
        extra: fc.anything({ withBigInt: true }),
      },
      { requiredKeys: ['source'] },
    ),
    fc.anything().map((value) => {
      const cyclic: Record<string, unknown> = { source: PAGE_SOURCE, version: 1, type: 'snapshot', value };
      cyclic.self = cyclic;
      return cyclic;
    }),
    fc.constant({ source: PAGE_SOURCE, version: 1, type: 'snapshot', pad: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }),
    // Fields JSON drops but a structured clone (Firefox's extension messaging) refuses.
    fc.anything().map((value) => ({ source: PAGE_SOURCE, version: 1, type: 'snapshot', value, fn: () => 1 })),
    fc.anything().map((value) => ({ source: PAGE_SOURCE, version: 1, type: 'snapshot', value, tag: Symbol('x') })),
  );

  test('whatever the page posts, the port gets exactly one relay or refusal for a chanasync message and nothing for anything else', () => {
    const port = () => fake.ports.at(-1) as FakePort;
    fc.assert(
      fc.property(pageData, (data) => {
        const before = port().posted.length;
        pagePosts(data);
        const sent = port().posted.slice(before);
        const want = expected(data);
        if (want === 'nothing') expect(sent).toEqual([]);
        else if (want === 'relayed') {
          expect(sent).toHaveLength(1);
          // As its JSON: what Chrome's messaging would carry, and clonable in Firefox.
          expect(sent[0]).toEqual({ source: CONTENT_SOURCE, type: 'page', message: JSON.parse(JSON.stringify(data)) });
        } else expect(sent).toEqual([want]);
      }),
      { numRuns: 200 },
    );
  });
});

test('a page message with a function field is relayed without it, and the content script keeps listening', async () => {
  const port = fake.ports.at(-1) as FakePort;
  const before = port.posted.length;
  pagePosts({ ...announce, callback: () => 1 });
  pagePosts(announce);
  await settle();
  expect(port.posted.slice(before)).toEqual([
    { source: CONTENT_SOURCE, type: 'page', message: announce },
    { source: CONTENT_SOURCE, type: 'page', message: announce },
  ]);
});
