/**
 * Go programs as users port them: whole programs from the Go blog ("Pipelines and
 * cancellation"), Pike's "Go Concurrency Patterns", Ajmani's "Advanced Go Concurrency
 * Patterns", Cox-Buday's "Concurrency in Go" and Go by Example, written with chanasync the way
 * a TypeScript user would — imported from the package, a goroutine as an async function that is
 * not awaited, `done` as an `AbortSignal` or a closed channel. Each test runs one program and
 * checks its exact result, that it terminates (`within`), and that it leaves nothing behind:
 * no parked operation (`stats()`), no abort listener, no pending timer.
 *
 * Everything runs on real timers with short periods (a program here takes at most ~150 ms);
 * no fake time is needed. The user slips at the end must work or fail at once, naming the call.
 */
// `after` is imported as `timeAfter` (Go's time.After): Biome takes a bare `after(...)` for a test hook.
import {
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  type PullChannel,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  after as timeAfter,
} from 'chanasync';
import { describe, expect, test, vi } from 'vitest';
// The regressions of the fixes this round made, against the sources (dist/ is rebuilt later).
import * as src from '../src/index.js';
import { abortListeners, countTimers, parked, sleep, WaitGroup, within } from './helpers/programs-go.js';

/** Whether `error` is the rejection of an operation stopped by `signal` (its reason). */
const stoppedBy = (signal: AbortSignal, error: unknown) => signal.aborted && error === signal.reason;

