/**
 * The sixth audit: the documentation of `chanasync/port` is a contract too. Each test pins one
 * claim of the README ("Channels across Workers and frames", the Reference section "Channels
 * across contexts", the Semantic-details bullets about `toPort`/`fromPort`) or of the TSDoc in
 * src/port/, which no earlier test pinned exactly. A comment above each group quotes the first
 * words of the claim, so that a reader can find it. Claims with numbers run on counted messages,
 * a fake clock, or a clock that jumps — never on real waits of seconds.
 */
import { describe, expect, test, vi } from 'vitest';
import { Channel } from '../src/channel.js';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { ChannelClosedError, ChannelError } from '../src/errors.js';
import {
  fromPort,
  GONE_AFTER_MS,
  isPortMessage,
  PING_AFTER_MS,
  PORT_SOURCE,
  PORT_VERSION,
  type PortLike,
  type PortResult,
  toPort,
} from '../src/port/index.js';
import { type FakePort, fakePorts, type Message } from './helpers/fake-ports.js';
import { runInNode } from './helpers/node-script.js';
import { onOwnClock } from './helpers/own-clock.js';
import { closePortsAfterEach, collect, ports, settled, sleep, until } from './helpers/ports.js';

closePortsAfterEach();

/**
 * Stops `performance.now()` — the only clock chanasync/port reads — until `body` is done, so
 * that a loaded machine cannot make time pass where a test says none does (no heartbeat ping,
 * no long turn); `compute(ms)` moves it, as code that computes that long between its pushes.
 */
async function onStoppedClock(body: (compute: (ms: number) => void) => Promise<void>): Promise<void> {
  let clock = performance.now();
  const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
  try {
    await body((ms) => {
      clock += ms;
    });
  } finally {
    spy.mockRestore();
  }
}

/** How many `values` messages `port` has posted. */
const batches = (port: FakePort): number => port.sent('values').length;

/** Waits until the sender on `a` holds the receiver's first credit (the stream is paired). */
async function paired(b: FakePort, a: FakePort): Promise<void> {
  await until(() => b.sent('credit').length > 0);
  await sleep(5); // the credit is delivered a task after it was posted
  expect(a.sent('open').length).toBeGreaterThan(0);
}

// Reference, "Channels across contexts": `fromPort(port, { name, capacity, origin }?)` — "A
// channel (created with `input: true`) … `capacity` (default `0`)"; TSDoc: "@returns the
// receiving channel; its `name` is `name` (if not empty)".
describe('Reference: the fromPort channel', () => {
  test('fromPort gives an unbuffered channel by default, unnamed for the default name, named after its stream otherwise', () => {
    const [, there] = ports();
    const unnamed = fromPort<number>(there);
    expect(unnamed.capacity).toBe(0);
    expect(unnamed.name).toBeUndefined();
    const named = fromPort<number>(there, { name: 'jobs', capacity: 5 });
    expect(named.name).toBe('jobs');
    expect(named.capacity).toBe(5);
    expect(named).toBeInstanceOf(Channel);
    unnamed.close();
    named.close();
  });

  test('a fromPort channel is an input channel: debug mode shows a pull parked on it as waiting for input', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    try {
      const [, there] = ports();
      const remote = fromPort<number>(there, { name: 'inbox' });
      const pulling = remote.pull().catch(() => 'closed');
      const listed = snapshot().channels.find((channel) => channel.name === 'inbox');
      expect(listed?.input).toBe(true);
      expect(listed?.pullers).toHaveLength(1);
      expect(listed?.pullers[0]?.input).toBe(true);
      remote.close();
      expect(await pulling).toBe('closed');
    } finally {
      disableDebug();
    }
  });

  // TSDoc of fromPort: "A sender that dies … this channel then closes with a ChannelError whose
  // message says the other side is gone (for-await over it throws that error; pulls reject with
  // a ChannelClosedError whose cause it is)".
  test('once the sender is gone, a pull rejects with a ChannelClosedError whose cause is the ChannelError saying so', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(2);
    const remote = fromPort<number>(there, { name: 'feed', capacity: 2 });
    void toPort(local, here, { name: 'feed' });
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    here.close(); // Node fires `close` on the other port: the sender's context is gone
    const error = await remote.pull().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChannelClosedError);
    const cause = (error as ChannelClosedError).cause;
    expect(cause).toBeInstanceOf(ChannelError);
    expect(cause).not.toBeInstanceOf(ChannelClosedError);
    expect((cause as Error).message).toMatch(/^fromPort: channel "feed" lost its sender: the other side is gone/);
  });
});

