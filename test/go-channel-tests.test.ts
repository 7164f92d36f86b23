/**
 * Go's channel semantics as an outsider tests them: a second, independent port of Go's own
 * channel tests (test/chan/*.go, src/runtime/chan_test.go) and of the idioms of Go by Example,
 * Pike's "Go Concurrency Patterns" and Ajmani's "Advanced Go Concurrency Patterns", mapped to
 * chanasync's vocabulary: `c <- v` is `push`, `<-c` is `pull`, `v, ok := <-c` in a select is
 * a pull case's `ok`, `select { … default: }` is `selectNowait`, a nil channel is a `null`
 * case, a panic on send to a closed channel is a `ChannelClosedError`, a goroutine is an async
 * function that is not awaited.
 */
import { afterEach, describe, expect, expectTypeOf, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  from,
  merge,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from '../src/index.js';
import { seededRandom } from './helpers/random.js';
import { flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Sleeps `ms` on a real timer (Go's `time.Sleep`). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Go's `testBlock`: runs `f` and reports whether it was still waiting after `ms` (`'blocks'`),
 * finished (`'proceeds'`), or failed (the error's name). The signal it gets is aborted
 * afterwards, so an operation that blocked leaves no waiter.
 */
async function behaviour(f: (signal: AbortSignal) => unknown, ms = 15): Promise<string> {
  const controller = new AbortController();
  let settled: string | undefined;
  try {
    Promise.resolve(f(controller.signal)).then(
      () => {
        settled = 'proceeds';
      },
      (error: unknown) => {
        settled = (error as Error).name;
      },
    );
  } catch (error) {
    settled = `throws ${(error as Error).name}`;
  }
  await sleep(ms);
  const seen = settled ?? 'blocks';
  controller.abort(new Error('testBlock is over'));
  await flush();
  return seen;
}

/** Go's receive with `ok`: a one-case select on a pull case. */
async function recv2<T>(channel: PullChannel<T>, signal?: AbortSignal): Promise<[T | undefined, boolean]> {
  const { value, ok } = await select([pull(channel)], { signal });
  return [value, ok];
}

/** The count of parked operations on channels: proof that nothing was left behind. */
function waiters(...channels: Channel<any>[]): number {
  let n = 0;
  for (const c of channels) n += c.stats().waitingPushers + c.stats().waitingPullers;
  return n;
}

describe('test/chan/fifo.go', () => {
  test('a buffered channel delivers values in the order they were pushed (AsynchFifo)', async () => {
    const N = 10;
    const ch = new Channel<number>(N);
    for (let i = 0; i < N; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < N; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  test('pushes parked on an unbuffered channel are received in the order they parked (SynchFifo)', async () => {
    // Each link waits for the previous link's go-ahead, parks its push on ch, then lets the
    // next link go: the pushes park in order 0…N-1 and must be served in that order.
    const N = 300;
    const ch = new Channel<number>();
    const chain = async (value: number, inbound: Channel<number>, outbound: Channel<number>) => {
      await inbound.pull();
      const pushed = ch.push(value);
      await outbound.push(1);
      await pushed;
    };
    const start = new Channel<number>();
    let inbound = start;
    const links: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const outbound = new Channel<number>();
      links.push(chain(i, inbound, outbound));
      inbound = outbound;
    }
    const released = start.push(0);
    await inbound.pull();
    await released;
    const got: number[] = [];
    for (let i = 0; i < N; i++) got.push(await ch.pull());
    await Promise.all(links);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});

describe('test/chan/nonblock.go', () => {
  test.each([0, 1])('a non-blocking pull on an empty channel of capacity %i refuses and takes nothing', (buffer) => {
    const c = new Channel<number>(buffer);
    expect(selectNowait([pull(c)])).toBeUndefined();
    expect(c.tryPull()).toBeUndefined();
    expect(() => c.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelEmptyError' }));
  });

  test.each([0, 1])('a non-blocking push to a parked receiver succeeds on a channel of capacity %i', async (buffer) => {
    const values = [123, 123456n, true, 'hello'] as const;
    for (const value of values) {
      const c = new Channel<(typeof values)[number]>(buffer);
      const received = c.pull();
      await flush(); // the receiver is parked (Go: `go receiver(c); sleep()`)
      expect(selectNowait([push(c, value)])).toEqual({ index: 0, channel: c, value: undefined, ok: true });
      expect(await received).toBe(value);
    }
  });

  test.each([0, 1])('a non-blocking pull takes the value of a sender on a channel of capacity %i', async (buffer) => {
    const values = [234, 234567n, true, 'hello again'] as const;
    for (const value of values) {
      const c = new Channel<(typeof values)[number]>(buffer);
      const sent = c.push(value);
      if (buffer > 0) await sent; // buffered: the sender has finished; unbuffered: it is parked
      expect(selectNowait([pull(c)])).toEqual({ index: 0, channel: c, value, ok: true });
      await sent;
      expect(waiters(c)).toBe(0);
    }
  });
});

describe("test/chan/select3.go: what blocks and what doesn't", () => {
  const closed = () => {
    const c = new Channel<number>();
    c.close();
    return c;
  };

  test.each(
    (
      [
        [
          'a select with only null cases and a default is never selected',
          () => selectNowait([null, undefined]),
          'proceeds',
        ],
        [
          'a push to a buffered channel with free space',
          (signal) => new Channel<number>(1).push(7, { signal }),
          'proceeds',
        ],
        ['a pull from a channel with no pusher', (signal) => new Channel<number>().pull({ signal }), 'blocks'],
        [
          'a push to an unbuffered channel with no puller',
          (signal) => new Channel<number>().push(1, { signal }),
          'blocks',
        ],
        ['a push to a closed channel', (signal) => closed().push(7, { signal }), 'ChannelClosedError'],
        ['a select pull case on a closed channel', (signal) => select([pull(closed())], { signal }), 'proceeds'],
        [
          'a select push case on a closed channel',
          (signal) => select([push(closed(), 7)], { signal }),
          'ChannelClosedError',
        ],
        [
          'a select whose channel is not ready',
          (signal) => select([pull(new Channel<number>())], { signal }),
          'blocks',
        ],
        ['a select with a default and no case', () => selectNowait([]), 'proceeds'],
        ['a select with a default and a null case', () => selectNowait([null]), 'proceeds'],
        [
          'a select push case with room and a default',
          () => selectNowait([push(new Channel<number>(1), 7)])!.index,
          'proceeds',
        ],
        [
          'a select pull case with a value and a default',
          () => {
            const c = new Channel<number>(1);
            c.pushNowait(7);
            return selectNowait([pull(c)])!.value;
          },
          'proceeds',
        ],
        [
          'a select with a push and a pull case on the same unbuffered channel (it must not meet itself)',
          (signal) => {
            const c = new Channel<number>();
            return select([push(c, 1), pull(c)], { signal });
          },
          'blocks',
        ],
      ] as [string, (signal: AbortSignal) => unknown, string][]
    ).map(([name, f, expected]) => ({ name, f, expected })),
  )('$name: $expected', async ({ f, expected }) => {
    expect(await behaviour(f)).toBe(expected);
  });

  test('receiving from a closed channel never blocks and reports ok false every time', async () => {
    const c = closed();
    for (let i = 0; i < 10; i++) {
      expect(await recv2(c)).toEqual([undefined, false]);
      await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    }
  });

  test('a select with only null cases rejects with TypeError where Go would block forever', async () => {
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
  });
});

describe('test/chan/select4.go, select6.go, select7.go', () => {
  test('a select proceeds with its ready case when the other case is an idle unbuffered channel (select4)', async () => {
    const c = new Channel<number>(1);
    const c1 = new Channel<number>();
    c.pushNowait(42);
    const result = await select([pull(c1), pull(c)]);
    expect(result).toEqual({ index: 1, channel: c, value: 42, ok: true });
    expect(waiters(c, c1)).toBe(0);
  });

  test('a select that lost its pull case leaves no waiter to steal a later value from that channel (select6, issue 2075)', async () => {
    const c1 = new Channel<boolean>();
    const c2 = new Channel<boolean>();
    const c3 = new Channel<boolean>();
    const plain = c1.pull(); // go func() { <-c1 }()
    const selector = (async () => {
      const result = await select([pull(c1), pull(c2)]);
      if (result.index === 0) throw new Error('dummy');
      await c3.push(true);
      return c1.pull();
    })();
    await flush();
    void c2.push(true);
    await c3.pull();
    await c1.push(true);
    await c1.push(true);
    expect(await plain).toBe(true);
    expect(await selector).toBe(true);
    expect(waiters(c1, c2, c3)).toBe(0);
  });

  // select7.go: every receive form against every send form, each side arriving first.
  const receivers: Record<string, (c: Channel<number>) => Promise<number | undefined>> = {
    '<-c': (c) => c.pull(),
    'select { case <-c: }': async (c) => (await select([pull(c)])).value,
    'select { case <-c: case <-c2: }': async (c) => (await select([pull(c), pull(new Channel<number>())])).value,
  };
  const senders: Record<string, (c: Channel<number>, v: number) => Promise<unknown>> = {
    'c <- v': (c, v) => c.push(v),
    'select { case c <- v: }': (c, v) => select([push(c, v)]),
    'select { case c <- v: case c2 <- v: }': (c, v) => select([push(c, v), push(new Channel<number>(), v)]),
  };
  const combos = Object.keys(receivers).flatMap((r) =>
    Object.keys(senders).flatMap((s) => [
      [r, s, 'receiver first'],
      [r, s, 'sender first'],
    ]),
  );
  test.each(combos)('%s meets %s on an unbuffered channel (%s)', async (r, s, order) => {
    const c = new Channel<number>();
    let received: Promise<number | undefined>;
    let sent: Promise<unknown>;
    if (order === 'receiver first') {
      received = receivers[r]!(c);
      await flush();
      sent = senders[s]!(c, 1);
    } else {
      sent = senders[s]!(c, 1);
      await flush();
      received = receivers[r]!(c);
    }
    expect(await received).toBe(1);
    await sent;
    expect(waiters(c)).toBe(0);
  });
});

describe('test/chan/doubleselect.go', () => {
  test('a select over four push cases sends each value on exactly one channel', async () => {
    const n = 20_000;
    const cs = [new Channel<number>(), new Channel<number>(), new Channel<number>(), new Channel<number>()];
    const cmux = new Channel<number>();
    const sender = async () => {
      const [c1, c2, c3, c4] = cs as [Channel<number>, Channel<number>, Channel<number>, Channel<number>];
      for (let i = 0; i < n; i++) await select([push(c1, i), push(c2, i), push(c3, i), push(c4, i)]);
      for (const c of cs) c.close();
    };
    let open = cs.length;
    const mux = async (input: Channel<number>) => {
      for await (const v of input) await cmux.push(v);
      if (--open === 0) cmux.close();
    };
    const seen = new Set<number>();
    const recver = async () => {
      for await (const v of cmux) {
        if (seen.has(v)) throw new Error(`got duplicate value: ${v}`);
        seen.add(v);
      }
    };
    await Promise.all([sender(), ...cs.map(mux), recver()]);
    expect(seen.size).toBe(n);
  });
});

describe('test/chan/sieve1.go', () => {
  test('a daisy chain of filter loops on unbuffered channels yields the first 100 primes, and all stop on abort', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const loops: Promise<void>[] = [];
    const quietly = (loop: Promise<void>) =>
      loops.push(loop.catch((error: unknown) => expect(error).toBe(signal.reason)));
    const generate = async (ch: Channel<number>) => {
      for (let i = 2; ; i++) await ch.push(i, { signal });
    };
    const filter = async (input: Channel<number>, output: Channel<number>, prime: number) => {
      for (;;) {
        const i = await input.pull({ signal });
        if (i % prime !== 0) await output.push(i, { signal });
      }
    };
    const sieve = async (primes: Channel<number>) => {
      let ch = new Channel<number>();
      quietly(generate(ch));
      for (;;) {
        const prime = await ch.pull({ signal });
        await primes.push(prime, { signal });
        const ch1 = new Channel<number>();
        quietly(filter(ch, ch1, prime));
        ch = ch1;
      }
    };
    const primes = new Channel<number>();
    quietly(sieve(primes));
    const got: number[] = [];
    for (let i = 0; i < 100; i++) got.push(await primes.pull());
    const expected: number[] = [];
    for (let k = 2; expected.length < 100; k++) if (expected.every((p) => k % p !== 0)) expected.push(k);
    expect(got).toEqual(expected);
    controller.abort(new Error('enough primes'));
    await Promise.all(loops);
    expect(loops.length).toBe(102); // generate, sieve and one filter per prime all ended
  });
});

describe('test/chan/perm.go: channel direction', () => {
  test('a channel passes as its push side and its pull side, and each side does only its own operations', async () => {
    const c = new Channel<number>(1);
    const cs: PushChannel<number> = c; // chan<- int
    const cr: PullChannel<number> = c; // <-chan int
    await cs.push(0);
    expect(await cr.pull()).toBe(0);
    expect(selectNowait([push(cs, 1)])?.index).toBe(0);
    expect(selectNowait([pull(cr)])?.value).toBe(1);
    cs.close(); // the sending side closes
    expect(cr.closed).toBe(true);
    expectTypeOf<PullChannel<number>>().not.toHaveProperty('push');
    expectTypeOf<PullChannel<number>>().not.toHaveProperty('close');
    expectTypeOf<PushChannel<number>>().not.toHaveProperty('pull');
    // Compile-time only (never called): what perm.go says must not compile.
    const _perm = async () => {
      // @ts-expect-error a receive-only channel cannot be sent to
      cr.push(0);
      // @ts-expect-error a send-only channel cannot be received from
      cs.pull();
      // @ts-expect-error a receive-only channel cannot be closed
      cr.close();
      // @ts-expect-error a receive-only channel is not a bidirectional one
      const _c1: Channel<number> = cr;
      // @ts-expect-error a send-only channel is not a bidirectional one
      const _c2: Channel<number> = cs;
      // @ts-expect-error a select cannot send on a receive-only channel
      push(cr, 0);
      // @ts-expect-error a select cannot receive from a send-only channel
      pull(cs);
      // @ts-expect-error a send-only channel cannot be ranged over
      for await (const _ of cs);
    };
  });
});

describe('test/chan/sendstmt.go, zerosize.go', () => {
  test('a channel of channels carries a channel, and a push case may target the channel just pulled (chanchan)', async () => {
    const cc = new Channel<Channel<number>>(1);
    const c = new Channel<number>(1);
    cc.pushNowait(c);
    const result = selectNowait([push(await cc.pull(), 2)]);
    expect(result?.channel).toBe(c);
    expect(await c.pull()).toBe(2);
  });

  test.each([0, 1])('a channel of undefined (chan struct{}) of capacity %i counts every signal', async (capacity) => {
    const c = new Channel<undefined>(capacity);
    const consumer = (async () => {
      let n = 0;
      for await (const v of c) {
        expect(v).toBeUndefined();
        n++;
      }
      return n;
    })();
    for (let i = 0; i < 50; i++) await c.push(undefined);
    c.close();
    expect(await consumer).toBe(50);
  });

  test('closing a done channel of void wakes every parked select with ok false', async () => {
    const done = new Channel<void>();
    const work = new Channel<number>();
    const parked = Array.from({ length: 5 }, () => select([pull(work), pull(done)]));
    await flush();
    done.close();
    for (const result of await Promise.all(parked)) expect(result).toMatchObject({ index: 1, ok: false });
    expect(waiters(done, work)).toBe(0);
  });
});

describe('test/chan/goroutines.go and the daisy chain', () => {
  test('a value passes through a chain of 10,000 forwarding loops on unbuffered channels (goroutines.go)', async () => {
    const n = 10_000;
    const leftmost = new Channel<number>();
    let left = leftmost;
    const links: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const right = new Channel<number>();
      links.push((async (l: Channel<number>, r: Channel<number>) => l.push(await r.pull()))(left, right));
      left = right;
    }
    const last = left.push(1);
    expect(await leftmost.pull()).toBe(1);
    await last;
    await Promise.all(links);
  });

  test('a daisy chain of 10,000 whispers adds one at each link (Pike)', async () => {
    const n = 10_000;
    const f = async (left: Channel<number>, right: Channel<number>) => left.push(1 + (await right.pull()));
    const leftmost = new Channel<number>();
    let right = leftmost;
    let left = leftmost;
    for (let i = 0; i < n; i++) {
      right = new Channel<number>();
      void f(left, right);
      left = right;
    }
    void right.push(1);
    expect(await leftmost.pull()).toBe(n + 1);
  });
});

describe('test/chan/closedchan.go', () => {
  // Go's Chan, XChan (select with default), SChan (select) and SSChan (select with an extra
  // case that never fires), for receive, receive-with-ok and send.
  type Flavour = {
    recv2(c: Channel<number>): Promise<[number | undefined, boolean]>;
    send(c: Channel<number>, v: number): Promise<unknown>;
  };
  const idle = new Channel<number>();
  const flavours: Record<string, Flavour> = {
    'plain push/pull': {
      recv2: (c) =>
        c.pull().then(
          (v): [number, boolean] => [v, true],
          (error: unknown) => {
            if (error instanceof ChannelClosedError) return [undefined, false];
            throw error;
          },
        ),
      send: (c, v) => c.push(v),
    },
    'pushNowait/pullNowait': {
      recv2: async (c) => {
        try {
          return [c.pullNowait(), true];
        } catch (error) {
          if (error instanceof ChannelClosedError) return [undefined, false];
          throw error;
        }
      },
      send: async (c, v) => c.pushNowait(v),
    },
    'select with a default (selectNowait)': {
      recv2: async (c) => {
        const result = selectNowait([pull(c)]);
        if (result === undefined) throw new Error('select with default chose default');
        return [result.value, result.ok];
      },
      send: async (c, v) => selectNowait([push(c, v)]),
    },
    'select with one case': { recv2: (c) => recv2(c), send: (c, v) => select([push(c, v)]) },
    'select with an extra idle case': {
      recv2: async (c) => {
        const result = await select([pull(idle), pull(c)]);
        return [result.value, result.ok];
      },
      send: (c, v) => select([push(idle, 0), push(c, v)]),
    },
  };
  const names = Object.keys(flavours);

  test.each(names)('a closed unbuffered channel receives as closed every time (%s)', async (name) => {
    const c = new Channel<number>();
    c.close();
    for (let i = 0; i < 5; i++) expect(await flavours[name]!.recv2(c)).toEqual([undefined, false]);
  });

  test.each(names)('a value buffered before close is received first, then closed (%s)', async (name) => {
    const c = new Channel<number>(2);
    c.pushNowait(1);
    c.pushNowait(2);
    c.close();
    expect(c.size).toBe(2);
    expect(c.capacity).toBe(2);
    expect(await flavours[name]!.recv2(c)).toEqual([1, true]);
    expect(await flavours[name]!.recv2(c)).toEqual([2, true]);
    expect(await flavours[name]!.recv2(c)).toEqual([undefined, false]);
  });

  test.each(names)('sending to a closed channel fails with ChannelClosedError where Go panics (%s)', async (name) => {
    for (const capacity of [0, 1]) {
      const c = new Channel<number>(capacity);
      c.close();
      await expect(flavours[name]!.send(c, 7)).rejects.toBeInstanceOf(ChannelClosedError);
      expect(c.size).toBe(0);
    }
  });

  test('tryPush on a closed channel answers false and tryPull undefined instead of panicking or blocking', () => {
    const c = new Channel<number>(1);
    c.close();
    expect(c.tryPush(7)).toBe(false);
    expect(c.tryPull()).toBeUndefined();
  });

  test('closing twice is a no-op where Go panics, and the first reason stays', async () => {
    const c = new Channel<number>();
    const first = new Error('first');
    c.close(first);
    expect(() => c.close(new Error('second'))).not.toThrow();
    await expect(c.pull()).rejects.toMatchObject({ cause: first });
  });

  test('close wakes a receiver parked on an empty channel with ok false (TestChan)', async () => {
    for (const capacity of [0, 1, 10]) {
      const c = new Channel<number>(capacity);
      const plain = track(c.pull());
      const viaSelect = recv2(c);
      await flush();
      c.close();
      expect(await viaSelect).toEqual([undefined, false]);
      await flush();
      expect(plain.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
    }
  });
});

describe('runtime/chan_test.go TestChan', () => {
  const caps = [0, 1, 2, 5, 99];

  test.each(caps)('a pull from an empty channel of capacity %i waits until a push', async (cap) => {
    const c = new Channel<number>(cap);
    const r1 = track(c.pull());
    const r2 = track(recv2(c));
    await sleep(5);
    expect([r1.current.status, r2.current.status]).toEqual(['pending', 'pending']);
    await c.push(0);
    await c.push(0);
    await flush();
    expect([r1.current.status, r2.current.status]).toEqual(['fulfilled', 'fulfilled']);
  });

  test.each(caps)('non-blocking receives on an empty channel of capacity %i do not wait', (cap) => {
    const c = new Channel<number>(cap);
    expect(selectNowait([pull(c)])).toBeUndefined();
    expect(c.tryPull()).toBeUndefined();
  });

  test.each(caps)('a push to a full channel of capacity %i waits until a pull', async (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < cap; i++) await c.push(i);
    const sent = track(c.push(cap));
    await sleep(5);
    expect(sent.current.status).toBe('pending');
    expect(await c.pull()).toBe(0);
    await flush();
    expect(sent.current.status).toBe('fulfilled');
  });

  test.each(caps)('non-blocking sends on a full channel of capacity %i do not wait', async (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < cap; i++) await c.push(i);
    expect(selectNowait([push(c, 0)])).toBeUndefined();
    expect(c.tryPush(0)).toBe(false);
    expect(c.size).toBe(cap);
  });

  test.each(caps)('a closed channel of capacity %i yields its buffered values, then ok false', async (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < cap; i++) c.pushNowait(i);
    c.close();
    for (let i = 0; i < cap; i++) expect(await recv2(c)).toEqual([i, true]);
    expect(await recv2(c)).toEqual([undefined, false]);
    expect(await recv2(c)).toEqual([undefined, false]);
  });

  test.each(caps)('100 values pushed by one producer arrive uncorrupted in FIFO order (capacity %i)', async (cap) => {
    const c = new Channel<number>(cap);
    void (async () => {
      for (let i = 0; i < 100; i++) await c.push(i);
    })();
    for (let i = 0; i < 100; i++) expect(await c.pull()).toBe(i);
    // The same, through one-case selects on both sides.
    void (async () => {
      for (let i = 0; i < 100; i++) await select([push(c, i)]);
    })();
    for (let i = 0; i < 100; i++) expect(await recv2(c)).toEqual([i, true]);
  });

  test.each(caps)(
    '4 producers and 4 consumers of 1000 values each lose and duplicate nothing (capacity %i)',
    async (cap) => {
      const c = new Channel<number>(cap);
      const P = 4;
      const L = 1000;
      const producers = Array.from({ length: P }, async () => {
        for (let i = 0; i < L; i++) await c.push(i);
      });
      const consumers = Array.from({ length: P }, async () => {
        const recv = new Map<number, number>();
        for (let i = 0; i < L; i++) {
          const v = await c.pull();
          recv.set(v, (recv.get(v) ?? 0) + 1);
        }
        return recv;
      });
      await Promise.all(producers);
      const counts = new Map<number, number>();
      for (const recv of await Promise.all(consumers))
        for (const [v, n] of recv) counts.set(v, (counts.get(v) ?? 0) + n);
      expect(counts.size).toBe(L);
      for (const n of counts.values()) expect(n).toBe(P);
    },
  );

  test.each(caps)('size grows with each buffered value and capacity stays %i', (cap) => {
    const c = new Channel<number>(cap);
    for (let i = 0; i < cap; i++) {
      c.pushNowait(i);
      expect(c.size).toBe(i + 1);
      expect(c.capacity).toBe(cap);
    }
    expect(c.full).toBe(true);
  });
});

describe('runtime/chan_test.go', () => {
  test('a value buffered before a concurrent close is always seen by a non-blocking receive (TestNonblockRecvRace)', async () => {
    for (let i = 0; i < 10_000; i++) {
      const c = new Channel<number>(1);
      c.pushNowait(1);
      const seen = Promise.resolve().then(() => selectNowait([pull(c)]));
      queueMicrotask(() => c.close());
      expect(await seen).toEqual({ index: 0, channel: c, value: 1, ok: true });
      expect(await recv2(c)).toEqual([undefined, false]);
    }
  });

  test('a select among four ready channels picks each uniformly (TestSelectFairness, chi-square)', async () => {
    const trials = 20_000;
    const cs = Array.from({ length: 4 }, () => new Channel<number>(Infinity));
    for (const [k, c] of cs.entries()) for (let i = 0; i < trials; i++) c.pushNowait(k);
    const counts = [0, 0, 0, 0];
    const cases = cs.map((c) => pull(c));
    for (let i = 0; i < trials; i++) {
      const { index, value } = await select(cases);
      expect(value).toBe(index);
      counts[index]!++;
    }
    const expected = trials / 4;
    const chi2 = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 3 degrees of freedom: P(χ² > 35) ≈ 1e-7 for a uniform choice. Always picking the first
    // ready case gives χ² = 60 000, a 30/30/20/20 bias about 400.
    expect(chi2).toBeLessThan(35);
  });

  test('a select that fired on its third case leaves neither of its two waiters on a duplicated channel (TestSelectDuplicateChannel)', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const e = new Channel<number>();
    const first = (async () => {
      await select([pull(c), pull(c), pull(d)]);
      await e.push(9);
    })();
    await sleep(1); // the select parks
    const second = c.pull(); // a plain receiver parks behind it
    await sleep(1);
    await d.push(7); // wake the select through d
    expect(await e.pull()).toBe(9);
    await c.push(8); // goes to the plain receiver, not to a stale select waiter
    expect(await second).toBe(8);
    await first;
    expect(waiters(c, d, e)).toBe(0);
  });

  test('plain operations and selects on four channels, with exhausted cases set to null, all complete (TestSelectStress)', async () => {
    const c = [new Channel<string>(), new Channel<string>(), new Channel<string>(2), new Channel<string>(3)];
    const N = 3000;
    const received: string[][] = [[], [], [], []];
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < 4; k++) {
      const ch = c[k]!;
      jobs.push(
        (async () => {
          for (let i = 0; i < N; i++) await ch.push(`plain ${k}:${i}`);
        })(),
      );
      jobs.push(
        (async () => {
          for (let i = 0; i < N; i++) received[k]!.push(await ch.pull());
        })(),
      );
    }
    jobs.push(
      (async () => {
        const n = [0, 0, 0, 0];
        const order = [3, 2, 0, 1];
        for (let i = 0; i < 4 * N; i++) {
          // A new value per select; an exhausted channel's case is null (Go's c1[k] = nil).
          const cases: (PushCase<string> | null)[] = order.map((k) =>
            n[k] === N ? null : push(c[k]!, `select ${k}:${n[k]}`),
          );
          const { index } = await select(cases);
          n[order[index]!]!++;
        }
      })(),
    );
    jobs.push(
      (async () => {
        const n = [0, 0, 0, 0];
        const order = [1, 3, 0, 2];
        const cases: (PullCase<string> | null)[] = order.map((k) => pull(c[k]!));
        for (let i = 0; i < 4 * N; i++) {
          const result = await select(cases);
          const k = order[result.index]!;
          expect(result.ok).toBe(true);
          received[k]!.push(result.value as string);
          if (++n[k]! === N) cases[result.index] = null;
        }
      })(),
    );
    await Promise.all(jobs);
    for (let k = 0; k < 4; k++) {
      const expected = [
        ...Array.from({ length: N }, (_, i) => `plain ${k}:${i}`),
        ...Array.from({ length: N }, (_, i) => `select ${k}:${i}`),
      ];
      expect(received[k]!.slice().sort()).toEqual(expected.sort());
      // Each producer's values arrive in its order.
      const plain = received[k]!.filter((v) => v.startsWith('plain'));
      expect(plain).toEqual(Array.from({ length: N }, (_, i) => `plain ${k}:${i}`));
    }
    expect(waiters(...c)).toBe(0);
  });

  test('any value that is not a thenable passes through push, pull and select by identity (TestChanSendInterface)', async () => {
    class Mt {}
    const m = new Mt();
    const sym = Symbol('s');
    const fn = () => 1;
    const values: unknown[] = [
      m,
      fn,
      sym,
      null,
      undefined,
      Number.NaN,
      -0,
      10n,
      Object.freeze({ a: 1 }),
      // biome-ignore lint/suspicious/noThenProperty: a `then` that is not a method makes no thenable
      { then: 5 },
      new Channel<number>(),
      [1, 2],
      new Error('not thrown'),
    ];
    const c1 = new Channel<unknown>(1);
    const c2 = new Channel<unknown>(1);
    for (const v of values) {
      await c1.push(v);
      expect(Object.is(await c1.pull(), v)).toBe(true);
      selectNowait([push(c2, v)]);
      selectNowait([push(c2, v), push(c2, new Mt())]); // c2 is full: default
      const result = await select([pull(c2)]);
      expect(Object.is(result.value, v)).toBe(true);
    }
  });

  test.each([0, 100])(
    'a select with two push cases on one channel of capacity %i sends each value with fair odds (TestPseudoRandomSend)',
    async (cap) => {
      const n = 100;
      const c = new Channel<number>(cap);
      const l: number[] = [];
      const receiver = (async () => {
        for (let i = 0; i < n; i++) {
          await sleep(0); // runtime.Gosched(): the select parks first when unbuffered
          l.push(await c.pull());
        }
      })();
      for (let i = 0; i < n; i++) await select([push(c, 1), push(c, 0)]);
      await receiver;
      const n0 = l.filter((v) => v === 0).length;
      const n1 = n - n0;
      // Go's bound: each side more than n/10 (P of failing with fair odds ≈ 1e-17).
      expect(n0).toBeGreaterThan(n / 10);
      expect(n1).toBeGreaterThan(n / 10);
    },
  );

  test('23 workers ranging over one job channel pass on every value exactly once (TestMultiConsumer)', async () => {
    const nwork = 23;
    const niter = 27_183;
    const pn = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
    const q = new Channel<number>(nwork * 3);
    const r = new Channel<number>(nwork * 3);
    const perWorker = new Array<number>(nwork).fill(0);
    const workers = Array.from({ length: nwork }, async (_, w) => {
      for await (const v of q) {
        if (pn[w % pn.length] === v) await sleep(0); // runtime.Gosched()
        perWorker[w]!++;
        await r.push(v);
      }
    });
    const drained = (async () => {
      let n = 0;
      let s = 0;
      for await (const v of r) {
        n++;
        s += v;
      }
      return { n, s };
    })();
    let expectedSum = 0;
    for (let i = 0; i < niter; i++) {
      const v = pn[i % pn.length]!;
      expectedSum += v;
      await q.push(v);
    }
    q.close();
    await Promise.all(workers);
    r.close();
    expect(await drained).toEqual({ n: niter, s: expectedSum });
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(niter);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  test('a push parked while its sender unwound a deep stack and garbage piled up still delivers in order (TestShrinkStackDuringBlockedSend analogue)', async () => {
    const n = 10;
    const c = new Channel<{ i: number; payload: number[] }>();
    const recurse = (depth: number): number => (depth === 0 ? 0 : 1 + recurse(depth - 1));
    const sender = (async () => {
      for (let i = 0; i < n; i++) {
        // Park from deep inside a recursion, then unwind it while the push waits.
        const parkDeep = (depth: number): Promise<void> =>
          depth === 0 ? c.push({ i, payload: [i, i * 2] }) : parkDeep(depth - 1);
        const parked = parkDeep(1000);
        expect(recurse(2000)).toBe(2000);
        await parked;
      }
    })();
    for (let i = 0; i < n; i++) {
      const x = await c.pull();
      expect(x).toEqual({ i, payload: [i, i * 2] });
      await sleep(1);
      // Churn the heap while the sender is parked (Go runs runtime.GC() here).
      let garbage: number[][] = [];
      for (let j = 0; j < 2000; j++) garbage.push(new Array(64).fill(j));
      garbage = [];
      expect(garbage.length).toBe(0);
    }
    await sender;
  });

  test.each([0, 10])(
    'a select with a push and a pull case on one channel never receives its own value (TestSelfSelect, capacity %i)',
    async (chanCap) => {
      const c = new Channel<number>(chanCap);
      const player = async (p: number) => {
        for (let i = 0; i < 1000; i++) {
          const cases = p === 0 || i % 2 === 0 ? [push(c, p), pull(c)] : [pull(c), push(c, p)];
          const result = await select(cases);
          if (result.channel === c && result.ok && cases[result.index]!.kind === 'pull' && chanCap === 0) {
            expect(result.value).not.toBe(p);
          }
        }
      };
      await Promise.all([player(0), player(1)]);
      expect(waiters(c)).toBe(0);
    },
  );
});

describe('Go select semantics an outsider probes', () => {
  test('two parked-then-arriving selects with crossed cases make exactly one exchange and leave no waiter', async () => {
    for (let trial = 0; trial < 200; trial++) {
      const a = new Channel<string>();
      const b = new Channel<string>();
      const first = select([push(a, 'A'), pull(b)]);
      await flush();
      const second = await select([push(b, 'B'), pull(a)]);
      const firstResult = await first;
      if (second.index === 0) expect([firstResult.index, firstResult.value]).toEqual([1, 'B']);
      else expect([firstResult.index, second.value]).toEqual([0, 'A']);
      expect(waiters(a, b)).toBe(0);
    }
  });

  test('selectNowait meets a select parked on the other side of an unbuffered channel', async () => {
    const c = new Channel<number>();
    const other = new Channel<number>();
    const parked = select([pull(other), pull(c)]);
    await flush();
    expect(selectNowait([push(c, 5)])).toMatchObject({ index: 0, ok: true });
    expect(await parked).toEqual({ index: 1, channel: c, value: 5, ok: true });
    expect(waiters(c, other)).toBe(0);
  });

  test('a push case parked on an unbuffered channel is taken by pullNowait, tryPull and pullMany like a parked push', async () => {
    const c = new Channel<number>();
    const viaNowait = select([push(c, 1)]);
    const viaTry = select([push(c, 2), push(new Channel<number>(), 0)]);
    const viaMany = select([push(c, 3)]);
    await flush();
    expect(c.pullNowait()).toBe(1);
    expect(c.tryPull()).toBe(2);
    expect(await c.pullMany(5)).toEqual([3]);
    expect((await Promise.all([viaNowait, viaTry, viaMany])).map((r) => r.index)).toEqual([0, 0, 0]);
  });

  test('a pull case on a closed channel and a ready push case elsewhere are both chosen with fair odds', async () => {
    const closed = new Channel<number>();
    closed.close();
    const out = new Channel<number>(Infinity);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) counts[(await select([pull(closed), push(out, i)])).index]!++;
    expect(counts[0]).toBeGreaterThan(100);
    expect(counts[1]).toBeGreaterThan(100);
    expect(out.size).toBe(counts[1]);
  });

  test('a push case and a pull case on one buffered channel that has both a value and room are each chosen', async () => {
    const c = new Channel<number>(2);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) {
      c.pushNowait(-1);
      const result = await select([push(c, i), pull(c)]);
      counts[result.index]!++;
      if (result.index === 1) expect(result.value).toBe(-1);
      expect(c.size).toBe(result.index === 0 ? 2 : 0);
      while (c.tryPull() !== undefined);
    }
    expect(counts[0]).toBeGreaterThan(100);
    expect(counts[1]).toBeGreaterThan(100);
  });

  test('two parked pull cases on one channel are served with fair odds, not always the first listed', async () => {
    const c = new Channel<number>();
    const counts = [0, 0];
    for (let i = 0; i < 200; i++) {
      const parked = select([pull(c), pull(c)]);
      await flush();
      await c.push(i);
      const result = await parked;
      expect(result.value).toBe(i);
      counts[result.index]!++;
      expect(waiters(c)).toBe(0);
    }
    expect(counts[0]).toBeGreaterThan(20);
    expect(counts[1]).toBeGreaterThan(20);
  });

  test('a value pushed to a parked select in the same tick as a close is received, and a close then fails the next push', async () => {
    const c = new Channel<number>();
    const parked = select([pull(c)]);
    await flush();
    c.pushNowait(1);
    c.close();
    expect(await parked).toEqual({ index: 0, channel: c, value: 1, ok: true });
  });

  test('a select woken by a close of one channel leaves no waiter to take a later push on its other channel', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const parked = select([pull(c), pull(d)]);
    await flush();
    c.close();
    const later = track(d.push(2));
    expect(await parked).toMatchObject({ index: 0, ok: false });
    await flush();
    expect(later.current.status).toBe('pending');
    expect(d.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 0 });
    expect(await d.pull()).toBe(2);
  });

  test('parked pushes behind a full buffer keep FIFO order, select push cases included', async () => {
    const c = new Channel<number>(2);
    c.pushNowait(0);
    c.pushNowait(1);
    const parked = [c.push(2), select([push(c, 3)]), c.push(4), select([push(new Channel<number>(), -1), push(c, 5)])];
    await flush();
    expect(c.size).toBe(2); // Go's len(c): parked senders are not counted
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push(await c.pull());
    await Promise.all(parked);
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("an unbuffered channel's size stays 0 while senders are parked, as Go's len", async () => {
    const c = new Channel<number>();
    const parked = [c.push(1), c.push(2)];
    await flush();
    expect([c.size, c.capacity, c.stats().waitingPushers]).toEqual([0, 0, 2]);
    expect([await c.pull(), await c.pull()]).toEqual([1, 2]);
    await Promise.all(parked);
  });

  test("after's channel closes once its value is taken, so a later pull case fires with ok false where Go's would block forever", async () => {
    const timeout = afterMs(1);
    const first = await select([pull(timeout)]);
    expect(first.ok).toBe(true);
    expect(typeof first.value).toBe('number');
    expect(await select([pull(timeout), pull(new Channel<number>())])).toMatchObject({ index: 0, ok: false });
  });

  test('closing a ticker ends a for-await over it, where stopping a Go ticker leaves the range blocked', async () => {
    const tick = ticker(2);
    let ticks = 0;
    for await (const _t of tick) if (++ticks === 3) tick.close();
    expect(ticks).toBe(3);
    expect(tick.closed).toBe(true);
  });

  test('several for-await consumers racing a close share every value exactly once', async () => {
    const c = new Channel<number>(4);
    const seen: number[] = [];
    const consumers = Array.from({ length: 5 }, async () => {
      for await (const v of c) seen.push(v);
    });
    for (let i = 0; i < 1000; i++) await c.push(i);
    c.close();
    await Promise.all(consumers);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('Go by Example', () => {
  test('channel synchronization: a worker signals done on a channel and the caller waits for it', async () => {
    const log: string[] = [];
    const worker = async (done: PushChannel<boolean>) => {
      log.push('working...');
      await sleep(1);
      log.push('done');
      await done.push(true);
    };
    const done = new Channel<boolean>(1);
    void worker(done);
    expect(await done.pull()).toBe(true);
    expect(log).toEqual(['working...', 'done']);
  });

  test('channel directions: ping takes a send-only channel and pong a receive-only and a send-only one', async () => {
    const ping = (pings: PushChannel<string>, msg: string) => pings.push(msg);
    const pong = async (pings: PullChannel<string>, pongs: PushChannel<string>) => pongs.push(await pings.pull());
    const pings = new Channel<string>(1);
    const pongs = new Channel<string>(1);
    await ping(pings, 'passed message');
    await pong(pings, pongs);
    expect(await pongs.pull()).toBe('passed message');
  });

  test('select: two results arriving at different times are each received by a select in a loop', async () => {
    const c1 = new Channel<string>();
    const c2 = new Channel<string>();
    setTimeout(() => void c1.push('one'), 5);
    setTimeout(() => void c2.push('two'), 10);
    const got: string[] = [];
    for (let i = 0; i < 2; i++) got.push((await select([pull(c1), pull(c2)])).value as string);
    expect(got).toEqual(['one', 'two']);
  });

  test('timeouts: a slow result loses to after(), and its buffered channel lets the late sender finish', async () => {
    const c1 = new Channel<string>(1);
    const late = (async () => {
      await sleep(60);
      await c1.push('result 1'); // buffered: does not wait forever for a reader that gave up
    })();
    const first = await select([pull(c1), pull(afterMs(5))]);
    expect(first.index).toBe(1);
    const c2 = new Channel<string>(1);
    setTimeout(() => void c2.push('result 2'), 5);
    const second = await select([pull(c2), pull(afterMs(1000))]);
    expect(second).toMatchObject({ index: 0, value: 'result 2' });
    await late;
    expect(c1.size).toBe(1);
  });

  test('non-blocking channel operations: receive, send and a multi-way select with default all take the default', () => {
    const messages = new Channel<string>();
    const signals = new Channel<boolean>();
    expect(selectNowait([pull(messages)])).toBeUndefined(); // no message received
    expect(selectNowait([push(messages, 'hi')])).toBeUndefined(); // no message sent
    expect(selectNowait([pull(messages), pull(signals)])).toBeUndefined(); // no activity
    expect(waiters(messages, signals)).toBe(0);
  });

  test('closing channels: a worker ranges over jobs until close, then signals done', async () => {
    const jobs = new Channel<number>(5);
    const done = new Channel<boolean>();
    const received: number[] = [];
    void (async () => {
      for (;;) {
        const { value, ok } = await select([pull(jobs)]);
        if (!ok) break;
        received.push(value as number);
      }
      await done.push(true);
    })();
    for (let j = 1; j <= 3; j++) await jobs.push(j);
    jobs.close();
    expect(await done.pull()).toBe(true);
    expect(received).toEqual([1, 2, 3]);
    expect(await recv2(jobs)).toEqual([undefined, false]); // more jobs: false
  });

  test('timers: a timer stopped before it fires (an aborted after) never delivers', async () => {
    const stop = new AbortController();
    const timer = afterMs(5, { signal: stop.signal });
    stop.abort();
    await sleep(15);
    expect(await recv2(timer)).toEqual([undefined, false]);
  });

  test('worker pools: three workers process five jobs and every result comes back once', async () => {
    const numJobs = 5;
    const jobs = new Channel<number>(numJobs);
    const results = new Channel<number>(numJobs);
    const byWorker = new Map<number, number[]>();
    const worker = async (id: number) => {
      for await (const j of jobs) {
        byWorker.set(id, [...(byWorker.get(id) ?? []), j]);
        await sleep(2);
        await results.push(j * 2);
      }
    };
    for (let w = 1; w <= 3; w++) void worker(w);
    for (let j = 1; j <= numJobs; j++) await jobs.push(j);
    jobs.close();
    const got: number[] = [];
    for (let a = 1; a <= numJobs; a++) got.push(await results.pull());
    expect(got.sort((x, y) => x - y)).toEqual([2, 4, 6, 8, 10]);
    expect(byWorker.size).toBe(3); // the jobs were shared out
  });

  test('rate limiting: requests are served at most one per tick, and a bursty limiter lets three through at once', async () => {
    const period = 10;
    const requests = new Channel<number>(5);
    await requests.pushAll([1, 2, 3, 4, 5]);
    requests.close();
    // Time is taken before the ticker starts: its ticks are due at its own start + k·period.
    const start = Date.now();
    const limiter = ticker(period);
    const served: number[] = [];
    for await (const _req of requests) {
      await limiter.pull();
      served.push(Date.now() - start);
    }
    limiter.close();
    for (const [i, ms] of served.entries()) expect(ms).toBeGreaterThanOrEqual((i + 1) * period - 2);

    const bursty = new Channel<number>(3);
    for (let i = 0; i < 3; i++) bursty.pushNowait(Date.now());
    const burstyRequests = new Channel<number>(5);
    await burstyRequests.pushAll([1, 2, 3, 4, 5]);
    burstyRequests.close();
    // A longer period here: the burst must be served before the first refill is due, and a
    // loaded machine (a collection, another process) can stall 10 ms between two requests.
    const refillPeriod = 200;
    const start2 = Date.now();
    const refill = ticker(refillPeriod);
    const feeder = (async () => {
      for await (const t of refill) await bursty.push(t);
    })();
    const served2: number[] = [];
    for await (const _req of burstyRequests) {
      await bursty.pull();
      served2.push(Date.now() - start2);
    }
    refill.close();
    bursty.close();
    await feeder.catch((error: unknown) => expect(error).toBeInstanceOf(ChannelClosedError));
    expect(served2.slice(0, 3).every((ms) => ms < refillPeriod)).toBe(true); // the burst
    expect(served2[3]).toBeGreaterThanOrEqual(refillPeriod - 2);
    expect(served2[4]).toBeGreaterThanOrEqual(2 * refillPeriod - 2);
  });

  test('stateful goroutines: reads and writes sent as requests with reply channels are served by one owner loop', async () => {
    type Read = { key: number; resp: Channel<number> };
    type Write = { key: number; val: number; resp: Channel<boolean> };
    const reads = new Channel<Read>();
    const writes = new Channel<Write>();
    const quit = new Channel<void>();
    const owner = (async () => {
      const state = new Map<number, number>();
      for (;;) {
        const r = await select([pull(reads), pull(writes), pull(quit)]);
        if (r.index === 0 && r.ok) await r.value.resp.push(state.get(r.value.key) ?? 0);
        else if (r.index === 1 && r.ok) {
          state.set(r.value.key, r.value.val);
          await r.value.resp.push(true);
        } else return state.size;
      }
    })();
    const writers = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const resp = new Channel<boolean>();
        await writes.push({ key: (w + i) % 5, val: w, resp });
        expect(await resp.pull()).toBe(true);
      }
    });
    let readOps = 0;
    const readers = Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 20; i++) {
        const resp = new Channel<number>();
        await reads.push({ key: i % 5, resp });
        expect(await resp.pull()).toBeGreaterThanOrEqual(0);
        readOps++;
      }
    });
    await Promise.all([...writers, ...readers]);
    quit.close();
    expect(await owner).toBe(5);
    expect(readOps).toBe(200);
  });
});

describe('Go Concurrency Patterns (Pike)', () => {
  /** Pike's `boring`: a generator returning a receive-only channel. */
  function boring(msg: string, quit?: Channel<string>): PullChannel<string> {
    const c = new Channel<string>();
    void (async () => {
      for (let i = 0; ; i++) {
        if (quit === undefined) await c.push(`${msg} ${i}`);
        else {
          const r = await select([push(c, `${msg} ${i}`), pull(quit)]);
          if (r.index === 1) {
            await quit.push('See you!'); // cleanup, then answer on quit (round-trip quit)
            return;
          }
        }
      }
    })();
    return c;
  }

  test('a generator returns a channel and each pull gets its next value in order', async () => {
    const joe = boring('Joe');
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await joe.pull());
    expect(got).toEqual(['Joe 0', 'Joe 1', 'Joe 2', 'Joe 3', 'Joe 4']);
  });

  test('fan-in with forwarding loops delivers both sources, each in its own order', async () => {
    const fanIn = (a: PullChannel<string>, b: PullChannel<string>): PullChannel<string> => {
      const c = new Channel<string>();
      void (async () => {
        for (;;) await c.push(await a.pull());
      })();
      void (async () => {
        for (;;) await c.push(await b.pull());
      })();
      return c;
    };
    const c = fanIn(boring('Joe'), boring('Ann'));
    const got: string[] = [];
    for (let i = 0; i < 40; i++) got.push(await c.pull());
    for (const who of ['Joe', 'Ann']) {
      const mine = got.filter((s) => s.startsWith(who)).map((s) => Number(s.split(' ')[1]));
      expect(mine).toEqual(mine.map((_, i) => i));
      expect(mine.length).toBeGreaterThan(0);
    }
  });

  test('fan-in with one select loop delivers both sources, each in its own order', async () => {
    const fanIn = (a: PullChannel<string>, b: PullChannel<string>): PullChannel<string> => {
      const c = new Channel<string>();
      void (async () => {
        for (;;) {
          const r = await select([pull(a), pull(b)]);
          await c.push(r.value as string);
        }
      })();
      return c;
    };
    const c = fanIn(boring('Joe'), boring('Ann'));
    const got: string[] = [];
    for (let i = 0; i < 200; i++) got.push(await c.pull());
    const joe = got.filter((s) => s.startsWith('Joe')).length;
    expect(joe).toBeGreaterThan(50); // the select is fair between two always-ready sources
    expect(200 - joe).toBeGreaterThan(50);
  });

  test('restoring sequencing: each speaker waits on its own wait channel, so the fan-in alternates in lockstep', async () => {
    type Message = { str: string; wait: Channel<boolean> };
    const speaker = (msg: string): PullChannel<Message> => {
      const c = new Channel<Message>();
      const wait = new Channel<boolean>();
      void (async () => {
        for (let i = 0; ; i++) {
          await c.push({ str: `${msg} ${i}`, wait });
          await wait.pull();
        }
      })();
      return c;
    };
    const c = new Channel<Message>();
    for (const s of [speaker('Joe'), speaker('Ann')])
      void (async () => {
        for await (const m of s) await c.push(m);
      })();
    for (let round = 0; round < 5; round++) {
      const msg1 = await c.pull();
      const msg2 = await c.pull();
      expect([msg1.str, msg2.str].sort()).toEqual([`Ann ${round}`, `Joe ${round}`]);
      await msg1.wait.push(true);
      await msg2.wait.push(true);
    }
  });

  test('a timeout per message: a select with a fresh after() gives up on a source that went quiet', async () => {
    const c = new Channel<string>();
    void (async () => {
      for (let i = 0; i < 3; i++) await c.push(`msg ${i}`);
      // then silence
    })();
    const got: string[] = [];
    for (;;) {
      const r = await select([pull(c), pull(afterMs(20))]);
      if (r.index === 1) break; // You're too slow.
      got.push(r.value as string);
    }
    expect(got).toEqual(['msg 0', 'msg 1', 'msg 2']);
    expect(waiters(c)).toBe(0);
  });

  test('a timeout for the whole conversation: one after() outside the loop ends an endless source', async () => {
    const c = boring('Joe');
    const timeout = afterMs(20);
    let n = 0;
    for (;;) {
      const r = await select([pull(c), pull(timeout)]);
      if (r.channel === timeout) break;
      n++;
      if (n % 100 === 0) await sleep(1); // let the timer run
    }
    expect(n).toBeGreaterThan(0);
  });

  test('a quit channel stops a generator, and a round-trip quit waits for its cleanup', async () => {
    const quit = new Channel<string>();
    const c = boring('Joe', quit);
    for (let i = 0; i < 5; i++) expect(await c.pull()).toBe(`Joe ${i}`);
    await quit.push('Bye!');
    expect(await quit.pull()).toBe('See you!');
    expect(waiters(quit, c as Channel<string>)).toBe(0);
  });

  test('replicated search returns the first reply and, with a buffered channel, strands no loser', async () => {
    const fakeSearch = (kind: string, ms: number) => async (query: string) => {
      await sleep(ms);
      return `${kind} result for ${query}`;
    };
    const first = async (query: string, ...replicas: ((q: string) => Promise<string>)[]) => {
      const c = new Channel<string>(replicas.length);
      for (const replica of replicas) void replica(query).then((r) => c.push(r));
      return { result: await c.pull(), c };
    };
    const { result, c } = await first('golang', fakeSearch('slow', 40), fakeSearch('fast', 1), fakeSearch('mid', 20));
    expect(result).toBe('fast result for golang');
    await sleep(50);
    expect([c.size, c.stats().waitingPushers]).toEqual([2, 0]);
  });
});

