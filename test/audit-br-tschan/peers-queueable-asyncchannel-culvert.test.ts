// Audit BR-peers-b: behaviour checked by the own test suites of
//  - queueable (slikts/queueable: src/adapters/Channel.spec.ts, LastResult.spec.ts, src/Buffer.spec.ts),
//  - async-channel (kyle1320/async-channel: src/__tests__/BaseChannel.test.ts, Channel.test.ts,
//    IteratorChannel.test.ts),
//  - culvert (creationix/culvert: no test suite; its README's put/take/drain contract),
// ported onto chanasync. Each test names the peer test it comes from. No peer code is used.
import { Channel, ChannelClosedError, from, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('queueable Channel', () => {
  // queueable: "pushes" / "pulls" — queueable's Channel is unbounded by default (capacity Infinity here).
  it('a value pushed before the pull and a pull parked before the push both arrive', async () => {
    const c = new Channel<number>(Infinity);
    await c.push(1);
    expect(await c.pull()).toBe(1);
    const p = c.pull();
    await c.push(2);
    expect(await p).toBe(2);
  });

  // queueable: "can balance pull after push" / "can balance push after pull"
  it('pushes then pulls, and pulls then pushes, keep the order', async () => {
    const c = new Channel<number>(Infinity);
    for (const n of [1, 2, 3]) c.pushNowait(n);
    expect(await Promise.all([c.pull(), c.pull(), c.pull()])).toEqual([1, 2, 3]);
    const ps = [c.pull(), c.pull(), c.pull()];
    for (const n of [1, 2, 3]) c.pushNowait(n);
    expect(await Promise.all(ps)).toEqual([1, 2, 3]);
  });

  // queueable: "works with for-await-of" (push(undefined, true) is queueable's close)
  it('for await yields the buffered values and ends after close', async () => {
    const c = new Channel<number>(Infinity);
    c.pushNowait(1);
    c.pushNowait(2);
    c.pushNowait(3);
    c.close();
    const r: number[] = [];
    for await (const x of c) r.push(x);
    expect(r).toEqual([1, 2, 3]);
  });

  // queueable: "can be wrapped" (take n via an iterator's next() calls made at once)
  it('n concurrent next() calls on one iterator get the first n values in order', async () => {
    const c = new Channel<number>(Infinity);
    for (const n of [1, 2, 3]) c.pushNowait(n);
    const it = c[Symbol.asyncIterator]();
    const rs = await Promise.all([it.next(), it.next(), it.next()]);
    expect(rs.map((r) => r.value)).toEqual([1, 2, 3]);
  });

  // queueable: "retrurns closed if pushed when closed" — queueable resolves {done: true};
  // chanasync rejects with ChannelClosedError (SPEC push: "Rejects with ChannelClosedError if the
  // channel is closed before the value is committed").
  it('a push on a closed channel rejects with ChannelClosedError', async () => {
    const c = new Channel<number>(Infinity);
    c.close();
    await expect(c.push(123)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // queueable: "can be closed" (return() twice) — chanasync's close is idempotent (SPEC).
  it('close can be called twice', () => {
    const c = new Channel<number>();
    c.close();
    expect(() => c.close()).not.toThrow();
    expect(c.closed).toBe(true);
  });

  // queueable: "resolves unpushed to done" — a parked iterator next() resolves done on close;
  // a parked pull() rejects (SPEC "Closing").
  it('a parked next() resolves done and a parked pull() rejects when the channel closes', async () => {
    const c = new Channel<number>();
    const n = c[Symbol.asyncIterator]().next();
    const p = c.pull();
    c.close();
    await expect(n).resolves.toEqual({ done: true, value: undefined });
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // queueable: "bounds > sets bounds" — queueable's Channel(1) keeps the latest value (a sliding
  // buffer). In chanasync that is overflow 'drop-oldest' (SPEC: "capacity 1 is a conflated channel,
  // the latest value wins"); the default 'block' would wait instead.
  it("Channel(1, { overflow: 'drop-oldest' }) keeps the latest; 'block' keeps the first and waits", async () => {
    const sliding = new Channel<number>(1, { overflow: 'drop-oldest' });
    await sliding.push(1);
    await sliding.push(2);
    expect(await sliding.pull()).toBe(2);
    const blocking = new Channel<number>(1);
    await blocking.push(1);
    expect(blocking.tryPush(2)).toBe(false);
    expect(await blocking.pull()).toBe(1);
  });

  // queueable: "bounds > is unbounded by default" — chanasync's default is unbuffered (SPEC
  // capacity default 0); Infinity is the unbounded one.
  it('Infinity is unbounded and FIFO', async () => {
    const c = new Channel<number>(Infinity);
    c.pushNowait(1);
    c.pushNowait(2);
    expect(c.full).toBe(false);
    expect(await c.pull()).toBe(1);
  });

  // queueable: "CSP > supports the ping-pong example" — two players pass a ball over one unbuffered
  // channel; closing the table ends both loops. Adaptation: a player that pushes the ball back after
  // the close gets ChannelClosedError (queueable's push resolves done) — SPEC push.
  it('ping-pong over an unbuffered channel ends both players when the table closes', async () => {
    const log: string[] = [];
    const table = new Channel<{ hits: number }>();
    const player = async (name: string) => {
      try {
        for await (const ball of table) {
          ball.hits += 1;
          log.push(`${name} ${ball.hits}`);
          await delay(2);
          if (ball.hits === 3) {
            table.close();
            break;
          }
          await table.push(ball);
        }
      } catch (e) {
        if (!(e instanceof ChannelClosedError)) throw e;
      }
      log.push(`${name}: table's gone`);
    };
    const players = Promise.all([player('ping'), player('pong')]);
    await table.push({ hits: 0 });
    await players;
    expect(log.slice(0, 3)).toEqual(['ping 1', 'pong 2', 'ping 3']);
    expect(log.slice(3).sort()).toEqual(["ping: table's gone", "pong: table's gone"]);
  });
});

describe('queueable LastResult and Buffer', () => {
  // queueable LastResult: "gets values" — LastResult re-reads the last value on every next();
  // a chanasync pull consumes (SPEC: "each value goes to exactly one"), so the conflated channel
  // (capacity 1, drop-oldest) gives the latest value once.
  it('a conflated channel gives the latest value once, then waits for the next', async () => {
    const m = new Channel<number>(1, { overflow: 'drop-oldest' });
    m.pushNowait(1);
    expect(await m.pull()).toBe(1);
    expect(m.tryPull()).toBeUndefined();
    m.pushNowait(2);
    m.pushNowait(3);
    expect(await m.pull()).toBe(3);
  });

  // queueable LastResult: "closes" / "closes resolved" / "closes requested"
  it('a closed conflated channel ends iteration, refuses pushes, fails a parked pull', async () => {
    const m = new Channel<number>(1, { overflow: 'drop-oldest' });
    const parked = m.pull();
    m.close();
    await expect(parked).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await m[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(() => m.pushNowait(1)).toThrow(ChannelClosedError);
    // SPEC drop modes: "push resolves … when the buffer is full (the policy is the commit)" — but not closed.
    await expect(m.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // queueable Buffer: "circulates with a limit of one" / "circulates with a limit of two"
  it('drop-oldest with capacity 2 keeps the last two of four', () => {
    const q = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4]) q.pushNowait(v);
    expect(q.size).toBe(2);
    expect(q.pullNowait()).toBe(3);
    expect(q.size).toBe(1);
    expect(q.pullNowait()).toBe(4);
    expect(q.size).toBe(0);
    expect(q.tryPull()).toBeUndefined();
  });

  // queueable Buffer: "constructs from an iterable" (Buffer.from([1,2,3], 2) → [2,3])
  it('pushAll into a drop-oldest channel of capacity 2 keeps the last two values', async () => {
    const q = new Channel<number>(2, { overflow: 'drop-oldest' });
    await q.pushAll([1, 2, 3]);
    expect([q.pullNowait(), q.pullNowait()]).toEqual([2, 3]);
  });

  // queueable Buffer: drop-newest is the mirror image (core.async's dropping buffer)
  it('drop-newest with capacity 2 keeps the first two of four', () => {
    const q = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3, 4]) q.pushNowait(v);
    expect([q.pullNowait(), q.pullNowait()]).toEqual([1, 2]);
  });
});

describe('async-channel BaseChannel', () => {
  // async-channel: "Buffered Channel > Holds up to N values"
  it('holds up to N values; the next push waits until a pull makes room', async () => {
    const chan = new Channel<number>(3);
    await chan.push(1);
    await chan.push(2);
    await chan.push(3);
    let fourth = false;
    const p = chan.push(4).then(() => {
      fourth = true;
    });
    await tick();
    expect(fourth).toBe(false);
    expect(chan.capacity).toBe(3);
    expect(chan.size).toBe(3);
    expect(await chan.pull()).toBe(1);
    await p;
    expect(fourth).toBe(true);
  });

  // async-channel: "Buffered Channel > Doesn't buffer if a receiver is waiting"
  it("doesn't buffer a value when a puller is waiting", async () => {
    const chan = new Channel<number>(3);
    await chan.push(1);
    expect(await chan.pull()).toBe(1);
    const p = chan.pull();
    await chan.push(2);
    expect(chan.size).toBe(0);
    await expect(p).resolves.toBe(2);
  });

  // async-channel: "Buffered Channel > Continues holding values when closed" — async-channel keeps
  // parked senders after close and delivers them; chanasync fails them ("Every parked pusher rejects
  // with ChannelClosedError; its value is not added" — SPEC "Closing"), buffered values stay readable.
  it('close keeps the buffered values readable and fails the parked pushers', async () => {
    const chan = new Channel<number>(3);
    const ps = [0, 1, 2, 3, 4].map((v) =>
      chan.push(v).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    expect(chan.size).toBe(3);
    chan.close();
    expect(chan.closed).toBe(true);
    expect(chan.size).toBe(3);
    const out = await Promise.all(ps);
    expect(out.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(out[3]).toBeInstanceOf(ChannelClosedError);
    expect(out[4]).toBeInstanceOf(ChannelClosedError);
    for (let i = 0; i < 3; i++) expect(await chan.pull()).toBe(i);
    await expect(chan.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // async-channel: "Unbuffered Channel > Continues waiting on senders when closed" — same adaptation.
  it('unbuffered: close fails the parked senders instead of draining them', async () => {
    const chan = new Channel<number>();
    const ps = [0, 1, 2].map((v) => chan.push(v).catch((e: unknown) => e));
    chan.close();
    for (const e of await Promise.all(ps)) expect(e).toBeInstanceOf(ChannelClosedError);
    await expect(chan.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // async-channel: "Unbuffered Channel > Async iteration stops normally when closed" (the iterator is
  // already waiting when the channel closes)
  it('a for await already waiting ends normally on close', async () => {
    const chan = new Channel<number>();
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of chan) got.push(v);
    })();
    for (let i = 0; i < 4; i++) await chan.push(i);
    await tick();
    chan.close();
    await loop;
    expect(got).toEqual([0, 1, 2, 3]);
  });

  // async-channel: "Unbuffered Channel > Throws as error to receivers on close"
  it('every parked receiver gets ChannelClosedError on close', async () => {
    const chan = new Channel<number>();
    const rs = [chan.pull(), chan.pull()];
    chan.close();
    for (const r of rs) await expect(r).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // async-channel: "Unbuffered Channel > Stops async iteration when an error is encountered" —
  // async-channel carries errors as values; chanasync carries one failure, close(reason), which
  // for await throws after the values before it (SPEC "Closing").
  it('for await throws the close reason after the values pushed before it', async () => {
    const chan = new Channel<number>(4);
    for (const v of [0, 1, 2, 3]) chan.pushNowait(v);
    const reason = new Error('4');
    chan.close(reason);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of chan) got.push(v);
      })(),
    ).rejects.toBe(reason);
    expect(got).toEqual([0, 1, 2, 3]);
  });

  // async-channel: "Unbuffered Channel > Promise flattening works as expected" — async-channel
  // awaits promises pushed as values; chanasync refuses a thenable with a TypeError (README
  // "Thenables are not values"): wrap it.
  it('a promise pushed as a value is refused with a TypeError and commits nothing', async () => {
    const chan = new Channel<unknown>(2);
    await expect(chan.push(Promise.resolve(0))).rejects.toBeInstanceOf(TypeError);
    expect(chan.size).toBe(0);
    const wrapped = { promise: Promise.resolve(0) };
    await chan.push(wrapped);
    expect(await chan.pull()).toBe(wrapped);
  });
});

describe('async-channel Channel.from / take / IteratorChannel', () => {
  // async-channel: "Channel.from() > From Array" / "From Iterable" / "From Array-like"
  it('from an array and a Set gives the values in order, then ends', async () => {
    for (const src of [[0, 1, 2], new Set([0, 1, 2])]) {
      const out: number[] = [];
      for await (const v of from(src)) out.push(v);
      expect(out).toEqual([0, 1, 2]);
    }
  });

  // async-channel: "Channel.from() > From infinite Iterable" and "Channel.take() > Doesn't iterate any
  // more than necessary" (SPEC: "never more than capacity values ahead of its consumer")
  it('from an endless generator reads only what the consumer pulls', async () => {
    let produced = 0;
    const ch = from(
      (function* () {
        for (let i = 1; ; i *= 2) {
          produced++;
          yield i;
        }
      })(),
    );
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(4);
    expect(await ch.pull()).toBe(8);
    await tick();
    expect(produced).toBeLessThanOrEqual(5);
    ch.close();
  });

  // async-channel: "Channel.take() > Can limit the number of items from an infinite Channel"
  it('taking 4 then 4 more from an endless source continues where it stopped', async () => {
    const ch = from(
      (function* () {
        let i = 0;
        for (;;) yield i++;
      })(),
      { capacity: 2 },
    );
    const take = async (n: number) => {
      const out: number[] = [];
      for await (const v of ch) {
        out.push(v);
        if (out.length === n) break;
      }
      return out;
    };
    expect(await take(4)).toEqual([0, 1, 2, 3]);
    expect(await take(4)).toEqual([4, 5, 6, 7]);
    ch.close();
  });

  // async-channel: "Channel.from() > From Iterable that throws" (and IteratorChannel "Will emit an
  // error on throw") — chanasync closes the channel with the error (SPEC Interop: "close(error) when
  // it throws"): values first, then the pull rejects with ChannelClosedError whose cause is the error.
  it('a source that throws: values first, then pull rejects ChannelClosedError with the error as cause', async () => {
    const ch = from(
      (function* () {
        yield 1;
        yield 2;
        throw 4;
      })(),
    );
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    const err = await ch.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as ChannelClosedError).cause).toBe(4);
  });

  // async-channel: "Channel.from() > From Iterable that throws" — `yield Promise.reject(3)`: the
  // source type accepts Iterable<T | PromiseLike<T>> (dist/interop/from.d.ts), read as for await does.
  it('a sync source yielding a rejected promise closes the channel with that rejection', async () => {
    const ch = from<number>(
      (function* () {
        yield 1;
        yield Promise.reject(3);
        yield 5;
      })(),
    );
    expect(await ch.pull()).toBe(1);
    const err = await ch.pull().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as ChannelClosedError).cause).toBe(3);
  });

  // async-channel IteratorChannel: "Can queue up multiple receivers"
  it('several pulls queued on a from(async generator) get the values in order, the extra one closed', async () => {
    const ch = from(
      (async function* () {
        yield 1;
        await delay(5);
        yield 2;
        yield 3;
      })(),
    );
    const res = await Promise.all([ch.pull(), ch.pull(), ch.pull(), ch.pull().catch((e: unknown) => e)]);
    expect(res.slice(0, 3)).toEqual([1, 2, 3]);
    expect(res[3]).toBeInstanceOf(ChannelClosedError);
  });

  // async-channel IteratorChannel: "Can handle being closed between queue & yield" — the consumer
  // closes while the source is mid-await; the pull fails, the source is stopped (README Interop:
  // "it stops a source that is closed under it at once, even mid-read").
  it('closing a from channel while its async source is mid-read fails the pull and stops the source', async () => {
    let reachedAfter = false;
    let finalized = false;
    const ch = from(
      (async function* () {
        try {
          yield 1;
          await delay(10);
          yield 2;
          reachedAfter = true;
        } finally {
          finalized = true;
        }
      })(),
    );
    expect(await ch.pull()).toBe(1);
    const res = ch.pull();
    await tick();
    ch.close();
    await expect(res).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await delay(30);
    expect(reachedAfter).toBe(false);
    expect(finalized).toBe(true);
  });

  // async-channel IteratorChannel: "Can't push, throw, or clear" — a from channel is an ordinary
  // Channel: pushing into it is allowed by the type; what it does is the ordinary channel's rule.
  // (Recorded, not a finding: SPEC does not make from channels read-only.)
  it('a from channel over a finished source is closed: pushes fail', async () => {
    const ch = from([1]);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('culvert put/take/drain (README contract)', () => {
  // culvert README: put() returns false once the buffer is over its size — tryPush's false on a full
  // channel; "drain" is waiting for room: the blocking push.
  it('tryPush says when to wait; the blocking push is the drain', async () => {
    const ch = new Channel<string>(2);
    expect(ch.tryPush('a')).toBe(true);
    expect(ch.tryPush('b')).toBe(true);
    expect(ch.tryPush('c')).toBe(false);
    const drained = ch.push('c');
    expect(await ch.pull()).toBe('a');
    await drained;
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual(['b', 'c']);
  });

  // culvert channel.js: take() callbacks queued before any put are served in order (readQueue FIFO)
  it('takes queued before puts are served in order', async () => {
    const ch = new Channel<number>(1);
    const takes = [ch.pull(), ch.pull(), ch.pull()];
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    expect(await Promise.all(takes)).toEqual([1, 2, 3]);
  });

  // culvert README: "End stream when nothing comes out" (item === undefined means end). chanasync
  // carries undefined as a value; the end is close (README "What differs from Go": pull rejects).
  it('undefined is a value, not the end; close is the end', async () => {
    const ch = new Channel<undefined | number>(2);
    ch.pushNowait(undefined);
    ch.pushNowait(1);
    ch.close();
    const out: (number | undefined)[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([undefined, 1]);
  });

  // culvert README: the duplex pattern (two channels, each side puts on one and takes from the other),
  // echo with backpressure, via select so each side waits on both directions at once.
  it('duplex echo over two capacity-1 channels loses and reorders nothing', async () => {
    const toServer = new Channel<number>(1);
    const toClient = new Channel<number>(1);
    const server = (async () => {
      for await (const v of toServer) await toClient.push(v * 10);
      toClient.close();
    })();
    const got: number[] = [];
    const client = (async () => {
      for (;;) {
        const r = await select([pull(toClient), null]);
        if (!r.ok) break;
        got.push(r.value as number);
      }
    })();
    for (let next = 0; next < 50; next++) await toServer.push(next);
    toServer.close();
    await Promise.all([server, client]);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
  });
});