// Reference: "…and the heartbeat constants `PING_AFTER_MS` (1000) and `GONE_AFTER_MS` (5000)";
// protocol.ts: "Every message carries `source: 'chanasync-port'`, `version: 1` and the stream's
// `name`."
describe('Reference: the wire format and its constants', () => {
  test('the exported heartbeat constants have their documented values: a ping after 1000 ms, gone after 5000 ms', () => {
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
  });

  test('every message both sides post carries source "chanasync-port", version 1 and the stream’s name', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { name: 'tagged', capacity: 2 });
    const done = toPort(local, a, { name: 'tagged' });
    await local.pushAll([1, 2, 3]);
    local.close(new Error('bye'));
    expect(await collect(remote).catch(() => 'closed')).toBe('closed');
    await done;
    const all: Message[] = [...a.posted, ...b.posted];
    expect([...new Set(all.map((message) => message.type))]).toEqual(
      expect.arrayContaining(['open', 'values', 'end', 'ready', 'credit', 'closed']),
    );
    expect(PORT_SOURCE).toBe('chanasync-port');
    expect(PORT_VERSION).toBe(1);
    for (const message of all) {
      expect(message).toMatchObject({ source: 'chanasync-port', version: 1, name: 'tagged' });
      expect(isPortMessage(message)).toBe(true);
    }
  });
});

// Reference, toPort: "…or `signal` aborted (the remote channel then closes with
// `signal.reason`; an already aborted signal pulls nothing)"; Semantic details: "A `toPort`
// aborted before any receiver's answer reached it pulled nothing and settles at once".
describe('Reference: toPort with a signal already aborted', () => {
  test('toPort with an already aborted signal posts nothing at all: a receiver of its name stays open for the next sender', async () => {
    const { a, b } = fakePorts();
    const remote = fromPort<number>(b, { name: 'n', capacity: 2 });
    const local = new Channel<number>(2);
    local.pushNowait(1);
    const result = await toPort(local, a, { name: 'n', signal: AbortSignal.abort(new Error('never mind')) });
    expect(result).toEqual({ sent: 0, undelivered: [] });
    await sleep(20);
    expect(a.posted).toEqual([]);
    expect(a.listeners).toBe(0);
    expect(remote.closed).toBe(false);
    expect(local.size).toBe(1);
    // The next sender of that name pairs with it as if nothing had happened.
    local.close();
    const next = toPort(local, a, { name: 'n' });
    expect(await collect(remote)).toEqual([1]);
    expect(await next).toEqual({ sent: 1, undelivered: [] });
  });
});

