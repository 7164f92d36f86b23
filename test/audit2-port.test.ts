/**
 * Second red-team audit of SPEC.md "Channels across contexts" (`chanasync/port`), in Node:
 * credit posted in quarter steps (capacities where steps apply, 2^53, Infinity; a receiver that
 * closes, a signal that aborts and a port that delivers synchronously while steps are on their
 * way), window origins written the way users write them, channels with a feed hook on either
 * side, select with time-outs over a fromPort channel, and accounting under every ending.
 * Ports are Node's MessageChannel, or hand-made ports built on EventTarget.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { broadcast } from '../src/broadcast.js';
import { Channel, setTracker } from '../src/channel.js';
import { ChannelError } from '../src/errors.js';
import { merge } from '../src/interop/merge.js';
import { fromPort, GONE_AFTER_MS, isPortMessage, type PortResult, toPort } from '../src/port/index.js';
import { pull, select } from '../src/select.js';
import { fakePorts, type Message, syncPorts } from './helpers/fake-ports.js';
import { FRAME, PAGE, windows, withGlobal } from './helpers/fake-windows.js';
import { runInNode } from './helpers/node-script.js';
import { closePortsAfterEach, collect, drain, paired, ports, sleep, until } from './helpers/ports.js';

closePortsAfterEach();

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The distinct `granted` values of the `credit` messages posted on `port`, in order. */
function grants(port: { posted: Message[] }): number[] {
  return port.posted
    .filter((message) => message.type === 'credit')
    .map((message) => message.granted as number)
    .filter((granted, i, all) => granted !== all[i - 1]);
}

/** Checks the accounting of a finished stream: `sent` + `undelivered` = the `pulled` values, in order. */
function expectAccounted<T>(result: PortResult<T>, pulled: readonly T[]): void {
  expect(result.sent + result.undelivered.length).toBe(pulled.length);
  expect(result.undelivered).toEqual(pulled.slice(result.sent));
}

