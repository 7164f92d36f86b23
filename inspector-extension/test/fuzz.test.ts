// @vitest-environment happy-dom
/**
 * The inspector's input handling under arbitrary and adversarial messages (fast-check): the
 * protocol guard, the service worker's router and kept snapshots, the panel's sanitize, model
 * and render. Whatever a page posts — garbage of any shape, prototype-pollution keys, HTML in
 * names and stacks, bidi controls, lone surrogates, NaN, -0, huge numbers, deep objects, cycles —
 * nothing throws, nothing renders as HTML, what is kept stays bounded, and a valid snapshot
 * that comes after the garbage still shows.
 *
 * Every property prints its seed and shrunk counterexample on failure (fast-check's report).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type ChannelSnapshot,
  isInspectorToPageMessage,
  isPageToInspectorMessage,
  type LeakSnapshot,
  LIMITS,
  PAGE_SOURCE,
  type SnapshotMessage,
  type WaiterSnapshot,
} from '../../src/protocol.js';
import { type Effect, RATE, Router } from '../src/background/router.js';
import { type SessionArea, SnapshotStore, TAB_BUDGET_CHARS } from '../src/background/store.js';
import {
  BACKGROUND_SOURCE,
  type BackgroundToPanelMessage,
  CONTENT_SOURCE,
  type FrameInfo,
  isBackgroundToPanelMessage,
  isFrameInfo,
  PANEL_SOURCE,
  type StoredFrame,
} from '../src/messages.js';
import {
  cleared,
  DEFAULT_VIEW,
  EMPTY_DATA,
  HISTORY_LENGTH,
  MAX_CONTEXTS_PER_DOCUMENT,
  MAX_DISMISSED,
  MAX_LEAKS,
  type PanelData,
  type Row,
  rowsOf,
  type SortKey,
  withAnnounce,
  withNotice,
  withoutFrame,
  withSnapshot,
} from '../src/panel/model.js';
import { render } from '../src/panel/render.js';
import { safeLine, safeText, sanitize } from '../src/panel/sanitize.js';

const T0 = 1_700_000_000_000;
const TOP: FrameInfo = {
  frameId: 0,
  url: 'https://app.example/',
  documentId: 'doc-top',
  origin: 'https://app.example',
};

// ── arbitraries ─────────────────────────────────────────────────────────────────────────────

/** Text an attacker (or an unlucky program) puts in names, stacks and URLs. */
const HOSTILE = [
  '<img src=x onerror="globalThis.__pwned=1">',
  '<script>globalThis.__pwned=1</script>',
  '"><svg onload=alert(1)>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '\u202eevil\u202c',
  '\u2066isolate\u2069',
  'a\u0000b\u0007c\u001bd',
  'line\nbreak\u2028sep\u2029',
  '\ud83d', // a lone high surrogate
  '\ude00', // a lone low surrogate
  '😀'.repeat(10),
  'javascript:alert(1)',
  'at evil (javascript:alert(1):1:1)',
  'at f (https://app.example/app.js:10:5)',
  '&lt;b&gt;&amp;',
  '',
];

const hostileText = (max: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.constantFrom(...HOSTILE),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(fc.constantFrom(...HOSTILE), { maxLength: 6 }).map((parts) => parts.join('')),
      fc.constantFrom(max, max - 1).map((n) => '<b>'.repeat(Math.ceil(n / 3)).slice(0, n)),
    )
    .map((text) => text.slice(0, max));

/** Numbers that break naive arithmetic. */
const weirdNumber = fc.oneof(
  fc.constantFrom(Number.NaN, -0, 0, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, -1, 0.5, 8.64e15),
  fc.double(),
  fc.integer(),
);

const count = fc.oneof(fc.nat(20), fc.constantFrom(Number.MAX_SAFE_INTEGER, 0));
const time = fc.oneof(
  fc.integer({ min: T0 - 100_000, max: T0 + 1000 }),
  fc.constantFrom(0, 8.64e15, T0, -0),
  fc.double({ min: 0, max: 8.64e15, noNaN: true }),
);

/** A waiter of a queue: `push` or `select` among the pushers, `pull` or `select` among the pullers. */
const waiterArb = (kind: 'push' | 'pull'): fc.Arbitrary<WaiterSnapshot> =>
  fc.record(
    {
      kind: fc.constantFrom(kind, 'select' as const),
      since: time,
      stack: hostileText(LIMITS.stack),
      select: fc.nat(5),
      input: fc.boolean(),
    },
    { requiredKeys: ['kind', 'since'] },
  );