describe('Advanced Go Concurrency Patterns (Ajmani)', () => {
  test('ping-pong: two players hit one ball on a shared table channel, and main takes the ball back', async () => {
    type Ball = { hits: number };
    const table = new Channel<Ball>();
    const hitsBy: Record<string, number> = { ping: 0, pong: 0 };
    const player = async (name: string) => {
      for (;;) {
        let ball: Ball;
        try {
          ball = await table.pull();
        } catch {
          return;
        }
        ball.hits++;
        hitsBy[name]!++;
        await sleep(0);
        await table.push(ball).catch(() => undefined);
      }
    };
    const players = [player('ping'), player('pong')];
    await table.push({ hits: 0 });
    await sleep(20);
    const ball = await table.pull(); // game over; grab the ball
    table.close();
    await Promise.all(players);
    expect(ball.hits).toBe(hitsBy.ping! + hitsBy.pong!);
    expect(ball.hits).toBeGreaterThan(1);
    expect(Math.abs(hitsBy.ping! - hitsBy.pong!)).toBeLessThanOrEqual(1); // they alternate
  });

  test('a subscription loop enables its send case only while items are pending (nil channel) and closes with an error reply', async () => {
    type Item = { guid: number };
    // A fetcher that returns two new items per fetch; guids 0, 1, 2, …
    let next = 0;
    const fetch = async (): Promise<Item[]> => [{ guid: next++ }, { guid: next++ }];
    const updates = new Channel<Item>();
    const closing = new Channel<Channel<Error | null>>();
    const maxPending = 10;
    const loop = (async () => {
      let pending: Item[] = [];
      let fetchDone: Channel<Item[]> | null = null;
      const err: Error | null = null;
      for (;;) {
        const startFetch = fetchDone === null && pending.length < maxPending;
        if (startFetch) {
          const done = new Channel<Item[]>(1);
          fetchDone = done;
          void fetch().then((items) => done.push(items));
        }
        const r = await select([
          pull(closing),
          fetchDone === null ? null : pull(fetchDone),
          pending.length > 0 ? push(updates, pending[0]!) : null, // nil unless something is pending
        ]);
        if (r.index === 0 && r.ok) {
          updates.close();
          await r.value.push(err);
          return pending.length;
        }
        if (r.index === 1 && r.ok) {
          fetchDone = null;
          pending = pending.concat(r.value);
        } else if (r.index === 2) pending = pending.slice(1);
      }
    })();
    const got: number[] = [];
    for (let i = 0; i < 25; i++) got.push((await updates.pull()).guid);
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const errc = new Channel<Error | null>();
    await closing.push(errc);
    expect(await errc.pull()).toBeNull();
    expect(await loop).toBeLessThanOrEqual(maxPending + 1);
    expect(updates.closed).toBe(true);
    expect(waiters(updates, closing)).toBe(0);
  });
});