describe('credit in quarter steps', () => {
  test('a capacity of 2^53 is granted in safe-integer steps, then as unbounded credit, every message well-formed', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 1000));
    const remote = fromPort<number>(b, { capacity: 2 ** 53 });
    const done = toPort(local, a);
    await until(() => remote.size === 1000);
    expect(grants(b).slice(0, 4)).toEqual([2 ** 51, 2 ** 52, 3 * 2 ** 51, Number.POSITIVE_INFINITY]);
    expect(b.posted.every((message) => isPortMessage(message))).toBe(true);
    local.close();
    expect(await collect(remote)).toEqual(range(0, 1000));
    expect(await done).toEqual({ sent: 1000, undelivered: [] });
  });

  test('a capacity of Infinity is granted in one credit message, and the sender takes everything in one batch', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 5000));
    const remote = fromPort<number>(b, { capacity: Infinity });
    const done = toPort(local, a);
    await until(() => remote.size === 5000);
    expect(grants(b)).toEqual([Number.POSITIVE_INFINITY]); // later credits only acknowledge
    expect(a.sent('values').map((message) => (message.values as number[]).length)).toEqual([5000]);
    local.close();
    expect(await collect(remote)).toEqual(range(0, 5000));
    expect(await done).toEqual({ sent: 5000, undelivered: [] });
  });

  test('every credit step carries the commit count of its moment: counts never go down and never pass what was posted', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 6000));
    const remote = fromPort<number>(b, { capacity: 1024 });
    const done = toPort(local, a);
    const got: number[] = [];
    while (got.length < 6000) {
      await until(() => remote.size > 0);
      got.push(...(await remote.pullMany(1024)));
    }
    local.close();
    expect(await collect(remote)).toEqual([]);
    expect(got).toEqual(range(0, 6000));
    expect(await done).toEqual({ sent: 6000, undelivered: [] });
    const credits = b.sent('credit');
    for (let i = 1; i < credits.length; i++) {
      expect(credits[i]?.granted as number).toBeGreaterThanOrEqual(credits[i - 1]?.granted as number);
      expect(credits[i]?.committed as number).toBeGreaterThanOrEqual(credits[i - 1]?.committed as number);
    }
    // Never more in flight and buffered than the capacity: granted - committed <= 1024.
    for (const credit of credits)
      expect((credit.granted as number) - (credit.committed as number)).toBeLessThanOrEqual(1024);
  });

  test('credit steps through a port that delivers synchronously, to a sender whose channel is closed and drained, end the stream once', async () => {
    const { a, b } = syncPorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 700));
    local.close('done');
    const remote = fromPort<number>(b, { capacity: 1024 });
    const done = toPort(local, a);
    const { values, error } = await drain(remote);
    expect(values).toEqual(range(0, 700));
    expect(error).toBe('done');
    expect(await done).toEqual({ sent: 700, undelivered: [] });
    expect(a.listeners + b.listeners).toBe(0);
    // Each value was posted once.
    expect(a.posted.filter((m) => m.type === 'values').flatMap((m) => m.values as number[])).toEqual(range(0, 700));
  });

  test('a receiver closed while its credit steps are on their way: nothing is counted sent, every value pulled comes back in order', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 2000));
    const remote = fromPort<number>(b, { capacity: 1024 });
    b.afterDeliver = (data) => {
      if (data.type === 'open') remote.close(); // right after the four steps were posted
    };
    const result = await toPort(local, a);
    expect(grants(b)).toEqual([256, 512, 768, 1024]);
    expect(result.sent).toBe(0);
    expect(result.sent + result.undelivered.length + local.size).toBe(2000);
    expect(result.undelivered).toEqual(range(0, result.undelivered.length));
    expect(await local.pullMany(2000)).toEqual(range(result.undelivered.length, 2000));
    expect(a.listeners + b.listeners).toBe(0);
  });

  test('an abort between two credit steps keeps the batch of that step here: undelivered, never posted', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 2000));
    const remote = fromPort<number>(b, { capacity: 1024 });
    const controller = new AbortController();
    a.afterDeliver = (data) => {
      // The second step was read and its 256 values pulled; its batch is not posted yet.
      if (data.type === 'credit' && data.granted === 512) controller.abort('stop');
    };
    const done = toPort(local, a, { signal: controller.signal });
    const { values, error } = await drain(remote);
    const result = await done;
    expect(error).toBe('stop');
    expect(values).toEqual(range(0, 256));
    expect(result).toEqual({ sent: 256, undelivered: range(256, 512) });
    expect(a.sent('values').flatMap((m) => m.values as number[])).toEqual(range(0, 256));
    expect(local.size).toBe(2000 - 512);
  });

  test('the receiving port closing while credit steps and their batches are on their way: toPort resolves at once, every value pulled accounted for (unacknowledged ones may be readable there too)', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 3000));
    const remote = fromPort<number>(there, { capacity: 1024 });
    const done = toPort(local, here);
    await until(() => remote.size > 0);
    there.close(); // the receiving side ends; Node fires close on both ports
    const result = await done;
    expect(result.sent + result.undelivered.length + local.size).toBe(3000);
    expect(result.undelivered).toEqual(range(result.sent, result.sent + result.undelivered.length));
    const { values, error } = await drain(remote);
    expect(values).toEqual(range(0, values.length)); // what was committed there stays readable, in order
    expect(values.length).toBeGreaterThanOrEqual(result.sent);
    expect(error).toBeInstanceOf(ChannelError);
  });

  test('a model run of pulls, pullMany, closes and aborts with windows where steps apply keeps in flight plus buffered within the capacity, and accounts for every value', async () => {
    type Step = { kind: 'pull' } | { kind: 'pullMany'; count: number } | { kind: 'wait'; tasks: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.constant({ kind: 'pull' as const }), weight: 1 },
      {
        arbitrary: fc.record({ kind: fc.constant('pullMany' as const), count: fc.integer({ min: 1, max: 3000 }) }),
        weight: 3,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('wait' as const), tasks: fc.integer({ min: 1, max: 4 }) }),
        weight: 3,
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 256, max: 2100 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.array(step, { maxLength: 25 }),
        fc.constantFrom('local close', 'remote close', 'abort'),
        async (capacity, count, steps, ending) => {
          const { a, b } = fakePorts();
          const local = new Channel<number>(Infinity);
          await local.pushAll(range(0, count));
          const remote = fromPort<number>(b, { capacity });
          const controller = new AbortController();
          const done = toPort(local, a, { signal: controller.signal });
          let posted = 0;
          const got: number[] = [];
          const violations: string[] = [];
          let ended = false; // from the ending on, the drain below takes values that `got` does not count yet
          const check = () => {
            if (ended) return;
            // Values posted and not yet taken by the consumer = in flight + pending + buffered.
            if (posted - got.length > capacity) violations.push(`posted ${posted}, taken ${got.length}`);
            // And toPort never pulls ahead of its credit: pulled and not taken by the consumer.
            const pulled = count - local.size;
            if (pulled - got.length > capacity) violations.push(`pulled ${pulled}, taken ${got.length}`);
          };
          a.afterDeliver = (data) => {
            if (data.type === 'values') posted += (data.values as unknown[]).length;
            check();
          };
          b.afterDeliver = check;
          for (const s of steps) {
            if (s.kind === 'pull') {
              try {
                got.push(await remote.pull({ signal: AbortSignal.timeout(5) }));
              } catch {
                // Timed out: the pull is withdrawn, and took nothing.
              }
            } else if (s.kind === 'pullMany') {
              try {
                got.push(...(await remote.pullMany(s.count, { signal: AbortSignal.timeout(5) })));
              } catch {
                // Timed out.
              }
            } else {
              for (let i = 0; i < s.tasks; i++) await sleep(0);
            }
            check();
          }
          ended = true;
          if (ending === 'local close') local.close();
          else if (ending === 'remote close') {
            // A receiver closed before it paired is not known to the sender (pinned below).
            await until(() => b.sent('credit').length > 0);
            remote.close();
          } else controller.abort();
          const rest = drain(remote);
          const result = await done;
          got.push(...(await rest).values);
          const pulled = range(0, count - local.size);
          expect(got).toEqual(pulled.slice(0, result.sent));
          expectAccounted(result, pulled);
          expect(violations).toEqual([]);
          expect(a.listeners + b.listeners).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe('window origins written the way users write them', () => {
  for (const written of [
    'https://page.example/',
    'https://PAGE.example',
    'https://page.example:443',
    'https://page.example/app/index.html?x#y',
  ]) {
    test(`fromPort with origin '${written}' pairs with a sender of origin ${PAGE}, as postMessage would read it`, () =>
      withGlobal(async (global) => {
        const { frame, parent } = windows(global);
        const local = new Channel<number>(4);
        const remote = fromPort<number>(parent, { origin: written, capacity: 2 });
        const done = toPort(local, frame);
        await local.pushAll([1, 2, 3]);
        local.close();
        expect(await collect(remote)).toEqual([1, 2, 3]);
        expect(await done).toEqual({ sent: 3, undelivered: [] });
      }));
  }

  test('toPort with an origin written with a trailing slash pairs with the frame of that origin', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      const local = new Channel<number>(4);
      const remote = fromPort<number>(parent, { origin: PAGE, capacity: 2 });
      const done = toPort(local, frame, { origin: `${FRAME}/` });
      await local.pushAll([1, 2]);
      local.close();
      expect(await collect(remote)).toEqual([1, 2]);
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    }));

  test('an origin that is neither "*" nor a URL is refused at the call, with a TypeError naming the function', () =>
    withGlobal(async (global) => {
      const { frame, parent } = windows(global);
      for (const origin of ['page.example', 'null', '', 'about:blank']) {
        expect(() => fromPort(parent, { origin })).toThrow(
          /^fromPort\(port, options\): origin must be '\*' or an origin/,
        );
        await expect(toPort(new Channel(), frame, { origin })).rejects.toThrow(
          /^toPort\(channel, port, options\): origin must be/,
        );
      }
      // Nothing was registered: a valid fromPort of the default name is still possible.
      const remote = fromPort(parent, { origin: '*' });
      remote.close();
    }));

  test('the origin of a stream over a port that is not a window is checked, then not read (since 2026-12-03: audit AS)', async () => {
    const [here, there] = ports();
    expect(() => fromPort<number>(there, { origin: 'not a url' })).toThrow(TypeError);
    const local = new Channel<number>(2);
    const remote = fromPort<number>(there, { origin: 'https://app.example', capacity: 2 });
    const done = toPort(local, here, { origin: 'https://elsewhere.example' });
    await local.pushAll([1]);
    local.close();
    expect(await collect(remote)).toEqual([1]);
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('names and reuse', () => {
  // Until audit BV the sender never heard of a receiver closed before its `open` arrived, and
  // kept asking until the next fromPort of the name; now that receiver says it closed (`ready`
  // with `closedAt`), and the sender ends as the SPEC has it. The next pair runs as usual.
  test('a toPort whose receiver closed before pairing ends with nothing sent; the next pair of that name runs', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(4);
    const early = fromPort<number>(b, { name: 'n', capacity: 2 });
    const done = toPort(local, a, { name: 'n' });
    early.close(); // before the sender's open arrived
    expect(await done).toEqual({ sent: 0, undelivered: [] });
    expect(b.sent('closed')).toEqual([]); // it knew no session: it said `ready` with `closedAt`
    const later = fromPort<number>(b, { name: 'n', capacity: 2 });
    const again = toPort(local, a, { name: 'n' });
    await local.pushAll([1, 2, 3]);
    local.close();
    expect(await collect(later)).toEqual([1, 2, 3]);
    expect(await again).toEqual({ sent: 3, undelivered: [] });
    expect(a.listeners + b.listeners).toBe(0);
  });

  test('a fromPort refused because its name is taken creates no channel (debug mode never sees one)', () => {
    const [, there] = ports();
    const created: unknown[] = [];
    const first = fromPort(there, { name: 'taken' });
    setTracker(((subject: unknown, event: string) => {
      if (event === 'create') created.push(subject);
    }) as Parameters<typeof setTracker>[0]);
    try {
      expect(() => fromPort(there, { name: 'taken' })).toThrow(/a fromPort stream named "taken" is already open/);
    } finally {
      setTracker(undefined);
    }
    expect(created).toEqual([]);
    first.close();
  });

  test('a name freed by a stream that ended carries a new stream both ways, many times over (hot reload)', async () => {
    const { a, b } = fakePorts();
    for (let round = 0; round < 5; round++) {
      const local = new Channel<number>(4);
      const remote = fromPort<number>(b, { name: 'reload', capacity: 2 });
      const done = toPort(local, a, { name: 'reload' });
      await local.pushAll([round, round + 1]);
      expect(await remote.pull()).toBe(round);
      remote.close(); // the consumer goes away with a value left
      const result = await done;
      expect(result.sent + result.undelivered.length + local.size).toBe(2);
      expect(result.sent).toBeGreaterThanOrEqual(1);
    }
    expect(a.listeners + b.listeners).toBe(0);
  });
});

describe('a stale open (of a sender that is over) reaching a new receiver of its name', () => {
  /**
   * The sender's `open` is posted twice (its first one crossed the receiver's `ready`); the
   * first receiver closes right after it paired, and a new one of the same name (hot reload)
   * hears the second `open`, of a sender that is over by the time it answers.
   */
  async function staleSetup(values: number[]) {
    const { a, b } = fakePorts();
    const first = new Channel<number>(4);
    await first.pushAll(values);
    const done = toPort(first, a, { name: 'n' });
    const old = fromPort<number>(b, { name: 'n', capacity: 2 });
    let fresh: Channel<number> | undefined;
    b.afterDeliver = (data) => {
      if (data.type === 'open' && fresh === undefined) {
        old.close(); // the first receiver goes away at once
        fresh = fromPort<number>(b, { name: 'n', capacity: 2 }); // and comes back (hot reload)
      }
    };
    const result = await done;
    await until(() => a.sent('open').length >= 2 && fresh !== undefined);
    await sleep(10); // the second open, and the values posted on the first receiver's credit, reached the new receiver
    return { a, b, result, first, fresh: fresh as Channel<number> };
  }

  test('the new receiver commits none of the values the old sender posted for its predecessor: they are undelivered there', async () => {
    const { a, b, result, first, fresh } = await staleSetup([1, 2, 3]);
    // The old sender pulled two values on the first receiver's credit, and took them back.
    expect(result).toEqual({ sent: 0, undelivered: [1, 2] });
    expect(a.sent('values').flatMap((m) => m.values as number[])).toEqual([1, 2]);
    expect(fresh.size).toBe(0);
    expect(fresh.closed).toBe(false); // nor did the old sender's farewell close it
    fresh.close();
    expect(await first.pullMany(3)).toEqual([3]);
    expect(a.listeners + b.listeners).toBe(0);
  });

  test(
    'with no newer sender, the new receiver closes as gone after the heartbeat, having committed nothing',
    async () => {
      const { a, b, fresh } = await staleSetup([1, 2, 3]);
      const { values, error } = await drain(fresh);
      expect(values).toEqual([]);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as Error).message).toMatch(/other side is gone/);
      expect(a.listeners + b.listeners).toBe(0);
    },
    GONE_AFTER_MS + 5000,
  );

  test('the new receiver pairs with the next sender of its name, which delivers every value', async () => {
    const { a, fresh } = await staleSetup([]);
    const second = new Channel<number>(4);
    const done = toPort(second, a, { name: 'n' });
    await second.pushAll([1, 2, 3]);
    second.close();
    expect(await collect(fresh)).toEqual([1, 2, 3]);
    expect(await done).toEqual({ sent: 3, undelivered: [] });
  });
});

describe('channels with a feed hook on either side', () => {
  test('toPort sends a broadcast subscriber, in order, pulling no more than the receiver has room for', async () => {
    const [here, there] = ports();
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 2 });
    const remote = fromPort<number>(there, { capacity: 3 });
    const done = toPort(subscriber, here);
    const producing = (async () => {
      for (let i = 0; i < 50; i++) await source.push(i);
      source.close();
    })();
    await until(() => remote.size === 3);
    await sleep(20);
    // Nothing consumed yet: 3 in the remote buffer and no more; the producer is held back.
    expect(remote.size).toBe(3);
    expect(await collect(remote)).toEqual(range(0, 50));
    await producing;
    expect(await done).toEqual({ sent: 50, undelivered: [] });
  });

  test('a relay over ports that deliver synchronously (values, credit and acks re-entering each other) keeps every value once, in order', async () => {
    const first = syncPorts();
    const second = syncPorts();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 500));
    local.close('end');
    const middle = fromPort<number>(first.b, { capacity: 7 });
    const relayed = toPort(middle, second.a);
    const last = fromPort<number>(second.b, { capacity: 3 });
    const done = toPort(local, first.a);
    const { values, error } = await drain(last);
    expect(values).toEqual(range(0, 500));
    expect(error).toBe('end');
    expect(await done).toEqual({ sent: 500, undelivered: [] });
    expect(await relayed).toEqual({ sent: 500, undelivered: [] });
  });

  test('a fromPort channel merged with a local one: both arrive, and closing the merge leaves the stream accountable', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll(range(0, 100));
    const remote = fromPort<number>(there, { capacity: 4 });
    const other = new Channel<number>(Infinity);
    await other.pushAll([-1, -2]);
    other.close();
    const merged = merge(remote, other);
    const done = toPort(local, here);
    const got: number[] = [];
    while (got.filter((n) => n >= 0).length < 10) got.push(await merged.pull());
    remote.close();
    const result = await done;
    const fromRemote = [...got.filter((n) => n >= 0), ...(await collect(merged)).filter((n) => n >= 0)];
    expect(fromRemote).toEqual(range(0, fromRemote.length));
    expect(result.sent).toBe(fromRemote.length);
    expect(result.undelivered).toEqual(range(result.sent, result.sent + result.undelivered.length));
    expect(result.sent + result.undelivered.length + local.size).toBe(100);
  });
});