/** A channel snapshot the protocol guard accepts, with hostile text and edge numbers. */
const channelArb = (id: number): fc.Arbitrary<ChannelSnapshot> =>
  fc
    .record(
      {
        name: hostileText(LIMITS.name),
        capacity: fc.oneof(fc.constant(null), count),
        size: count,
        closed: fc.boolean(),
        overflow: fc.constantFrom('block', 'drop-oldest', 'drop-newest'),
        createdAt: hostileText(LIMITS.stack),
        input: fc.boolean(),
        pushers: fc.array(waiterArb('push'), { maxLength: 4 }),
        pullers: fc.array(waiterArb('pull'), { maxLength: 4 }),
      },
      { requiredKeys: ['name', 'capacity', 'size', 'closed', 'overflow', 'pushers', 'pullers'] },
    )
    .map((channel) => {
      const capacity = channel.capacity;
      const size = capacity === null ? channel.size : Math.min(channel.size, capacity);
      const overflow = capacity === 0 ? 'block' : channel.overflow;
      return { ...channel, id, size, overflow } as ChannelSnapshot;
    });

const leakArb = (id: number): fc.Arbitrary<LeakSnapshot> =>
  fc.record(
    {
      id: fc.constant(id),
      kind: fc.constantFrom('push', 'pull', 'select'),
      since: time,
      detectedAt: time,
      stack: hostileText(LIMITS.stack),
      channel: fc.record(
        {
          id: fc.nat(1000),
          name: hostileText(LIMITS.name),
          capacity: fc.oneof(fc.constant(null), count),
          createdAt: hostileText(LIMITS.stack),
        },
        { requiredKeys: ['id', 'name', 'capacity'] },
      ),
    },
    { requiredKeys: ['id', 'kind', 'since', 'detectedAt', 'channel'] },
  );

/** A snapshot the protocol guard accepts (checked), with hostile content. */
const validSnapshot: fc.Arbitrary<SnapshotMessage> = fc
  .record({
    ids: fc.uniqueArray(fc.nat(50), { maxLength: 6 }),
    leakIds: fc.uniqueArray(fc.nat(1_000_000), { maxLength: 3 }),
    time,
    seq: fc.option(fc.nat(), { nil: undefined }),
    instance: fc.option(fc.oneof(fc.constantFrom('abc123', 'x'.repeat(64)), hostileText(80)), { nil: undefined }),
    context: fc.option(
      fc.record(
        { kind: fc.constantFrom('page', 'worker', 'frame'), url: hostileText(LIMITS.url) },
        { requiredKeys: ['kind'] },
      ),
      { nil: undefined },
    ),
    truncated: fc.option(fc.record({ channels: count, waiters: count }), { nil: undefined }),
  })
  .chain(({ ids, leakIds, ...rest }) =>
    fc.record({
      channels: fc.tuple(...ids.map(channelArb)),
      leaked: leakIds.length === 0 ? fc.constant(undefined) : fc.tuple(...leakIds.map(leakArb)),
      rest: fc.constant(rest),
    }),
  )
  .map(({ channels, leaked, rest }) => {
    const message: Record<string, unknown> = { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: rest.time };
    message.channels = channels;
    if (leaked !== undefined) message.leaked = leaked;
    for (const [key, value] of Object.entries(rest)) if (value !== undefined && key !== 'time') message[key] = value;
    return message as unknown as SnapshotMessage;
  });

/** Keys that pollute prototypes when copied naively. */
const POLLUTION = ['__proto__', 'constructor', 'prototype'];

