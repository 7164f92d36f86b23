/**
 * Audit L: edge cases of derived channels composed with the core's features — errors that
 * name them, iterators returned mid-wait, nested merges and broadcasts, broadcast.close()
 * under load, many waiters, abort and close together, re-entrancy from callbacks.
 */
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  from,
  merge,
  pull,
  push,
  select,
  selectNowait,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

const sleep = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function parked(...channels: Pick<Channel<never>, 'stats'>[]): number[] {
  return channels.flatMap((c) => [c.stats().waitingPushers, c.stats().waitingPullers]);
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('errors name derived channels', () => {
  test('merged channel: ChannelEmptyError, ChannelFullError and ChannelClosedError carry it and name it', async () => {
    const a = new Channel<number>(2);
    const merged = merge(a);
    const empty = thrown(() => merged.pullNowait()) as ChannelEmptyError;
    expect(empty).toBeInstanceOf(ChannelEmptyError);
    expect(empty).toBeInstanceOf(ChannelError);
    expect(empty.name).toBe('ChannelEmptyError');
    expect(empty.channel).toBe(merged);
    expect(empty.message).toContain('merge');
    expect(empty.message).toContain('pullNowait');
    await a.push(1);
    await flush();
    expect(merged.full).toBe(true);
    const full = thrown(() => merged.pushNowait(2)) as ChannelFullError;
    expect(full).toBeInstanceOf(ChannelFullError);
    expect(full.channel).toBe(merged);
    expect(full.message).toContain('merge');
    expect(full.message).toContain('pushNowait');
    a.close();
    expect(merged.pullNowait()).toBe(1);
    const closed = thrown(() => merged.pullNowait()) as ChannelClosedError;
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect(closed.channel).toBe(merged);
    expect(closed.message).toContain('merge');
  });

  test('subscriber and from channels: errors carry the channel and name it', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe();
    const e1 = thrown(() => sub.pullNowait()) as ChannelEmptyError;
    expect(e1.channel).toBe(sub);
    expect(e1.message).toContain('subscriber');
    const f = from([1], { name: 'numbers' });
    await expect(f.pull()).resolves.toBe(1);
    const e2 = (await f.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(e2).toBeInstanceOf(ChannelClosedError);
    expect(e2.channel).toBe(f);
    expect(e2.message).toContain('numbers');
    expect(e2.message).toContain('pull');
  });

  test('pullMany on a closed merged channel names pullMany', async () => {
    const a = new Channel<number>();
    a.close();
    const merged = merge(a);
    const error = (await merged.pullMany(3).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toContain('pullMany');
    expect(error.channel).toBe(merged);
  });
});

describe('an iterator returned while its next() waits on a derived channel', () => {
  for (const [label, make] of [
    [
      'merge',
      () => {
        const a = new Channel<number>();
        return { channel: merge(a), feed: (v: number) => a.push(v), up: [a] };
      },
    ],
    [
      'subscriber',
      () => {
        const s = new Channel<number>();
        const sub = broadcast(s).subscribe();
        return { channel: sub, feed: (v: number) => s.push(v), up: [s] };
      },
    ],
  ] as const) {
    test(`${label}: next() resolves done, a value sent afterwards goes to the next reader, nothing stays parked`, async () => {
      const { channel, feed, up } = make();
      const iterator = channel[Symbol.asyncIterator]();
      const waiting = track(iterator.next());
      await flush();
      expect(channel.stats().waitingPullers).toBe(1);
      await iterator.return?.();
      await flush();
      expect(waiting.current).toEqual({ status: 'fulfilled', value: { done: true, value: undefined } });
      expect(parked(channel)).toEqual([0, 0]);
      expect(channel.closed).toBe(false);
      const sent = feed(42);
      expect(await channel.pull()).toBe(42);
      await sent;
      expect(parked(channel, ...up)).toEqual([0, 0, 0, label === 'merge' ? 1 : 1]);
    });
  }
});

describe('nested derived channels', () => {
  test('merge(merge(a), merge(b)): a reason on b reaches the outer channel after the values taken, FIFO per input', async () => {
    const a = new Channel<number>(5);
    const b = new Channel<number>(5);
    const outer = merge(merge(a), merge(b));
    await a.pushAll([1, 2, 3]);
    a.close();
    const got: number[] = [];
    got.push(await outer.pull(), await outer.pull(), await outer.pull());
    await b.pushAll([10, 20]);
    const reason = new Error('b broke');
    const reading = (async () => {
      try {
        for await (const v of outer) got.push(v);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    await sleep();
    b.close(reason);
    expect(await reading).toBe(reason);
    expect(got).toEqual([1, 2, 3, 10, 20]);
    await expect(outer.pull()).rejects.toMatchObject({ cause: reason });
  });

  test('closing the outer of merge(merge(a)) leaves no pull parked on a once the inner merge is closed too', async () => {
    const a = new Channel<number>();
    const inner = merge(a);
    const outer = merge(inner);
    await flush();
    outer.close();
    inner.close();
    await flush();
    expect(parked(a, inner, outer)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('broadcast of a subscriber of a broadcast: the close reason reaches the second level after every value', async () => {
    const source = new Channel<number>();
    const level1 = broadcast(source).subscribe({ capacity: 2 });
    const level2a = broadcast(level1).subscribe({ capacity: 1 });
    const reason = new Error('done');
    const producing = (async () => {
      await source.pushAll([1, 2, 3, 4, 5]);
      source.close(reason);
    })();
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of level2a) got.push(v);
    } catch (e) {
      error = e;
    }
    await producing;
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(error).toBe(reason);
    expect(level1.closed).toBe(true);
  });
});

describe('broadcast.close() under load', () => {
  test('with a full subscriber and a parked pusher on the source: the push stays parked, the subscriber keeps its values, nothing is pulled', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.push(1);
    const second = track(source.push(2));
    await flush();
    hub.close();
    await flush();
    expect(second.current.status).toBe('pending');
    expect(parked(source)).toEqual([1, 0]);
    expect(sub.closed).toBe(true);
    expect(await sub.pullMany(5)).toEqual([1]);
    await expect(sub.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(((await sub.pull().catch((e: unknown) => e)) as ChannelClosedError).cause).toBeUndefined();
    expect(await source.pull()).toBe(2);
    // a later subscribe gets a closed channel
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
  });

  test('a select parked on two subscribers ends with ok: false when the broadcast is closed', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe();
    const result = track(select([pull(s1), pull(s2)]));
    await flush();
    hub.close();
    await flush();
    expect(result.current.status).toBe('fulfilled');
    expect((result.current as { value: { ok: boolean } }).value.ok).toBe(false);
    expect(parked(source, s1, s2)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('many waiters on derived channels', () => {
  test('ten pulls parked on a merged channel are served in FIFO order', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const merged = merge(a, b);
    const pulls = Array.from({ length: 10 }, () => merged.pull());
    await flush();
    expect(merged.stats().waitingPullers).toBe(10);
    for (let i = 0; i < 10; i++) await (i % 2 ? a : b).push(i);
    expect(await Promise.all(pulls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parked(merged)).toEqual([0, 0]);
  });

  test('five parked pulls on a subscriber, three aborted: the two left get the first two values, nothing lost', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe({ capacity: 4 });
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const pulls = controllers.map((c) => track(sub.pull({ signal: c.signal })));
    await flush();
    for (const i of [0, 2, 4]) controllers[i]?.abort(new Error(`abort ${i}`));
    await source.pushAll([1, 2, 3]);
    await flush();
    expect(pulls.map((p) => p.current.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect([pulls[1]?.current, pulls[3]?.current]).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 },
    ]);
    expect(sub.tryPull()).toBe(3);
  });

  test('many selects over the same merged channel and a plain one: every value once', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const plain = new Channel<number>();
    const results = Array.from({ length: 20 }, () => select([pull(merged), pull(plain)]));
    await flush();
    for (let i = 0; i < 10; i++) await a.push(i);
    for (let i = 10; i < 20; i++) await plain.push(i);
    const values = (await Promise.all(results)).map((r) => r.value as number);
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // the merge, empty again, waits on its open input (README): one internal pull on a
    expect(parked(a, merged, plain)).toEqual([0, 1, 0, 0, 0, 0]);
  });
});

describe('abort and close together on derived channels', () => {
  test('abort then close in the same turn: the parked pull rejects with the abort reason', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const c = new AbortController();
    const p = merged.pull({ signal: c.signal }).catch((e: unknown) => e);
    await flush();
    const reason = new Error('aborted');
    c.abort(reason);
    merged.close(new Error('closed'));
    expect(await p).toBe(reason);
  });

  test('close then abort in the same turn: the parked pull rejects with ChannelClosedError carrying the close reason', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe();
    const c = new AbortController();
    const p = sub.pull({ signal: c.signal }).catch((e: unknown) => e);
    await flush();
    const reason = new Error('closed');
    sub.close(reason);
    c.abort(new Error('aborted'));
    const error = (await p) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
  });

  test('a subscriber whose signal is already aborted is closed at once and holds the broadcast back in nothing', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const c = new AbortController();
    c.abort();
    const gone = hub.subscribe({ signal: c.signal });
    const live = hub.subscribe();
    expect(gone.closed).toBe(true);
    await source.push(1);
    expect(await live.pull()).toBe(1);
  });
});

describe('re-entrancy from callbacks', () => {
  test('closing an input with a reason from inside a for await over the merge: the value already taken is delivered, then the reason', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    await a.pushAll([1, 2]);
    const merged = merge(a, b);
    const reason = new Error('stop');
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const v of merged) {
        got.push(v);
        if (got.length === 1) b.close(reason);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBe(reason);
    // the merge took 1, then (its buffer of one) 2 ahead: 2 is delivered before the reason
    expect(got).toEqual([1, 2]);
    expect(a.size).toBe(0);
  });

  test('closing one subscriber from a then-callback of another subscriber’s pull loses nothing for the others', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = hub.subscribe({ capacity: 5 });
    const s2 = hub.subscribe({ capacity: 1 });
    const s3 = hub.subscribe({ capacity: 5 });
    void s1.pull().then(() => s2.close());
    await source.pushAll([1, 2, 3, 4, 5]);
    source.close();
    const got: number[] = [];
    for await (const v of s3) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(await s1.pullMany(10)).toEqual([2, 3, 4, 5]);
  });

  test('pushing into an input from a select result handler on the merged channel is delivered', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const first = select([pull(merged)]).then(async (r) => {
      await a.push((r.value as number) + 1);
      return r.value;
    });
    await a.push(1);
    expect(await first).toBe(1);
    expect(await merged.pull()).toBe(2);
  });

  test('selectNowait with a push case into a full merged channel and a ready pull case picks the pull', async () => {
    const a = new Channel<number>(1);
    const merged = merge(a);
    await a.push(1);
    await flush();
    const plain = new Channel<number>(1);
    await plain.push(9);
    const r = selectNowait([push(merged, 5), pull(plain)]);
    expect(r?.index).toBe(1);
    expect(merged.tryPull()).toBe(1);
  });
});

describe('disposal of derived channels', () => {
  test('using on a from(generator) channel runs the generator’s finally before the block’s next statement', () => {
    const log: string[] = [];
    function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        log.push('finally');
      }
    }
    {
      using ch = from(gen(), { capacity: 1 });
      log.push(`size ${ch.size}`);
    }
    log.push('after');
    expect(log.at(-1)).toBe('after');
    expect(log).toContain('finally');
    expect(log.indexOf('finally')).toBeLessThan(log.indexOf('after'));
  });

  test('await using on a subscriber leaves the broadcast; the others go on', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const stays = hub.subscribe({ capacity: 10 });
    {
      await using leaving = hub.subscribe();
      const p = source.push(1);
      expect(await leaving.pull()).toBe(1);
      await p;
    }
    await source.pushAll([2, 3, 4]);
    expect(await stays.pullMany(10)).toEqual([1, 2, 3, 4]);
  });
});