describe('select with time-outs over a capacity-0 fromPort channel', () => {
  test('many selects that time out while values trickle in lose and duplicate nothing', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(there);
    const done = toPort(local, here);
    const producing = (async () => {
      for (let i = 0; i < 60; i++) {
        await local.push(i);
        if (i % 7 === 0) await sleep(3);
      }
      local.close();
    })();
    const never = new Channel<number>();
    const got: number[] = [];
    let timeouts = 0;
    for (;;) {
      try {
        const result = await select([pull(never), pull(remote)], { signal: AbortSignal.timeout(1) });
        if (!result.ok) break;
        got.push(result.value as number);
      } catch {
        timeouts++;
      }
    }
    await producing;
    expect(got).toEqual(range(0, 60));
    expect(await done).toEqual({ sent: 60, undelivered: [] });
    expect(never.stats().waitingPullers).toBe(0);
    expect(timeouts).toBeGreaterThan(0);
  });

  test('a select that commits on another channel while the remote value is on its way: the value waits for the next pull', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there);
    const done = toPort(local, here);
    const other = new Channel<string>(1);
    const selected = select([pull(remote), pull(other)]);
    await sleep(10); // the credit for the select's pull reached the sender
    const pushed = local.push('remote'); // taken by toPort at once: it has the credit
    other.pushNowait('local'); // the select commits here first
    expect(await selected).toMatchObject({ index: 1, value: 'local' });
    await sleep(10);
    expect(await remote.pull()).toBe('remote');
    await pushed;
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
  });
});