/** An object with prototype-pollution keys set as own properties (as JSON.parse makes them). */
const polluted: fc.Arbitrary<unknown> = fc
  .tuple(validSnapshot, fc.constantFrom(...POLLUTION), fc.string({ unit: 'binary' }))
  .map(([snapshot, key, value]) => {
    // A function as the replacement: `value` may contain `$&` and the like.
    const text = JSON.stringify(snapshot).replace(
      /^\{/,
      () => `{${JSON.stringify(key)}:${JSON.stringify({ polluted: true, value })},`,
    );
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const channels = parsed.channels as Record<string, unknown>[];
    if (channels[0] !== undefined) {
      channels[0] = JSON.parse(
        JSON.stringify(channels[0]).replace(
          /^\{/,
          '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
        ),
      ) as Record<string, unknown>;
    }
    return parsed;
  });

/** A snapshot-shaped message with one field broken. */
const nearMiss: fc.Arbitrary<unknown> = fc
  .tuple(
    validSnapshot,
    fc.constantFrom('time', 'channels', 'seq', 'leaked', 'truncated', 'context', 'version'),
    fc.anything({
      withNullPrototype: true,
      withBigInt: true,
      withBoxedValues: true,
      withSparseArray: true,
      withTypedArray: true,
      withMap: true,
      withSet: true,
      withDate: true,
    }),
  )
  .map(([snapshot, field, value]) => ({ ...snapshot, [field]: value }));

/** A snapshot with a broken channel or waiter. */
const brokenChannel: fc.Arbitrary<unknown> = fc
  .tuple(
    validSnapshot,
    fc.constantFrom('id', 'name', 'capacity', 'size', 'closed', 'overflow', 'pushers', 'since', 'kind'),
    fc.oneof(weirdNumber, fc.anything(), fc.constant('x'.repeat(LIMITS.stack + 1))),
  )
  .map(([snapshot, field, value]) => {
    const channels = snapshot.channels.map((channel) => ({ ...channel }));
    const first = (channels[0] ?? {
      id: 1,
      name: '',
      capacity: 0,
      size: 0,
      closed: false,
      overflow: 'block',
      pushers: [],
      pullers: [],
    }) as Record<string, unknown>;
    if (field === 'since' || field === 'kind') first.pullers = [{ kind: 'pull', since: T0, [field]: value }];
    else first[field] = value;
    channels[0] = first as unknown as ChannelSnapshot;
    return { ...snapshot, channels };
  });

/** Nested arrays and objects deeper than any recursion should go. */
const deep: fc.Arbitrary<unknown> = fc.nat({ max: 3 }).map((kind) => {
  let value: unknown = { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: T0, channels: [] };
  for (let i = 0; i < 5000; i++)
    value = kind === 0 ? [value] : kind === 1 ? { source: PAGE_SOURCE, channels: value } : { a: value };
  return kind === 3 ? { source: PAGE_SOURCE, version: 1, type: 'snapshot', time: T0, channels: [value] } : value;
});

/** A message with a cycle (structured clone carries cycles; JSON does not). */
const cyclic: fc.Arbitrary<unknown> = validSnapshot.map((snapshot) => {
  const message = { ...snapshot, channels: [...snapshot.channels] } as Record<string, unknown>;
  message.self = message;
  (message.channels as unknown[]).push(message);
  return message;
});

/**
 * Objects whose fields throw when read, and revoked proxies — made only inside a property (by
 * {@link real}), since fast-check itself inspects the values it generates.
 */
class Treacherous {
  constructor(readonly make: () => unknown) {}
}
const treacherous: fc.Arbitrary<unknown> = fc.constantFrom(
  new Treacherous(() => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  }),
  new Treacherous(() =>
    Object.defineProperty({ source: PAGE_SOURCE, version: 1 }, 'type', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    }),
  ),
  new Treacherous(() =>
    Object.defineProperty({ source: PAGE_SOURCE, version: 1, type: 'snapshot', time: T0 }, 'channels', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    }),
  ),
  new Treacherous(
    () =>
      new Proxy(
        { source: PAGE_SOURCE, version: 1, type: 'snapshot' },
        {
          ownKeys: () => {
            throw new Error('boom');
          },
        },
      ),
  ),
);

/** The message a generated value stands for. */
const real = (value: unknown): unknown => (value instanceof Treacherous ? value.make() : value);

/** Anything a page can post, from pure garbage to nearly valid. */
const anyMessage: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.anything({
      withNullPrototype: true,
      withBigInt: true,
      withBoxedValues: true,
      withSparseArray: true,
      withTypedArray: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withObjectString: true,
    }),
    weight: 3,
  },
  { arbitrary: validSnapshot, weight: 3 },
  { arbitrary: nearMiss, weight: 3 },
  { arbitrary: brokenChannel, weight: 3 },
  { arbitrary: polluted, weight: 2 },
  { arbitrary: cyclic, weight: 1 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: treacherous, weight: 1 },
  { arbitrary: fc.constant({ source: PAGE_SOURCE, version: 1, type: 'announce' }), weight: 1 },
);

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

/** Whether anything put a `polluted` field on the shared prototypes. */
function prototypesPolluted(): boolean {
  return ['polluted'].some((key) => key in Object.prototype || key in Array.prototype || key in Function.prototype);
}

/** The elements and attributes the panel is allowed to produce: nothing that runs or loads. */
const FORBIDDEN = 'script, img, iframe, object, embed, style, link, a[href], form, input:not(#filter), base, meta';

function assertInert(root: Element): void {
  expect(root.querySelectorAll(FORBIDDEN)).toHaveLength(0);
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of element.getAttributeNames()) expect(attribute.startsWith('on')).toBe(false);
  }
  expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
}