describe('the Go blog: Pipelines and cancellation', () => {
  /** `gen`: emits `nums` on an unbuffered channel, closes it when done or cancelled. */
  function gen(signal: AbortSignal, nums: Iterable<number>, stages: Promise<void>[]): PullChannel<number> {
    const out = new Channel<number>(0, { name: 'gen' });
    stages.push(
      (async () => {
        try {
          for (const n of nums) await out.push(n, { signal });
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          out.close();
        }
      })(),
    );
    return out;
  }

  /** `sq`: squares what it receives until its input closes or the pipeline is cancelled. */
  function sq(signal: AbortSignal, input: PullChannel<number>, stages: Promise<void>[]): PullChannel<number> {
    const out = new Channel<number>(0, { name: 'sq' });
    stages.push(
      (async () => {
        try {
          for await (const n of input) await out.push(n * n, { signal });
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          out.close();
        }
      })(),
    );
    return out;
  }

  /** `merge` with a WaitGroup: one forwarding loop per input, `out` closed once all are done. */
  function mergeAll<T>(signal: AbortSignal, inputs: PullChannel<T>[], stages: Promise<void>[]): PullChannel<T> {
    const out = new Channel<T>(0, { name: 'merge' });
    const wg = new WaitGroup();
    wg.add(inputs.length);
    for (const input of inputs) {
      stages.push(
        (async () => {
          try {
            for await (const value of input) await out.push(value, { signal });
          } catch (error) {
            if (!stoppedBy(signal, error)) throw error;
          } finally {
            wg.done();
          }
        })(),
      );
    }
    stages.push(wg.wait().then(() => out.close()));
    return out;
  }

  test('gen → four sq stages → merge squares every number exactly once and every stage finishes', async () => {
    const controller = new AbortController();
    const stages: Promise<void>[] = [];
    const input = gen(
      controller.signal,
      Array.from({ length: 100 }, (_, i) => i + 1),
      stages,
    );
    const squares = [1, 2, 3, 4].map(() => sq(controller.signal, input, stages));
    const received: number[] = [];
    for await (const n of mergeAll(controller.signal, squares, stages)) received.push(n);
    await within(5000, 'the pipeline stages', Promise.all(stages));
    expect(received.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) ** 2));
    expect(stages).toHaveLength(1 + 4 + 4 + 1);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('a pipeline of three stages cancelled by one AbortController after the first value stops every stage and leaves no listener', async () => {
    const controller = new AbortController();
    const stages: Promise<void>[] = [];
    const channels: Channel<number>[] = [];
    const input = gen(
      controller.signal,
      Array.from({ length: 1000 }, (_, i) => i),
      stages,
    );
    const c1 = sq(controller.signal, input, stages);
    const c2 = sq(controller.signal, input, stages);
    const out = mergeAll(controller.signal, [c1, c2], stages);
    channels.push(...([input, c1, c2, out] as Channel<number>[]));
    const first = await out.pull();
    expect(abortListeners(controller.signal)).toBe(1); // parked stages share one listener
    controller.abort(new Error('done'));
    await within(5000, 'the cancelled stages', Promise.all(stages));
    expect([0, 1, 4]).toContain(first);
    for (const channel of channels) expect(channel.closed).toBe(true);
    expect(parked(...channels)).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    // The stages stopped early: at most a few of the 1000 numbers were squared.
    const leftovers = await out.pullMany(10).catch((error: unknown) => error);
    expect(leftovers).toBeInstanceOf(ChannelClosedError);
  });

  /** A stand-in for `filepath.Walk` + `ioutil.ReadFile`: a tree of files, one of which may fail to read. */
  const tree = new Map(Array.from({ length: 40 }, (_, i) => [`/src/file${i}.go`, `package main // ${i}`] as const));

  /** SHA-256 of `text` as hex, through WebCrypto (an async digest, as a real one is). */
  async function digest(text: string): Promise<string> {
    const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  interface FileResult {
    path: string;
    sum: string;
  }

  /** MD5All, bounded version: a walker, `digesters` digesting loops, and a collector; the first error cancels all. */
  async function sumAll(
    files: Map<string, string>,
    digesters: number,
    failOn?: string,
  ): Promise<{ sums: Map<string, string>; peak: number; channels: Channel<any>[]; signal: AbortSignal }> {
    const controller = new AbortController();
    const { signal } = controller;
    const paths = new Channel<string>(0, { name: 'paths' });
    const results = new Channel<FileResult>(0, { name: 'results' });
    const errc = new Channel<Error | null>(1, { name: 'errc' });
    const workers: Promise<void>[] = [];
    let running = 0;
    let peak = 0;
    // walkFiles
    workers.push(
      (async () => {
        try {
          for (const path of files.keys()) await paths.push(path, { signal });
          errc.pushNowait(null);
        } catch (error) {
          errc.pushNowait(stoppedBy(signal, error) ? new Error('walk canceled') : (error as Error));
        } finally {
          paths.close();
        }
      })(),
    );
    // digesters
    const wg = new WaitGroup();
    wg.add(digesters);
    for (let i = 0; i < digesters; i++) {
      workers.push(
        (async () => {
          try {
            for await (const path of paths) {
              running++;
              peak = Math.max(peak, running);
              try {
                if (path === failOn) throw new Error(`read ${path}: permission denied`);
                await results.push({ path, sum: await digest(files.get(path) ?? '') }, { signal });
              } finally {
                running--;
              }
            }
          } catch (error) {
            if (!stoppedBy(signal, error)) controller.abort(error);
          } finally {
            wg.done();
          }
        })(),
      );
    }
    workers.push(wg.wait().then(() => results.close()));
    const sums = new Map<string, string>();
    try {
      for await (const { path, sum } of results) sums.set(path, sum);
      if (signal.aborted) throw signal.reason;
      const walkError = await errc.pull();
      if (walkError) throw walkError;
      return { sums, peak, channels: [paths, results, errc], signal };
    } finally {
      controller.abort(new Error('sumAll returned'));
      await within(5000, 'the walker and digesters', Promise.all(workers));
    }
  }

  test('bounded parallelism: three digesters sum 40 files, never more than three at once, each file once', async () => {
    const { sums, peak, channels, signal } = await sumAll(tree, 3);
    const expected = new Map<string, string>();
    for (const [path, text] of tree) expected.set(path, await digest(text));
    expect(sums).toEqual(expected);
    expect(peak).toBe(3);
    expect(parked(...channels)).toBe(0);
    expect(abortListeners(signal)).toBe(0);
  });

  test('bounded parallelism: a file that fails to read cancels the walk and every digester, and sumAll rejects with its error', async () => {
    const rejected = await sumAll(tree, 3, '/src/file7.go').catch((error: unknown) => error);
    expect(rejected).toEqual(new Error('read /src/file7.go: permission denied'));
  });
});

describe('Go Concurrency Patterns (Pike)', () => {
  /** `boring(msg, quit)`: a generator that stops when quit is sent "Bye!", and answers "See you!". */
  function boring(msg: string, quit: Channel<string>, done: Promise<void>[]): PullChannel<string> {
    const c = new Channel<string>(0, { name: msg });
    done.push(
      (async () => {
        for (let i = 0; ; i++) {
          const sent = await select([push(c, `${msg} ${i}`), pull(quit)]);
          if (sent.index === 1) {
            c.close(); // cleanup
            await quit.push('See you!');
            return;
          }
          await sleep(i % 3);
        }
      })(),
    );
    return c;
  }

  test('a generator stopped by a round-trip quit channel answers, closes its channel and leaves no waiter', async () => {
    const quit = new Channel<string>(0, { name: 'quit' });
    const done: Promise<void>[] = [];
    const c = boring('Joe', quit, done);
    const heard: string[] = [];
    for (let i = 0; i < 5; i++) heard.push(await c.pull());
    await quit.push('Bye!');
    const reply = await quit.pull();
    await within(5000, 'the generator', Promise.all(done));
    expect(heard).toEqual(['Joe 0', 'Joe 1', 'Joe 2', 'Joe 3', 'Joe 4']);
    expect(reply).toBe('See you!');
    expect(c.closed).toBe(true);
    expect(parked(c as Channel<string>, quit)).toBe(0);
  });

  /** A generator that talks every `delays[i]` ms, then goes quiet, until `signal` aborts. */
  function talker(name: string, delays: number[], signal: AbortSignal, done: Promise<void>[]): Channel<string> {
    const c = new Channel<string>(0, { name });
    done.push(
      (async () => {
        try {
          for (let i = 0; i < delays.length; i++) {
            await sleep(delays[i] ?? 0, signal);
            await c.push(`${name} ${i}`, { signal });
          }
          await sleep(60_000, signal); // quiet
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          c.close();
        }
      })(),
    );
    return c;
  }

  test('fan-in with one select loop delivers both talkers, each in its own order, and stops with their signal', async () => {
    const controller = new AbortController();
    const done: Promise<void>[] = [];
    const joe = talker('Joe', [1, 3, 1, 2, 0], controller.signal, done);
    const ann = talker('Ann', [2, 0, 2, 1, 1], controller.signal, done);
    const merged = new Channel<string>(0, { name: 'fanIn' });
    done.push(
      (async () => {
        try {
          for (;;) {
            const r = await select([pull(joe), pull(ann)], { signal: controller.signal });
            if (r.ok) await merged.push(r.value, { signal: controller.signal });
          }
        } catch (error) {
          if (!stoppedBy(controller.signal, error)) throw error;
        }
      })(),
    );
    const heard: string[] = [];
    for (let i = 0; i < 10; i++) heard.push(await merged.pull());
    controller.abort(new Error("You're both boring; I'm leaving."));
    await within(5000, 'the talkers and the fan-in loop', Promise.all(done));
    expect(heard.filter((s) => s.startsWith('Joe'))).toEqual(['Joe 0', 'Joe 1', 'Joe 2', 'Joe 3', 'Joe 4']);
    expect(heard.filter((s) => s.startsWith('Ann'))).toEqual(['Ann 0', 'Ann 1', 'Ann 2', 'Ann 3', 'Ann 4']);
    expect(parked(joe, ann, merged)).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('a timeout per message with `using timeout = after(ms)` gives up on a talker that went quiet and leaves no timer', async () => {
    const timers = countTimers();
    const controller = new AbortController();
    const done: Promise<void>[] = [];
    const joe = talker('Joe', [1, 1, 1], controller.signal, done);
    const heard: string[] = [];
    let verdict = '';
    for (;;) {
      using timeout = timeAfter(40);
      const r = await select([pull(joe), pull(timeout)]);
      if (r.index === 1) {
        verdict = "You're too slow.";
        break;
      }
      if (r.ok) heard.push(r.value);
    }
    controller.abort(new Error('stop'));
    await within(5000, 'the talker', Promise.all(done));
    expect(heard).toEqual(['Joe 0', 'Joe 1', 'Joe 2']);
    expect(verdict).toBe("You're too slow.");
    expect(timers.pending()).toBe(0);
    expect(parked(joe)).toBe(0);
  });

  test('one after() for the whole conversation ends an endless talker, and its value is read once', async () => {
    const controller = new AbortController();
    const done: Promise<void>[] = [];
    const chatty = talker(
      'Joe',
      Array.from({ length: 10_000 }, () => 2),
      controller.signal,
      done,
    );
    const timeout = timeAfter(60);
    const heard: string[] = [];
    const started = Date.now();
    for (;;) {
      const r = await select([pull(chatty), pull(timeout)]);
      if (r.index === 1) {
        expect(r.ok).toBe(true);
        expect(r.value).toBeGreaterThanOrEqual(started + 59);
        break;
      }
      if (r.ok) heard.push(r.value);
    }
    controller.abort(new Error('You talk too much.'));
    await within(5000, 'the talker', Promise.all(done));
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(heard).toEqual(heard.map((_, i) => `Joe ${i}`));
    expect(timeout.closed).toBe(true);
    expect(timeout.tryPull()).toBeUndefined();
  });

  test('a daisy chain of 10,000 unbuffered links passes 1 from right to left, adding one at each link, and every link finishes', async () => {
    const n = 10_000;
    const leftmost = new Channel<number>();
    const links: Promise<void>[] = [];
    const channels = [leftmost];
    let left = leftmost;
    for (let i = 0; i < n; i++) {
      const right = new Channel<number>();
      const [l, r] = [left, right];
      links.push((async () => l.push(1 + (await r.pull())))());
      channels.push(right);
      left = right;
    }
    void left.push(1);
    expect(await within(5000, 'the chain', leftmost.pull())).toBe(n + 1);
    await within(5000, 'the links', Promise.all(links));
    expect(parked(...channels)).toBe(0);
  });

  /** A fake search backend that answers after `latency` ms, or stops when the signal aborts. */
  const fakeSearch =
    (kind: string, latency: number) =>
    async (query: string, signal: AbortSignal): Promise<string> => {
      await sleep(latency, signal);
      return `${kind} result for "${query}"`;
    };

  /** Pike's First: ask every replica, take the first answer, cancel the others. */
  async function first(
    query: string,
    signal: AbortSignal,
    replicas: ((query: string, signal: AbortSignal) => Promise<string>)[],
  ): Promise<string> {
    const losers = new AbortController();
    const both = AbortSignal.any([signal, losers.signal]);
    // Buffered for every replica: a replica that answers after the winner never blocks.
    const c = new Channel<string>(replicas.length);
    for (const replica of replicas) {
      replica(query, both).then(
        (answer) => c.tryPush(answer),
        () => {}, // cancelled
      );
    }
    try {
      return await c.pull({ signal });
    } finally {
      losers.abort(new Error('another replica answered'));
      c.close();
    }
  }

  test('Google Search 3.0 keeps the fastest replica of each kind within 80 ms and cancels every replica still running', async () => {
    const timers = countTimers();
    const controller = new AbortController();
    const web = [fakeSearch('web1', 30), fakeSearch('web2', 10)];
    const image = [fakeSearch('image1', 5), fakeSearch('image2', 50)];
    const video = [fakeSearch('video1', 300), fakeSearch('video2', 200)];
    const c = new Channel<string>(0, { name: 'results' });
    const searches = [web, image, video].map((replicas) =>
      first('golang', controller.signal, replicas).then(
        (answer) => c.push(answer, { signal: controller.signal }),
        () => {},
      ),
    );
    const results: string[] = [];
    {
      using timeout = timeAfter(80);
      for (let i = 0; i < 3; i++) {
        const r = await select([pull(c), pull(timeout)]);
        if (r.index === 1) {
          results.push('timed out');
          break;
        }
        if (r.ok) results.push(r.value);
      }
    }
    controller.abort(new Error('Google returned'));
    await within(
      1000,
      'the searches',
      Promise.all(searches).catch(() => {}),
    );
    // The fastest replica of each fast kind, in either order (5 ms and 10 ms apart: a loaded
    // machine may run both timers in one turn), then the timeout before any video replica.
    expect(results.slice(0, 2).sort()).toEqual(['image1 result for "golang"', 'web2 result for "golang"']);
    expect(results[2]).toBe('timed out');
    expect(parked(c)).toBe(0);
    expect(timers.pending()).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe('Advanced Go Concurrency Patterns (Ajmani)', () => {
  interface Item {
    guid: string;
    title: string;
  }

  /**
   * A fake feed: each fetch returns the next batch (batches overlap, so items repeat) and when
   * to fetch next; the fetch listed in `failing` fails once.
   */
  function fakeFetcher(batches: string[][], failing: number) {
    let calls = 0;
    return {
      async fetch(): Promise<{ items: Item[]; next: number }> {
        const call = calls++;
        await sleep(1);
        if (call === failing) throw new Error(`fetch ${call}: connection reset`);
        const batch = batches[Math.min(call, batches.length - 1)] ?? [];
        return { items: batch.map((guid) => ({ guid, title: `title ${guid}` })), next: Date.now() + 3 };
      },
    };
  }

  /**
   * `Subscribe(fetcher)`: Ajmani's loop with a pending queue, at most one fetch in flight
   * (`fetchDone`), a send case enabled only while items are pending (a null case otherwise), a
   * fetch timer enabled only when no fetch runs and the queue has room, and `close()` as a
   * round trip on a `closing` channel that returns the last fetch error.
   */
  function subscribe(fetcher: ReturnType<typeof fakeFetcher>, maxPending: number) {
    const updates = new Channel<Item>(0, { name: 'updates' });
    const closing = new Channel<Channel<Error | null>>(0, { name: 'closing' });
    const fetchDone = new Channel<{ items: Item[]; next: number } | Error>(1, { name: 'fetchDone' });
    const loop = (async () => {
      const pending: Item[] = [];
      const seen = new Set<string>();
      let next = Date.now();
      let lastError: Error | null = null;
      let fetching = false;
      for (;;) {
        const fetchDelay = Math.max(0, next - Date.now());
        using startFetch = !fetching && pending.length < maxPending ? timeAfter(fetchDelay) : undefined;
        const first = pending[0];
        const r = await select([
          startFetch ? pull(startFetch) : null,
          pull(fetchDone),
          pull(closing),
          first ? push(updates, first) : null,
        ] as const);
        if (r.index === 0) {
          fetching = true;
          fetcher.fetch().then(
            (result) => fetchDone.pushNowait(result),
            (error: Error) => fetchDone.pushNowait(error),
          );
        } else if (r.index === 1 && r.ok) {
          fetching = false;
          if (r.value instanceof Error) {
            lastError = r.value;
            next = Date.now() + 5; // back off
          } else {
            next = r.value.next;
            for (const item of r.value.items) {
              if (!seen.has(item.guid)) {
                seen.add(item.guid);
                pending.push(item);
              }
            }
          }
        } else if (r.index === 2 && r.ok) {
          updates.close();
          await r.value.push(lastError);
          return;
        } else if (r.index === 3) {
          pending.shift();
        }
      }
    })();
    return {
      updates: updates as PullChannel<Item>,
      /** Stops the loop and returns the last fetch error (Go's `Close() error`). */
      async close(): Promise<Error | null> {
        const errc = new Channel<Error | null>();
        await closing.push(errc);
        return errc.pull();
      },
      loop,
      channels: [updates, closing, fetchDone] as Channel<any>[],
    };
  }

  test('a subscription loop delivers every item once, in feed order, across overlapping fetches and a failed one', async () => {
    const timers = countTimers();
    const fetcher = fakeFetcher(
      [
        ['a', 'b', 'c'],
        ['b', 'c', 'd', 'e'],
        ['e', 'f'],
        ['f', 'g', 'h'],
      ],
      2,
    );
    const sub = subscribe(fetcher, 3);
    const received: string[] = [];
    for await (const item of sub.updates) {
      received.push(item.guid);
      if (received.length === 8) break;
    }
    const error = await within(5000, 'close()', sub.close());
    await within(5000, 'the loop', sub.loop);
    expect(received).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(error).toEqual(new Error('fetch 2: connection reset'));
    expect(sub.updates.closed).toBe(true);
    expect(parked(...sub.channels)).toBe(0);
    await sleep(5); // a fetch the loop started before it closed lands in fetchDone's buffer
    expect(timers.pending()).toBe(0);
  });

  test('closing a subscription nobody reads returns null (no fetch failed) and stops its loop', async () => {
    const sub = subscribe(fakeFetcher([['a', 'b', 'c', 'd', 'e']], -1), 2);
    await sleep(10); // fetches fill the pending queue; the loop blocks on its send case
    expect(await within(5000, 'close()', sub.close())).toBeNull();
    await within(5000, 'the loop', sub.loop);
    expect(await sub.updates.pullMany(10).catch((e: unknown) => e)).toBeInstanceOf(ChannelClosedError);
    expect(parked(...sub.channels)).toBe(0);
  });

  test('ping-pong: two players hit a ball over a table channel until main takes the ball back', async () => {
    interface Ball {
      hits: number;
    }
    const table = new Channel<Ball>();
    const log: string[] = [];
    const stop = new AbortController();
    const player = async (name: string) => {
      try {
        for (;;) {
          const ball = await table.pull({ signal: stop.signal });
          ball.hits++;
          log.push(`${name} ${ball.hits}`);
          await sleep(1);
          await table.push(ball, { signal: stop.signal });
        }
      } catch (error) {
        if (!stoppedBy(stop.signal, error)) throw error;
      }
    };
    const players = [player('ping'), player('pong')];
    await table.push({ hits: 0 });
    await sleep(25);
    const ball = await table.pull();
    stop.abort(new Error('game over'));
    await within(5000, 'the players', Promise.all(players));
    expect(ball.hits).toBe(log.length);
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(log).toEqual(log.map((_, i) => `${i % 2 ? 'pong' : 'ping'} ${i + 1}`));
    expect(parked(table)).toBe(0);
  });
});

describe('Concurrency in Go (Cox-Buday)', () => {
  /** The or-channel: a channel closed as soon as any of `channels` fires or closes (recursive, as in the book). */
  function or(channels: PullChannel<unknown>[], selects: Promise<void>[]): PullChannel<unknown> | undefined {
    if (channels.length === 0) return undefined;
    if (channels.length === 1) return channels[0];
    const orDone = new Channel<never>(0, { name: 'orDone' });
    selects.push(
      (async () => {
        try {
          if (channels.length === 2) {
            await select(channels.map((c) => pull(c)));
          } else {
            const rest = or([...channels.slice(3), orDone], selects);
            await select([...channels.slice(0, 3), rest].map((c) => (c ? pull(c) : null)));
          }
        } finally {
          orDone.close();
        }
      })(),
    );
    return orDone;
  }

  test('the or-channel closes when the first of five timers fires, and every inner select returns', async () => {
    const timers = countTimers();
    const started = Date.now();
    const sigs = [3_600_000, 300_000, 20, 3_600_000, 60_000].map((ms) => timeAfter(ms));
    const selects: Promise<void>[] = [];
    const done = or(sigs, selects);
    expect(done).toBeDefined();
    const r = await select([pull(done as PullChannel<unknown>)]);
    const elapsed = Date.now() - started;
    expect(r.ok).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(19);
    expect(elapsed).toBeLessThan(1000);
    await within(5000, 'the inner selects', Promise.all(selects));
    expect(selects).toHaveLength(2); // or(5) selects on or(3), which selects on or(1): the first orDone itself
    expect(parked(...sigs)).toBe(0);
    for (const sig of sigs) sig.close(); // Go leaks the sleepers; here closing clears the timers
    expect(timers.pending()).toBe(0);
  });

  /** orDone: forwards `c` until it closes or `signal` aborts; the output closes either way. */
  function orDone<T>(signal: AbortSignal, c: PullChannel<T>, loops: Promise<void>[]): PullChannel<T> {
    const out = new Channel<T>();
    loops.push(
      (async () => {
        try {
          for (;;) {
            const r = await select([pull(c)], { signal });
            if (!r.ok) return;
            await out.push(r.value, { signal });
          }
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          out.close();
        }
      })(),
    );
    return out;
  }

  test('or-done forwards a channel that never closes until the signal aborts, then closes its output and leaves no waiter', async () => {
    const endless = new Channel<number>(4, { name: 'endless' });
    const controller = new AbortController();
    const loops: Promise<void>[] = [];
    const feeder = (async () => {
      for (let i = 0; ; i++)
        if (
          !(await endless.push(i).then(
            () => true,
            () => false,
          ))
        )
          return;
    })();
    const received: number[] = [];
    for await (const v of orDone(controller.signal, endless, loops)) {
      received.push(v);
      if (v === 9) controller.abort(new Error('done'));
    }
    await within(5000, 'orDone', Promise.all(loops));
    expect(received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parked(endless)).toBe(1); // only the feeder, parked on the full buffer
    endless.close();
    await within(5000, 'the feeder', feeder);
    // As in Go, the value orDone held when the signal aborted (taken from `endless`, not yet
    // handed on) is dropped with it; everything after it is still in `endless`, in order.
    const rest = await endless.pullMany(10);
    expect(rest).toHaveLength(4);
    expect([10, 11]).toContain(rest[0]);
    expect(rest).toEqual(rest.map((_, i) => (rest[0] as number) + i));
    expect(abortListeners(controller.signal)).toBe(0);
  });

  /** tee: every value of `input` to both outputs; a value is sent to both before the next is taken. */
  function tee<T>(
    signal: AbortSignal,
    input: PullChannel<T>,
    loops: Promise<void>[],
  ): [PullChannel<T>, PullChannel<T>] {
    const out1 = new Channel<T>(0, { name: 'out1' });
    const out2 = new Channel<T>(0, { name: 'out2' });
    loops.push(
      (async () => {
        try {
          for await (const value of orDone(signal, input, loops)) {
            let cases: [ReturnType<typeof push<T>> | null, ReturnType<typeof push<T>> | null] = [
              push(out1, value),
              push(out2, value),
            ];
            for (let i = 0; i < 2; i++) {
              const r = await select(cases, { signal });
              cases = r.index === 0 ? [null, cases[1]] : [cases[0], null];
            }
          }
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          out1.close();
          out2.close();
        }
      })(),
    );
    return [out1, out2];
  }

  test('tee sends every value to both outputs in order and closes both when its input ends', async () => {
    const input = new Channel<number>(5);
    await input.pushAll([1, 2, 3, 4, 5]);
    input.close();
    const loops: Promise<void>[] = [];
    const [out1, out2] = tee(new AbortController().signal, input, loops);
    const pairs: [number, number][] = [];
    for await (const v1 of out1) pairs.push([v1, await out2.pull()]);
    await within(5000, 'tee', Promise.all(loops));
    expect(pairs).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(out2.closed).toBe(true);
    expect(parked(input, out1 as Channel<number>, out2 as Channel<number>)).toBe(0);
  });

  /** bridge: flattens a channel of channels, reading each inner channel to its end in turn. */
  function bridge<T>(signal: AbortSignal, chanStream: PullChannel<PullChannel<T>>, loops: Promise<void>[]) {
    const valStream = new Channel<T>();
    loops.push(
      (async () => {
        try {
          for await (const stream of orDone(signal, chanStream, loops)) {
            for await (const value of orDone(signal, stream, loops)) await valStream.push(value, { signal });
          }
        } catch (error) {
          if (!stoppedBy(signal, error)) throw error;
        } finally {
          valStream.close();
        }
      })(),
    );
    return valStream as PullChannel<T>;
  }

  test('bridge flattens ten one-value channels into 0…9 in order', async () => {
    const chanStream = new Channel<PullChannel<number>>();
    void (async () => {
      for (let i = 0; i < 10; i++) {
        const stream = new Channel<number>(1);
        stream.pushNowait(i);
        stream.close();
        await chanStream.push(stream);
      }
      chanStream.close();
    })();
    const loops: Promise<void>[] = [];
    const values: number[] = [];
    for await (const v of bridge(new AbortController().signal, chanStream, loops)) values.push(v);
    await within(5000, 'bridge', Promise.all(loops));
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parked(chanStream)).toBe(0);
  });

  test('error propagation: results carry their errors, and main stops after three errors and cancels the checker', async () => {
    interface Result {
      error: Error | null;
      response: string | null;
    }
    const controller = new AbortController();
    const fakeGet = async (url: string) => {
      await sleep(1);
      if (!url.startsWith('https://')) throw new Error(`Get "${url}": unsupported protocol scheme ""`);
      return `200 OK from ${url}`;
    };
    const results = new Channel<Result>(0, { name: 'results' });
    const checker = (async () => {
      try {
        for (const url of ['a', 'https://www.google.com', 'b', 'c', 'd', 'e']) {
          const result = await fakeGet(url).then(
            (response) => ({ error: null, response }),
            (error: Error) => ({ error, response: null }),
          );
          await results.push(result, { signal: controller.signal });
        }
      } catch (error) {
        if (!stoppedBy(controller.signal, error)) throw error;
      } finally {
        results.close();
      }
    })();
    const lines: string[] = [];
    let errCount = 0;
    for await (const result of results) {
      if (result.error) {
        lines.push(`error: ${result.error.message}`);
        if (++errCount >= 3) {
          lines.push('Too many errors, breaking!');
          break;
        }
        continue;
      }
      lines.push(`Response: ${result.response}`);
    }
    controller.abort(new Error('main returned'));
    await within(5000, 'the checker', checker);
    expect(lines).toEqual([
      'error: Get "a": unsupported protocol scheme ""',
      'Response: 200 OK from https://www.google.com',
      'error: Get "b": unsupported protocol scheme ""',
      'error: Get "c": unsupported protocol scheme ""',
      'Too many errors, breaking!',
    ]);
    expect(results.closed).toBe(true);
    expect(parked(results)).toBe(0);
  });
});

describe('Concurrency in Go (Cox-Buday): time and redundancy', () => {
  test('heartbeats: a worker pulses on a ticker between results, and the monitor ends when done closes its channels', async () => {
    const timers = countTimers();
    const pulseInterval = 10;
    const controller = new AbortController();
    const { signal } = controller;
    const heartbeat = new Channel<void>(0, { name: 'heartbeat' });
    const results = new Channel<number>(0, { name: 'results' });
    const worker = (async () => {
      using pulse = ticker(pulseInterval);
      using workGen = ticker(2 * pulseInterval);
      const sendPulse = () => selectNowait([push(heartbeat, undefined)]); // nobody listening: skip
      try {
        for (;;) {
          const r = await select([pull(pulse), pull(workGen)], { signal });
          if (r.index === 0) sendPulse();
          else if (r.ok) {
            for (;;) {
              const s = await select([pull(pulse), push(results, r.value)], { signal });
              if (s.index === 1) break;
              sendPulse();
            }
          }
        }
      } catch (error) {
        if (!stoppedBy(signal, error)) throw error;
      } finally {
        heartbeat.close();
        results.close();
      }
    })();
    setTimeout(() => controller.abort(new Error('done')), 10 * pulseInterval);
    let pulses = 0;
    const received: number[] = [];
    let open = true;
    while (open) {
      using timeout = timeAfter(2 * pulseInterval + 400); // generous: the machine may be busy
      const r = await select([pull(heartbeat), pull(results), pull(timeout)]);
      if (r.index === 2) throw new Error('worker goroutine is not healthy!');
      if (!r.ok) open = false;
      else if (r.index === 0) pulses++;
      else received.push(r.value);
    }
    await within(5000, 'the worker', worker);
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.length).toBeLessThanOrEqual(5); // one per 2 intervals in 10 intervals
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(pulses).toBeGreaterThanOrEqual(received.length);
    expect(parked(heartbeat, results)).toBe(0);
    expect(timers.pending()).toBe(0); // both tickers and every timeout cleared
  });

  test('a monitor notices within two intervals that a worker stopped sending heartbeats', async () => {
    const heartbeat = new Channel<void>(1, { name: 'heartbeat' }); // a beat waits for the monitor
    const worker = (async () => {
      for (let unit = 0; unit < 3; unit++) {
        heartbeat.tryPush(); // at the start of each unit of work; dropped if one is waiting
        await sleep(5);
      }
      // …then the worker hangs without a word (its loop is stuck on something else)
    })();
    let beats = 0;
    const started = Date.now();
    let silentFor = 0;
    for (;;) {
      using timeout = timeAfter(100);
      const r = await select([pull(heartbeat), pull(timeout)]);
      if (r.index === 1) {
        silentFor = Date.now() - started;
        break;
      }
      beats++;
    }
    await worker;
    expect(beats).toBe(3);
    expect(silentFor).toBeGreaterThanOrEqual(100 + 2 * 5 - 1);
    expect(silentFor).toBeLessThan(2000);
    expect(parked(heartbeat)).toBe(0);
  });

  test('replicated requests: the fastest of ten handlers answers, the other nine stop at once and nothing is left pending', async () => {
    const timers = countTimers();
    const loads = [60, 45, 90, 70, 55, 80, 50, 3, 65, 75]; // handler 7 is the fastest
    const done = new Channel<void>(0, { name: 'done' });
    const result = new Channel<number>(0, { name: 'result' });
    const wg = new WaitGroup();
    const stopped: number[] = [];
    const loaded: number[] = [];
    const doWork = async (id: number) => {
      try {
        {
          using load = timeAfter(loads[id] as number);
          const r = await select([pull(done), pull(load)]);
          if (r.index === 0) {
            stopped.push(id);
            return;
          }
          loaded.push(id);
        }
        const r = await select([pull(done), push(result, id)]);
        if (r.index === 0) stopped.push(id);
      } finally {
        wg.done();
      }
    };
    wg.add(10);
    for (let id = 0; id < 10; id++) void doWork(id);
    const firstReturned = await result.pull();
    done.close();
    await within(5000, 'the handlers', wg.wait());
    expect(firstReturned).toBe(7);
    expect(stopped.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(loaded).toEqual([7]); // the nine others stopped without waiting for their load
    expect(parked(done, result)).toBe(0);
    expect(timers.pending()).toBe(0);
  });

  test('a token bucket filled by a ticker lets a burst of three through at once, then one request per tick', async () => {
    const timers = countTimers();
    const bucket = new Channel<void>(3, { name: 'bucket' });
    while (bucket.tryPush()); // start full: the burst
    const events: string[] = [];
    const refill = ticker(15);
    const filler = (async () => {
      for await (const _ of refill) {
        events.push('tick');
        bucket.tryPush(); // a full bucket drops the token
      }
    })();
    for (let request = 1; request <= 6; request++) {
      await bucket.pull();
      events.push(`request ${request}`);
    }
    refill.close(); // ends the filler's for-await and clears the timer
    await within(5000, 'the filler', filler);
    const firstTick = events.indexOf('tick');
    expect(events.slice(0, 3)).toEqual(['request 1', 'request 2', 'request 3']);
    expect(firstTick).toBe(3);
    // Each later request waited for a token of its own: a tick comes before it.
    const afterBurst = events.slice(firstTick).filter((e) => e.startsWith('request'));
    expect(afterBurst).toEqual(['request 4', 'request 5', 'request 6']);
    expect(events.filter((e) => e === 'tick').length).toBeGreaterThanOrEqual(3);
    for (const request of afterBurst) expect(events[events.indexOf(request) - 1]).toBe('tick');
    expect(timers.pending()).toBe(0);
    expect(parked(bucket, refill)).toBe(0);
  });

  test('a worker pool closes its results channel once every worker is done, so the collector ends with each result once', async () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const results = new Channel<string>(0, { name: 'results' });
    const wg = new WaitGroup();
    const worker = async (id: number) => {
      try {
        for await (const job of jobs) {
          await sleep(job % 3);
          await results.push(`worker ${id} finished job ${job}`);
        }
      } finally {
        wg.done();
      }
    };
    wg.add(3);
    for (let id = 1; id <= 3; id++) void worker(id);
    void wg.wait().then(() => results.close());
    void (async () => {
      for (let job = 1; job <= 12; job++) await jobs.push(job);
      jobs.close();
    })();
    const finished: string[] = [];
    for await (const line of results) finished.push(line);
    expect(finished).toHaveLength(12);
    const jobsDone = finished.map((line) => Number(line.split(' ').pop())).sort((a, b) => a - b);
    expect(jobsDone).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(finished.map((line) => line.split(' ')[1])).size).toBeGreaterThan(1);
    expect(parked(jobs, results)).toBe(0);
  });
});

describe('Go by Example', () => {
  test('rate limiting: five requests one per tick, then a bursty limiter lets three through at once', async () => {
    const timers = countTimers();
    const requests = new Channel<number>(5);
    await requests.pushAll([1, 2, 3, 4, 5]);
    requests.close();
    const started = Date.now();
    const limiter = ticker(10);
    const served: number[] = [];
    for await (const _request of requests) {
      await limiter.pull();
      served.push(Date.now() - started);
    }
    limiter.close();
    for (const [i, at] of served.entries()) expect(at).toBeGreaterThanOrEqual((i + 1) * 10 - 2);

    const burstyLimiter = new Channel<number>(3, { name: 'burstyLimiter' });
    for (let i = 0; i < 3; i++) burstyLimiter.pushNowait(Date.now());
    // A longer period here: the burst must be served before the first refill is due, and a
    // loaded machine (a collection, another process) can stall 10 ms between two requests.
    const refillPeriod = 200;
    const burstStarted = Date.now();
    const tick = ticker(refillPeriod);
    const forwarder = (async () => {
      for await (const t of tick) {
        const ok = await burstyLimiter.push(t).then(
          () => true,
          (error: unknown) => {
            if (!(error instanceof ChannelClosedError)) throw error;
            return false;
          },
        );
        if (!ok) return;
      }
    })();
    const burstyRequests = new Channel<number>(5);
    await burstyRequests.pushAll([1, 2, 3, 4, 5]);
    burstyRequests.close();
    const burstServed: number[] = [];
    for await (const _ of burstyRequests) {
      await burstyLimiter.pull();
      burstServed.push(Date.now() - burstStarted);
    }
    tick.close();
    burstyLimiter.close();
    await within(5000, 'the forwarder', forwarder);
    expect(burstServed).toHaveLength(5);
    expect(burstServed.slice(0, 3).every((ms) => ms < refillPeriod - 1)).toBe(true);
    expect(burstServed[3]).toBeGreaterThanOrEqual(refillPeriod - 2);
    expect(burstServed[4]).toBeGreaterThanOrEqual(2 * refillPeriod - 2);
    expect(timers.pending()).toBe(0);
  });

  test('closing channels: a worker reads jobs until close, signals done, and a later receive reports ok false', async () => {
    const jobs = new Channel<number>(5);
    const done = new Channel<boolean>();
    const log: string[] = [];
    void (async () => {
      for (;;) {
        const { value: j, ok: more } = await select([pull(jobs)]);
        if (more) log.push(`received job ${j}`);
        else {
          log.push('received all jobs');
          await done.push(true);
          return;
        }
      }
    })();
    for (let j = 1; j <= 3; j++) {
      await jobs.push(j);
      log.push(`sent job ${j}`);
    }
    jobs.close();
    log.push('sent all jobs');
    await done.pull();
    const { ok } = await select([pull(jobs)]);
    expect(ok).toBe(false);
    expect(log.filter((l) => l.startsWith('received'))).toEqual([
      'received job 1',
      'received job 2',
      'received job 3',
      'received all jobs',
    ]);
    expect(log.indexOf('sent all jobs')).toBeLessThan(log.indexOf('received all jobs'));
  });

  test('range over channels: a closed buffered channel still yields its two values to for-await', async () => {
    const queue = new Channel<string>(2);
    await queue.push('one');
    await queue.push('two');
    queue.close();
    const seen: string[] = [];
    for await (const elem of queue) seen.push(elem);
    expect(seen).toEqual(['one', 'two']);
  });

  test('non-blocking channel operations: receive, send and a multi-way select with default all take the default', () => {
    const messages = new Channel<string>();
    const signals = new Channel<boolean>();
    const lines: string[] = [];
    const received = selectNowait([pull(messages)]);
    lines.push(received?.ok ? `received message ${received.value}` : 'no message received');
    const sent = selectNowait([push(messages, 'hi')]);
    lines.push(sent ? 'sent message hi' : 'no message sent');
    const any = selectNowait([pull(messages), pull(signals)]);
    lines.push(any === undefined ? 'no activity' : `activity on case ${any.index}`);
    expect(lines).toEqual(['no message received', 'no message sent', 'no activity']);
    expect(parked(messages, signals)).toBe(0);
  });

  test('timers: one fires, one stopped before it fires never delivers, and its waiting goroutine learns it was stopped', async () => {
    const timers = countTimers();
    const timer1 = timeAfter(10);
    const fired1 = await timer1.pull();
    expect(typeof fired1).toBe('number');

    const stop2 = new AbortController();
    const timer2 = timeAfter(50, { signal: stop2.signal });
    const waiting = select([pull(timer2)]); // `go func() { <-timer2.C; … }()` with v, ok
    stop2.abort(); // timer2.Stop()
    const r = await waiting;
    expect(r.ok).toBe(false); // closed, not fired
    await sleep(60);
    expect(timer2.tryPull()).toBeUndefined();
    expect(timers.pending()).toBe(0);
    expect(abortListeners(stop2.signal)).toBe(0);
  });

  test('tickers: a for-await over a ticker ends when the ticker is stopped, after a few ticks, and leaves no timer', async () => {
    const timers = countTimers();
    const tick = ticker(10);
    const ticks: number[] = [];
    const reader = (async () => {
      for await (const t of tick) ticks.push(t);
    })();
    await sleep(45);
    tick.close(); // ticker.Stop(); here the range ends too
    await within(5000, 'the ticker reader', reader);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(ticks.length).toBeLessThanOrEqual(5); // ticks are dropped, never bunched up
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    expect(timers.pending()).toBe(0);
  });
});

describe('channels as synchronisation primitives', () => {
  test('a buffered channel as a semaphore keeps ten tasks to three at a time and is empty when they are done', async () => {
    const sem = new Channel<void>(3, { name: 'sem' });
    let running = 0;
    let peak = 0;
    const task = async (i: number) => {
      await sem.push(); // acquire
      try {
        running++;
        peak = Math.max(peak, running);
        await sleep(i % 4);
        return i * i;
      } finally {
        running--;
        sem.pullNowait(); // release
      }
    };
    const results = await within(5000, 'the tasks', Promise.all(Array.from({ length: 10 }, (_, i) => task(i))));
    expect(results).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    expect(peak).toBe(3);
    expect(sem.size).toBe(0);
    expect(parked(sem)).toBe(0);
  });

  test('a channel of capacity 1 as a mutex makes 100 read-await-write increments exact', async () => {
    const mu = new Channel<void>(1, { name: 'mutex' });
    let counter = 0;
    const increment = async (locked: boolean) => {
      if (locked) await mu.push(); // Lock
      try {
        const read = counter;
        await sleep(0);
        counter = read + 1;
      } finally {
        if (locked) mu.pullNowait(); // Unlock
      }
    };
    await Promise.all(Array.from({ length: 100 }, () => increment(true)));
    expect(counter).toBe(100);
    counter = 0;
    await Promise.all(Array.from({ length: 100 }, () => increment(false)));
    expect(counter).toBeLessThan(100); // without the lock the increments race
    expect(parked(mu)).toBe(0);
  });

  test('futures as channels of capacity 1: two computations run at once and each result is read once', async () => {
    const future = <T>(compute: () => Promise<T>): PullChannel<T> => {
      const c = new Channel<T>(1);
      void compute().then(
        (value) => {
          c.pushNowait(value);
          c.close();
        },
        (error: unknown) => c.close(error),
      );
      return c;
    };
    const log: string[] = [];
    const a = future(async () => {
      log.push('a started');
      await sleep(20);
      log.push('a done');
      return 'a';
    });
    const b = future(async () => {
      log.push('b started');
      await sleep(20);
      log.push('b done');
      return 42;
    });
    const failing = future<number>(async () => {
      throw new Error('compute failed');
    });
    expect([await a.pull(), await b.pull()]).toEqual(['a', 42]);
    expect(log).toEqual(['a started', 'b started', 'a done', 'b done']); // concurrent, not one after the other
    const error = await failing.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toEqual(new Error('compute failed'));
    expect(await a.pull().catch((e: unknown) => e)).toBeInstanceOf(ChannelClosedError); // read once
  });

  test('a stateful owner loop serves reads and writes sent with reply channels, with no lost update', async () => {
    type Op =
      | { kind: 'read'; key: number; reply: Channel<number> }
      | { kind: 'write'; key: number; reply: Channel<void> };
    const ops = new Channel<Op>(0, { name: 'ops' });
    const owner = (async () => {
      const state = new Map<number, number>();
      for await (const op of ops) {
        if (op.kind === 'read') await op.reply.push(state.get(op.key) ?? 0);
        else {
          state.set(op.key, (state.get(op.key) ?? 0) + 1);
          await op.reply.push();
        }
      }
      return state;
    })();
    const writer = async (key: number) => {
      for (let i = 0; i < 25; i++) {
        const reply = new Channel<void>();
        await ops.push({ kind: 'write', key, reply });
        await reply.pull();
      }
    };
    await Promise.all([writer(1), writer(2), writer(1), writer(3)]);
    const reply = new Channel<number>();
    await ops.push({ kind: 'read', key: 1, reply });
    expect(await reply.pull()).toBe(50);
    ops.close();
    expect(await within(5000, 'the owner', owner)).toEqual(
      new Map([
        [1, 50],
        [2, 25],
        [3, 25],
      ]),
    );
  });
});

describe('broadcast, batches and scopes', () => {
  test('pub/sub: a fast and a slow subscriber each get every value in order, a conflated display ends on the last', async () => {
    const updates = new Channel<number>(2, { name: 'updates' });
    const hub = broadcast(updates);
    const fast = hub.subscribe({ capacity: 4 });
    const slow = hub.subscribe({ capacity: 1 });
    const display = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    let published = 0;
    let maxLead = 0;
    const publisher = (async () => {
      for (let i = 1; i <= 20; i++) {
        await updates.push(i);
        published = i;
      }
      updates.close();
    })();
    const fastSeen: number[] = [];
    const slowSeen: number[] = [];
    const readers = [
      (async () => {
        for await (const v of fast) fastSeen.push(v);
      })(),
      (async () => {
        for await (const v of slow) {
          slowSeen.push(v);
          maxLead = Math.max(maxLead, published - v);
          await sleep(1);
        }
      })(),
    ];
    await within(2000, 'publisher and readers', Promise.all([publisher, ...readers]));
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(fastSeen).toEqual(oneToTwenty);
    expect(slowSeen).toEqual(oneToTwenty);
    // The slow reader sets the pace: the publisher is never more than the buffers ahead of it.
    expect(maxLead).toBeLessThanOrEqual(updates.capacity + slow.capacity + 1);
    expect(await display.pullMany(10)).toEqual([20]);
    expect(display.closed && fast.closed && slow.closed).toBe(true);
    expect(parked(updates)).toBe(0);
  });

  test('a subscriber that leaves with its signal stops receiving and never holds the others back', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const leave = new AbortController();
    const leaver = hub.subscribe({ capacity: 1, signal: leave.signal });
    const stayer = hub.subscribe({ capacity: 8 });
    await source.push(1);
    leave.abort();
    for (let i = 2; i <= 5; i++) await within(5000, `push ${i}`, source.push(i));
    source.close();
    expect(await leaver.pullMany(10)).toEqual([1]);
    expect(await stayer.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    expect(abortListeners(leave.signal)).toBe(0);
  });

  test('a batching logger: four producers pushAll their lines, one flusher writes them in batches with pullMany, nothing lost or reordered', async () => {
    const lines = new Channel<string>(16, { name: 'log' });
    const batches: string[][] = [];
    const flusher = (async () => {
      for (;;) {
        let batch: string[];
        try {
          batch = await lines.pullMany(8);
        } catch (error) {
          if (error instanceof ChannelClosedError) return;
          throw error;
        }
        batches.push(batch);
        await sleep(1); // the write
      }
    })();
    const producer = (name: string) => lines.pushAll(Array.from({ length: 25 }, (_, i) => `${name}:${i}`));
    await Promise.all(['a', 'b', 'c', 'd'].map(producer));
    lines.close();
    await within(5000, 'the flusher', flusher);
    const all = batches.flat();
    expect(all).toHaveLength(100);
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(all.filter((l) => l.startsWith(`${name}:`))).toEqual(Array.from({ length: 25 }, (_, i) => `${name}:${i}`));
    }
    expect(batches.every((b) => b.length >= 1 && b.length <= 8)).toBe(true);
    expect(batches.length).toBeLessThan(100);
    expect(parked(lines)).toBe(0);
  });

  test('`await using` closes a job channel when its scope throws, so the consumer ends with the jobs sent before', async () => {
    const seen: number[] = [];
    let consumer: Promise<void> | undefined;
    const run = async () => {
      await using jobs = new Channel<number>(4);
      consumer = (async () => {
        for await (const job of jobs) seen.push(job);
      })();
      for (let i = 0; ; i++) {
        if (i === 3) throw new Error('boom');
        await jobs.push(i);
      }
    };
    await expect(run()).rejects.toThrow('boom');
    await within(5000, 'the consumer', consumer as Promise<void>);
    expect(seen).toEqual([0, 1, 2]);
  });

  test('`using` a ticker in a function that returns early clears its timer', async () => {
    const timers = countTimers();
    const firstTwoTicks = async () => {
      using ticks = ticker(5);
      const first = await ticks.pull();
      const second = await ticks.pull();
      return second - first;
    };
    expect(await firstTwoTicks()).toBeGreaterThanOrEqual(1);
    expect(timers.pending()).toBe(0);
  });
});

describe('more programs: cancellation, groups and shared resources', () => {
  test('a batch pipeline aborted midway accounts for every job: processed plus still buffered equals pushed', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const jobs = new Channel<number>(8, { name: 'jobs' });
    const processed: number[] = [];
    const producer = jobs.pushAll(
      Array.from({ length: 100 }, (_, i) => i),
      { signal },
    );
    const worker = async () => {
      try {
        for (;;) {
          const batch = await jobs.pullMany(4, { signal });
          await sleep(1);
          processed.push(...batch); // a batch taken is finished, even when the abort came meanwhile
          if (processed.length >= 20 && !signal.aborted) controller.abort(new Error('deploy'));
        }
      } catch (error) {
        if (!stoppedBy(signal, error)) throw error;
      }
    };
    const workers = [worker(), worker(), worker()];
    const stopped = (await within(
      1000,
      'the producer',
      producer.catch((e: unknown) => e),
    )) as Error & {
      pushed: number;
    };
    await within(5000, 'the workers', Promise.all(workers));
    expect(stopped.message).toBe('deploy');
    const left: number[] = [];
    for (let job = jobs.tryPull(); job !== undefined; job = jobs.tryPull()) left.push(job);
    expect([...processed, ...left].sort((a, b) => a - b)).toEqual(Array.from({ length: stopped.pushed }, (_, i) => i));
    expect(stopped.pushed).toBeLessThan(100);
    expect(parked(jobs)).toBe(0);
    expect(abortListeners(signal)).toBe(0);
  });

  test('twenty producers pushing with timeouts into a slow consumer: exactly the values whose push resolved are delivered, once each', async () => {
    const queue = new Channel<string>(4, { name: 'queue' });
    const committed = new Set<string>();
    const timedOut = new Set<string>();
    const producer = async (p: number) => {
      for (let i = 0; i < 10; i++) {
        const value = `${p}:${i}`;
        try {
          await queue.push(value, { signal: AbortSignal.timeout(3 + (p % 5) * 3) });
          committed.add(value);
        } catch (error) {
          if ((error as Error).name === 'TimeoutError') timedOut.add(value);
          else if (!(error instanceof ChannelClosedError)) throw error;
        }
      }
    };
    const producers = Array.from({ length: 20 }, (_, p) => producer(p));
    const delivered: string[] = [];
    const consumer = (async () => {
      for await (const value of queue) {
        delivered.push(value);
        await sleep(delivered.length % 4 === 0 ? 1 : 0);
      }
    })();
    await within(5000, 'the producers', Promise.all(producers));
    queue.close();
    await within(5000, 'the consumer', consumer);
    expect(committed.size + timedOut.size).toBe(200);
    expect(timedOut.size).toBeGreaterThan(0);
    expect(new Set(delivered).size).toBe(delivered.length); // no value twice
    expect(new Set(delivered)).toEqual(committed); // every committed value, and nothing else
    for (let p = 0; p < 20; p++) {
      const mine = delivered.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.split(':')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b)); // each producer's order kept
    }
    expect(parked(queue)).toBe(0);
  });

  test('a push that times out delivers nothing: the consumer that comes later gets the next value', async () => {
    const replies = new Channel<string>(0, { name: 'replies' });
    const late = await replies.push('stale', { signal: AbortSignal.timeout(10) }).catch((e: unknown) => e);
    expect((late as Error).name).toBe('TimeoutError');
    const reading = replies.pull();
    await replies.push('fresh');
    expect(await reading).toBe('fresh');
    expect(parked(replies)).toBe(0);
  });

  test('closing a ready channel wakes a hundred waiting selects at once (Go: close to broadcast)', async () => {
    const ready = new Channel<void>(0, { name: 'ready' });
    const woken: number[] = [];
    const waiters = Array.from({ length: 100 }, (_, i) =>
      select([pull(ready)]).then((r) => {
        if (!r.ok) woken.push(i);
      }),
    );
    expect(ready.stats().waitingPullers).toBe(100);
    ready.close();
    await within(5000, 'the waiters', Promise.all(waiters));
    expect(woken).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(parked(ready)).toBe(0);
  });

  test('an errgroup: the first failing task aborts the group, every other task stops, and wait rejects with that error', async () => {
    const group = new AbortController();
    const { signal } = group;
    const results = new Channel<string>(Infinity, { name: 'results' });
    const stopped: string[] = [];
    const task = async (name: string, ms: number, fail = false) => {
      try {
        await sleep(ms, signal);
        if (fail) throw new Error(`${name} failed`);
        await results.push(name, { signal });
      } catch (error) {
        if (stoppedBy(signal, error)) stopped.push(name);
        else {
          group.abort(error);
          throw error;
        }
      }
    };
    const all = Promise.all([task('a', 1), task('b', 5, true), task('c', 200), task('d', 300)]);
    const error = await within(
      1000,
      'the group',
      all.catch((e: unknown) => e),
    );
    await sleep(1);
    results.close();
    expect(error).toEqual(new Error('b failed'));
    expect(await results.pullMany(10)).toEqual(['a']);
    expect(stopped.sort()).toEqual(['c', 'd']);
    expect(abortListeners(signal)).toBe(0);
  });

  test('a blocking subscriber that falls behind and leaves no longer holds the broadcast back', async () => {
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const stuck = hub.subscribe({ capacity: 1 }); // never read
    const reader = hub.subscribe({ capacity: 1 });
    const seen: number[] = [];
    const reading = (async () => {
      for await (const n of reader) seen.push(n);
    })();
    await source.push(1);
    const second = source.push(2); // stuck is full: the broadcast takes nothing more
    await sleep(5);
    expect(seen).toEqual([1]);
    stuck.close(); // …until the stuck subscriber leaves
    await within(5000, 'the second push', second);
    await source.push(3);
    source.close();
    await within(5000, 'the reader', reading);
    expect(seen).toEqual([1, 2, 3]);
    expect(stuck.tryPull()).toBe(1); // what it had received stays readable
    expect(parked(source, reader)).toBe(0);
  });

  test('a ticker shared by three workers gives each tick to exactly one of them', async () => {
    const timers = countTimers();
    const tick = ticker(2);
    const byWorker: number[][] = [[], [], []];
    const worker = async (id: number) => {
      for await (const t of tick) byWorker[id]?.push(t);
    };
    const workers = [worker(0), worker(1), worker(2)];
    await sleep(40);
    tick.close();
    await within(5000, 'the workers', Promise.all(workers));
    const all = byWorker.flat();
    expect(all.length).toBeGreaterThanOrEqual(1);
    expect(new Set(all).size).toBe(all.length);
    expect(timers.pending()).toBe(0);
  });

  test('a generator fed through from() and abandoned by closing its channel runs its finally block', async () => {
    const log: string[] = [];
    async function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        log.push('generator cleaned up');
      }
    }
    const channel = from(numbers());
    expect([await channel.pull(), await channel.pull(), await channel.pull()]).toEqual([0, 1, 2]);
    channel.close();
    await sleep(1);
    expect(log).toEqual(['generator cleaned up']);
  });
});