describe('transfer lists', () => {
  test('a transfer function that lists something that is not transferable rejects toPort, accounting for the batch', async () => {
    const [here, there] = ports();
    const local = new Channel<{ n: number }>(Infinity);
    await local.pushAll([{ n: 1 }, { n: 2 }]);
    const remote = fromPort<{ n: number }>(there, { capacity: 4 });
    const done = toPort(local, here, { transfer: () => [{} as ArrayBuffer] });
    const error = await done.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^toPort\(channel, port\): a value could not be posted/);
    expect(error).toMatchObject({ sent: 0, undelivered: [{ n: 1 }, { n: 2 }] });
    const { values, error: closedWith } = await drain(remote);
    expect(values).toEqual([]);
    expect((closedWith as Error).message).toMatch(/could not be posted/);
  });

  test('a transfer function called for a value lists it once per value even when it returns a string (iterable) : toPort rejects cleanly', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(Infinity);
    await local.pushAll(['ab']);
    const remote = fromPort<string>(there, { capacity: 4 });
    const done = toPort(local, here, { transfer: (value) => value as unknown as object[] });
    await expect(done).rejects.toMatchObject({ name: 'TypeError', sent: 0, undelivered: ['ab'] });
    remote.close();
  });
});

describe('on a fake clock', () => {
  /** Runs `body` with fake timers and `performance.now()`; `advance(ms)` moves the clock, letting real tasks run too. */
  async function onFakeClock(body: (advance: (ms: number) => Promise<void>) => Promise<void>): Promise<void> {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 10) {
        await vi.advanceTimersByTimeAsync(Math.min(10, ms - t));
        await new Promise((resolve) => setImmediate(resolve)); // the batches' end-of-turn hops are real tasks
      }
    };
    try {
      await body(advance);
    } finally {
      vi.useRealTimers();
    }
  }

  test('a toPort with no receiver posts open once a second, as documented, not on every tick', () =>
    onFakeClock(async (advance) => {
      const { a } = fakePorts();
      const controller = new AbortController();
      const done = toPort(new Channel<number>(1), a, { signal: controller.signal });
      await advance(20_000);
      const opens = a.sent('open').length;
      expect(opens).toBeGreaterThanOrEqual(19);
      expect(opens).toBeLessThanOrEqual(22);
      controller.abort();
      await advance(10);
      expect(await done).toEqual({ sent: 0, undelivered: [] });
      expect(vi.getTimerCount()).toBe(0);
    }));
});