/** The panel's data after the router relays `messages` from one frame to one subscribed panel. */
function throughTheExtension(messages: readonly unknown[], start: PanelData = EMPTY_DATA) {
  const router = new Router<string>();
  router.panelConnected('panel');
  router.received('panel', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
  router.frameConnected('content', 1, TOP, T0);
  let data = start;
  const effects: Effect<string>[] = [];
  let now = T0;
  for (const generated of messages) {
    now += 1000 / RATE.perSecond; // within the rate limit: every message is looked at
    const message = real(generated);
    const step = router.received('content', { source: CONTENT_SOURCE, type: 'page', message }, now);
    effects.push(...step);
    for (const effect of step) {
      if (effect.kind !== 'post' || effect.port !== 'panel') continue;
      // What the panel does with a message (panel/index.ts `update`), after a structured clone.
      const received: unknown = structuredClone(effect.message);
      if (!isBackgroundToPanelMessage(received)) continue;
      data = panelUpdate(data, received);
    }
  }
  return { data, effects, now };
}

/** The panel's `update` (panel/index.ts), which is not exported with its DOM wiring. */
function panelUpdate(current: PanelData, message: BackgroundToPanelMessage): PanelData {
  switch (message.type) {
    case 'snapshot':
      return isPageToInspectorMessage(message.snapshot) && message.snapshot.type === 'snapshot'
        ? withSnapshot(current, message.frame, message.snapshot, message.receivedAt)
        : withNotice(current, 'malformed', message.frame);
    case 'announce':
      return withAnnounce(current, message.frame);
    case 'frame-gone':
      return withoutFrame(current, message.documentId);
    case 'refused':
      return withNotice(current, message.reason, message.frame, message.chars);
    default:
      return current;
  }
}

const RUNS = { numRuns: 150 };

// ── properties ──────────────────────────────────────────────────────────────────────────────

describe('the protocol guards never throw and accept only what they promise', () => {
  test('isPageToInspectorMessage returns a boolean for anything a page can post, and pollutes nothing', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const verdict = isPageToInspectorMessage(real(message));
        expect(typeof verdict).toBe('boolean');
        expect(prototypesPolluted()).toBe(false);
      }),
      RUNS,
    );
  });

  test('every generated adversarial-but-valid snapshot passes the guard (the generator is honest)', () => {
    fc.assert(
      fc.property(validSnapshot, (snapshot) => {
        expect(isPageToInspectorMessage(snapshot)).toBe(true);
      }),
      RUNS,
    );
  });

  test('a snapshot with any one field broken is refused by the guard', () => {
    fc.assert(
      fc.property(
        validSnapshot,
        fc.constantFrom('time', 'channels', 'version'),
        weirdNumber,
        (snapshot, field, value) => {
          fc.pre(!(field === 'time' && typeof value === 'number' && value >= 0 && value <= 8.64e15));
          fc.pre(!(field === 'version' && value === 1));
          expect(isPageToInspectorMessage({ ...snapshot, [field]: value })).toBe(false);
        },
      ),
      RUNS,
    );
  });

  test('isInspectorToPageMessage never throws, and only a hello or bye of version 1 passes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyMessage,
          fc.record({
            source: fc.constantFrom('chanasync-inspector'),
            version: weirdNumber,
            type: fc.constantFrom('hello', 'bye', 'snapshot'),
          }),
        ),
        (message) => {
          const verdict = isInspectorToPageMessage(real(message));
          if (verdict) {
            const { version, type } = message as { version: unknown; type: unknown };
            expect(version).toBe(1);
            expect(['hello', 'bye']).toContain(type);
          }
        },
      ),
      RUNS,
    );
  });
});

