/**
 * Audit G: the parts of Go's channel tests and programs that test/go-channel-tests.test.ts and
 * test/programs-go.test.ts had not ported yet — test/chan/select.go, select5.go (its generated
 * cases, enumerated here instead of generated as Go source), select8.go, sieve.go's plain
 * sieve, Pike's Google Search 2.0/2.1 (1.0 has no channel), Go by Example's channel buffering
 * and WaitGroup, runtime/chan_test.go's later tests (TestSelectFairness in Go's own shape,
 * TestSelectStackAdjust) and benchmarks run as programs, Mills's queue and resource pool, and
 * A Tour of Go's Equivalent Binary Trees and Web Crawler — and the Go semantics around them an
 * outsider probes.
 *
 * Not ported, and why:
 * - test/chan/powser2.go is powser1.go with the series' element type behind an interface; its
 *   channel use is powser1's, already ported.
 * - select5.go's recvOrder/sendOrder check Go's order of evaluation of the channel and value
 *   expressions of a select's cases (left to right, before choosing). In JavaScript the array
 *   of cases is an ordinary array literal evaluated left to right before `select` is called; the
 *   one library fact in it — a push case's value is the value given when the case was built —
 *   is tested below.
 * - runtime/chan_test.go's TestNoShrinkStackWhileParking, TestSelectStackAdjust and the
 *   benchmarks are about goroutine stacks and preemption, which an event loop has not.
 */
import { describe, expect, test } from 'vitest';
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  type PullChannel,
  pull,
  push,
  type SelectCase,
  select,
  selectNowait,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function waiters(...channels: Channel<any>[]): number {
  let n = 0;
  for (const c of channels) n += c.stats().waitingPushers + c.stats().waitingPullers;
  return n;
}

describe('test/chan/select.go', () => {
  test('a select-with-default loop sends one value per buffered channel, then takes the default; nil-ing a case removes it', () => {
    let counter = 0;
    let shift = 0;
    const getValue = () => {
      counter++;
      return 1 << shift;
    };
    const send = (a0: Channel<number> | null, b0: Channel<number> | null): number => {
      let a = a0;
      let b = b0;
      let i = 0;
      for (;;) {
        // Go evaluates every case's value, nil channel or not.
        const va = getValue();
        const vb = getValue();
        const r = selectNowait([a ? push(a, va) : null, b ? push(b, vb) : null]);
        if (r === undefined) break;
        i++;
        if (r.index === 0) a = null;
        else b = null;
        shift++;
      }
      return i;
    };
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    expect(send(a, b)).toBe(2);
    const av = a.pullNowait();
    const bv = b.pullNowait();
    expect(av | bv).toBe(3);
    expect(av).not.toBe(bv);
    expect(send(a, null)).toBe(1);
    expect(counter).toBe(10);
    expect(a.size).toBe(1);
    expect(b.size).toBe(0);
  });
});

