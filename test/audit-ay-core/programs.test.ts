/**
 * Audit AY-core: real programs from other ecosystems, ported to chanasync, checking every value
 * and every settlement.
 */
import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  merge,
  type PullChannel,
  pull as pullCase,
  push as pushCase,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

function idle(...channels: Channel<any>[]) {
  return channels.map((c) => [c.stats().waitingPushers, c.stats().waitingPullers]);
}

describe('Go pipelines blog: gen → sq fan-out → merge, with done', () => {
  // https://go.dev/blog/pipelines "Explicit cancellation"
  function gen(done: Channel<void>, ...nums: number[]) {
    const out = new Channel<number>();
    const task = (async () => {
      try {
        for (const n of nums) {
          const r = await select([pushCase(out, n), pullCase(done)] as const);
          if (r.index === 1) return;
        }
      } finally {
        out.close();
      }
    })();
    return { out, task };
  }
  function sq(done: Channel<void>, input: PullChannel<number>) {
    const out = new Channel<number>();
    const task = (async () => {
      try {
        for await (const n of input) {
          const r = await select([pushCase(out, n * n), pullCase(done)] as const);
          if (r.index === 1) return;
        }
      } finally {
        out.close();
      }
    })();
    return { out, task };
  }

  it('full run: every square arrives exactly once, everything ends', async () => {
    const done = new Channel<void>();
    const g = gen(done, 1, 2, 3, 4, 5, 6, 7, 8);
    const workers = [sq(done, g.out), sq(done, g.out), sq(done, g.out)];
    const m = merge(...workers.map((w) => w.out));
    const got: number[] = [];
    for await (const v of m) got.push(v);
    expect(got.sort((a, b) => a - b)).toEqual([1, 4, 9, 16, 25, 36, 49, 64]);
    await Promise.all([g.task, ...workers.map((w) => w.task)]);
    expect(
      idle(g.out, m, done, ...workers.map((w) => w.out))
        .flat()
        .every((n) => n === 0),
    ).toBe(true);
  });

  it('early exit: consumer reads 2, closes done; all stages return and nothing stays parked', async () => {
    const done = new Channel<void>();
    const g = gen(done, 1, 2, 3, 4, 5, 6, 7, 8);
    const workers = [sq(done, g.out), sq(done, g.out)];
    const m = merge(...workers.map((w) => w.out));
    const first = await m.pull();
    const second = await m.pull();
    expect([first, second].every((v) => [1, 4, 9, 16, 25, 36, 49, 64].includes(v))).toBe(true);
    done.close();
    await Promise.all([g.task, ...workers.map((w) => w.task)]);
    // merge ends once all inputs closed and drained; what it took ahead stays readable
    const rest: number[] = [];
    for await (const v of m) rest.push(v);
    expect(rest.length).toBeLessThanOrEqual(1);
    expect(m.closed).toBe(true);
    expect(
      idle(g.out, m, done, ...workers.map((w) => w.out))
        .flat()
        .every((n) => n === 0),
    ).toBe(true);
  });

  it('bounded parallelism (MD5 all example): results per input exactly once', async () => {
    const paths = Array.from({ length: 30 }, (_, i) => `f${i}`);
    const controller = new AbortController();
    const pathsCh = new Channel<string>();
    const results = new Channel<{ path: string; sum: number }>();
    const walk = (async () => {
      try {
        for (const p of paths) await pathsCh.push(p, { signal: controller.signal });
      } finally {
        pathsCh.close();
      }
    })();
    const digesters = Array.from({ length: 4 }, async () => {
      for await (const p of pathsCh) {
        await results.push({ path: p, sum: p.length }, { signal: controller.signal });
      }
    });
    void Promise.all(digesters).finally(() => results.close());
    const m = new Map<string, number>();
    for await (const r of results) {
      expect(m.has(r.path)).toBe(false);
      m.set(r.path, r.sum);
    }
    await walk;
    expect([...m.keys()].sort()).toEqual([...paths].sort());
  });
});