describe('the panel keeps only safe, bounded copies', () => {
  test('sanitize keeps only the fields it knows, without bidi or control characters in names', () => {
    fc.assert(
      fc.property(fc.oneof(validSnapshot, polluted.filter(isPageToInspectorMessage)), time, (message, receivedAt) => {
        const clean = sanitize(message as SnapshotMessage, { ...TOP, startedAt: T0 - 50_000 }, receivedAt);
        for (const channel of clean.channels) {
          expect(Object.keys(channel).every((key) => !POLLUTION.includes(key))).toBe(true);
          expect(Object.getPrototypeOf(channel)).toBe(Object.prototype);
          expect(channel.name).toBe(safeLine(channel.name));
          // No bidi control, no C0/C1 control character, no line break.
          expect(
            [...channel.name].some(
              (c) =>
                /[\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(c) ||
                c.charCodeAt(0) < 0x20 ||
                (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f),
            ),
          ).toBe(false);
          if (channel.createdAt !== undefined) expect(channel.createdAt).toBe(safeText(channel.createdAt));
          for (const waiter of [...channel.pushers, ...channel.pullers]) {
            expect(waiter.ageAtSnapshot).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(waiter.ageAtSnapshot)).toBe(true);
          }
        }
        for (const leak of clean.leaked) expect(Number.isFinite(leak.ageAtSnapshot)).toBe(true);
        expect(prototypesPolluted()).toBe(false);
      }),
      RUNS,
    );
  });

  test('garbage relayed through the router and the panel model throws nothing, and the model stays bounded', () => {
    fc.assert(
      fc.property(fc.array(anyMessage, { maxLength: 12 }), (messages) => {
        const { data, effects } = throughTheExtension(messages);
        // Only the panel and the page's own frame hear anything.
        for (const effect of effects) if (effect.kind === 'post') expect(['panel', 'content']).toContain(effect.port);
        // Only snapshots that pass the guard are stored.
        for (const effect of effects) {
          if (effect.kind === 'store' && effect.change.op === 'put') {
            expect(isPageToInspectorMessage(effect.change.entry.snapshot)).toBe(true);
          }
        }
        expect(data.leaks.length).toBeLessThanOrEqual(MAX_LEAKS);
        expect(data.dismissed.size).toBeLessThanOrEqual(MAX_DISMISSED);
        expect(data.notices.length).toBeLessThanOrEqual(3); // one per reason for the one document
        for (const state of data.frames.values()) {
          for (const samples of state.history.values()) expect(samples.length).toBeLessThanOrEqual(HISTORY_LENGTH);
        }
        expect(prototypesPolluted()).toBe(false);
      }),
      RUNS,
    );
  });

  test('a valid snapshot after any garbage is shown, with exactly its channels', () => {
    fc.assert(
      fc.property(fc.array(anyMessage, { maxLength: 10 }), validSnapshot, (garbage, last) => {
        const { data } = throughTheExtension([...garbage, { ...last, seq: Number.MAX_SAFE_INTEGER }]);
        const contexts = [...data.frames.values()];
        // The last snapshot is the one shown for its context (its seq is the highest possible).
        const shown = contexts.find((state) => state.seq === Number.MAX_SAFE_INTEGER);
        expect(shown).toBeDefined();
        expect(shown?.channels.map((channel) => channel.id)).toEqual(last.channels.map((channel) => channel.id));
        expect(shown?.channels.map((channel) => channel.name)).toEqual(
          last.channels.map((channel) => safeLine(channel.name)),
        );
      }),
      RUNS,
    );
  });
});