describe('test/chan/select5.go: every shape of a one-real-case select', () => {
  /** Every subset of the optional extras, in Go's template order. */
  type Extra = 'dummyPush' | 'dummyPull' | 'nilPush' | 'nilPull';
  const extras: Extra[] = ['dummyPush', 'dummyPull', 'nilPush', 'nilPull'];
  const subsets: Extra[][] = [];
  for (let mask = 0; mask < 1 << extras.length; mask++) subsets.push(extras.filter((_, i) => mask & (1 << i)));
  const shapes: [string, boolean, Extra[]][] = [];
  for (const kind of ['recv', 'send'])
    for (const nonblocking of [false, true]) for (const s of subsets) shapes.push([kind, nonblocking, s]);

  function build(real: SelectCase, dummy: Channel<number>, chosen: Extra[], realAt: number) {
    const cases: (SelectCase | null)[] = [];
    for (const e of chosen) {
      if (e === 'dummyPush') cases.push(push(dummy, 1));
      else if (e === 'dummyPull') cases.push(pull(dummy));
      else cases.push(null);
    }
    cases.splice(realAt, 0, real);
    return cases;
  }

  test.each(shapes)(
    '%s, nonblocking %s, with %j: the real case on a buffered channel fires with its value and nothing else moves',
    async (kind, nonblocking, chosen) => {
      for (let realAt = 0; realAt <= chosen.length; realAt++) {
        const c = new Channel<number>(1);
        const dummy = new Channel<number>();
        const n = 7 + realAt;
        if (kind === 'recv') c.pushNowait(n);
        const real = kind === 'recv' ? pull(c) : push(c, n);
        const cases = build(real, dummy, chosen, realAt);
        const r = nonblocking ? selectNowait(cases) : await select(cases);
        expect(r).toEqual({ index: realAt, channel: c, value: kind === 'recv' ? n : undefined, ok: true });
        if (kind === 'send') expect(c.pullNowait()).toBe(n);
        expect(c.size).toBe(0);
        expect(waiters(c, dummy)).toBe(0);
      }
    },
  );

  test.each(subsets.map((s) => [s] as [Extra[]]))(
    'nonblock with %j: nothing is ready, so the default runs and no case touched anything',
    (chosen) => {
      const dummy = new Channel<number>();
      const cases = chosen.map((e) => (e === 'dummyPush' ? push(dummy, 1) : e === 'dummyPull' ? pull(dummy) : null));
      // Twice, so a dummy case parked by mistake would be met by the second.
      expect(selectNowait(cases)).toBeUndefined();
      expect(selectNowait(cases)).toBeUndefined();
      expect(waiters(dummy)).toBe(0);
      expect(dummy.tryPush(1)).toBe(false);
      expect(dummy.tryPull()).toBeUndefined();
    },
  );

  test("a push case's value is the one given when the case was built, whatever the variable holds later", async () => {
    const c = new Channel<{ n: number }>();
    let v = { n: 1 };
    const parked = select([push(c, v)]);
    v = { n: 2 };
    expect(await c.pull()).toEqual({ n: 1 });
    expect(v).toEqual({ n: 2 });
    await parked;
  });
});

describe('test/chan/select8.go', () => {
  test('one-, two- and three-case selects against an endless sender each do what their cases say', async () => {
    const ch = new Channel<number>();
    const stop = new AbortController();
    const sender = (async () => {
      for (;;) await ch.push(5, { signal: stop.signal });
    })().catch((e: unknown) => e);

    expect(await select([pull(ch)])).toMatchObject({ index: 0, value: 5, ok: true });
    expect(selectNowait([])).toBeUndefined();
    await flush();
    // The sender is parked again: a one-case select with default receives from it.
    expect(selectNowait([pull(ch)])).toMatchObject({ index: 0, value: 5 });
    await flush();
    // A pull and a push case on the same unbuffered channel: only the sender can match.
    for (let i = 0; i < 50; i++) {
      await flush();
      expect(selectNowait([pull(ch), push(ch, 10)])).toMatchObject({ index: 0, value: 5, ok: true });
    }
    stop.abort(new Error('done'));
    expect(await sender).toEqual(new Error('done'));
    expect(waiters(ch)).toBe(0);
  });
});

describe('test/chan/sieve.go', () => {
  test('the classic prime sieve of chained filter loops on unbuffered channels prints the first 30 primes', async () => {
    const stop = new AbortController();
    const { signal } = stop;
    const generate = async (ch: Channel<number>) => {
      for (let i = 2; ; i++) await ch.push(i, { signal });
    };
    const filter = async (inp: PullChannel<number>, out: Channel<number>, prime: number) => {
      for (;;) {
        const i = await inp.pull({ signal });
        if (i % prime !== 0) await out.push(i, { signal });
      }
    };
    const loops: Promise<unknown>[] = [];
    const channels: Channel<number>[] = [];
    let ch = new Channel<number>();
    channels.push(ch);
    loops.push(generate(ch).catch((e) => e));
    const primes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const prime = await ch.pull();
      primes.push(prime);
      const ch1 = new Channel<number>();
      channels.push(ch1);
      loops.push(filter(ch, ch1, prime).catch((e) => e));
      ch = ch1;
    }
    expect(primes).toEqual([
      2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107,
      109, 113,
    ]);
    stop.abort(new Error('sieve done'));
    for (const e of await Promise.all(loops)) expect(e).toEqual(new Error('sieve done'));
    expect(waiters(...channels)).toBe(0);
  });
});

