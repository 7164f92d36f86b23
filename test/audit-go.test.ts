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
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
  ticker,
} from '../src/index.js';
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