describe('contexts and fan-in with the library', () => {
  test('a tree of contexts (AbortSignal.any): cancelling one request stops only its work, shutting the server down stops the rest', async () => {
    const server = new AbortController();
    const jobs = new Channel<string>(0, { name: 'jobs' });
    const outcomes: string[] = [];
    const handle = (name: string, request: AbortController) => {
      const ctx = AbortSignal.any([server.signal, request.signal]); // context.WithCancel(serverCtx)
      return jobs.pull({ signal: ctx }).then(
        (job) => outcomes.push(`${name} got ${job}`),
        (error: Error) => outcomes.push(`${name}: ${error.message}`),
      );
    };
    const requests = [new AbortController(), new AbortController(), new AbortController()];
    const handlers = requests.map((request, i) => handle(`r${i}`, request));
    expect(jobs.stats().waitingPullers).toBe(3);
    requests[1]?.abort(new Error('client went away'));
    await sleep(0);
    expect(outcomes).toEqual(['r1: client went away']);
    await jobs.push('job A'); // goes to r0, the oldest handler still waiting
    server.abort(new Error('shutting down'));
    await within(5000, 'the handlers', Promise.all(handlers));
    expect(outcomes).toEqual(['r1: client went away', 'r0 got job A', 'r2: shutting down']);
    expect(parked(jobs)).toBe(0);
    expect(abortListeners(server.signal)).toBe(0);
  });

  test('gen → two sq stages → merge() from the library: every square once, and the merged channel closes after both stages', async () => {
    const source = from([1, 2, 3, 4, 5, 6]);
    const sq = (input: PullChannel<number>) => {
      const out = new Channel<number>();
      void (async () => {
        for await (const n of input) await out.push(n * n);
        out.close();
      })();
      return out;
    };
    const stages = [sq(source), sq(source)];
    const merged = merge(...stages);
    const squares: number[] = [];
    for await (const n of merged) squares.push(n);
    expect(squares.sort((a, b) => a - b)).toEqual([1, 4, 9, 16, 25, 36]);
    expect(merged.closed).toBe(true);
    expect(parked(...stages, merged)).toBe(0);
  });
});