describe('Go by Example', () => {
  test('channel buffering: a channel of capacity 2 takes two pushes with no receiver, then refuses a third', async () => {
    const messages = new Channel<string>(2);
    await messages.push('buffered');
    await messages.push('channel');
    expect(messages.tryPush('third')).toBe(false);
    expect(messages.full).toBe(true);
    expect(await messages.pull()).toBe('buffered');
    expect(await messages.pull()).toBe('channel');
    expect(messages.empty).toBe(true);
  });

  test('goroutines with a done channel per worker (the WaitGroup written with channels) all finish, each once', async () => {
    const done = new Channel<number>();
    const log: string[] = [];
    const worker = async (id: number) => {
      log.push(`Worker ${id} starting`);
      await sleep(id);
      log.push(`Worker ${id} done`);
      await done.push(id);
    };
    for (let i = 1; i <= 5; i++) void worker(i);
    const finished: number[] = [];
    for (let i = 0; i < 5; i++) finished.push(await done.pull());
    expect(finished.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(log.filter((l) => l.endsWith('done'))).toHaveLength(5);
    expect(waiters(done)).toBe(0);
  });
});

describe('Go Concurrency Patterns (Pike): Google Search 1.0 to 2.1', () => {
  const fakeSearch =
    (kind: string, ms: number) =>
    async (query: string): Promise<string> => {
      await sleep(ms);
      return `${kind} result for "${query}"`;
    };
  const web = fakeSearch('web', 10);
  const image = fakeSearch('image', 20);
  const video = fakeSearch('video', 200);

  test('Google 2.0: three searches fanned in on one channel return all three results', async () => {
    const c = new Channel<string>();
    for (const search of [web, image, video]) void search('golang').then((r) => c.push(r));
    const results: string[] = [];
    for (let i = 0; i < 3; i++) results.push(await c.pull());
    expect(results).toEqual(['web result for "golang"', 'image result for "golang"', 'video result for "golang"']);
    expect(waiters(c)).toBe(0);
  });

  test('Google 2.1: one after() for the whole search drops the slow result, whose sender stays parked until aborted', async () => {
    const c = new Channel<string>();
    const senders = new AbortController();
    const pending = [web, image, video].map((search) =>
      search('golang').then((r) => c.push(r, { signal: senders.signal })),
    );
    const results: string[] = [];
    const timeout = afterMs(80);
    for (let i = 0; i < 3; i++) {
      const r = await select([pull(c), pull(timeout)]);
      if (r.index === 1) {
        results.push('timed out');
        break;
      }
      results.push(r.value as string);
    }
    expect(results).toEqual(['web result for "golang"', 'image result for "golang"', 'timed out']);
    expect(timeout.closed).toBe(true);
    // Go leaks the video goroutine here; the signal lets it go.
    await sleep(200);
    expect(c.stats().waitingPushers).toBe(1);
    senders.abort(new Error('search over'));
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(waiters(c)).toBe(0);
  });
});

describe('Go channel semantics around the ports', () => {
  test('a select over two pull cases on one buffered channel holding two values takes exactly one', async () => {
    for (let i = 0; i < 50; i++) {
      const c = new Channel<number>(2);
      c.pushNowait(1);
      c.pushNowait(2);
      const r = await select([pull(c), pull(c)]);
      expect(r.value).toBe(1);
      expect(c.size).toBe(1);
      expect(c.pullNowait()).toBe(2);
    }
  });

  test('a parked select with two pull cases on one channel counts twice in stats and leaves none after one push', async () => {
    const c = new Channel<number>();
    const parked = select([pull(c), pull(c)]);
    await flush();
    expect(c.stats().waitingPullers).toBe(2);
    await c.push(3);
    expect(await parked).toMatchObject({ value: 3, ok: true });
    expect(waiters(c)).toBe(0);
  });

  test('a select with a push and a pull case on an empty buffered channel with room pushes, and does not pull its own value back', async () => {
    for (let i = 0; i < 50; i++) {
      const c = new Channel<number>(1);
      const r = await select([pull(c), push(c, 4)]);
      expect(r).toMatchObject({ index: 1, ok: true, value: undefined });
      expect(c.size).toBe(1);
      expect(c.pullNowait()).toBe(4);
    }
  });

  test('a select with both cases on a full buffered channel of capacity 1 pulls, and the push does not also commit', async () => {
    for (let i = 0; i < 50; i++) {
      const c = new Channel<number>(1);
      c.pushNowait(1);
      const r = await select([push(c, 2), pull(c)]);
      expect(r).toMatchObject({ index: 1, value: 1, ok: true });
      expect(c.size).toBe(0);
    }
  });

  test('zero values pass as values: 0, false, "", null and undefined all arrive with ok true through select', async () => {
    const values = [0, false, '', null, undefined, Number.NaN, -0];
    for (const cap of [0, 1]) {
      const c = new Channel<unknown>(cap);
      for (const v of values) {
        const parked = select([pull(c)]);
        await c.push(v);
        const r = await parked;
        expect(r.ok).toBe(true);
        expect(Object.is(r.value, v)).toBe(true);
      }
      c.close();
      expect(await select([pull(c)])).toMatchObject({ ok: false, value: undefined });
    }
  });

  test('closing with a reason wakes a parked pull case with ok false and no value, and the reason stays for pull()', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const parked = select([pull(c), pull(d)]);
    await flush();
    const reason = new Error('shutdown');
    c.close(reason);
    expect(await parked).toEqual({ index: 0, channel: c, value: undefined, ok: false });
    const e = await c.pull().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBe(reason);
    expect(waiters(c, d)).toBe(0);
  });

  test('a select woken by close in the same turn a value is pushed on its other channel fires one case only', async () => {
    for (let i = 0; i < 100; i++) {
      const c = new Channel<number>();
      const d = new Channel<number>();
      const parked = track(select([pull(c), pull(d)]));
      await flush();
      const order = i % 2;
      let pushed: ReturnType<typeof track> | undefined;
      if (order === 0) {
        c.close();
        pushed = track(d.push(1));
      } else {
        pushed = track(d.push(1));
        c.close();
      }
      await flush();
      const r = parked.current;
      expect(r.status).toBe('fulfilled');
      if (order === 0) {
        expect(r).toMatchObject({ value: { index: 0, ok: false } });
        expect(pushed.current.status).toBe('pending');
        expect(d.pullNowait()).toBe(1);
      } else {
        expect(r).toMatchObject({ value: { index: 1, value: 1, ok: true } });
        expect(pushed.current.status).toBe('fulfilled');
      }
      await flush();
      expect(waiters(c, d)).toBe(0);
    }
  });

  test('a buffered channel with parked senders: each pull moves the oldest sender in, and a close then fails only those still parked', async () => {
    const c = new Channel<number>(1);
    c.pushNowait(0);
    const p1 = track(c.push(1));
    const p2 = track(select([push(c, 2)]));
    const p3 = track(c.push(3));
    await flush();
    expect(c.pullNowait()).toBe(0);
    await flush();
    expect(p1.current.status).toBe('fulfilled');
    expect(c.size).toBe(1);
    c.close();
    await flush();
    expect(p2.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
    expect(p3.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
    expect(await c.pull()).toBe(1);
    expect(await select([pull(c)])).toMatchObject({ ok: false });
  });
});

describe('selects holding two cases in one queue, among plain waiters (TestSelectDuplicateChannel, widened)', () => {
  test.each(['pull', 'push'] as const)(
    'close fails or ends every %s waiter once, whether a plain operation or a select with two cases queued between them',
    async (kind) => {
      const c = new Channel<number>();
      const d = new Channel<number>();
      const op = (v: number): Promise<unknown> => (kind === 'pull' ? c.pull() : c.push(v));
      const side = (v: number) => (kind === 'pull' ? pull(c) : push(c, v));
      const a = track(op(1));
      const s1 = track(select([side(2), pull(d), side(3)]));
      const b = track(op(4));
      const s2 = track(select([side(5), side(6)]));
      const e = track(op(7));
      await flush();
      expect(c.stats()[kind === 'pull' ? 'waitingPullers' : 'waitingPushers']).toBe(7);
      c.close();
      await flush();
      for (const plain of [a, b, e])
        expect(plain.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
      for (const s of [s1, s2]) {
        if (kind === 'pull') expect(s.current).toMatchObject({ status: 'fulfilled', value: { ok: false, channel: c } });
        else expect(s.current).toMatchObject({ status: 'rejected', reason: expect.any(ChannelClosedError) });
      }
      expect(waiters(c, d)).toBe(0);
    },
  );

  test('pushes meet a select with three pull cases on one channel once, then the plain pull behind it, then nobody', async () => {
    const c = new Channel<number>();
    const s = track(select([pull(c), pull(c), pull(c)]));
    const a = track(c.pull());
    await flush();
    c.pushNowait(1);
    c.pushNowait(2);
    expect(() => c.pushNowait(3)).toThrow(expect.objectContaining({ name: 'ChannelFullError' }));
    await flush();
    expect(s.current).toMatchObject({ status: 'fulfilled', value: { value: 1, ok: true } });
    expect(a.current).toEqual({ status: 'fulfilled', value: 2 });
    expect(waiters(c)).toBe(0);
  });
});

describe('Rethinking Classical Concurrency Patterns (Bryan C. Mills, GopherCon 2018)', () => {
  /** Mills's queue: its state lives in a channel of capacity 1, an empty queue in another. */
  class Queue<T> {
    readonly items = new Channel<T[]>(1); // non-empty arrays only
    readonly empty = new Channel<true>(1); // holds true while the queue is empty
    constructor() {
      this.empty.pushNowait(true);
    }
    async get(signal?: AbortSignal): Promise<T> {
      const { value: items } = await select([pull(this.items)], { signal });
      const list = items as T[];
      const item = list[0] as T;
      if (list.length === 1) await this.empty.push(true);
      else await this.items.push(list.slice(1));
      return item;
    }
    async put(item: T): Promise<void> {
      const r = await select([pull(this.items), pull(this.empty)]);
      const list = r.index === 0 ? (r.value as T[]) : [];
      list.push(item);
      await this.items.push(list);
    }
  }

  test('a queue kept in a channel of capacity 1 hands every item to exactly one getter, in order, and a cancelled get takes nothing', async () => {
    const q = new Queue<number>();
    const cancelled = new AbortController();
    const lost = q.get(cancelled.signal).catch((e: unknown) => e);
    const getters = Array.from({ length: 20 }, () => q.get());
    await flush();
    cancelled.abort(new Error('gave up'));
    expect(await lost).toEqual(new Error('gave up'));
    for (let i = 0; i < 20; i++) {
      await q.put(i);
      if (i % 3 === 0) await sleep(0);
    }
    const got = await Promise.all(getters);
    // Getters parked on `items` are served first-in first-out, and each took the head.
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(q.empty.size).toBe(1);
    expect(q.items.size).toBe(0);
    expect(waiters(q.items, q.empty)).toBe(0);
  });

  test('a resource pool as a buffered channel: a select with default reuses an idle resource or makes a new one, and a full pool drops the extra', async () => {
    const pool = new Channel<{ id: number }>(2);
    let made = 0;
    const acquire = () => {
      const r = selectNowait([pull(pool)]);
      return r === undefined ? { id: ++made } : (r.value as { id: number });
    };
    const release = (resource: { id: number }) => selectNowait([push(pool, resource)]) !== undefined;
    const a = acquire();
    const b = acquire();
    const c = acquire();
    expect(made).toBe(3);
    expect([release(a), release(b), release(c)]).toEqual([true, true, false]);
    expect(acquire()).toBe(a);
    expect(acquire()).toBe(b);
    expect(acquire()).toEqual({ id: 4 });
  });
});

describe('A Tour of Go: the concurrency exercises', () => {
  interface Tree {
    left?: Tree;
    value: number;
    right?: Tree;
  }
  /** tree.New(k): a random-shaped binary search tree holding k, 2k, …, 10k. */
  function newTree(k: number, seed: number): Tree | undefined {
    let root: Tree | undefined;
    const values = Array.from({ length: 10 }, (_, i) => (i + 1) * k);
    let s = seed;
    for (let i = values.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [values[i], values[j]] = [values[j] as number, values[i] as number];
    }
    const insert = (t: Tree | undefined, v: number): Tree => {
      if (t === undefined) return { value: v };
      if (v < t.value) t.left = insert(t.left, v);
      else t.right = insert(t.right, v);
      return t;
    };
    for (const v of values) root = insert(root, v);
    return root;
  }

  /** Walk: sends the tree's values in order, then closes; stops when the reader closes the channel. */
  async function walk(t: Tree | undefined, ch: Channel<number>): Promise<void> {
    const rec = async (node: Tree | undefined): Promise<void> => {
      if (node === undefined) return;
      await rec(node.left);
      await ch.push(node.value);
      await rec(node.right);
    };
    try {
      await rec(t);
      ch.close();
    } catch (error) {
      if (!(error instanceof ChannelClosedError)) throw error;
    }
  }

  async function same(t1: Tree | undefined, t2: Tree | undefined): Promise<boolean> {
    const c1 = new Channel<number>();
    const c2 = new Channel<number>();
    const walkers = Promise.all([walk(t1, c1), walk(t2, c2)]);
    try {
      for (;;) {
        const [a, b] = await Promise.all([select([pull(c1)]), select([pull(c2)])]);
        if (a.ok !== b.ok || a.value !== b.value) return false;
        if (!a.ok) return true;
      }
    } finally {
      // The reader leaving closes both channels: a walker parked on its push stops there.
      c1.close();
      c2.close();
      await walkers;
      expect(waiters(c1, c2)).toBe(0);
    }
  }

  test('Equivalent Binary Trees: Walk yields 1..10 in order, Same tells equal trees from different ones, and no walker is left parked', async () => {
    const ch = new Channel<number>();
    void walk(newTree(1, 7), ch);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await same(newTree(1, 1), newTree(1, 2))).toBe(true);
    expect(await same(newTree(1, 3), newTree(2, 4))).toBe(false);
    expect(await same(newTree(1, 5), { value: 1 })).toBe(false);
  });

  test('Web Crawler: workers fetch in parallel, one owner loop dedups URLs, and every page is fetched exactly once', async () => {
    const fakeWeb: Record<string, string[]> = {
      'https://golang.org/': ['https://golang.org/pkg/', 'https://golang.org/cmd/'],
      'https://golang.org/pkg/': [
        'https://golang.org/',
        'https://golang.org/cmd/',
        'https://golang.org/pkg/fmt/',
        'https://golang.org/pkg/os/',
      ],
      'https://golang.org/pkg/fmt/': ['https://golang.org/', 'https://golang.org/pkg/'],
      'https://golang.org/pkg/os/': ['https://golang.org/', 'https://golang.org/pkg/'],
    };
    const fetched: string[] = [];
    const fetchUrl = async (url: string) => {
      fetched.push(url);
      await sleep(1);
      const urls = fakeWeb[url];
      if (urls === undefined) throw new Error(`not found: ${url}`);
      return urls;
    };
    // Each worker reports the links it found (or none) on one results channel.
    const results = new Channel<{ url: string; urls: string[]; error?: string }>();
    const seen = new Set<string>();
    let pending = 0;
    const start = (url: string, depth: number) => {
      if (depth <= 0 || seen.has(url)) return;
      seen.add(url);
      pending++;
      void fetchUrl(url).then(
        (urls) => results.push({ url, urls: depth > 1 ? urls : [] }),
        (error: Error) => results.push({ url, urls: [], error: error.message }),
      );
    };
    const depthOf = new Map<string, number>([['https://golang.org/', 4]]);
    start('https://golang.org/', 4);
    const errors: string[] = [];
    while (pending > 0) {
      const { url, urls, error } = await results.pull();
      pending--;
      if (error !== undefined) errors.push(error);
      const d = (depthOf.get(url) as number) - 1;
      for (const u of urls) {
        if (!depthOf.has(u)) depthOf.set(u, d);
        start(u, d);
      }
    }
    results.close();
    expect([...fetched].sort()).toEqual([...new Set(fetched)].sort());
    expect(new Set(fetched)).toEqual(
      new Set([
        'https://golang.org/',
        'https://golang.org/pkg/',
        'https://golang.org/cmd/',
        'https://golang.org/pkg/fmt/',
        'https://golang.org/pkg/os/',
      ]),
    );
    expect(errors).toEqual(['not found: https://golang.org/cmd/']);
    expect(waiters(results)).toBe(0);
  });
});

describe('runtime/chan_test.go: the tests and benchmarks added since the first port, as programs', () => {
  test('a select over two idle unbuffered and two full buffered channels picks the buffered ones evenly, within 10 sigma (TestSelectFairness as Go writes it)', async () => {
    const trials = 10_000;
    const c1 = new Channel<number>(trials + 1);
    const c2 = new Channel<number>(trials + 1);
    for (let i = 0; i < trials + 1; i++) {
      c1.pushNowait(1);
      c2.pushNowait(2);
    }
    const c3 = new Channel<number>();
    const c4 = new Channel<number>();
    const out = new Channel<number>();
    const done = new Channel<void>();
    const relay = (async () => {
      for (;;) {
        const r = await select([pull(c3), pull(c4), pull(c1), pull(c2)]);
        const next = await select([push(out, r.value as number), pull(done)]);
        if (next.index === 1) return;
      }
    })();
    let cnt1 = 0;
    let cnt2 = 0;
    for (let i = 0; i < trials; i++) {
      const b = await out.pull();
      if (b === 1) cnt1++;
      else if (b === 2) cnt2++;
      else throw new Error(`unexpected value ${b}`);
    }
    const mean = trials * 0.5;
    const stddev = Math.sqrt(trials * 0.25);
    expect(Math.abs(cnt1 - mean)).toBeLessThanOrEqual(10 * stddev);
    expect(cnt1 + cnt2).toBe(trials);
    done.close();
    await relay;
    expect(waiters(c1, c2, c3, c4, out, done)).toBe(0);
  });

  test.each([false, true])(
    'close wakes a select parked on a channel, its case fires with ok false and the other cases keep their values untouched (TestSelectStackAdjust, duplicated cases %s)',
    async (dup) => {
      const c = new Channel<{ n: number }>();
      const d = new Channel<{ n: number }>();
      const val = { n: 42 };
      let cx = val;
      const parked = select([pull(c), dup ? pull(c) : null, pull(d), dup ? pull(d) : null]).then((r) => {
        if (r.index === 0 && r.ok) cx = r.value as { n: number };
        return r;
      });
      await flush();
      expect(c.stats().waitingPullers).toBe(dup ? 2 : 1);
      d.close();
      const r = await parked;
      expect([2, 3]).toContain(r.index);
      expect(r.ok).toBe(false);
      expect(cx).toBe(val);
      expect(val.n).toBe(42);
      expect(waiters(c, d)).toBe(0);
    },
  );

  test('1000 tasks each selecting on one shared channel and its own: every round reaches every task, and the shared queue ends empty (BenchmarkChanPopular)', async () => {
    const n = 1000;
    const rounds = 20;
    const c = new Channel<boolean>();
    const a = Array.from({ length: n }, () => new Channel<boolean>());
    let most = 0;
    const tasks = a.map(async (d) => {
      for (let i = 0; i < rounds; i++) await select([pull(c), pull(d)]);
    });
    for (let i = 0; i < rounds; i++) {
      for (const d of a) await d.push(true);
      most = Math.max(most, c.stats().waitingPullers);
    }
    await Promise.all(tasks);
    expect(most).toBeLessThanOrEqual(n);
    expect(waiters(c, ...a)).toBe(0);
  });

  test('producers and consumers selecting with an hour-long after() and a close channel finish, and closing the timers leaves none pending (BenchmarkSelectProdCons)', async () => {
    const procs = 4;
    const perProducer = 2000;
    const myc = new Channel<number>(128);
    const myclose = new Channel<void>();
    const timers: Channel<number>[] = [];
    let received = 0;
    const producer = async () => {
      const mytimer = afterMs(3_600_000);
      timers.push(mytimer);
      for (let g = 0; g < perProducer; g++) await select([push(myc, 1), pull(mytimer), pull(myclose)]);
      await myc.push(0);
    };
    const consumer = async () => {
      const mytimer = afterMs(3_600_000);
      timers.push(mytimer);
      for (;;) {
        const r = await select([pull(myc), pull(mytimer), pull(myclose)]);
        if (r.index === 0 && r.value === 0) return;
        if (r.index === 0) received++;
      }
    };
    await Promise.all([...Array.from({ length: procs }, producer), ...Array.from({ length: procs }, consumer)]);
    expect(received).toBe(procs * perProducer);
    for (const t of timers) {
      expect(t.size).toBe(0);
      t.close();
    }
    expect(waiters(myc, myclose, ...timers)).toBe(0);
  });

  test('a closed channel drains its buffered signals through for-await, then every non-blocking select on it fires with ok false (BenchmarkReceiveDataFromClosedChan, BenchmarkChanClosed)', async () => {
    const count = 10_000;
    const ch = new Channel<void>(count);
    for (let i = 0; i < count; i++) ch.pushNowait();
    ch.close();
    let n = 0;
    for await (const _ of ch) n++;
    expect(n).toBe(count);
    for (let i = 0; i < 1000; i++) {
      const r = selectNowait([pull(ch)]);
      expect(r).toEqual({ index: 0, channel: ch, value: undefined, ok: false });
    }
  });
});