// Semantic details, "`fromPort`'s default capacity is 0 … the receiver then posts new credit
// once a quarter of it is free (at least 1), and acknowledges every batch it committed."
describe('Semantic details: credit in quarters, and an acknowledgement per batch', () => {
  test('a full receiver of capacity 8 posts new credit once a quarter of it is free: not after one pull, after two', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll([...Array(20).keys()]);
    const remote = fromPort<number>(b, { capacity: 8 });
    const done = toPort(local, a);
    await until(() => remote.size === 8);
    await sleep(20);
    const credits = b.sent('credit').length;
    expect(await remote.pull()).toBe(0);
    await sleep(20);
    expect(b.sent('credit').length).toBe(credits); // one free slot of 8: no credit yet
    expect(await remote.pull()).toBe(1);
    await sleep(20);
    // Two slots: new credit, 8 + 2 (then, maybe, the acknowledgement of the batch it brought).
    const after = b.sent('credit').slice(credits);
    expect(after[0]?.granted).toBe(10);
    expect(after.every((message) => message.granted === 10)).toBe(true);
    remote.close();
    await done;
  });

  test('a receiver whose quarter is less than one slot (capacity 3) posts new credit for every slot freed', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll([...Array(10).keys()]);
    const remote = fromPort<number>(b, { capacity: 3 });
    const done = toPort(local, a);
    await until(() => remote.size === 3);
    await sleep(20);
    for (let i = 0; i < 3; i++) {
      const credits = b.sent('credit').length;
      expect(await remote.pull()).toBe(i);
      await until(() => b.sent('credit').length > credits);
      expect(b.sent('credit')[credits]?.granted).toBe(4 + i);
      // The value it lets in is committed and acknowledged before the next pull.
      await until(() => remote.size === 3 && b.sent('credit').at(-1)?.committed === 4 + i);
    }
    remote.close();
    await done;
  });

  test('every batch the receiver commits is acknowledged with its commit count, even when no new credit is due', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 100 });
    const done = toPort(local, a);
    await paired(b, a);
    let posted = 0;
    for (const size of [3, 1, 4]) {
      for (let i = 0; i < size; i++) local.pushNowait(posted + i);
      posted += size;
      // Each batch is committed into the buffer (no pull frees a slot: no new credit is due).
      await until(() => b.sent('credit').some((message) => message.committed === posted));
    }
    expect(batches(a)).toBe(3);
    // One acknowledgement per batch (after the answers to `open`, which commit nothing).
    const counts = b.sent('credit').map((message) => message.committed);
    expect(counts.filter((count) => (count as number) > 0)).toEqual([3, 4, 8]);
    expect(b.sent('credit').every((message) => message.granted === 100)).toBe(true);
    expect(remote.size).toBe(8);
    remote.close();
    expect(await done).toEqual({ sent: 8, undelivered: [] });
  });
});

/**
 * A paired stream over fake ports from an unbuffered local channel to a `fromPort` of
 * `capacity`, whose values are being collected: `a` is the sending side's port.
 */
async function unbufferedStream(capacity: number) {
  const { a, b } = fakePorts();
  const local = new Channel<number>(0);
  const received = collect(fromPort<number>(b, { capacity }));
  const done = toPort(local, a);
  await paired(b, a);
  return { a, local, received, done };
}

