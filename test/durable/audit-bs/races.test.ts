// Blind acceptance tests (audit BS-durable): several clients racing, operations started together,
// aborts racing commits, leases and redelivery, names.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Channel, ChannelClosedError } from '../../../src/index.js';
import { fresh, open, rejection, until } from './util.js';

const SLICE = { sliceMs: 300, leaseMs: 2000 };

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error) => ({ ok: false as const, error }),
  );
}

describe('operations started together without awaiting', () => {
  it('Promise.all pushes are stored in push order; Promise.all pulls take in pull order', async () => {
    const ch = open<number>(fresh('together'));
    await Promise.all(Array.from({ length: 50 }, (_, i) => ch.push(i)));
    const pulled = await Promise.all(Array.from({ length: 50 }, () => ch.pull()));
    expect(pulled).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await ch.close();
  });

  it('push(1); push(2); close() in one run stores both values, as locally', async () => {
    const ch = open<number>(fresh('push-close'));
    const p1 = ch.push(1);
    const p2 = ch.push(2);
    const c = ch.close('end');
    const after = outcome(ch.push(3));
    await Promise.all([p1, p2, c]);
    const a = await after;
    expect(a.ok).toBe(false);
    expect((a as { error: unknown }).error).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('the documented capacity-1 example: push(1), push(2), tryPull(), tryPull()', async () => {
    const ch = open<number>(fresh('cap1-example'), { capacity: 1, ...SLICE });
    const [, , a, b] = await Promise.all([ch.push(1), ch.push(2), ch.tryPull(), ch.tryPull()]);
    expect(a).toBe(1);
    expect(b).toBeUndefined();
    expect(await ch.pull()).toBe(2);
    await ch.close();
  });

  it('iterator next() calls made without awaiting come in FIFO order', async () => {
    const ch = open<number>(fresh('iter-together'));
    for (let i = 0; i < 5; i++) await ch.push(i);
    const it = ch[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
    await it.return?.();
    await ch.close();
  });
});

describe('several clients racing', () => {
  it('producers and consumers on a bounded channel: nothing lost, duplicated or reordered per producer', async () => {
    const name = fresh('race');
    const P = 4;
    const N = 15;
    const producers = Array.from({ length: P }, async (_, p) => {
      const c = open<[number, number]>(name, { capacity: 3, ...SLICE });
      for (let i = 0; i < N; i++) await c.push([p, i]);
    });
    const received: [number, number][][] = [[], [], []];
    const consumers = received.map(async (bucket, k) => {
      const c = open<[number, number]>(name, { capacity: 3, ...SLICE });
      try {
        for (;;) {
          if (k === 0) bucket.push(await c.pull());
          else if (k === 1) bucket.push(...(await c.pullMany(4)));
          else {
            const v = await c.tryPull();
            if (v === undefined) bucket.push(...(await c.pullMany(2)));
            else bucket.push(v);
          }
        }
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) throw error;
      }
    });
    await Promise.all(producers);
    await open<[number, number]>(name, { capacity: 3 }).close();
    await Promise.all(consumers);
    const all = received.flat();
    expect(all.length).toBe(P * N);
    for (let p = 0; p < P; p++) {
      const fromP = all.filter(([q]) => q === p).map(([, i]) => i);
      expect(fromP.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    }
    // Each consumer's own receptions keep each producer's order (global FIFO).
    for (const bucket of received) {
      for (let p = 0; p < P; p++) {
        const seq = bucket.filter(([q]) => q === p).map(([, i]) => i);
        expect(seq).toEqual([...seq].sort((a, b) => a - b));
      }
    }
    const s = await open(name).stats();
    expect(s).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0, closed: true });
  });

  it('one push id from two clients at once, while waiting for room: stored once, both resolve', async () => {
    const name = fresh('same-id');
    const a = open<string>(name, { capacity: 1, ...SLICE });
    const b = open<string>(name, { capacity: 1, ...SLICE });
    await a.push('x');
    const pa = a.push('v', { id: 'dup' });
    const pb = b.push('v', { id: 'dup' });
    await until(async () => (await a.stats()).waitingPushers >= 1);
    expect(await a.pull()).toBe('x');
    await Promise.all([pa, pb]);
    expect(await a.pullWithId()).toMatchObject({ value: 'v', id: 'dup' });
    expect(await a.tryPull()).toBeUndefined();
    await a.close();
  });
});

describe('aborts racing commits: a rejected operation did nothing, a resolved one did it once', () => {
  it('abort of a waiting push racing a pull that makes room', async () => {
    for (let round = 0; round < 8; round++) {
      const ch = open<string>(fresh('race-abort-push'), { capacity: 1, ...SLICE });
      await ch.push('a');
      const ac = new AbortController();
      const push = outcome(ch.push('w', { signal: ac.signal }));
      await until(async () => (await ch.stats()).waitingPushers === 1);
      const pull = ch.pull();
      if (round % 2) await Promise.resolve();
      ac.abort();
      expect(await pull).toBe('a');
      const o = await push;
      const rest = await ch.tryPullMany(10);
      if (o.ok) expect(rest).toEqual(['w']);
      else {
        expect(o.error).toBe(ac.signal.reason);
        expect(rest).toEqual([]);
      }
      expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
      await ch.close();
    }
  });

  it('abort of a waiting pull racing a push', async () => {
    for (let round = 0; round < 8; round++) {
      const ch = open<string>(fresh('race-abort-pull'), SLICE);
      const ac = new AbortController();
      const pull = outcome(ch.pull({ signal: ac.signal }));
      await until(async () => (await ch.stats()).waitingPullers === 1);
      const push = ch.push('v');
      if (round % 2) await new Promise((r) => setTimeout(r, 1));
      ac.abort();
      await push;
      const o = await pull;
      await until(async () => (await ch.stats()).leased === 0);
      const rest = await ch.tryPullMany(10);
      if (o.ok) {
        expect(o.value).toBe('v');
        expect(rest).toEqual([]);
      } else {
        expect(o.error).toBe(ac.signal.reason);
        expect(rest).toEqual(['v']);
      }
      expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
      await ch.close();
    }
  });

  it('a value handed to an aborted pull goes to the oldest waiting pull', async () => {
    const name = fresh('abort-handoff');
    const ch = open<string>(name, SLICE);
    const ac = new AbortController();
    const first = outcome(ch.pull({ signal: ac.signal }));
    await until(async () => (await ch.stats()).waitingPullers === 1);
    const second = open<string>(name, SLICE).pull();
    await until(async () => (await ch.stats()).waitingPullers === 2);
    const push = ch.push('v');
    ac.abort();
    await push;
    const o = await first;
    if (o.ok) {
      expect(o.value).toBe('v');
      await ch.push('w');
      expect(await second).toBe('w');
    } else {
      expect(await second).toBe('v');
    }
    await ch.close();
  });
});

describe('leases', () => {
  it('a short lease still delivers each value exactly once to a live puller', async () => {
    const ch = open<number>(fresh('short-lease'), { leaseMs: 1, sliceMs: 200 });
    for (let i = 0; i < 10; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('a pulling request that goes away while it waits loses no value', async () => {
    const name = fresh('gone');
    const ac = new AbortController();
    const request = outcome(
      exports.default.fetch(`http://x/pull?withId=1&name=${encodeURIComponent(name)}&leaseMs=300&sliceMs=200`, {
        signal: ac.signal,
      }),
    );
    const ch = open<string>(name, { leaseMs: 300, sliceMs: 200 });
    await until(async () => (await ch.stats()).waitingPullers === 1);
    ac.abort();
    const r = await request;
    expect(r.ok).toBe(false);
    await ch.push('precious', { id: 'p1' });
    const d = await ch.pullWithId({ signal: AbortSignal.timeout(8000) });
    expect(d.value).toBe('precious');
    expect(d.id).toBe('p1');
    expect(d.attempt).toBeGreaterThanOrEqual(1);
    await until(async () => (await ch.stats()).leased === 0);
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });
});

describe('close while waiters of several clients wait', () => {
  it('every waiting push of every client fails, none is stored; waiting pulls fail after the drain', async () => {
    const name = fresh('close-many');
    const ch = open<number>(name, { capacity: 2, ...SLICE });
    await ch.push(0);
    await ch.push(1);
    const pushes = [2, 3, 4, 5].map((v) => outcome(open<number>(name, { capacity: 2, ...SLICE }).push(v)));
    await until(async () => (await ch.stats()).waitingPushers === 4);
    await ch.close('stop');
    for (const p of pushes) {
      const o = await p;
      expect(o.ok).toBe(false);
      expect((o as { error: unknown }).error).toBeInstanceOf(ChannelClosedError);
    }
    expect(await ch.pullMany(10)).toEqual([0, 1]);
    const e = (await rejection(ch.pull())) as ChannelClosedError;
    expect(e.cause).toBe('stop');
  });
});

describe('falsy close reasons, as a local channel', () => {
  for (const reason of [null, 0, '', false]) {
    it(`close(${JSON.stringify(reason)}): cause and iteration as locally`, async () => {
      const local = new Channel<number>(1);
      local.close(reason);
      const localPull = (await rejection(local.pull())) as ChannelClosedError;
      const localIter = await outcome(
        (async () => {
          for await (const _ of local) {
          }
        })(),
      );
      const ch = open<number>(fresh('falsy'));
      await ch.close(reason);
      const pull = (await rejection(ch.pull())) as ChannelClosedError;
      expect('cause' in pull).toBe('cause' in localPull);
      expect(pull.cause).toBe(localPull.cause);
      const iter = await outcome(
        (async () => {
          for await (const _ of ch) {
          }
        })(),
      );
      expect(iter).toEqual(localIter);
    });
  }
});

describe('names', () => {
  it('stats().name is the name; error messages carry it', async () => {
    const name = fresh('named "quoted"');
    const ch = open<number>(name);
    await ch.close();
    expect((await ch.stats()).name).toBe(name);
    const e = (await rejection(ch.push(1))) as Error;
    expect(e.message).toContain('push');
    expect(e.message).toContain(name);
  });

  it('two names that differ only in lone surrogates are two channels (or are refused)', async () => {
    const base = fresh('surrogate');
    let a: ReturnType<typeof open<number>>;
    let b: ReturnType<typeof open<number>>;
    try {
      a = open<number>(`${base}\uD800`);
      b = open<number>(`${base}\uDC00`);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return;
    }
    await a.push(1);
    expect(await b.tryPull()).toBeUndefined();
    expect((await b.stats()).name).toBe(`${base}\uDC00`);
    await a.close();
    await b.close();
  });
});