describe('Kotlin actor: counter with CompletableDeferred replies', () => {
  type Msg = { type: 'inc' } | { type: 'get'; reply: Channel<number> };
  function counterActor(mailbox: Channel<Msg>) {
    return (async () => {
      let counter = 0;
      for await (const msg of mailbox) {
        if (msg.type === 'inc') counter++;
        else {
          await msg.reply.push(counter);
          msg.reply.close();
        }
      }
      return counter;
    })();
  }
  it('massiveRun: 100 coroutines × 100 increments each, then get', async () => {
    const mailbox = new Channel<Msg>(Number.POSITIVE_INFINITY);
    const actor = counterActor(mailbox);
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        for (let i = 0; i < 100; i++) await mailbox.push({ type: 'inc' });
      }),
    );
    const reply = new Channel<number>(1);
    await mailbox.push({ type: 'get', reply });
    expect(await reply.pull()).toBe(10000);
    await expect(reply.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    mailbox.close();
    expect(await actor).toBe(10000);
  });

  it('produce { } with a consumer that cancels: producer stops, finally runs', async () => {
    // Kotlin: produce { var x = 1; while (true) send(x++) }; consumer takes 5 then cancel()
    const controller = new AbortController();
    const numbers = new Channel<number>();
    let finallyRan = false;
    let sent = 0;
    const producer = (async () => {
      try {
        for (let x = 1; ; x++) {
          await numbers.push(x, { signal: controller.signal });
          sent++;
        }
      } catch (e) {
        return e;
      } finally {
        finallyRan = true;
        numbers.close();
      }
    })();
    const got: number[] = [];
    for await (const v of numbers) {
      got.push(v);
      if (got.length === 5) break;
    }
    controller.abort();
    const err = await producer;
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(sent).toBe(5);
    expect(finallyRan).toBe(true);
    expect((err as Error).name).toBe('AbortError');
    expect(numbers.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
  });
});