describe('errors that are hard to print', () => {
  test('a transfer function that throws an object with no message and no string form still rejects toPort, accounting for the batch', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(Infinity);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(there, { capacity: 4 });
    const thrown = Object.create(null) as object; // String(thrown) throws
    const done = toPort(local, here, {
      transfer: () => {
        throw thrown;
      },
    });
    const error = await done.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^toPort\(channel, port\): a value could not be posted/);
    expect((error as Error).cause).toBe(thrown);
    expect(error).toMatchObject({ sent: 0, undelivered: [1, 2] });
    const { values, error: closedWith } = await drain(remote);
    expect(values).toEqual([]);
    expect((closedWith as Error).message).toMatch(/could not be posted/);
  });

  test('another stream whose batch is due in the same turn is posted even when one stream’s transfer throws such an object', async () => {
    const [here, there] = ports();
    const bad = new Channel<number>(Infinity);
    const good = new Channel<number>(Infinity);
    const badRemote = fromPort<number>(there, { name: 'bad', capacity: 4 });
    const goodRemote = fromPort<number>(there, { name: 'good', capacity: 4 });
    const badDone = toPort(bad, here, {
      name: 'bad',
      transfer: () => {
        throw Object.create(null);
      },
    }).catch((error: unknown) => error);
    const goodDone = toPort(good, here, { name: 'good' });
    await Promise.all([paired(here, 'bad'), paired(here, 'good')]);
    bad.pushNowait(1); // the two batches join the same end-of-turn hop
    good.pushNowait(2);
    expect(await goodRemote.pull()).toBe(2);
    good.close();
    expect(await goodDone).toEqual({ sent: 1, undelivered: [] });
    expect(await badDone).toMatchObject({ sent: 0, undelivered: [1] });
    badRemote.close();
  });
});

