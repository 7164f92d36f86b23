// biome-ignore-all lint/suspicious/noExplicitAny: the polyfill's fakes are untyped
/**
 * Audit BU (inspector): a reopened panel does not get back a frame that left while the service
 * worker's restore was waiting for another frame's ping (README, Navigation: the worker
 * "restores only those whose content script answers"; "a document that goes away closes its
 * frame's port, and the panel hears `frame-gone`"). background/index.ts runs with the
 * polyfill faked; the panel's messages are folded as panel/index.ts folds them.
 */
import { expect, test, vi } from 'vitest';
import { PAGE_SOURCE } from '../../../src/protocol.js';
import { CONTENT_SOURCE, PANEL_PORT, PANEL_SOURCE } from '../../src/messages.js';
import {
  DEFAULT_VIEW,
  EMPTY_DATA,
  type PanelData,
  rowsOf,
  withoutFrame,
  withRestore,
  withSnapshot,
} from '../../src/panel/model.js';

type L = (...args: any[]) => void;
class FakePort {
  messages: any[] = [];
  msgL: L[] = [];
  discL: L[] = [];
  onMessage = { addListener: (l: L) => this.msgL.push(l) };
  onDisconnect = { addListener: (l: L) => this.discL.push(l) };
  constructor(
    readonly name: string,
    readonly sender: any,
  ) {}
  postMessage(m: unknown) {
    this.messages.push(JSON.parse(JSON.stringify(m)));
  }
  disconnect() {}
  send(m: unknown) {
    for (const l of this.msgL) l(m);
  }
  close() {
    for (const l of this.discL) l();
  }
}
const fake = vi.hoisted(() => ({
  onConnect: [] as ((p: unknown) => void)[],
  pings: new Map<number, (v: unknown) => void>(),
  store: {} as Record<string, unknown>,
}));
vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: {
      getURL: () => 'chrome-extension://ext/',
      onConnect: { addListener: (l: any) => fake.onConnect.push(l) },
    },
    tabs: {
      sendMessage: (_tab: number, m: any, opts?: { frameId: number }) =>
        m.type === 'ping' ? new Promise((resolve) => fake.pings.set(opts!.frameId, resolve)) : Promise.resolve(),
      onRemoved: { addListener: () => {} },
    },
    storage: {
      session: {
        get: async (k: string | null) =>
          k === null ? { ...fake.store } : k in fake.store ? { [k]: fake.store[k] } : {},
        set: async (items: Record<string, unknown>) => void Object.assign(fake.store, items),
        remove: async (k: string) => void delete fake.store[k],
      },
    },
  },
}));

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));
const connect = (port: FakePort) => {
  for (const l of fake.onConnect) l(port);
  return port;
};
const snap = (name: string) => ({
  source: PAGE_SOURCE,
  version: 1,
  type: 'snapshot',
  time: Date.now(),
  seq: 1,
  channels: [
    {
      id: 1,
      name,
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [{ kind: 'pull', since: Date.now() }],
    },
  ],
});
const contentPort = (doc: string, frameId: number) =>
  connect(
    new FakePort(`chanasync-content/${doc}/${Date.now() - 1000}`, {
      tab: { id: 5 },
      frameId,
      url: `https://app.example/${doc}.html`,
      origin: 'https://app.example',
    }),
  );
const panelPort = () => connect(new FakePort(PANEL_PORT, { url: 'chrome-extension://ext/panel.html' }));

/** What panel/index.ts's `update` does with each message, documents heard gone included. */
function fold(messages: any[]): PanelData {
  let data = EMPTY_DATA;
  const gone = new Set<string>();
  for (const m of messages) {
    if (m.type === 'snapshot') data = withSnapshot(data, m.frame, m.snapshot, m.receivedAt);
    if (m.type === 'restore') data = withRestore(data, m.frames, gone);
    if (m.type === 'frame-gone') {
      gone.add(m.documentId);
      data = withoutFrame(data, m.documentId);
    }
  }
  return data;
}

test('a frame that navigates while the restore waits for another frame’s ping is not restored', async () => {
  await import('../../src/background/index.js');
  const panelA = panelPort();
  panelA.send({ source: PANEL_SOURCE, type: 'subscribe', tabId: 5 });
  const top = contentPort('doc-top', 0);
  const sub = contentPort('doc-sub', 3);
  top.send({ source: CONTENT_SOURCE, type: 'page', message: snap('top-chan') });
  sub.send({ source: CONTENT_SOURCE, type: 'page', message: snap('sub-chan') });
  await settle(100); // kept in storage.session

  // A second panel opens (or the first one reconnects): the worker reads the record, pings both frames.
  const panelB = panelPort();
  panelB.send({ source: PANEL_SOURCE, type: 'subscribe', tabId: 5 });
  await settle();
  expect([...fake.pings.keys()].sort()).toEqual([0, 3]);
  fake.pings.get(3)!('doc-sub'); // the subframe answers at once: still there
  await settle();
  sub.close(); // ...then navigates away: its port closes, the panels hear frame-gone
  await settle();
  fake.pings.get(0)!('doc-top'); // the busy top frame answers later
  await settle();
  const data = fold(panelB.messages);
  const labels = rowsOf(data, DEFAULT_VIEW, Date.now() + 60_000).rows.map((r) => `${r.label}:${r.state}`);
  expect(labels).toContain('top-chan:stuck'); // the frame still there is restored
  expect(labels).not.toContain('sub-chan:stuck');
});