describe('pipelines and cancellation (the Go blog)', () => {
  const gen = (done: PullChannel<void>, ...nums: number[]): PullChannel<number> => {
    const out = new Channel<number>();
    void (async () => {
      for (const n of nums) if ((await select([push(out, n), pull(done)])).index === 1) break;
      out.close();
    })();
    return out;
  };
  const sq = (done: PullChannel<void>, input: PullChannel<number>): PullChannel<number> => {
    const out = new Channel<number>();
    void (async () => {
      for await (const n of input) if ((await select([push(out, n * n), pull(done)])).index === 1) break;
      out.close();
    })();
    return out;
  };
  const fanIn = (done: PullChannel<void>, ...cs: PullChannel<number>[]): PullChannel<number> => {
    const out = new Channel<number>();
    let open = cs.length;
    for (const c of cs)
      void (async () => {
        for await (const n of c) if ((await select([push(out, n), pull(done)])).index === 1) break;
        if (--open === 0) out.close(); // wg.Wait(); close(out)
      })();
    return out;
  };

  test('gen → two sq stages → merge yields every square once', async () => {
    const done = new Channel<void>();
    const input = gen(done, 2, 3, 4, 5, 6);
    const out = fanIn(done, sq(done, input), sq(done, input));
    const got: number[] = [];
    for await (const n of out) got.push(n);
    expect(got.sort((a, b) => a - b)).toEqual([4, 9, 16, 25, 36]);
    done.close();
  });

  test('closing done after the first value stops every stage, which all close their outputs and leave no waiter', async () => {
    const done = new Channel<void>();
    const input = gen(done, ...Array.from({ length: 1000 }, (_, i) => i)) as Channel<number>;
    const s1 = sq(done, input) as Channel<number>;
    const s2 = sq(done, input) as Channel<number>;
    const out = fanIn(done, s1, s2) as Channel<number>;
    const first = await out.pull();
    expect(first).toBeGreaterThanOrEqual(0);
    done.close(); // tell the remaining senders we're leaving
    const rest: number[] = [];
    for await (const n of out) rest.push(n); // ends: every stage saw done and closed
    expect(rest.length).toBeLessThan(3);
    for (const c of [input, s1, s2, out]) expect(c.closed).toBe(true);
    expect(waiters(input, s1, s2, out, done)).toBe(0);
  });

  test('an AbortSignal cancels a pipeline whose stages pass it to every push and pull', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const stage = (input: PullChannel<number>, f: (n: number) => number): Channel<number> => {
      const out = new Channel<number>();
      void (async () => {
        try {
          for (;;) await out.push(f(await input.pull({ signal })), { signal });
        } catch (error) {
          out.close(error === signal.reason ? undefined : error);
        }
      })();
      return out;
    };
    const source = new Channel<number>();
    void (async () => {
      for (let i = 0; ; i++) await source.push(i, { signal });
    })().catch(() => source.close());
    const out = stage(
      stage(source, (n) => n + 1),
      (n) => n * 2,
    );
    expect([await out.pull(), await out.pull(), await out.pull()]).toEqual([2, 4, 6]);
    controller.abort(new Error('consumer left'));
    const rest: number[] = [];
    for await (const n of out) rest.push(n);
    expect(rest).toEqual([]);
    expect(waiters(source, out)).toBe(0);
    expect(source.closed && out.closed).toBe(true);
  });

  test('bounded parallelism: a fixed number of digesters never run more than that many jobs at once', async () => {
    const numDigesters = 3;
    const paths = new Channel<string>();
    const results = new Channel<{ path: string; sum: number }>();
    let running = 0;
    let peak = 0;
    const digester = async () => {
      for await (const path of paths) {
        running++;
        peak = Math.max(peak, running);
        await sleep(1);
        running--;
        await results.push({ path, sum: [...path].reduce((s, ch) => s + ch.charCodeAt(0), 0) });
      }
    };
    const walk = (async () => {
      for (let i = 0; i < 30; i++) await paths.push(`file${i}`);
      paths.close();
    })();
    const digesters = Array.from({ length: numDigesters }, digester);
    void Promise.all(digesters).then(() => results.close());
    const sums = new Map<string, number>();
    for await (const r of results) sums.set(r.path, r.sum);
    await walk;
    expect(sums.size).toBe(30);
    expect(peak).toBe(numDigesters);
  });

  test('nil-channel disabling: a for-select loop drops each input as it closes and ends when both are gone', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    void (async () => {
      for (let i = 0; i < 3; i++) await a.push(i);
      a.close();
    })();
    void (async () => {
      for (let i = 0; i < 7; i++) await b.push(100 + i);
      b.close();
    })();
    const got: number[] = [];
    let cases: [PullCase<number> | null, PullCase<number> | null] = [pull(a), pull(b)];
    while (cases[0] !== null || cases[1] !== null) {
      const r = await select(cases);
      if (!r.ok) cases = r.index === 0 ? [null, cases[1]] : [cases[0], null];
      else got.push(r.value);
    }
    expect(got.filter((n) => n < 100)).toEqual([0, 1, 2]);
    expect(got.filter((n) => n >= 100)).toEqual([100, 101, 102, 103, 104, 105, 106]);
    expect(waiters(a, b)).toBe(0);
  });

  test('a for-select loop with a done channel processes input until done closes, then returns', async () => {
    const input = new Channel<number>();
    const done = new Channel<void>();
    let total = 0;
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(done), pull(input)]);
        if (r.index === 0) return 'done';
        total += r.value as number;
      }
    })();
    for (let i = 1; i <= 10; i++) await input.push(i);
    done.close();
    expect(await loop).toBe('done');
    expect(total).toBe(55);
    expect(waiters(input, done)).toBe(0);
  });
});