test('a close reason that throws on every inspection (a revoked proxy) still closes the remote channel, with an Error', async () => {
  const [here, there] = ports();
  const local = new Channel<number>(4);
  const remote = fromPort<number>(there, { capacity: 2 });
  const done = toPort(local, here);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  await local.pushAll([1]);
  local.close(proxy);
  const { values, error } = await drain(remote);
  expect(values).toEqual([1]);
  expect(error).toBeInstanceOf(Error);
  expect(await done).toEqual({ sent: 1, undelivered: [] });
});

describe('an abort listener of the same signal that runs first', () => {
  test('one that pushes into the local channel: the value is taken and comes back undelivered, or stays local — never lost', async () => {
    const [here, there] = ports();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(there, { capacity: 4 });
    const controller = new AbortController();
    let pushed: Promise<void> | undefined;
    controller.signal.addEventListener('abort', () => {
      pushed = local.push('last').catch(() => undefined);
    });
    const done = toPort(local, here, { signal: controller.signal });
    await local.push('first');
    expect(await remote.pull()).toBe('first');
    controller.abort('stop');
    const result = await done;
    await pushed;
    const { values, error } = await drain(remote);
    expect(error).toBe('stop');
    // 'last' was committed to toPort's parked pull inside the abort event, before toPort's own listener ran.
    expect(result).toEqual({ sent: 1, undelivered: ['last'] });
    expect(values).toEqual([]);
    expect(local.size).toBe(0);
  });

  test('one that closes the local channel: the stream ends normally (values first), and the abort changes nothing', async () => {
    const [here, there] = ports();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(there, { capacity: 8 });
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => local.close('closed first'));
    const done = toPort(local, here, { signal: controller.signal });
    await local.pushAll([1, 2, 3]);
    await until(() => remote.size === 3);
    controller.abort('aborted second');
    expect(await done).toEqual({ sent: 3, undelivered: [] });
    const { values, error } = await drain(remote);
    expect(values).toEqual([1, 2, 3]);
    expect(error).toBe('closed first');
  });
});

test('a batch task that throws (a bug) is reported, and the other tasks of its turn still run', async () => {
  const run = await runInNode(`
    import { atEndOfTurn } from './src/port/schedule.ts';
    // Let the scheduler find out how its hops travel (the first calls use timers).
    await new Promise((resolve) => atEndOfTurn(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ran = [];
    process.on('uncaughtException', (error) => console.error('reported:', error.message));
    atEndOfTurn(() => ran.push(1));
    atEndOfTurn(() => { throw new Error('boom'); });
    atEndOfTurn(() => ran.push(3));
    setTimeout(() => console.error('ran:', ran.join(',')), 20);
  `);
  expect(run.stderr).toContain('reported: boom');
  expect(run.stderr).toContain('ran: 1,3');
  expect(run.exit).toBe(0);
});