describe('the panel keeps a bounded number of contexts per document', () => {
  test('a document whose snapshots name a new copy of chanasync every time keeps at most MAX_CONTEXTS_PER_DOCUMENT contexts, the latest', () => {
    const messages = Array.from({ length: MAX_CONTEXTS_PER_DOCUMENT + 40 }, (_, i) => ({
      source: PAGE_SOURCE,
      version: 1,
      type: 'snapshot',
      time: T0,
      instance: `copy${i}`,
      channels: [
        { id: 1, name: `from-${i}`, capacity: 0, size: 0, closed: false, overflow: 'block', pushers: [], pullers: [] },
      ],
    }));
    const { data } = throughTheExtension(messages);
    const names = [...data.frames.values()].map((state) => state.channels[0]?.name);
    expect(names).toHaveLength(MAX_CONTEXTS_PER_DOCUMENT);
    expect(names).toContain(`from-${MAX_CONTEXTS_PER_DOCUMENT + 39}`);
    expect(names).not.toContain('from-0');
  });

  test('with worker URLs and copies drawn at random, no document ever has more than MAX_CONTEXTS_PER_DOCUMENT contexts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ url: fc.nat(80), instance: fc.nat(80), worker: fc.boolean() }), {
          minLength: 60,
          maxLength: 150,
        }),
        (contexts) => {
          const messages = contexts.map(({ url, instance, worker }) => ({
            source: PAGE_SOURCE,
            version: 1,
            type: 'snapshot',
            time: T0,
            instance: `i${instance}`,
            ...(worker ? { context: { kind: 'worker', url: `https://app.example/w${url}.js` } } : {}),
            channels: [],
          }));
          const { data } = throughTheExtension(messages);
          expect(data.frames.size).toBeLessThanOrEqual(MAX_CONTEXTS_PER_DOCUMENT);
          // The context heard from last is always kept.
          const last = contexts.at(-1);
          const keys = [...data.frames.keys()];
          expect(keys.some((key) => key.endsWith(`#i${last?.instance}`))).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('stuck, input and leaked marking and ranking (property)', () => {
  const frames = fc.array(fc.tuple(validSnapshot, fc.nat(3), fc.integer({ min: 0, max: 60_000 })), {
    minLength: 1,
    maxLength: 4,
  });

  test('rows are ranked leaked, stuck (blocked producers first, longest blocked first), input, the rest; a wait explained by input is never stuck; an unexplained wait past the threshold is', () => {
    fc.assert(
      fc.property(
        frames,
        fc.integer({ min: 1, max: 120_000 }),
        fc.constantFrom<SortKey>('age', 'pushers', 'pullers', 'waiters', 'occupancy', 'name'),
        fc.integer({ min: 0, max: 200_000 }),
        (snapshots, thresholdMs, sort, later) => {
          let data: PanelData = EMPTY_DATA;
          for (const [snapshot, frameId, offset] of snapshots) {
            const frame = { ...TOP, frameId: frameId + 1, documentId: `doc-${frameId}` };
            data = withSnapshot(data, frame, snapshot, T0 + offset);
          }
          const now = T0 + 60_000 + later;
          const { rows } = rowsOf(data, { ...DEFAULT_VIEW, thresholdMs, sort }, now);
          const RANK = { leaked: 0, stuck: 1, input: 2, waiting: 3, idle: 3 } as const;
          for (let k = 1; k < rows.length; k++) {
            const [a, b] = [rows[k - 1] as Row, rows[k] as Row];
            expect(RANK[a.state]).toBeLessThanOrEqual(RANK[b.state]);
            if (a.state === 'stuck' && b.state === 'stuck') {
              // Blocked producers first, the one blocked longest first.
              const pa = a.producerSince ?? Infinity;
              const pb = b.producerSince ?? Infinity;
              expect(pa).toBeLessThanOrEqual(pb);
            }
          }
          for (const row of rows) {
            if (row.kind === 'leak') {
              expect(row.state).toBe('leaked');
              continue;
            }
            expect(row.state).not.toBe('leaked');
            const receivedAt = row.receivedAt;
            const waits =
              row.kind === 'select'
                ? (row.cases ?? []).map(({ channel, waiter }) => ({ waiter, explained: waiter.input || channel.input }))
                : [...(row.channel?.pushers ?? []), ...(row.channel?.pullers ?? [])]
                    .filter((waiter) => {
                      // A case of a select listed as its own row is judged there.
                      if (waiter.select === undefined) return true;
                      const state = [...data.frames.values()].find((f) => f.key === row.frameKey);
                      const cases = state?.channels.flatMap((c) =>
                        [...c.pushers, ...c.pullers].filter((w) => w.select === waiter.select),
                      );
                      return (cases?.length ?? 0) < 2;
                    })
                    .map((waiter) => ({ waiter, explained: waiter.input || row.channel?.input === true }));
            const anyExplained = waits.some((w) => w.explained);
            const unexplained = row.kind === 'select' && anyExplained ? [] : waits.filter((w) => !w.explained);
            const stuck = unexplained.some(({ waiter }) => now - (receivedAt - waiter.ageAtSnapshot) >= thresholdMs);
            // Idle is not stuck: a wait explained by input never makes its row stuck.
            if (unexplained.length === 0) expect(row.state).not.toBe('stuck');
            expect(row.state === 'stuck').toBe(stuck);
            if (unexplained.length === 0 && anyExplained) expect(row.state).toBe('input');
          }
        },
      ),
      RUNS,
    );
  });
});

describe('the panel renders untrusted text as text', () => {
  test('rendering any sequence of relayed messages, every row expanded, creates no element that runs or loads anything', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(validSnapshot, polluted, anyMessage), { maxLength: 6 }),
        fc.constantFrom<SortKey>('age', 'pushers', 'pullers', 'waiters', 'occupancy', 'name'),
        fc.oneof(fc.constant(''), hostileText(20)),
        (messages, sort, filter) => {
          const { data, now } = throughTheExtension(messages);
          const first = render({ data, view: { ...DEFAULT_VIEW, sort }, now, connection: 'connected' }, document);
          const expanded = new Set(first.rows.map((row) => row.key));
          const output = render(
            {
              data,
              view: { ...DEFAULT_VIEW, sort, filter, expanded, viewportHeight: 100_000 },
              now,
              connection: 'connected',
              canOpenResources: true,
            },
            document,
          );
          document.body.replaceChildren(output.notices, output.content);
          assertInert(document.body);
          // Every listed name is in the document as text, whole.
          const text = document.body.textContent ?? '';
          for (const row of output.rows) if (row.kind === 'channel') expect(text).toContain(row.label);
        },
      ),
      { numRuns: 30 },
    );
  });

  test('a name made of HTML shows as those characters, not as elements', () => {
    const data = throughTheExtension([
      {
        source: PAGE_SOURCE,
        version: 1,
        type: 'snapshot',
        time: T0,
        channels: [
          {
            id: 1,
            name: HOSTILE[0],
            capacity: 0,
            size: 0,
            closed: false,
            overflow: 'block',
            pushers: [],
            pullers: [{ kind: 'pull', since: T0 - 10_000, stack: HOSTILE[1] }],
          },
        ],
      },
    ]).data;
    const output = render(
      { data, view: { ...DEFAULT_VIEW, expanded: new Set(['x']) }, now: T0 + 10_000, connection: 'connected' },
      document,
    );
    document.body.replaceChildren(output.content);
    expect(document.body.textContent).toContain(HOSTILE[0]);
    assertInert(document.body);
  });
});