describe('a randomized select storm (TestSelectStress generalized)', () => {
  test.each([1, 2, 3, 4])(
    'random selects, plain and non-blocking operations and a close on six channels commit every value exactly once (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
      const chans = [0, 0, 1, 2, 3, Infinity].map((cap, i) => new Channel<string>(cap, { name: `c${i}` }));
      const controller = new AbortController();
      const { signal } = controller;
      const pushed = new Set<string>(); // values whose push committed
      const pulled: string[] = []; // values a pull committed to
      let progress = 0;
      let serial = 0;
      const held = new Set<AbortSignal>();
      const isClosed = (e: unknown) => e instanceof ChannelClosedError;
      const agent = async (id: number) => {
        for (let step = 0; step < 300; step++) {
          const op = random();
          const value = `${id}:${serial++}`;
          const c = pick(chans);
          // A blocking operation gives up after a millisecond (an abort while parked), so the
          // storm never deadlocks; the global signal ends it all if something hangs.
          // The timeout signal is held until the operation settles (`held`): in Node 20 a
          // composite's timeout source that nothing else holds can be garbage-collected before
          // it fires, and the operation would then wait for the global signal.
          const timeout = AbortSignal.timeout(1);
          held.add(timeout);
          const opSignal = AbortSignal.any([signal, timeout]);
          try {
            if (op < 0.55) {
              const cases = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
                random() < 0.15 ? null : random() < 0.5 ? pull(pick(chans)) : push(pick(chans), `${value}/${serial++}`),
              );
              if (cases.every((x) => x === null)) continue;
              const r = random() < 0.2 ? selectNowait(cases) : await select(cases, { signal: opSignal });
              if (r === undefined) continue;
              const chosen = cases[r.index]!;
              if (chosen.kind === 'push') pushed.add((chosen as PushCase<string>).value);
              else if (r.ok) pulled.push(r.value as string);
            } else if (op < 0.7) {
              await c.push(value, { signal: opSignal });
              pushed.add(value);
            } else if (op < 0.85) {
              pulled.push(await c.pull({ signal: opSignal }));
            } else if (op < 0.92) {
              if (c.tryPush(value)) pushed.add(value);
            } else {
              const v = c.tryPull();
              if (v !== undefined) pulled.push(v);
            }
          } catch (error) {
            if (signal.aborted && error === signal.reason) return;
            if (!isClosed(error) && error !== opSignal.reason) throw error;
          } finally {
            held.delete(timeout);
            progress++;
            if (id === 0 && step === 150) chans[3]!.close(); // close a buffered channel mid-storm
          }
        }
      };
      const agents = Array.from({ length: 8 }, (_, i) => agent(i));
      const hang = setTimeout(() => controller.abort(new Error('storm hung')), 10_000);
      await Promise.all(agents);
      clearTimeout(hang);
      expect(signal.aborted).toBe(false);
      expect(progress).toBe(8 * 300);
      const leftovers: string[] = [];
      for (const c of chans) for (let v = c.tryPull(); v !== undefined; v = c.tryPull()) leftovers.push(v);
      const delivered = [...pulled, ...leftovers];
      expect(new Set(delivered).size).toBe(delivered.length); // no duplicate
      expect(delivered.slice().sort()).toEqual([...pushed].sort()); // no loss, nothing invented
      expect(waiters(...chans)).toBe(0); // aborted selects and operations left nothing behind
      expect(pushed.size).toBeGreaterThan(300);
    },
  );
});