// Semantic details, "`toPort` posts the batch of a turn in a task right after it … So is a batch
// that has been collecting for 16 ms in a long turn … Looked at for each of a batch's first 32
// values, then when its length is a power of two or a multiple of 1024 … after a burst of up to
// 32 values too; after a longer burst … the batch's next check (a power of two)."
describe('Semantic details: batching in a long turn', () => {
  test('a fast producer in one turn costs a clock read per doubling of its batch and per 1024 values, not one per value', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(b, { capacity: Infinity });
    const done = toPort(local, a);
    await paired(b, a);
    const now = vi.spyOn(performance, 'now');
    try {
      // 5,000 values in one synchronous run: each pushNowait commits to toPort's parked pull.
      for (let i = 0; i < 5000; i++) local.pushNowait(i);
      // 1 (the batch starts) + 31 (lengths 2 to 32) + 7 (lengths 64, 128, …, 4096) + 1 (3072).
      expect(now.mock.calls.length).toBe(40);
    } finally {
      now.mockRestore();
    }
    local.close();
    expect(await collect(remote)).toHaveLength(5000);
    expect(await done).toEqual({ sent: 5000, undelivered: [] });
  });

  test('in a long turn, a value pushed after a computation that follows a burst of up to 32 values goes at once', async () => {
    const { a, local, received, done } = await unbufferedStream(64);
    await onStoppedClock(async (compute) => {
      // One turn: a burst of five values (lengths 1 to 5), then a value after each of three
      // computations of 20 ms (lengths 6, 1 and 1): each is posted before the next computation.
      for (let i = 0; i < 5; i++) await local.push(i);
      const postedAfter: number[] = [];
      for (let i = 5; i < 8; i++) {
        compute(20);
        await local.push(i);
        postedAfter.push(batches(a));
      }
      expect(postedAfter).toEqual([1, 2, 3]);
      expect(a.sent('values').map((message) => message.values)).toEqual([[0, 1, 2, 3, 4, 5], [6], [7]]);
      local.close();
      expect(await received).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(await done).toEqual({ sent: 8, undelivered: [] });
    });
  });

  test('in a long turn, a value pushed after a computation that follows a burst of more than 32 values waits for the next power of two', async () => {
    const { a, local, received, done } = await unbufferedStream(128);
    await onStoppedClock(async (compute) => {
      // A burst of 40 values (lengths 1 to 40), then values after computations of 20 ms
      // (lengths 41 to 64): the batch is looked at again at 64.
      for (let i = 0; i < 40; i++) await local.push(i);
      for (let i = 40; i < 63; i++) {
        compute(20);
        await local.push(i);
      }
      expect(batches(a)).toBe(0);
      compute(20);
      await local.push(63);
      expect(batches(a)).toBe(1);
      expect(a.sent('values')[0]?.values).toHaveLength(64);
      local.close();
      expect(await received).toHaveLength(64);
      expect(await done).toEqual({ sent: 64, undelivered: [] });
    });
  });

  test('in a long turn, a producer that pushes one value after each computation of 16 ms or more has it posted at once', async () => {
    const { a, local, received, done } = await unbufferedStream(64);
    await onStoppedClock(async (compute) => {
      await local.push(0); // the turn's first value starts its batch
      const postedAfter: number[] = [];
      for (let i = 1; i <= 4; i++) {
        compute(20);
        await local.push(i);
        postedAfter.push(batches(a));
      }
      expect(postedAfter).toEqual([1, 2, 3, 4]);
      expect(a.sent('values').map((message) => message.values)).toEqual([[0, 1], [2], [3], [4]]);
      local.close();
      expect(await received).toEqual([0, 1, 2, 3, 4]);
      await done;
    });
  });
});

// Semantic details, "Death detection … A side whose own timer ran more than 2 s late (it was
// blocked or frozen itself) counts its peer's silence afresh from that tick, less one heartbeat:
// it pings at once and gives its peer 4 s to answer".
describe('Semantic details: a sender whose own event loop was blocked', () => {
  test('a sender whose timer ran more than 2 s late pings at once and gives a silent receiver 4 s more before giving it up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let offset = 0;
    const realNow = performance.now.bind(performance);
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => realNow() + offset);
    try {
      const { a, b } = fakePorts();
      const local = new Channel<number>(Infinity);
      const remote = fromPort<number>(b, { capacity: 4 });
      const outcome: { result?: PortResult<number> } = {};
      void toPort(local, a).then((result) => {
        outcome.result = result;
      });
      await vi.advanceTimersByTimeAsync(10);
      await vi.advanceTimersByTimeAsync(10); // open, credit: paired
      await local.pushAll([1, 2]);
      await vi.advanceTimersByTimeAsync(10);
      expect(remote.size).toBe(2);
      b.dead = true; // the receiving context dies without a word
      offset += 6000; // and this one's event loop was blocked for 6 s (its timer is late)
      await vi.advanceTimersByTimeAsync(500); // the late tick: silence proves nothing yet
      expect(outcome.result).toBeUndefined();
      expect(a.sent('ping').length).toBeGreaterThan(0); // it asks instead
      // Ticks on time from here (the clock moves with them): the silence counts from the late
      // tick, less one heartbeat — 4.5 s after seven more ticks, 5 s (gone) after eight.
      for (let tick = 0; tick < 7; tick++) {
        offset += 500;
        await vi.advanceTimersByTimeAsync(500);
      }
      expect(outcome.result).toBeUndefined();
      offset += 500;
      await vi.advanceTimersByTimeAsync(500);
      expect(outcome.result).toEqual({ sent: 2, undelivered: [] });
    } finally {
      clock.mockRestore();
      vi.useRealTimers();
    }
  });
});

