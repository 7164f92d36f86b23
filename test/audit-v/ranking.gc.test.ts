/**
 * Audit V: ranking end to end (SPEC.md second map: "rows are ranked leaked first, then stuck,
 * the longest-blocked producer first"; "Idle is not stuck"). A real program's snapshot from
 * `chanasync/debug`, with a real leak, folded into the panel's model as the inspector does, and
 * the rows read in order. Runs in the `gc` project (a leak needs a collection).
 */
import { after as afterMs, Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, test, vi } from 'vitest';
import { DEFAULT_VIEW, EMPTY_DATA, rowsOf, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { isPageToInspectorMessage } from '../../src/protocol.js';
import { collectAll } from '../helpers/gc.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TOP = { frameId: 0, url: 'https://app.example/', documentId: 'doc-1', origin: 'https://app.example' };

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

test('leaked first, then stuck producers (longest-blocked first), then the other stuck rows, then waiting for input, then idle', async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const controller = new AbortController();
  const { signal } = controller;
  const ops: Promise<unknown>[] = [];
  const park = (p: Promise<unknown>) => ops.push(p.catch(() => {}));

  const idle = new Channel<number>(4, { name: 'idle' });
  idle.pushNowait(1);
  const oldConsumer = new Channel<number>(0, { name: 'oldConsumer' });
  park(oldConsumer.pull({ signal }));
  await sleep(20);
  const oldProducer = new Channel<number>(0, { name: 'oldProducer' });
  park(oldProducer.push(1, { signal }));
  const waitingInput = new Channel<number>(0, { name: 'reply' });
  park(select([pull(waitingInput), pull(afterMs(60_000, { signal }))], { signal }));
  await sleep(20);
  const newProducer = new Channel<number>(1, { name: 'newProducer' });
  newProducer.pushNowait(0);
  park(newProducer.push(1, { signal }));
  const ref = (() => {
    const lost = new Channel<number>(0, { name: 'lost' });
    lost.push(1).catch(() => {});
    return new WeakRef(lost);
  })();
  await sleep(20);
  await collectAll([ref]);

  const snap = snapshot();
  expect(snap.leaked?.map((l) => l.channel.name)).toEqual(['lost']);
  // snapshot() itself: waits nothing explains first (oldest first), then input, then idle
  expect(snap.channels.map((c) => c.name)).toEqual([
    'oldConsumer',
    'oldProducer',
    'newProducer',
    'reply',
    'after(60000)',
    'idle',
  ]);
  const posted = { ...snap, seq: 1, instance: 'audit-v' };
  expect(isPageToInspectorMessage(posted)).toBe(true);

  const receivedAt = snap.time;
  const data = withSnapshot(EMPTY_DATA, TOP, posted, receivedAt);
  const { rows } = rowsOf(data, { ...DEFAULT_VIEW, thresholdMs: 1 }, receivedAt + 1000);
  const order = rows.map((row) => [row.state, row.kind === 'leak' ? `leak:${row.leak?.channel.name}` : row.label]);
  expect(order[0]).toEqual(['leaked', 'leak:lost']);
  const stuck = order.filter(([state]) => state === 'stuck').map(([, label]) => label);
  expect(stuck).toEqual(['oldProducer', 'newProducer', 'oldConsumer']);
  const states = rows.map((row) => row.state);
  const rank = { leaked: 0, stuck: 1, input: 2, waiting: 3, idle: 3 } as const;
  expect(states.map((s) => rank[s])).toEqual([...states.map((s) => rank[s])].sort((a, b) => a - b));
  const replyRows = rows.filter((row) => row.state === 'input');
  expect(replyRows.length).toBeGreaterThan(0);
  expect(rows.at(-1)?.state).toBe('idle');
  expect(rows.some((row) => row.label === 'reply' && row.state === 'stuck')).toBe(false);

  controller.abort();
  await Promise.all(ops);
});