describe('trio nursery: first result wins, cancel the rest', () => {
  it('N racers push into one unbuffered channel; the winner commits, losers reject with the reason', async () => {
    const controller = new AbortController();
    const results = new Channel<string>();
    const outcomes: string[] = [];
    const racers = ['a', 'b', 'c', 'd'].map((name) =>
      results.push(name, { signal: controller.signal }).then(
        () => outcomes.push(`${name}:ok`),
        (e: unknown) => outcomes.push(`${name}:${(e as Error).name}`),
      ),
    );
    const winner = await results.pull();
    controller.abort();
    await Promise.all(racers);
    expect(winner).toBe('a');
    expect(outcomes.sort()).toEqual(['a:ok', 'b:AbortError', 'c:AbortError', 'd:AbortError']);
    expect(results.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('select over per-task channels + a deadline; losers cancelled; no waiter left', async () => {
    const controller = new AbortController();
    const chans = [new Channel<number>(), new Channel<number>(), new Channel<number>()];
    const tasks = chans.map(async (ch, i) => {
      await new Promise((r) => setTimeout(r, 5 * (3 - i)));
      try {
        await ch.push(i, { signal: controller.signal });
        return 'delivered';
      } catch (e) {
        return (e as Error).name;
      }
    });
    const timeout = after(1000, { signal: controller.signal });
    const r = await select([...chans.map((c) => pullCase(c)), pullCase(timeout)]);
    controller.abort();
    expect(r.index).toBe(2);
    expect(r.value).toBe(2);
    const states = await Promise.all(tasks);
    expect(states).toEqual(['AbortError', 'AbortError', 'delivered']);
    expect(timeout.closed).toBe(true);
    for (const c of chans) expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('Effect Queue + PubSub worker', () => {
  it('bounded queue → 3 workers (pullMany batches) → results PubSub with two subscribers', async () => {
    const queue = new Channel<number>(4);
    const resultsSrc = new Channel<number>();
    const pubsub = broadcast(resultsSrc);
    const subA = pubsub.subscribe({ capacity: 2 });
    const subB = pubsub.subscribe({ capacity: 8 });
    const readerA = (async () => {
      const got: number[] = [];
      for await (const v of subA) got.push(v);
      return got;
    })();
    const readerB = (async () => {
      const got: number[] = [];
      for await (const v of subB) got.push(v);
      return got;
    })();
    const offered = (async () => {
      for (let i = 0; i < 50; i++) await queue.push(i);
      queue.close(); // Queue.shutdown
    })();
    const workers = Array.from({ length: 3 }, async () => {
      for (;;) {
        let batch: number[];
        try {
          batch = await queue.pullMany(3);
        } catch (e) {
          if (e instanceof ChannelClosedError) return;
          throw e;
        }
        await resultsSrc.pushAll(batch.map((v) => v * 10));
      }
    });
    await Promise.all([offered, ...workers]);
    resultsSrc.close();
    const [a, b] = await Promise.all([readerA, readerB]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
  });
});

describe('Go: worker pool with results and errgroup-like first-error cancel', () => {
  it('first error aborts the shared signal; pushAll reports pushed; nothing lost', async () => {
    const controller = new AbortController();
    const jobs = new Channel<number>(2);
    const out = new Channel<number>(Number.POSITIVE_INFINITY);
    let pushedBeforeAbort = -1;
    const feeder = jobs
      .pushAll(
        (function* () {
          for (let i = 0; i < 100; i++) yield i;
        })(),
        { signal: controller.signal },
      )
      .catch((e: { pushed: number }) => {
        pushedBeforeAbort = e.pushed;
      });
    const workers = Array.from({ length: 3 }, async () => {
      try {
        for (;;) {
          const j = await jobs.pull({ signal: controller.signal });
          if (j === 17) throw new Error('job 17 failed');
          await out.push(j);
        }
      } catch (e) {
        if ((e as Error).message === 'job 17 failed') controller.abort(e);
      }
    });
    await Promise.all(workers);
    await feeder;
    jobs.close();
    const leftover: number[] = [];
    for await (const v of jobs) leftover.push(v);
    out.close();
    const done: number[] = [];
    for await (const v of out) done.push(v);
    // every job pushed was either done, was 17, or still in the queue
    const all = [...done, 17, ...leftover].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: pushedBeforeAbort }, (_, i) => i));
  });
});

describe('select loop with selectNowait default (Go non-blocking send to slow subscribers)', () => {
  it('drops for busy subscribers, delivers for ready ones', async () => {
    const subs = [new Channel<number>(1), new Channel<number>(1)];
    const dropped: number[][] = [[], []];
    for (let i = 0; i < 5; i++) {
      subs.forEach((s, k) => {
        if (selectNowait([pushCase(s, i)]) === undefined) dropped[k]!.push(i);
      });
      if (i % 2 === 0) subs[0]!.tryPull();
    }
    expect(dropped[0]).toEqual([2, 4]);
    expect(dropped[1]).toEqual([1, 2, 3, 4]);
  });
});

describe('await using / using (TypeScript 5.2 explicit resource management)', () => {
  it('await using closes the channel at the end of the block; a consumer loop ends normally', async () => {
    let consumer!: Promise<number[]>;
    let seen!: Channel<number>;
    {
      await using ch = new Channel<number>(2);
      seen = ch;
      consumer = (async () => {
        const got: number[] = [];
        for await (const v of ch) got.push(v);
        return got;
      })();
      await ch.pushAll([1, 2, 3]);
    }
    expect(seen.closed).toBe(true);
    expect(await consumer).toEqual([1, 2, 3]);
  });

  it('using a broadcast closes its subscribers, not its source', async () => {
    const src = new Channel<number>(4);
    let sub!: Channel<number>;
    {
      using hub = broadcast(src);
      sub = hub.subscribe();
      src.tryPush(1);
    }
    expect(sub.closed).toBe(true);
    expect(src.closed).toBe(false);
    expect(sub.tryPull()).toBe(1);
  });
});

void flush;