// Semantic details, "A message the receiving side cannot deserialize … Messages of a sender of
// an earlier release carry no counts and are not checked."
describe('Semantic details: a sender of an earlier release', () => {
  test('values and an end without counts (a sender of an earlier release) are committed unchecked, in order', async () => {
    const { a, b } = fakePorts();
    const remote = fromPort<string>(b, { name: 'old', capacity: 4 });
    const envelope = { source: 'chanasync-port', version: 1, name: 'old', session: 'an-old-sender' };
    a.postMessage({ ...envelope, type: 'open' });
    await until(() => b.sent('credit').length > 0);
    // No `posted` and no `receiver`, as an earlier release sent them; a gap would look like
    // lost values to a check of counts, so none is made.
    a.postMessage({ ...envelope, type: 'values', values: ['a', 'b'] });
    a.postMessage({ ...envelope, type: 'values', values: ['c'] });
    a.postMessage({ ...envelope, type: 'ping' });
    a.postMessage({ ...envelope, type: 'end', abort: false, reason: 'old done' });
    const got: string[] = [];
    const error = await (async () => {
      for await (const value of remote) got.push(value);
    })().catch((caught: unknown) => caught);
    expect(got).toEqual(['a', 'b', 'c']);
    expect(error).toBe('old done');
    expect(b.sent('closed').at(-1)).toMatchObject({ committed: 3 });
    expect(b.sent('closed').at(-1)?.lost).toBeUndefined();
  });
});

// README "Channels across Workers and frames": "Closing crosses over both ways (with the
// reason)" — and Semantic details: the receiver's close "ends `toPort` normally".
describe('README: closing crosses over both ways', () => {
  test('a receiver closed with a reason ends toPort normally; the local channel is left open, holding what was not pulled', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll([1, 2, 3, 4, 5, 6]);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = settled(toPort(local, a));
    expect(await remote.pull()).toBe(1);
    remote.close(new Error('enough'));
    const { value, error } = await done;
    expect(error).toBeUndefined();
    expect(value?.sent).toBeGreaterThanOrEqual(1);
    expect(local.closed).toBe(false);
    const rest = [...(value?.undelivered ?? [])];
    while (local.size > 0) rest.push(local.pullNowait());
    expect(value?.sent).toBe(6 - rest.length);
    expect(rest).toEqual([...Array(rest.length).keys()].map((i) => 7 - rest.length + i));
  });
});

// Semantic details, "A message the receiving side cannot deserialize … A `messageerror` of
// another library's message on the port costs a ping and changes nothing."
describe('Semantic details: a messageerror that is not the stream’s', () => {
  test('a messageerror of another library’s message costs the receiver one ping, answered by one pong, and nothing else', async () => {
    const { a, b } = fakePorts();
    b.undeserializable = (data) => (data as unknown as { app?: string }).app === 'broken';
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 4 });
    const done = toPort(local, a);
    local.pushNowait(1);
    expect(await remote.pull()).toBe(1);
    // No time passes for the heartbeat: every ping that follows is the messageerror's.
    await onStoppedClock(async () => {
      await sleep(20);
      const before = { pings: b.sent('ping').length, pongs: a.sent('pong').length, values: batches(a) };
      a.postMessage({ app: 'broken' }); // someone else's traffic: a messageerror on the receiving side
      await until(() => a.sent('pong').length > before.pongs);
      await sleep(20);
      expect(b.sent('ping').length).toBe(before.pings + 1);
      expect(a.sent('pong').length).toBe(before.pongs + 1);
      expect(batches(a)).toBe(before.values);
      expect(remote.closed).toBe(false);
      local.pushNowait(2);
      local.close();
      expect(await collect(remote)).toEqual([2]);
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    });
  });
});