describe('more of runtime/chan_test.go and test/chan', () => {
  test('100,000 selects that lose on an idle case never leave a waiter on it (select2.go)', async () => {
    const c = new Channel<number>();
    const dummy = new Channel<number>();
    const n = 100_000;
    const sender = (async () => {
      for (let i = 0; i < n; i++) await c.push(1);
    })();
    let most = 0;
    for (let i = 0; i < n; i++) {
      const r = await select([pull(c), pull(dummy)]);
      if (r.index === 1) throw new Error('dummy');
      most = Math.max(most, dummy.stats().waitingPullers);
    }
    await sender;
    expect(most).toBe(0);
    expect(waiters(c, dummy)).toBe(0);
  });

  test.each([0, 1, 2, 3, 4])(
    'a non-blocking select over two channels of which one always holds a value never takes the default (TestNonblockSelectRace, interleaving %i)',
    async (at) => {
      for (let i = 0; i < 2000; i++) {
        const c1 = new Channel<number>(1);
        const c2 = new Channel<number>(1);
        c1.pushNowait(1);
        const done = (async () => {
          for (let k = 0; k < at; k++) await null;
          return selectNowait([pull(c1), pull(c2)]) !== undefined;
        })();
        await c2.push(1);
        selectNowait([pull(c1)]);
        expect(await done).toBe(true);
      }
    },
  );

  test.each([0, 1, 2, 3])(
    'a non-blocking select sees a value or a closed channel while the other channel closes (TestNonblockSelectRace2, interleaving %i)',
    async (at) => {
      for (let i = 0; i < 2000; i++) {
        const c1 = new Channel<number>(1);
        const c2 = new Channel<number>(1);
        c1.pushNowait(1);
        const done = (async () => {
          for (let k = 0; k < at; k++) await null;
          return selectNowait([pull(c1), pull(c2)]) !== undefined;
        })();
        c2.close();
        await null;
        selectNowait([pull(c1)]);
        expect(await done).toBe(true);
      }
    },
  );

  test('a parked select with push cases on two channels, taken through one, is gone from the other in the same tick', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const parked = select([push(c, 1), push(d, 2)]);
    await flush();
    expect(d.pullNowait()).toBe(2);
    expect(() => c.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelEmptyError' }));
    expect(await parked).toMatchObject({ index: 1 });
    expect(waiters(c, d)).toBe(0);
  });

  test('close of a buffered channel keeps its buffered values and fails only the parked pushes, whose values never appear', async () => {
    const c = new Channel<number>(2);
    await c.pushAll([1, 2]);
    const parked = [track(c.push(3)), track(select([push(c, 4)]))];
    await flush();
    c.close();
    await flush();
    for (const p of parked)
      expect(p.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
    const got: number[] = [];
    for await (const v of c) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  test("a select parked with a push and a pull case on a closing channel rejects, where Go's close would fire the pull case with ok false", async () => {
    const c = new Channel<number>();
    const parked = track(select([push(c, 1), pull(c)]));
    await flush();
    c.close();
    await flush();
    expect(parked.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
    expect(waiters(c)).toBe(0);
  });

  test('a self-select parked on an unbuffered channel is matched by a plain pull through its push case and then holds no pull', async () => {
    const c = new Channel<number>();
    const parked = select([push(c, 1), pull(c)]);
    await flush();
    expect(c.pullNowait()).toBe(1);
    expect(await parked).toMatchObject({ index: 0 });
    expect(() => c.pushNowait(2)).toThrow(expect.objectContaining({ name: 'ChannelFullError' }));
    expect(waiters(c)).toBe(0);
  });
});

describe('Go semantics pinned where chanasync chose', () => {
  test('selectNowait with a push case on a closed channel throws even when another case is ready, where Go picks at random and may not panic', () => {
    const closed = new Channel<number>();
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    for (let i = 0; i < 50; i++) expect(() => selectNowait([pull(ready), push(closed, 2)])).toThrow(ChannelClosedError);
    expect(ready.size).toBe(1); // nothing was committed
  });

  test('a pull case on a channel of undefined tells a pushed undefined (ok true) from a close (ok false)', async () => {
    const c = new Channel<undefined>(1);
    c.pushNowait(undefined);
    c.close();
    expect(await select([pull(c)])).toEqual({ index: 0, channel: c, value: undefined, ok: true });
    expect(await select([pull(c)])).toEqual({ index: 0, channel: c, value: undefined, ok: false });
  });

  test('a select over 1000 channels fires the one that gets a value and leaves nothing on the other 999', async () => {
    const cs = Array.from({ length: 1000 }, () => new Channel<number>());
    const parked = select(cs.map((c) => pull(c)));
    await flush();
    expect(waiters(...cs)).toBe(1000);
    cs[617]!.pushNowait(42);
    expect(await parked).toMatchObject({ index: 617, value: 42, ok: true });
    expect(waiters(...cs)).toBe(0);
  });
});

describe('generators: a goroutine versus from()', () => {
  test('a generator loop parks its push, so selectNowait polls it as Go polls a generator with default', async () => {
    const c = new Channel<number>();
    void (async () => {
      for (let i = 0; i < 3; i++) await c.push(i);
      c.close();
    })();
    await flush();
    const got: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const r = selectNowait([pull(c)]);
      got.push(r === undefined ? 'default' : r.ok ? r.value : 'closed');
      await flush();
    }
    expect(got).toEqual([0, 1, 2, 'closed']);
  });

  test('from() of capacity 0 reads its source only for a blocking pull, so selectNowait and tryPull never see a value', async () => {
    const c = from([1, 2, 3]);
    for (let i = 0; i < 5; i++) {
      expect(selectNowait([pull(c)])).toBeUndefined();
      expect(c.tryPull()).toBeUndefined();
      await sleep(1);
    }
    expect(await select([pull(c)])).toMatchObject({ value: 1, ok: true }); // a blocking pull asks
  });

  test('from() with capacity 1 keeps one value ahead, so selectNowait polls it to the end', async () => {
    const c = from([1, 2, 3], { capacity: 1 });
    await flush();
    const got: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const r = selectNowait([pull(c)]);
      got.push(r === undefined ? 'default' : r.ok ? r.value : 'closed');
      await flush();
    }
    expect(got).toEqual([1, 2, 3, 'closed']);
  });
});

describe('test/chan/powser1.go: McIlroy power series on demand channels', () => {
  // A power series is a demand channel: a consumer pushes a request on `req`, then pulls the
  // next rational coefficient from `dat`. A denominator of 0 marks the end. Every operator is a
  // loop (a goroutine) over unbuffered channels; `split` tees a series with nested selects and
  // `getn` uses the nil-channel idiom on push and pull cases. A faithful port, with bigints.
  type Rat = { readonly num: bigint; readonly den: bigint };
  type Dch = { req: Channel<number>; dat: Channel<Rat> };
  const gcd = (u: bigint, v: bigint): bigint => (u < 0n ? gcd(-u, v) : u === 0n ? v : gcd(v % u, u));
  const i2tor = (u: bigint, v: bigint): Rat => {
    const g = gcd(u, v);
    return v > 0n ? { num: u / g, den: v / g } : { num: -u / g, den: -v / g };
  };
  const itor = (u: bigint) => i2tor(u, 1n);
  const zero = itor(0n);
  const one = itor(1n);
  const finis = i2tor(1n, 0n);
  const end = (u: Rat) => (u.den === 0n ? 1 : 0);
  const add = (u: Rat, v: Rat) => {
    const g = gcd(u.den, v.den);
    return i2tor(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g));
  };
  const mul = (u: Rat, v: Rat): Rat => {
    const g1 = gcd(u.num, v.den);
    const g2 = gcd(u.den, v.num);
    return { num: (u.num / g1) * (v.num / g2), den: (u.den / g2) * (v.den / g1) };
  };
  const neg = (u: Rat) => i2tor(-u.num, u.den);
  const go = (f: () => Promise<unknown>) => void f();

  let seqno = 0;
  const mkdch = (): Dch => ({ req: new Channel<number>(), dat: new Channel<Rat>() });
  const mkdch2 = (): Dch[] => [mkdch(), mkdch()];

  // split reads one demand channel and replicates it onto two, read at different rates.
  const dosplit = async (input: Dch, out: Dch[], wait: Channel<number>): Promise<void> => {
    let both = false;
    const first = await select([pull(out[0]!.req), pull(wait)]);
    if (first.index === 1) {
      both = true;
      const second = await select([pull(out[0]!.req), pull(out[1]!.req)]);
      if (second.index === 1) [out[0], out[1]] = [out[1]!, out[0]!];
    }
    seqno++;
    await input.req.push(seqno);
    const release = new Channel<number>();
    go(() => dosplit(input, out, release));
    const dat = await input.dat.pull();
    await out[0]!.dat.push(dat);
    if (!both) await wait.pull();
    await out[1]!.req.pull();
    await out[1]!.dat.push(dat);
    await release.push(0);
  };
  const split = (input: Dch, out: Dch[]) => {
    const release = new Channel<number>();
    go(() => dosplit(input, out, release));
    go(() => release.push(0));
  };
  const put = async (dat: Rat, out: Dch) => {
    await out.req.pull();
    await out.dat.push(dat);
  };
  const get = async (input: Dch): Promise<Rat> => {
    seqno++;
    await input.req.push(seqno);
    return input.dat.pull();
  };
  // One item from each of two demand channels, in whatever order they answer.
  const get2 = async (in0: Dch, in1: Dch): Promise<Rat[]> => {
    const ins = [in0, in1];
    const req: (Channel<number> | null)[] = [in0.req, in1.req];
    const dat: (Channel<Rat> | null)[] = [null, null];
    const out: Rat[] = [];
    for (let n = 4; n > 0; n--) {
      seqno++;
      const r = await select([
        req[0] ? push(req[0], seqno) : null,
        req[1] ? push(req[1], seqno) : null,
        dat[0] ? pull(dat[0]) : null,
        dat[1] ? pull(dat[1]) : null,
      ]);
      if (r.index < 2) {
        dat[r.index] = ins[r.index]!.dat;
        req[r.index] = null;
      } else {
        out[r.index - 2] = r.value as Rat;
        dat[r.index - 2] = null;
      }
    }
    return out;
  };
  const copy = async (input: Dch, out: Dch) => {
    for (;;) {
      await out.req.pull();
      await out.dat.push(await get(input));
    }
  };
  const Split = (U: Dch) => {
    const UU = mkdch2();
    split(U, UU);
    return UU;
  };
  const Rep = (c: Rat) => {
    const Z = mkdch();
    go(async () => {
      for (;;) await put(c, Z);
    });
    return Z;
  };
  const Add = (U: Dch, V: Dch) => {
    const Z = mkdch();
    go(async () => {
      for (;;) {
        await Z.req.pull();
        const uv = await get2(U, V);
        switch (end(uv[0]!) + 2 * end(uv[1]!)) {
          case 0:
            await Z.dat.push(add(uv[0]!, uv[1]!));
            break;
          case 1:
            await Z.dat.push(uv[1]!);
            await copy(V, Z);
            break;
          case 2:
            await Z.dat.push(uv[0]!);
            await copy(U, Z);
            break;
          case 3:
            await Z.dat.push(finis);
        }
      }
    });
    return Z;
  };
  const Cmul = (c: Rat, U: Dch) => {
    const Z = mkdch();
    go(async () => {
      for (let done = false; !done; ) {
        await Z.req.pull();
        const u = await get(U);
        if (end(u)) done = true;
        else await Z.dat.push(mul(c, u));
      }
      await Z.dat.push(finis);
    });
    return Z;
  };
  const Sub = (U: Dch, V: Dch) => Add(U, Cmul(neg(one), V));
  const Mul = (U: Dch, V: Dch): Dch => {
    const Z = mkdch();
    go(async () => {
      await Z.req.pull();
      const uv = await get2(U, V);
      if (end(uv[0]!) || end(uv[1]!)) await Z.dat.push(finis);
      else {
        await Z.dat.push(mul(uv[0]!, uv[1]!));
        const UU = Split(U);
        const VV = Split(V);
        const W = Add(Cmul(uv[0]!, VV[0]!), Cmul(uv[1]!, UU[0]!));
        await Z.req.pull();
        await Z.dat.push(await get(W));
        await copy(Add(W, Mul(UU[1]!, VV[1]!)), Z);
      }
    });
    return Z;
  };
  const Diff = (U: Dch) => {
    const Z = mkdch();
    go(async () => {
      await Z.req.pull();
      let u = await get(U);
      if (!end(u)) {
        for (let i = 1n, done = false; !done; i++) {
          u = await get(U);
          if (end(u)) done = true;
          else {
            await Z.dat.push(mul(itor(i), u));
            await Z.req.pull();
          }
        }
      }
      await Z.dat.push(finis);
    });
    return Z;
  };
  const Integ = (c: Rat, U: Dch) => {
    const Z = mkdch();
    go(async () => {
      await put(c, Z);
      for (let i = 1n, done = false; !done; i++) {
        await Z.req.pull();
        const u = await get(U);
        if (end(u)) done = true;
        await Z.dat.push(mul(i2tor(1n, i), u));
      }
      await Z.dat.push(finis);
    });
    return Z;
  };
  const Exp = (U: Dch) => {
    const ZZ = mkdch2();
    split(Integ(one, Mul(ZZ[0]!, Diff(U))), ZZ);
    return ZZ[1]!;
  };
  const MonSubst = (U: Dch, c0: Rat, n: number) => {
    const Z = mkdch();
    go(async () => {
      let c = one;
      for (;;) {
        await Z.req.pull();
        const u = await get(U);
        await Z.dat.push(mul(u, c));
        c = mul(c, c0);
        if (end(u)) {
          await Z.dat.push(finis);
          break;
        }
        for (let i = 1; i < n; i++) {
          await Z.req.pull();
          await Z.dat.push(zero);
        }
      }
    });
    return Z;
  };
  const terms = async (U: Dch, n: number) => {
    const got: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await get(U);
      got.push(r.den === 1n ? `${r.num}` : `${r.num}/${r.den}`);
    }
    return got.join(' ');
  };
  const Ones = () => Rep(one);
  const Twos = () => Rep(itor(2n));

  test.each<[string, () => Dch, string]>([
    ['Ones', Ones, '1 1 1 1 1 1 1 1 1 1'],
    ['Add(Ones, Twos)', () => Add(Ones(), Twos()), '3 3 3 3 3 3 3 3 3 3'],
    ['Diff(Ones)', () => Diff(Ones()), '1 2 3 4 5 6 7 8 9 10'],
    ['Integ(zero, Ones)', () => Integ(zero, Ones()), '0 1 1/2 1/3 1/4 1/5 1/6 1/7 1/8 1/9'],
    ['Cmul(-1, Twos)', () => Cmul(neg(one), Twos()), '-2 -2 -2 -2 -2 -2 -2 -2 -2 -2'],
    ['Sub(Ones, Twos)', () => Sub(Ones(), Twos()), '-1 -1 -1 -1 -1 -1 -1 -1 -1 -1'],
    ['Mul(Ones, Ones)', () => Mul(Ones(), Ones()), '1 2 3 4 5 6 7 8 9 10'],
    ['Exp(Ones)', () => Exp(Ones()), '1 1 3/2 13/6 73/24 167/40 4051/720 37633/5040 43817/4480 4596553/362880'],
    [
      'ATan: Integ(zero, MonSubst(Ones, -1, 2))',
      () => Integ(zero, MonSubst(Ones(), neg(one), 2)),
      '0 1 0 -1/3 0 1/5 0 -1/7 0 1/9',
    ],
  ])('the power series %s has the coefficients Go expects', async (_name, series, expected) => {
    expect(await terms(series(), 10)).toBe(expected);
  });
});