describe('the kept snapshots stay bounded and valid', () => {
  /** An in-memory area that answers in a later task, as `storage.session` does. */
  function memoryArea() {
    const items = new Map<string, unknown>();
    const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), 0));
    const area: SessionArea = {
      get: (key) =>
        later(() =>
          key === null
            ? Object.fromEntries([...items].map(([k, v]) => [k, structuredClone(v)]))
            : items.has(key)
              ? { [key]: structuredClone(items.get(key)) }
              : {},
        ),
      set: (values) =>
        later(() => {
          for (const [k, v] of Object.entries(values)) items.set(k, structuredClone(v));
        }),
      remove: (key) => later(() => void items.delete(key)),
    };
    return { area, items };
  }

  type Op =
    | { op: 'put'; doc: number; snapshot: SnapshotMessage; pad: number }
    | { op: 'remove-frame'; doc: number }
    | { op: 'clear-tab' }
    | { op: 'garbage'; value: unknown };
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      arbitrary: fc.record({
        op: fc.constant('put' as const),
        doc: fc.nat(4),
        snapshot: validSnapshot,
        pad: fc.constantFrom(0, 0, 0, 700_000, 1_900_000),
      }),
      weight: 6,
    },
    { arbitrary: fc.record({ op: fc.constant('remove-frame' as const), doc: fc.nat(4) }), weight: 1 },
    { arbitrary: fc.constant({ op: 'clear-tab' as const }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('garbage' as const), value: fc.anything() }), weight: 1 },
  );

  test('after any sequence of puts, removals, clears and garbage in the area, the record is within budget and every kept frame passes the guard', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const { area, items } = memoryArea();
        const store = new SnapshotStore(area);
        const pending: Promise<void>[] = [];
        let receivedAt = T0;
        for (const step of ops) {
          if (step.op === 'garbage') {
            items.set('tab:1', step.value); // whatever another version of the extension left there
            continue;
          }
          if (step.op === 'clear-tab') pending.push(store.apply({ op: 'clear-tab', tabId: 1 }));
          else if (step.op === 'remove-frame')
            pending.push(store.apply({ op: 'remove-frame', tabId: 1, documentId: `doc-${step.doc}` }));
          else {
            const padded =
              step.pad === 0
                ? step.snapshot
                : {
                    ...step.snapshot,
                    channels: [
                      {
                        id: 1,
                        name: '',
                        capacity: 0,
                        size: 0,
                        closed: false,
                        overflow: 'block',
                        pushers: [],
                        pullers: [],
                        createdAt: 'x'.repeat(Math.min(step.pad, LIMITS.stack)),
                      },
                    ],
                    pad: 'p'.repeat(step.pad),
                  };
            const entry: StoredFrame = {
              frame: { ...TOP, frameId: step.doc, documentId: `doc-${step.doc}` },
              snapshot: padded as SnapshotMessage,
              receivedAt: receivedAt++,
            };
            pending.push(store.apply({ op: 'put', tabId: 1, entry }));
          }
        }
        await Promise.all(pending);
        const kept = await store.read(1);
        const record = items.get('tab:1');
        if (typeof record === 'string') expect(record.length).toBeLessThanOrEqual(TAB_BUDGET_CHARS);
        else if (Array.isArray(record)) expect(JSON.stringify(record).length).toBeLessThanOrEqual(TAB_BUDGET_CHARS);
        for (const entry of kept) {
          expect(isFrameInfo(entry.frame)).toBe(true);
          expect(isPageToInspectorMessage(entry.snapshot)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('the router under arbitrary messages on any port', () => {
  test('no message on a panel or content port throws, and no tab hears about another tab', () => {
    const portArb = fc.constantFrom('panel-1', 'panel-2', 'content-1', 'content-2', 'stranger');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            port: portArb,
            message: fc.oneof(
              anyMessage.map((message) => ({ source: CONTENT_SOURCE, type: 'page', message })),
              fc.record(
                {
                  source: fc.constantFrom(PANEL_SOURCE, CONTENT_SOURCE, BACKGROUND_SOURCE),
                  type: fc.constantFrom('subscribe', 'resync', 'keepalive', 'restored', 'refused', 'page'),
                  tabId: weirdNumber,
                  reason: fc.constantFrom('oversized', 'malformed', 'flooded', '__proto__'),
                  chars: weirdNumber,
                },
                { requiredKeys: ['source', 'type'] },
              ),
              fc.anything(),
            ),
            dt: fc.constantFrom(0, 1, 50, 1000, -5),
            disconnect: fc.boolean(),
          }),
          { maxLength: 30 },
        ),
        (steps) => {
          const router = new Router<string>();
          router.panelConnected('panel-1');
          router.panelConnected('panel-2');
          router.received('panel-1', { source: PANEL_SOURCE, type: 'subscribe', tabId: 1 }, T0);
          router.received('panel-2', { source: PANEL_SOURCE, type: 'subscribe', tabId: 2 }, T0);
          router.frameConnected('content-1', 1, { ...TOP, documentId: 'doc-1' }, T0);
          router.frameConnected('content-2', 2, { ...TOP, documentId: 'doc-2' }, T0);
          let now = T0;
          for (const step of steps) {
            now += step.dt;
            const effects =
              step.disconnect && step.port === 'stranger'
                ? router.disconnected('content-1')
                : router.received(step.port, step.message, now);
            for (const effect of effects) {
              if (effect.kind === 'post' && effect.port.startsWith('panel')) {
                const message = effect.message as BackgroundToPanelMessage;
                if ('frame' in message) {
                  // A frame's news reaches only the panel of that frame's tab.
                  expect(effect.port).toBe(message.frame.documentId === 'doc-1' ? 'panel-1' : 'panel-2');
                }
                if (message.type === 'snapshot') expect(isPageToInspectorMessage(message.snapshot)).toBe(true);
              }
              if (effect.kind === 'store' && effect.change.op === 'put') {
                expect(effect.change.tabId).toBe(effect.change.entry.frame.documentId === 'doc-1' ? 1 : 2);
              }
            }
          }
        },
      ),
      RUNS,
    );
  });
});