// protocol.ts, "Pairing": "A receiver posts `ready` once when it is created".
test('a receiver posts ready once, when it is created, and never again', async () => {
  const { a, b } = fakePorts();
  const remote = fromPort<number>(b, { capacity: 2 });
  expect(b.sent('ready')).toHaveLength(1);
  const local = new Channel<number>(4);
  const done = toPort(local, a);
  await local.pushAll([1, 2, 3]);
  local.close();
  expect(await collect(remote)).toEqual([1, 2, 3]);
  await done;
  expect(b.sent('ready')).toHaveLength(1);
});

// Semantic details, "Windows: `fromPort` requires `origin` … An `origin` is read as
// `postMessage` reads a target origin — … and `'/'` is this context's own".
describe('Semantic details: the origin "/" of a window stream', () => {
  /** A fake window: `window === itself`; what it is sent arrives on the shared global, from `other`. */
  class FakeWindow {
    readonly window = this;
    other!: FakeWindow;
    constructor(
      readonly origin: string,
      private readonly global: EventTarget,
    ) {}
    /** What was posted to this window: each message's type and target origin. */
    readonly sentTo: [string, string][] = [];
    postMessage(message: unknown, targetOrigin: string): void {
      this.sentTo.push([(message as Message).type, targetOrigin]);
      if (targetOrigin !== '*' && new URL(targetOrigin).origin !== this.origin) return; // as a browser drops it
      const data = structuredClone(message);
      const source = this.other;
      setTimeout(
        () => this.global.dispatchEvent(Object.assign(new Event('message'), { data, source, origin: source.origin })),
        0,
      );
    }
  }
  const PAGE = 'https://page.example';

  /** Runs `body` in a "frame" whose own origin is `own`, its parent page at PAGE (one shared global). */
  async function inFrameOf(own: string, body: (parent: PortLike, frame: PortLike) => Promise<void>): Promise<void> {
    const target = new EventTarget();
    const scope = globalThis as { addEventListener?: unknown; removeEventListener?: unknown; location?: unknown };
    scope.addEventListener = target.addEventListener.bind(target);
    scope.removeEventListener = target.removeEventListener.bind(target);
    scope.location = { origin: own };
    const frame = new FakeWindow(own, target);
    const parent = new FakeWindow(PAGE, target);
    frame.other = parent;
    parent.other = frame;
    try {
      await body(parent as FakeWindow & PortLike, frame as FakeWindow & PortLike);
    } finally {
      delete scope.addEventListener;
      delete scope.removeEventListener;
      delete scope.location;
    }
  }

  test('fromPort with origin "/" in a frame of the page’s own origin receives the page’s values', () =>
    inFrameOf(PAGE, async (parent, frame) => {
      const remote = fromPort<number>(parent, { origin: '/', capacity: 2 });
      const local = new Channel<number>(4);
      const done = toPort(local, frame, { origin: '/' });
      await local.pushAll([1, 2, 3]);
      local.close();
      expect(await collect(remote)).toEqual([1, 2, 3]);
      expect(await done).toEqual({ sent: 3, undelivered: [] });
    }));

  test('fromPort with origin "/" in a frame of another origin ignores the page: "/" is this context’s own origin', () =>
    inFrameOf('https://frame.example', async (parent, frame) => {
      const remote = fromPort<number>(parent, { origin: '/', capacity: 2 });
      const local = new Channel<number>(4);
      local.pushNowait(1);
      const controller = new AbortController();
      const done = toPort(local, frame, { signal: controller.signal });
      await sleep(50);
      expect(remote.size).toBe(0);
      expect(local.size).toBe(1); // never paired: nothing pulled
      controller.abort();
      expect(await done).toEqual({ sent: 0, undelivered: [] });
      expect(remote.closed).toBe(false);
      remote.close();
    }));

  // "…`toPort` accepts an optional `origin`; without it, `open` (which carries no data) goes to
  // `'*'`, and values, heartbeats and `end` only to the origin of the receiver that granted
  // credit" (the docs said `open` and `ping` went to `'*'`: a ping goes to that origin too).
  test('an unpinned toPort posts open to "*", and its values, pings and end only to the origin of the frame that answered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    try {
      await inFrameOf('https://frame.example', async (parent, frame) => {
        const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
        const local = new Channel<number>(4);
        const done = toPort(local, frame);
        await vi.advanceTimersByTimeAsync(20);
        local.pushNowait(1);
        await vi.advanceTimersByTimeAsync(20);
        expect(await remote.pull()).toBe(1);
        await vi.advanceTimersByTimeAsync(2000); // idle: each side pings the other
        local.close();
        await vi.advanceTimersByTimeAsync(600);
        expect(await done).toEqual({ sent: 1, undelivered: [] });
        const sent = (frame as unknown as FakeWindow).sentTo;
        const types = new Set(sent.map(([type]) => type));
        expect(types).toEqual(new Set(['open', 'values', 'ping', 'pong', 'end']));
        for (const [type, target] of sent)
          expect([type, target]).toEqual([type, type === 'open' ? '*' : 'https://frame.example']);
      });
    } finally {
      vi.useRealTimers();
    }
  });
});