describe('test/chan/sieve2.go: the Eratosthenes sieve with a heap of channels and a send proxy', () => {
  test('the heap-merged sieve over buffered channels, with a nil-case send proxy, yields the first 1000 primes', async () => {
    const go = (f: () => Promise<unknown>) => void f();
    const odds = () => {
      const out = new Channel<number>(50);
      go(async () => {
        for (let n = 5; ; n += 2) await out.push(n);
      });
      return out;
    };
    const multiples = (p: number) => {
      const out = new Channel<number>(10);
      go(async () => {
        for (let n = p * p; ; n += 2 * p) await out.push(n);
      });
      return out;
    };
    type PeekCh = { head: number; ch: Channel<number> };
    // A binary min-heap of PeekCh by head (container/heap).
    const heap: PeekCh[] = [];
    const heapPush = (x: PeekCh) => {
      heap.push(x);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (heap[parent]!.head <= heap[i]!.head) break;
        [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
        i = parent;
      }
    };
    const heapPop = (): PeekCh => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && heap[l]!.head < heap[m]!.head) m = l;
          if (r < heap.length && heap[r]!.head < heap[m]!.head) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    // A channel that never blocks its sender: a loop buffers what `out` cannot take yet, and
    // its push case is null (disabled) while that buffer is empty.
    const sendproxy = (out: Channel<number>) => {
      const proxy = new Channel<number>(10);
      go(async () => {
        const queue: number[] = [];
        for (;;) {
          const r = await select([pull(proxy), queue.length === 0 ? null : push(out, queue[0]!)]);
          if (r.index === 0) queue.push(r.value as number);
          else queue.shift();
        }
      });
      return proxy;
    };
    const sieve = () => {
      const out = new Channel<number>(10);
      out.pushNowait(2);
      out.pushNowait(3);
      const composites = new Channel<number>(50);
      const primes = new Channel<number>(10);
      primes.pushNowait(3);
      go(async () => {
        let min = 15;
        for (;;) {
          const m = multiples(await primes.pull());
          const head = await m.pull();
          while (min < head) {
            await composites.push(min);
            const minchan = heapPop();
            min = minchan.head;
            minchan.head = await minchan.ch.pull();
            heapPush(minchan);
          }
          while (min === head) {
            const minchan = heapPop();
            min = minchan.head;
            minchan.head = await minchan.ch.pull();
            heapPush(minchan);
          }
          await composites.push(head);
          heapPush({ head: await m.pull(), ch: m });
        }
      });
      go(async () => {
        const proxied = sendproxy(primes);
        const candidates = odds();
        let p = await candidates.pull();
        for (;;) {
          const c = await composites.pull();
          while (p < c) {
            await proxied.push(p);
            await out.push(p);
            p = await candidates.pull();
          }
          if (p === c) p = await candidates.pull();
        }
      });
      return out;
    };
    const primes = sieve();
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) got.push(await primes.pull());
    const expected: number[] = [];
    for (let k = 2; expected.length < 1000; k++) {
      let prime = true;
      for (const p of expected) {
        if (p * p > k) break;
        if (k % p === 0) {
          prime = false;
          break;
        }
      }
      if (prime) expected.push(k);
    }
    expect(got.slice(0, 25)).toEqual([
      2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    ]);
    expect(got).toEqual(expected);
  });
});