describe('programs at their real periods, on fake timers (they would take seconds)', () => {
  test("Go by Example's rate limiter serves one request per 200 ms tick, and its bursty limiter three at once then one per tick", async () => {
    vi.useFakeTimers();
    try {
      const requests = new Channel<number>(5);
      await requests.pushAll([1, 2, 3, 4, 5]);
      requests.close();
      const start = Date.now();
      const limiter = ticker(200);
      const served: number[] = [];
      const steady = (async () => {
        for await (const _request of requests) {
          await limiter.pull();
          served.push(Date.now() - start);
        }
      })();
      await vi.advanceTimersByTimeAsync(1000);
      await within(5000, 'the steady loop', steady);
      limiter.close();
      expect(served).toEqual([200, 400, 600, 800, 1000]);

      const burstyLimiter = new Channel<number>(3);
      for (let i = 0; i < 3; i++) burstyLimiter.pushNowait(Date.now());
      const burstStart = Date.now();
      const tick = ticker(200);
      const forwarder = (async () => {
        for await (const t of tick)
          if (
            !(await burstyLimiter.push(t).then(
              () => true,
              () => false,
            ))
          )
            return;
      })();
      const burstyRequests = new Channel<number>(5);
      await burstyRequests.pushAll([1, 2, 3, 4, 5]);
      burstyRequests.close();
      const burstServed: number[] = [];
      const bursty = (async () => {
        for await (const _request of burstyRequests) {
          await burstyLimiter.pull();
          burstServed.push(Date.now() - burstStart);
        }
      })();
      await vi.advanceTimersByTimeAsync(400);
      await within(5000, 'the bursty loop', bursty);
      tick.close();
      burstyLimiter.close();
      await within(5000, 'the forwarder', forwarder);
      expect(burstServed).toEqual([0, 0, 0, 200, 400]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a subscription that fetches every 10 s delivers three polls of a feed in a simulated 25 s, then closes cleanly', async () => {
    vi.useFakeTimers();
    try {
      let polls = 0;
      const fetchFeed = async () => {
        polls++;
        return [`item ${polls}a`, `item ${polls}b`];
      };
      const updates = new Channel<string>(0, { name: 'updates' });
      const quit = new Channel<void>(0, { name: 'quit' });
      const loop = (async () => {
        const pending: string[] = [];
        let next = Date.now();
        for (;;) {
          using fetchTimer = pending.length < 10 ? timeAfter(Math.max(0, next - Date.now())) : undefined;
          const first = pending[0];
          const r = await select([
            fetchTimer ? pull(fetchTimer) : null,
            first ? push(updates, first) : null,
            pull(quit),
          ]);
          if (r.index === 0) {
            pending.push(...(await fetchFeed()));
            next = Date.now() + 10_000;
          } else if (r.index === 1) pending.shift();
          else {
            updates.close();
            return;
          }
        }
      })();
      const received: string[] = [];
      const reader = (async () => {
        for await (const item of updates) received.push(`${item} @${Date.now() / 1000}s`);
      })();
      const t0 = Date.now() / 1000;
      await vi.advanceTimersByTimeAsync(25_000);
      await quit.push();
      await within(5000, 'the loop and the reader', Promise.all([loop, reader]));
      expect(received).toEqual([
        `item 1a @${t0}s`,
        `item 1b @${t0}s`,
        `item 2a @${t0 + 10}s`,
        `item 2b @${t0 + 10}s`,
        `item 3a @${t0 + 20}s`,
        `item 3b @${t0 + 20}s`,
      ]);
      expect(vi.getTimerCount()).toBe(0);
      expect(parked(updates, quit)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("where the event loop is not Go's scheduler", () => {
  test('a producer that never waits for anything but the channel starves a whole-conversation after(): no timer fires in between', async () => {
    const c = new Channel<number>(0, { name: 'chatty' });
    let stop = false;
    const producer = (async () => {
      for (let i = 0; !stop; i++) await c.push(i).catch(() => {});
    })();
    const timeout = timeAfter(0);
    let heard = 0;
    let timedOut = false;
    // Go's preemptive scheduler would fire the timer; here the pushes and selects are one
    // unbroken chain of microtasks. A bounded count stands in for "for ever".
    while (heard < 20_000) {
      const r = await select([pull(c), pull(timeout)]);
      if (r.index === 1) {
        timedOut = true;
        break;
      }
      heard++;
    }
    expect(timedOut).toBe(false);
    expect(heard).toBe(20_000);
    stop = true;
    c.close();
    await within(5000, 'the producer', producer);
    timeout.close();
  });

  test('a producer that yields to the event loop now and then lets the same after() end the conversation', async () => {
    const c = new Channel<number>(0, { name: 'chatty' });
    const controller = new AbortController();
    const producer = (async () => {
      try {
        for (let i = 0; ; i++) {
          await c.push(i, { signal: controller.signal });
          if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve)); // give timers a turn
        }
      } catch (error) {
        if (!stoppedBy(controller.signal, error)) throw error;
      }
    })();
    const timeout = timeAfter(10);
    let heard = 0;
    for (;;) {
      const r = await select([pull(c), pull(timeout)]);
      if (r.index === 1) break;
      heard++;
    }
    controller.abort(new Error('You talk too much.'));
    await within(5000, 'the producer', producer);
    expect(heard).toBeGreaterThanOrEqual(100);
    expect(parked(c)).toBe(0);
  });

  test('Promise.race is not a select: the pull that lost the race still waits and takes the next value for nobody', async () => {
    const replies = new Channel<string>(0, { name: 'replies' });
    const raced = await Promise.race([replies.pull(), sleep(5).then(() => 'timed out')]);
    expect(raced).toBe('timed out');
    expect(replies.stats().waitingPullers).toBe(1); // the loser is still parked…
    await replies.push('lost');
    expect(replies.stats().waitingPullers).toBe(0); // …and took 'lost', which nobody reads
    // The select with after() withdraws its pull when the timeout wins: nothing is lost.
    const r = await select([pull(replies), pull(timeAfter(5))]);
    expect(r.index).toBe(1);
    expect(replies.stats().waitingPullers).toBe(0);
    const reading = replies.pull();
    await replies.push('kept');
    expect(await reading).toBe('kept');
  });
});

describe('slips users make in these programs', () => {
  test("a producer that closes its channel in finally (Go's defer close) ends the consumer even when it fails, with the failure", async () => {
    const lines = new Channel<string>(2, { name: 'lines' });
    const producer = (async () => {
      try {
        await lines.push('line 1');
        await lines.push('line 2');
        throw new Error('disk full');
      } catch (error) {
        lines.close(error); // the consumer learns why
      } finally {
        lines.close(); // a no-op after close(error); without either, the consumer would wait for ever
      }
    })();
    const seen: string[] = [];
    const ended = await within(
      1000,
      'the consumer',
      (async () => {
        for await (const line of lines) seen.push(line);
      })().catch((e: unknown) => e),
    );
    await producer;
    expect(seen).toEqual(['line 1', 'line 2']);
    expect(ended).toEqual(new Error('disk full'));
  });

  test('closing a channel twice is a no-op that keeps the first reason, where Go panics', async () => {
    const results = new Channel<number>(2);
    await results.push(1);
    results.close(new Error('producer failed'));
    results.close(new Error('second close'));
    results.close();
    const seen: number[] = [];
    const error = await (async () => {
      for await (const n of results) seen.push(n);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(error).toEqual(new Error('producer failed'));
  });

  test('a push in a finally block after the consumer closed the channel rejects at once, naming push and the channel', async () => {
    const results = new Channel<string>(0, { name: 'results' });
    const producer = async () => {
      try {
        await results.push('first');
      } finally {
        await results.push('summary'); // the consumer is gone by now
      }
    };
    const running = producer();
    expect(await results.pull()).toBe('first');
    results.close();
    const error = await within(
      1000,
      'the producer',
      running.catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toBe('push: channel "results" is closed');
  });

  test('passing the AbortController where its signal belongs is refused by every call, naming it', async () => {
    const controller = new AbortController();
    const jobs = new Channel<number>(1, { name: 'jobs' });
    const asOptions = { signal: controller as unknown as AbortSignal };
    const refusals = await Promise.all([
      jobs.push(1, asOptions).catch((e: unknown) => e),
      jobs.pull(asOptions).catch((e: unknown) => e),
      jobs.pullMany(4, asOptions).catch((e: unknown) => e),
      jobs.pushAll([1], asOptions).catch((e: unknown) => e),
      select([pull(jobs)], asOptions).catch((e: unknown) => e),
    ]);
    expect(refusals.map((e) => [(e as Error).name, (e as Error).message])).toEqual([
      ['TypeError', 'push: options.signal is not an AbortSignal'],
      ['TypeError', 'pull: options.signal is not an AbortSignal'],
      ['TypeError', 'pullMany: options.signal is not an AbortSignal'],
      ['TypeError', 'pushAll: options.signal is not an AbortSignal'],
      ['TypeError', 'select: options.signal is not an AbortSignal'],
    ]);
    expect(() => timeAfter(10, asOptions)).toThrow(
      new TypeError('after(ms, options): options.signal must be an AbortSignal, got AbortController'),
    );
    expect(() => ticker(10, asOptions)).toThrow(
      new TypeError('ticker(ms, options): options.signal must be an AbortSignal, got AbortController'),
    );
    expect(() => broadcast(jobs).subscribe(asOptions)).toThrow(
      new TypeError('broadcast.subscribe(options): options.signal is not an AbortSignal'),
    );
    expect(parked(jobs)).toBe(0);
    expect(jobs.size).toBe(0);
  });

  test('the AbortController itself passed as the options works, since it has a signal', async () => {
    const controller = new AbortController();
    const replies = new Channel<string>();
    const waiting = replies.pull(controller);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(parked(replies)).toBe(0);
  });

  test('awaiting tryPush or pushNowait works as without await', async () => {
    const events = new Channel<number>(1);
    expect(await events.tryPush(1)).toBe(true);
    expect(await events.tryPush(2)).toBe(false);
    expect(await events.pullNowait()).toBe(1);
    await events.pushNowait(3);
    expect(events.tryPull()).toBe(3);
  });

  test('two for-await loops draining one channel share its values, each exactly once, and both end on close', async () => {
    const tasks = new Channel<number>(4);
    const a: number[] = [];
    const b: number[] = [];
    const loops = [
      (async () => {
        for await (const t of tasks) {
          a.push(t);
          await sleep(0);
        }
      })(),
      (async () => {
        for await (const t of tasks) {
          b.push(t);
          await sleep(1);
        }
      })(),
    ];
    await tasks.pushAll(Array.from({ length: 40 }, (_, i) => i));
    tasks.close();
    await within(5000, 'both loops', Promise.all(loops));
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a).toEqual([...a].sort((x, y) => x - y));
  });

  test('a Channel passed where an iterable is expected is refused by pushAll with a clear error, and nothing is pushed', async () => {
    const source = new Channel<number>(2);
    await source.pushAll([1, 2]);
    const target = new Channel<number>(4);
    const error = await target.pushAll(source as unknown as Iterable<number>).catch((e: unknown) => e);
    expect(error).toEqual(
      new TypeError('pushAll(values): values is not iterable (but async: push each in a for await loop)'),
    );
    expect(target.size).toBe(0);
    expect(source.size).toBe(2);
  });
});

describe('regressions: slips that used to hang or fail obscurely (sources)', () => {
  const { Channel: Chan } = src;

  test('an AbortSignal passed as the options — pull(signal) for pull({ signal }) — is refused with a TypeError naming the call, not ignored', async () => {
    const controller = new AbortController();
    const signal = controller.signal as never;
    const jobs = new Chan<number>(0, { name: 'jobs' });
    const refusals = await Promise.all([
      jobs.push(1, signal).catch((e: unknown) => e),
      jobs.pull(signal).catch((e: unknown) => e),
      jobs.pullMany(4, signal).catch((e: unknown) => e),
      jobs.pushAll([1], signal).catch((e: unknown) => e),
      src.select([src.pull(jobs)], signal).catch((e: unknown) => e),
    ]);
    expect(refusals).toEqual([
      new TypeError('push: options is an AbortSignal: pass { signal } instead'),
      new TypeError('pull: options is an AbortSignal: pass { signal } instead'),
      new TypeError('pullMany: options is an AbortSignal: pass { signal } instead'),
      new TypeError('pushAll: options is an AbortSignal: pass { signal } instead'),
      new TypeError('select: options is an AbortSignal: pass { signal } instead'),
    ]);
    expect(parked(jobs)).toBe(0); // nothing parked that the signal could never cancel
  });

  test('broadcast.subscribe(signal) is refused with a TypeError naming the call, not a subscriber that never leaves', () => {
    const hub = src.broadcast(new Chan<number>());
    expect(() => hub.subscribe(new AbortController().signal as never)).toThrow(
      new TypeError('broadcast.subscribe(options): options is an AbortSignal: pass { signal } instead'),
    );
  });

  test('after(ms, signal) and ticker(ms, signal) are refused with a TypeError naming the call, and start no timer', () => {
    const timers = countTimers();
    const signal = new AbortController().signal as never;
    expect(() => src.after(10, signal)).toThrow(
      new TypeError('after(ms, options): options is an AbortSignal: pass { signal } instead'),
    );
    expect(() => src.ticker(10, signal)).toThrow(
      new TypeError('ticker(ms, options): options is an AbortSignal: pass { signal } instead'),
    );
    expect(timers.pending()).toBe(0);
  });

  test('a close detached from its channel throws a TypeError saying how to pass it, and touches nothing', () => {
    const results = new Chan<number>(1);
    const { close } = results;
    expect(() => close()).toThrow(
      new TypeError('close: called without its channel as this (wrap it in an arrow function)'),
    );
    const signal = new AbortController().signal;
    expect(() => close.call(signal as never)).toThrow(TypeError); // addEventListener('abort', channel.close)
    expect(Object.keys(signal)).toEqual([]); // no field of a channel written onto the signal
    expect(results.closed).toBe(false);
  });

  test("a timer channel's close detached from it throws the same TypeError and leaves the timer running", async () => {
    const timers = countTimers();
    const timeout = src.after(5);
    expect(() => Reflect.apply(timeout.close, undefined, [])).toThrow(/^close: called without its channel/);
    expect(timers.pending()).toBe(1);
    expect(typeof (await timeout.pull())).toBe('number');
    expect(timers.pending()).toBe(0);
  });

  test('push methods detached from their channel and called on an event target throw instead of reporting a commit that went nowhere', () => {
    const inputs = new Chan<string>(1, { name: 'inputs' });
    const { push: pushIt, pushNowait, tryPush } = inputs;
    const target = new EventTarget(); // target.addEventListener('input', inputs.tryPush) calls it so
    // Each names itself (tryPush and pushNowait said `push` until the twenty-fourth session).
    const message = (method: string) => `${method}: called without its channel as this (wrap it in an arrow function)`;
    expect(() => Reflect.apply(tryPush, target, ['typed'])).toThrow(new TypeError(message('tryPush')));
    expect(() => Reflect.apply(pushNowait, target, ['typed'])).toThrow(new TypeError(message('pushNowait')));
    expect(() => Reflect.apply(pushIt, target, ['typed'])).toThrow(new TypeError(message('push')));
    expect(inputs.size).toBe(0);
  });

  test('select given channel.pull() promises instead of pull(channel) cases says those pulls already run and still wait', async () => {
    const replies = new Chan<string>();
    const stray = replies.pull();
    const error = await src.select([stray as never]).catch((e: unknown) => e);
    expect(error).toEqual(
      new TypeError(
        'select(cases): case 0 is not a case (a promise: its pull or push still waits): build cases with pull(channel) or push(channel, value)',
      ),
    );
    await replies.push('hello'); // …and indeed the stray pull takes the next value
    expect(await stray).toBe('hello');
  });
});