// Semantic details, "a receiver that finds it posted nothing for 3 s … commits nothing more until
// its sender proves it still runs the stream: it posts a `ping` with a nonce, and only a `pong`
// echoing it lets it go on … A sender that gave up has left the port after posting an `end` that
// aborts …: the receiver then closes its channel as gone … Without an answer for 5 s it closes
// the same way. A running receiver posts every 1 to 1.5 s or more often …, so a block of 1.5 s
// can be enough to start that check".
describe('Semantic details: a receiving context whose event loop is blocked', () => {
  /** An idle stream: paired, one value taken, nothing in flight. */
  async function idleStream(advance: (ms: number) => Promise<void>) {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(b, { capacity: 1 });
    const outcome: { result?: PortResult<number> } = {};
    void toPort(local, a).then((result) => {
      outcome.result = result;
    });
    await advance(50);
    local.pushNowait(1);
    await advance(50);
    expect(await remote.pull()).toBe(1);
    await advance(50);
    return { a, b, local, remote, outcome };
  }

  test('an idle receiver posts at least every 1.5 s (its ping or its pong), as long as its loop runs', () =>
    onOwnClock(async (advance, _block, now) => {
      const { b, remote, local } = await idleStream(advance);
      const times: number[] = [];
      const post = b.postMessage.bind(b);
      b.postMessage = (message: unknown, transfer?: Transferable[]) => {
        times.push(now());
        post(message, transfer);
      };
      const start = now();
      await advance(10_000);
      const gaps = [start, ...times].slice(1).map((time, i) => time - ([start, ...times][i] as number));
      expect(times.length).toBeGreaterThanOrEqual(6);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(1500);
      expect(remote.closed).toBe(false);
      local.close();
      await advance(600);
      expect(remote.closed).toBe(true);
    }));

  test('a receiver whose loop is blocked for 2 s, beginning 1.4 s after its last message, asks its sender before it commits anything more, and goes on', () =>
    onOwnClock(async (advance, block) => {
      const { a, b, local, remote, outcome } = await idleStream(advance);
      const posted = b.posted.length;
      await advance(1300); // 1.4 s after the credit of its pull: nothing posted since
      expect(b.posted.length).toBe(posted);
      block(2000);
      local.pushNowait(2); // the sender has no credit: it waits in the local channel
      await advance(500); // the first tick after the block, or a ping of the sender to answer
      const ping = b.posted.slice(posted).find((message) => message.type === 'ping' && message.nonce !== undefined);
      expect(ping).toBeDefined();
      expect(a.posted.some((message) => message.type === 'pong' && message.nonce === ping?.nonce)).toBe(true);
      expect(remote.closed).toBe(false);
      expect(await remote.pull()).toBe(2);
      local.close();
      await advance(600);
      expect(remote.closed).toBe(true);
      expect(outcome.result).toEqual({ sent: 2, undelivered: [] });
    }));

  test('a silent receiver whose sender gave up on it (its aborting end arrives before any answer) closes as gone and commits none of what arrived meanwhile', () =>
    onOwnClock(async (advance, block) => {
      const { b, remote } = await idleStream(advance);
      const credit = b.sent('credit').at(-1) as unknown as { session: string; receiver: string };
      block(3500);
      // What a sender that gave up on the blocked receiver posted before it left, delivered
      // after the block: a batch, then its aborting end (with no reason: it gave up).
      const envelope = { source: 'chanasync-port', version: 1, name: '', session: credit.session };
      b.inject({ ...envelope, type: 'values', values: [2, 3], posted: 1, receiver: credit.receiver });
      b.inject({ ...envelope, type: 'end', abort: true, posted: 3, receiver: credit.receiver });
      const error = await remote.pull().catch((caught: unknown) => (caught as ChannelClosedError).cause);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as Error).message).toMatch(
        /the other side is gone \(it gave up on this context, which could answer nothing for 3\d{3} ms\)/,
      );
      expect(b.sent('closed').at(-1)).toMatchObject({ committed: 1 }); // 2 and 3 were not committed
    }));

  test('a silent receiver whose sender does not answer its check within 5 s closes as gone', () =>
    onOwnClock(async (advance, block) => {
      const { a, remote, outcome } = await idleStream(advance);
      block(3500);
      a.dead = true; // the sender's context died during the block: nothing answers
      await advance(6000);
      expect(remote.closed).toBe(true);
      const error = await remote.pull().catch((caught: unknown) => (caught as ChannelClosedError).cause);
      expect((error as Error).message).toMatch(
        /the other side is gone \(it did not answer for 5000 ms after this context could answer nothing for 3\d{3} ms\)/,
      );
      void outcome;
    }));

  test('a receiver whose loop is blocked for 2.5 s right after it posted stays open, and the stream goes on', () =>
    onOwnClock(async (advance, block) => {
      const { remote, local, outcome } = await idleStream(advance);
      block(2500);
      await advance(1000);
      expect(remote.closed).toBe(false);
      local.pushNowait(2);
      await advance(50);
      expect(await remote.pull()).toBe(2);
      local.close();
      await advance(600);
      expect(outcome.result).toEqual({ sent: 2, undelivered: [] });
    }));
});