describe('idioms with timers and merged channels', () => {
  test('a for-select loop over a ticker and a done channel handles each tick and leaves no timer once it returns', async () => {
    vi.useFakeTimers();
    const done = new Channel<void>();
    const tick = ticker(10);
    let ticks = 0;
    const loop = (async () => {
      try {
        for (;;) {
          const r = await select([pull(done), pull(tick)]);
          if (r.index === 0) return ticks;
          ticks++;
        }
      } finally {
        tick.close(); // defer ticker.Stop()
      }
    })();
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(10);
    done.close();
    expect(await loop).toBe(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a merged channel and direct pulls on its inputs, all in selects, share every value exactly once', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>();
    const m = merge(a, b);
    const seen: number[] = [];
    const N = 2000;
    const producers = [
      (async () => {
        for (let i = 0; i < N; i++) await a.push(i);
        a.close();
      })(),
      (async () => {
        for (let i = N; i < 2 * N; i++) await select([push(b, i)]);
        b.close();
      })(),
    ];
    const consumers = Array.from({ length: 3 }, async (_, k) => {
      const cases: (PullCase<number> | null)[] = k === 0 ? [pull(m), null, null] : [pull(m), pull(a), pull(b)];
      while (cases.some((x) => x !== null)) {
        const r = await select(cases);
        if (r.ok) seen.push(r.value as number);
        else cases[r.index] = null;
      }
    });
    await Promise.all([...producers, ...consumers]);
    expect(seen.length).toBe(2 * N);
    expect(new Set(seen).size).toBe(2 * N);
    expect(waiters(a, b, m)).toBe(0);
  });
});

describe('batches meet parked selects', () => {
  test('pullMany takes parked select push cases in the order they parked, and each select withdraws its other cases', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const a = select([push(c, 1), push(d, 9)]);
    const plain = c.push(2);
    const b = select([push(c, 3)]);
    await flush();
    expect(await c.pullMany(10)).toEqual([1, 2, 3]);
    expect((await a).index).toBe(0);
    expect((await b).index).toBe(0);
    await plain;
    expect(waiters(c, d)).toBe(0);
  });

  test('pushAll hands values to parked select pull cases first, and the rest waits for room', async () => {
    const c = new Channel<number>();
    const e = new Channel<number>();
    const s1 = select([pull(c), pull(e)]);
    const s2 = select([pull(e), pull(c)]);
    await flush();
    const pushing = track(c.pushAll([1, 2, 3]));
    expect(await s1).toMatchObject({ index: 0, value: 1 });
    expect(await s2).toMatchObject({ index: 1, value: 2 });
    await flush();
    expect(pushing.current.status).toBe('pending');
    expect(c.stats().waitingPushers).toBe(1);
    expect(e.stats().waitingPullers).toBe(0);
    expect(await c.pull()).toBe(3);
    await flush();
    expect(pushing.current.status).toBe('fulfilled');
  });
});