describe('the panel model under random page lifecycles (property)', () => {
  type Event =
    | { e: 'snapshot'; doc: number; frameId: number; snapshot: SnapshotMessage }
    | { e: 'announce'; doc: number; frameId: number }
    | { e: 'gone'; doc: number }
    | { e: 'refused'; doc: number; reason: 'oversized' | 'malformed' | 'flooded' }
    | { e: 'clear' };
  const doc = fc.nat(3);
  const frameId = fc.nat(2);
  const eventArb: fc.Arbitrary<Event> = fc.oneof(
    { arbitrary: fc.record({ e: fc.constant('snapshot' as const), doc, frameId, snapshot: validSnapshot }), weight: 6 },
    { arbitrary: fc.record({ e: fc.constant('announce' as const), doc, frameId }), weight: 1 },
    { arbitrary: fc.record({ e: fc.constant('gone' as const), doc }), weight: 2 },
    {
      arbitrary: fc.record({
        e: fc.constant('refused' as const),
        doc,
        reason: fc.constantFrom('oversized' as const, 'malformed' as const, 'flooded' as const),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ e: 'clear' as const }), weight: 1 },
  );

  test('leaks stay until Clear and a cleared leak never comes back; frames and notices of a gone document leave; notices stay one per reason and document', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), (events) => {
        let data: PanelData = EMPTY_DATA;
        let receivedAt = T0;
        const gone = new Set<number>();
        // Each document stays in the frame it first appeared in (a document id is one frame's).
        const frameOf = new Map<number, number>();
        for (const event of events) {
          receivedAt += 100;
          if (event.e === 'clear') {
            const before = new Set(data.leaks.map((leak) => leak.key));
            data = cleared(data);
            expect(data.leaks).toEqual([]);
            for (const key of before) expect(data.dismissed.has(key)).toBe(true);
            continue;
          }
          if (gone.has(event.doc)) continue; // a gone document says nothing more (ids are per document)
          const frameId = frameOf.get(event.doc) ?? ('frameId' in event ? event.frameId : 1);
          frameOf.set(event.doc, frameId);
          const frame = { ...TOP, frameId, documentId: `doc-${event.doc}` };
          const leaksBefore = data.leaks;
          const dismissed = data.dismissed;
          if (event.e === 'snapshot') data = withSnapshot(data, frame, event.snapshot, receivedAt);
          else if (event.e === 'announce') data = withAnnounce(data, frame);
          else if (event.e === 'refused') data = withNotice(data, event.reason, frame);
          else {
            data = withoutFrame(data, frame.documentId);
            gone.add(event.doc);
            expect([...data.frames.values()].some((state) => state.frame.documentId === frame.documentId)).toBe(false);
            expect(data.notices.some((notice) => notice.frame.documentId === frame.documentId)).toBe(false);
          }
          // Leaks outlive frames: nothing but Clear (or MAX_LEAKS) removes one.
          const keys = new Set(data.leaks.map((leak) => leak.key));
          if (data.leaks.length < MAX_LEAKS) for (const leak of leaksBefore) expect(keys.has(leak.key)).toBe(true);
          // A cleared leak that is reported again is not listed again.
          for (const leak of data.leaks) expect(dismissed.has(leak.key)).toBe(false);
          const noticeKeys = data.notices.map((notice) => `${notice.reason}|${notice.frame.documentId}`);
          expect(new Set(noticeKeys).size).toBe(noticeKeys.length);
          expect(data.leaks.length).toBeLessThanOrEqual(MAX_LEAKS);
          for (const state of data.frames.values())
            expect(gone.has(Number(state.frame.documentId.slice(4)))).toBe(false);
        }
      }),
      RUNS,
    );
  });
});