// Semantic details, "A `toPort` waits for its receiver … a `fromPort` whose sender never comes
// stays open (it is an input channel). In Node, either keeps the process alive while it waits
// … close the channel, or abort the signal, and once every stream on the port ended nothing is
// left to hold it."
test('in Node, a fromPort and a toPort that wait for their peers keep the process alive until closed and aborted', async () => {
  const run = await runInNode(`
    import { Channel } from './src/index.ts';
    import { fromPort, toPort } from './src/port/index.ts';
    const { port1, port2 } = new MessageChannel();
    const remote = fromPort(port2, { name: 'no sender' });
    const controller = new AbortController();
    const sending = toPort(new Channel(), port1, { name: 'no receiver', signal: controller.signal });
    // An unref'd timer runs only if something else keeps the process alive until then.
    setTimeout(() => {
      console.error('alive');
      remote.close();
      controller.abort();
    }, 700).unref();
    console.error(JSON.stringify(await sending));
  `);
  expect(run.stderr.trim().split('\n')).toEqual(['alive', '{"sent":0,"undelivered":[]}']);
  expect(run.exit).toBe(0);
}, 20_000);

// Reference, toPort: "Resolves … once the channel is closed and drained and the receiver closed
// after the last value" — also for a channel closed before toPort was called.
test('toPort of a channel closed before the call, still holding values, sends them all, then closes the remote with the reason', async () => {
  const { a, b } = fakePorts();
  const local = new Channel<number>(5);
  await local.pushAll([1, 2, 3, 4, 5]);
  local.close(new RangeError('that was all'));
  const remote = fromPort<number>(b, { capacity: 2 });
  const done = toPort(local, a);
  const got: number[] = [];
  const error = await (async () => {
    for await (const value of remote) got.push(value);
  })().catch((caught: unknown) => caught);
  expect(got).toEqual([1, 2, 3, 4, 5]);
  expect(error).toEqual(new RangeError('that was all'));
  expect(await done).toEqual({ sent: 5, undelivered: [] });
});
