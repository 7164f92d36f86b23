/**
 * The first map of the SPEC read literally, as an outsider would test it: everything imported
 * from the package ('chanasync', 'chanasync/debug', resolved through package.json exports to
 * dist/), with the names, option names, result shapes and error classes the SPEC writes.
 */
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
} from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const root = fileURLToPath(new URL('..', import.meta.url));

async function settled<T>(promise: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await tick();
  return state;
}

describe('Packaging', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

  test('the package is ESM only and declares no side effects', () => {
    expect(pkg.name).toBe('chanasync');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
  });

  test('every exports entry, including chanasync and chanasync/debug, has types', () => {
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './debug']));
    for (const [key, entry] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      expect((entry as { types?: string }).types, key).toMatch(/\.d\.ts$/);
    }
  });

  test('the package has no runtime dependencies', () => {
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
  });

  test('a bundle that imports only Channel contains neither select nor the helpers nor debug code', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "import { Channel } from 'chanasync'; export const c = new Channel(1);", resolveDir: root },
      bundle: true,
      format: 'esm',
      write: false,
      minify: false,
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('Channel');
    for (const name of ['selectNowait', 'fromEvent', 'enableDebug', 'toReadableStream', 'function merge']) {
      expect(code, name).not.toContain(name);
    }
  });
});

describe('Debug mode off (these run before any test enables it)', () => {
  test('with debug mode never enabled, channel operations read no clock and capture no stack', async () => {
    let clockReads = 0;
    let stacks = 0;
    const dateNow = Date.now;
    const performanceNow = performance.now;
    const captureStackTrace = Error.captureStackTrace;
    const prepareStackTrace = Error.prepareStackTrace;
    Date.now = () => {
      clockReads++;
      return dateNow();
    };
    performance.now = () => {
      clockReads++;
      return performanceNow.call(performance);
    };
    Error.captureStackTrace = (...args: Parameters<typeof captureStackTrace>) => {
      stacks++;
      captureStackTrace(...args);
    };
    Error.prepareStackTrace = (error, frames) => {
      stacks++;
      return prepareStackTrace ? prepareStackTrace(error, frames) : `${error}`;
    };
    try {
      const channel = new Channel<number>(1, { name: 'off' });
      const unbuffered = new Channel<number>();
      const pulled = unbuffered.pull();
      const pushed = channel.push(1);
      const parked = channel.push(2);
      await pushed;
      unbuffered.pushNowait(3);
      await pulled;
      await select([pull(channel), pull(unbuffered)]);
      await parked;
      channel.pullNowait();
      const waiting = select([pull(unbuffered), push(channel, 4)]);
      await waiting;
      channel.close();
    } finally {
      Date.now = dateNow;
      performance.now = performanceNow;
      Error.captureStackTrace = captureStackTrace;
      Error.prepareStackTrace = prepareStackTrace;
    }
    expect(clockReads).toBe(0);
    expect(stacks).toBe(0);
  });
});

describe('Packaging: platform', () => {
  test('dist/index.js and the chunks it loads import only relative paths, so a <script type="module"> can load it', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      for (const match of code.matchAll(/(?:^|[;\s])(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["']([^"']+)["']/g)) {
        const specifier = match[1] ?? '';
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\/.*\.js$/);
        visit(fileURLToPath(new URL(specifier, `file://${file}`)));
      }
    };
    visit(`${root}dist/index.js`);
    expect(seen.size).toBeGreaterThan(1);
  });

  test('where Symbol.asyncDispose and Symbol.dispose are missing, channels use Symbol.for fallbacks', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "import { Channel } from 'chanasync'; globalThis.Channel = Channel;", resolveDir: root },
      bundle: true,
      format: 'iife',
      write: false,
    });
    const context = createContext({});
    expect(runInContext('typeof Symbol.asyncDispose', context)).toBe('undefined');
    runInContext(result.outputFiles[0]?.text ?? '', context);
    const closed = runInContext(
      `const a = new Channel(); a[Symbol.for('Symbol.dispose')]();
       const b = new Channel(); b[Symbol.for('Symbol.asyncDispose')]();
       [a.closed, b.closed]`,
      context,
    );
    expect([...closed]).toEqual([true, true]);
  });
});

describe('Packaging: debug stays out', () => {
  test('a bundle of everything in chanasync (without chanasync/debug) contains none of the debug code', async () => {
    const { build } = await import('esbuild');
    const result = await build({
      stdin: { contents: "import * as all from 'chanasync'; globalThis.all = all;", resolveDir: root },
      bundle: true,
      format: 'esm',
      write: false,
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('selectNowait');
    for (const marker of ['chanasync-inspector', 'announce', 'enableDebug', 'disableDebug']) {
      expect(code, marker).not.toContain(marker);
    }
  });
});

describe('Channel constructor and properties', () => {
  test('a channel made without arguments is unbuffered with capacity 0', () => {
    const channel = new Channel<number>();
    expect(channel.capacity).toBe(0);
    expect(channel.size).toBe(0);
  });

  test('Infinity makes an unbounded channel that accepts pushes without waiting', () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 1000; i++) channel.pushNowait(i);
    expect(channel.capacity).toBe(Infinity);
    expect(channel.size).toBe(1000);
    expect(channel.full).toBe(false);
  });

  test.each([-1, Number.NaN, 1.5, -Infinity])('capacity %s throws RangeError from the constructor', (capacity) => {
    expect(() => new Channel(capacity)).toThrow(RangeError);
  });

  test('a non-number capacity throws TypeError from the constructor', () => {
    expect(() => new Channel('1' as unknown as number)).toThrow(TypeError);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)('overflow %s with capacity 0 throws RangeError', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
  });

  test('properties report capacity, size, closed, full, empty and name', () => {
    const channel = new Channel<number>(2, { name: 'jobs' });
    expect(channel).toMatchObject({ capacity: 2, size: 0, closed: false, full: false, empty: true, name: 'jobs' });
    channel.pushNowait(1);
    expect(channel).toMatchObject({ size: 1, full: false, empty: false });
    channel.pushNowait(2);
    expect(channel).toMatchObject({ size: 2, full: true, empty: false });
    channel.close();
    expect(channel.closed).toBe(true);
  });

  test('an unbuffered channel is always full and empty, with size 0', async () => {
    const channel = new Channel<number>();
    const pushed = channel.push(1);
    await tick();
    expect(channel.size).toBe(0);
    expect(channel.full).toBe(true);
    expect(channel.empty).toBe(true);
    await channel.pull();
    await pushed;
  });

  test('closed becomes true as soon as close() is called even with buffered values left', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close();
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(1);
  });

  test('stats() reports name, capacity, size, closed, overflow and the parked operations', async () => {
    const channel = new Channel<number>(1, { name: 's' });
    expect(channel.stats()).toEqual({
      name: 's',
      capacity: 1,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
    channel.pushNowait(1);
    const parked = channel.push(2);
    await tick();
    expect(channel.stats()).toMatchObject({ size: 1, waitingPushers: 1, waitingPullers: 0 });
    await channel.pull();
    await parked;
    await channel.pull();
    const puller = channel.pull();
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 1 });
    channel.pushNowait(3);
    await expect(puller).resolves.toBe(3);
  });

  test('stats() reports the overflow policy given to the constructor', () => {
    expect(new Channel(3, { overflow: 'drop-oldest' }).stats().overflow).toBe('drop-oldest');
    expect(new Channel(3, { overflow: 'drop-newest' }).stats().overflow).toBe('drop-newest');
  });

  test('a parked select case counts on each channel it waits on in stats()', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const controller = new AbortController();
    const waiting = select([pull(a), push(b, 1)], { signal: controller.signal });
    await tick();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
  });
});

describe('Overflow policies', () => {
  test('drop-oldest discards the oldest buffered value and push resolves without waiting', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    channel.pushNowait(4);
    expect(channel.size).toBe(2);
    expect(channel.pullNowait()).toBe(3);
    expect(channel.pullNowait()).toBe(4);
  });

  test('drop-oldest with capacity 1 is a conflated channel where the latest value wins', () => {
    const channel = new Channel<string>(1, { overflow: 'drop-oldest' });
    channel.pushNowait('a');
    channel.pushNowait('b');
    channel.pushNowait('c');
    expect(channel.pullNowait()).toBe('c');
  });

  test('drop-newest discards the pushed value when the buffer is full and does not throw', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    expect(() => channel.pushNowait(4)).not.toThrow();
    expect(channel.pullNowait()).toBe(1);
    expect(channel.pullNowait()).toBe(2);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('a drop-mode push on a closed channel still rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-oldest' });
    channel.close();
    await expect(channel.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => channel.pushNowait(1)).toThrow(ChannelClosedError);
  });
});

describe('Blocking operations', () => {
  test('push on a buffered channel with room resolves once the value is stored', async () => {
    const channel = new Channel<number>(1);
    await channel.push(7);
    expect(channel.size).toBe(1);
  });

  test('push on an unbuffered channel waits until a puller takes the value', async () => {
    const channel = new Channel<string>();
    const pushed = channel.push('hi');
    expect(await settled(pushed)).toBe('pending');
    await expect(channel.pull()).resolves.toBe('hi');
    await expect(pushed).resolves.toBeUndefined();
  });

  test('push on a full buffered channel waits for room', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const pushed = channel.push(2);
    expect(await settled(pushed)).toBe('pending');
    expect(channel.pullNowait()).toBe(1);
    await pushed;
    expect(channel.pullNowait()).toBe(2);
  });

  test('push on a closed channel rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a parked push rejects with ChannelClosedError when the channel closes and its value is not delivered', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = channel.push(2);
    await tick();
    channel.close();
    await expect(parked).rejects.toBeInstanceOf(ChannelClosedError);
    const rest: number[] = [];
    for await (const value of channel) rest.push(value);
    expect(rest).toEqual([1]);
  });

  test('push with an already aborted signal rejects with the reason, even on a closed channel', async () => {
    const reason = new Error('aborted first');
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  test('push with an already aborted signal does not store its value', async () => {
    const channel = new Channel<number>(1);
    await expect(channel.push(1, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    expect(channel.size).toBe(0);
  });

  test('aborting a parked push rejects with signal.reason, delivers nothing and leaves no waiter', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const parked = channel.push(1, { signal: controller.signal });
    await tick();
    controller.abort('cancel');
    await expect(parked).rejects.toBe('cancel');
    expect(channel.stats().waitingPushers).toBe(0);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('pull takes the head of the buffer and a waiting pusher moves into the buffer in FIFO order', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const third = channel.push(3);
    await tick();
    expect(await channel.pull()).toBe(1);
    await third;
    expect(channel.size).toBe(2);
    expect(await channel.pull()).toBe(2);
    expect(await channel.pull()).toBe(3);
  });

  test('pull on an unbuffered channel takes the value of a waiting pusher', async () => {
    const channel = new Channel<number>();
    const pushed = channel.push(5);
    await expect(channel.pull()).resolves.toBe(5);
    await pushed;
  });

  test('pull waits for a value when the channel is empty', async () => {
    const channel = new Channel<number>(1);
    const pulled = channel.pull();
    expect(await settled(pulled)).toBe('pending');
    await channel.push(9);
    await expect(pulled).resolves.toBe(9);
  });

  test('pull on a closed and drained channel rejects with ChannelClosedError whose cause is the close reason', async () => {
    const reason = new Error('shutdown');
    const channel = new Channel<number>(1);
    channel.close(reason);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  test('pull with an already aborted signal rejects with the reason and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await expect(channel.pull({ signal: AbortSignal.abort('r') })).rejects.toBe('r');
    expect(channel.pullNowait()).toBe(1);
  });

  test('pull with an already aborted signal rejects with the reason even on a closed drained channel', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.pull({ signal: AbortSignal.abort('r') })).rejects.toBe('r');
  });

  test('aborting a parked pull rejects with signal.reason and the next value goes to the next puller', async () => {
    const channel = new Channel<number>(1);
    const controller = new AbortController();
    const parked = channel.pull({ signal: controller.signal });
    await tick();
    controller.abort('gone');
    await expect(parked).rejects.toBe('gone');
    expect(channel.stats().waitingPullers).toBe(0);
    channel.pushNowait(4);
    expect(channel.pullNowait()).toBe(4);
  });

  test('parked pushers are served in FIFO order', async () => {
    const channel = new Channel<number>();
    const pushes = [channel.push(1), channel.push(2), channel.push(3)];
    const got = [await channel.pull(), await channel.pull(), await channel.pull()];
    await Promise.all(pushes);
    expect(got).toEqual([1, 2, 3]);
  });

  test('parked pullers are served in FIFO order', async () => {
    const channel = new Channel<string>();
    const pulls = [channel.pull(), channel.pull(), channel.pull()];
    await channel.push('a');
    await channel.push('b');
    await channel.push('c');
    expect(await Promise.all(pulls)).toEqual(['a', 'b', 'c']);
  });

  test('a value committed to a puller is kept even if its signal aborts right after', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pulled = channel.pull({ signal: controller.signal });
    channel.pushNowait(1);
    controller.abort('late');
    await expect(pulled).resolves.toBe(1);
  });

  test('a value committed by close() is not taken back: a puller resolved before close keeps its value', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    channel.pushNowait(8);
    channel.close();
    await expect(pulled).resolves.toBe(8);
  });
});

describe('Non-blocking operations', () => {
  test('pushNowait stores a value when there is room', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(channel.pullNowait()).toBe(1);
  });

  test('pushNowait throws ChannelFullError when the buffer is full', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(() => channel.pushNowait(2)).toThrow(ChannelFullError);
    expect(channel.size).toBe(1);
  });

  test('pushNowait throws ChannelClosedError on a closed channel', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(() => channel.pushNowait(1)).toThrow(ChannelClosedError);
  });

  test('pushNowait on an unbuffered channel without a waiting puller throws ChannelFullError', () => {
    const channel = new Channel<number>();
    expect(() => channel.pushNowait(1)).toThrow(ChannelFullError);
  });

  test('pushNowait on an unbuffered channel succeeds when a puller is waiting', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    channel.pushNowait(3);
    await expect(pulled).resolves.toBe(3);
  });

  test('pullNowait throws ChannelEmptyError on an empty open channel', () => {
    expect(() => new Channel<number>(1).pullNowait()).toThrow(ChannelEmptyError);
  });

  test('pullNowait throws ChannelClosedError on a closed drained channel', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('pullNowait still returns buffered values after close', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.close();
    expect(channel.pullNowait()).toBe(1);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('pullNowait on an unbuffered channel takes the value of a waiting pusher', async () => {
    const channel = new Channel<number>();
    const pushed = channel.push(6);
    expect(channel.pullNowait()).toBe(6);
    await expect(pushed).resolves.toBeUndefined();
  });

  test('pullNowait on an unbuffered channel without a pusher throws ChannelEmptyError', () => {
    expect(() => new Channel<number>().pullNowait()).toThrow(ChannelEmptyError);
  });
});

describe('Closing', () => {
  test('close is idempotent and the first reason stays', async () => {
    const first = new Error('first');
    const channel = new Channel<number>();
    channel.close(first);
    expect(() => channel.close(new Error('second'))).not.toThrow();
    const error = await channel.pull().catch((e: unknown) => e);
    expect((error as Error).cause).toBe(first);
  });

  test('buffered values stay readable after close and pulls reject only once drained', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('every parked pusher rejects with ChannelClosedError on close', async () => {
    const channel = new Channel<number>();
    const pushes = [channel.push(1), channel.push(2)];
    await tick();
    channel.close();
    for (const pushed of pushes) await expect(pushed).rejects.toBeInstanceOf(ChannelClosedError);
    expect(channel.stats().waitingPushers).toBe(0);
  });

  test('every parked puller rejects with ChannelClosedError on close', async () => {
    const channel = new Channel<number>(1);
    const pulls = [channel.pull(), channel.pull()];
    await tick();
    channel.close();
    for (const pulled of pulls) await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('for await ends normally after close()', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    const got: number[] = [];
    for await (const value of channel) got.push(value);
    expect(got).toEqual([1, 2]);
  });

  test('for await throws the reason after close(reason), once the buffered values are read', async () => {
    const reason = new Error('broken');
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close(reason);
    const got: number[] = [];
    const error = await (async () => {
      for await (const value of channel) got.push(value);
    })().catch((e: unknown) => e);
    expect(got).toEqual([1]);
    expect(error).toBe(reason);
  });

  test('for await throws a non-Error reason as is', async () => {
    const channel = new Channel<number>();
    channel.close('just a string');
    const error = await (async () => {
      for await (const _ of channel);
    })().catch((e: unknown) => e);
    expect(error).toBe('just a string');
  });

  test('for await ends normally after close(undefined)', async () => {
    const channel = new Channel<number>();
    channel.close(undefined);
    let count = 0;
    for await (const _ of channel) count++;
    expect(count).toBe(0);
  });

  test('for await wakes and ends when the channel is closed while it waits', async () => {
    const channel = new Channel<number>();
    const loop = (async () => {
      const got: number[] = [];
      for await (const value of channel) got.push(value);
      return got;
    })();
    await channel.push(1);
    channel.close();
    await expect(loop).resolves.toEqual([1]);
  });
});

describe('Iteration and disposal', () => {
  test('several iterators at once each get distinct values and together get them all', async () => {
    const channel = new Channel<number>(4);
    const consume = async () => {
      const got: number[] = [];
      for await (const value of channel) got.push(value);
      return got;
    };
    const consumers = [consume(), consume(), consume()];
    for (let i = 0; i < 30; i++) await channel.push(i);
    channel.close();
    const all = (await Promise.all(consumers)).flat();
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  test('leaving a for await loop with break does not close the channel and loses no value', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    for await (const value of channel) {
      if (value === 1) break;
    }
    expect(channel.closed).toBe(false);
    expect(channel.pullNowait()).toBe(2);
    expect(channel.pullNowait()).toBe(3);
  });

  test('leaving a for await loop with a throw does not close the channel and loses no value', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    await expect(
      (async () => {
        for await (const _ of channel) throw new Error('out');
      })(),
    ).rejects.toThrow('out');
    expect(channel.closed).toBe(false);
    expect(channel.pullNowait()).toBe(2);
  });

  test('leaving a for await loop with return does not close the channel', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const first = await (async () => {
      for await (const value of channel) return value;
      return undefined;
    })();
    expect(first).toBe(1);
    expect(channel.closed).toBe(false);
    expect(channel.size).toBe(1);
  });

  test('an iterator obtained with Symbol.asyncIterator yields values then done after close', async () => {
    const channel = new Channel<number>(1);
    const iterator = channel[Symbol.asyncIterator]();
    channel.pushNowait(1);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    channel.close();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  test('await using closes the channel at the end of the block', async () => {
    let outside: Channel<number> | undefined;
    {
      await using channel = new Channel<number>(1);
      outside = channel;
      expect(channel.closed).toBe(false);
    }
    expect(outside.closed).toBe(true);
  });

  test('using closes the channel at the end of the block', () => {
    let outside: Channel<number> | undefined;
    {
      using channel = new Channel<number>(1);
      outside = channel;
    }
    expect(outside.closed).toBe(true);
  });

  test('Symbol.asyncDispose returns a promise and closes; Symbol.dispose closes', async () => {
    const a = new Channel<number>();
    const result = a[Symbol.asyncDispose]();
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(a.closed).toBe(true);
    const b = new Channel<number>();
    b[Symbol.dispose]();
    expect(b.closed).toBe(true);
  });

  test('disposal keeps buffered values readable', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await channel[Symbol.asyncDispose]();
    expect(channel.pullNowait()).toBe(1);
  });
});

describe('select', () => {
  test('select resolves with index, channel, value and ok for a pull case', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('x');
    const result = await select([pull(a), pull(b)]);
    expect(result).toEqual({ index: 1, channel: b, value: 'x', ok: true });
  });

  test('select resolves with value undefined and ok true for a push case', async () => {
    const a = new Channel<number>(1);
    const result = await select([push(a, 5)]);
    expect(result).toEqual({ index: 0, channel: a, value: undefined, ok: true });
    expect(a.pullNowait()).toBe(5);
  });

  test('select waits until a case can proceed', async () => {
    const channel = new Channel<number>();
    const selected = select([pull(channel)]);
    expect(await settled(selected)).toBe('pending');
    await channel.push(2);
    await expect(selected).resolves.toMatchObject({ index: 0, value: 2, ok: true });
  });

  test('a pull case on a closed drained channel fires with ok false and value undefined', async () => {
    const channel = new Channel<number>();
    channel.close();
    const result = await select([pull(channel)]);
    expect(result).toEqual({ index: 0, channel, value: undefined, ok: false });
  });

  test('a pull case fires with ok false when its channel closes while select waits', async () => {
    const channel = new Channel<number>();
    const selected = select([pull(channel)]);
    await tick();
    channel.close();
    await expect(selected).resolves.toMatchObject({ index: 0, ok: false, value: undefined });
  });

  test('cases that did not win consume nothing, deliver nothing and leave no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const selected = select([pull(a), pull(b), push(c, 1)]);
    await tick();
    await a.push(10);
    await expect(selected).resolves.toMatchObject({ index: 0, value: 10 });
    expect(b.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(c.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(() => c.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('exactly one case commits when several are ready', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    a.pushNowait(1);
    b.pushNowait(2);
    await select([pull(a), pull(b)]);
    expect(a.size + b.size).toBe(1);
  });

  test('when several cases are ready, each wins sometimes (uniform random choice)', async () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      const channels = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
      for (const channel of channels) channel.pushNowait(i);
      const result = await select(channels.map((channel) => pull(channel)));
      counts[result.index] = (counts[result.index] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(120);
  });

  test('a push case on a full drop-mode channel is always ready', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    channel.pushNowait(1);
    const result = await select([push(channel, 2)]);
    expect(result.index).toBe(0);
    const other = new Channel<number>(1, { overflow: 'drop-oldest' });
    other.pushNowait(1);
    expect(selectNowait([push(other, 2)])).toMatchObject({ index: 0 });
    expect(other.pullNowait()).toBe(2);
  });

  test('null and undefined entries are skipped and index counts them', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(3);
    const result = await select([null, undefined, pull(channel)]);
    expect(result).toMatchObject({ index: 2, value: 3, ok: true });
  });

  test('select with no case left rejects with TypeError', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
  });

  test('selectNowait with no case left returns undefined', () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  test('a push case on a channel closed when select is called rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(select([push(channel, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a push case on a closed channel rejects even when another case is ready', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    for (let i = 0; i < 20; i++) {
      await expect(select([pull(ready), push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
    }
    expect(ready.size).toBe(1);
  });

  test('a push case whose channel closes while select waits rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>();
    const other = new Channel<number>();
    const selected = select([push(channel, 1), pull(other)]);
    await tick();
    channel.close();
    await expect(selected).rejects.toBeInstanceOf(ChannelClosedError);
    expect(other.stats().waitingPullers).toBe(0);
  });

  test('selectNowait throws ChannelClosedError for a push case on a closed channel', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(() => selectNowait([push(channel, 1)])).toThrow(ChannelClosedError);
  });

  test('an already aborted signal makes select reject with its reason and commit nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await expect(select([pull(channel)], { signal: AbortSignal.abort('why') })).rejects.toBe('why');
    expect(channel.size).toBe(1);
  });

  test('aborting a waiting select rejects with the reason and leaves no waiter', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const selected = select([pull(channel), push(channel, 1)], { signal: controller.signal });
    await tick();
    controller.abort('enough');
    await expect(selected).rejects.toBe('enough');
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('a select never matches its own push case with its own pull case on the same channel', async () => {
    const channel = new Channel<number>();
    const selected = select([push(channel, 1), pull(channel)], { signal: AbortSignal.timeout(50) });
    await expect(selected).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(selectNowait([push(channel, 1), pull(channel)])).toBeUndefined();
  });

  test('two selects on the same unbuffered channel match each other', async () => {
    const channel = new Channel<number>();
    const first = select([push(channel, 1)]);
    const second = select([pull(channel)]);
    await expect(second).resolves.toMatchObject({ index: 0, value: 1, ok: true });
    await expect(first).resolves.toMatchObject({ index: 0 });
  });

  test('selectNowait returns the result of a case that can proceed now', () => {
    const a = new Channel<number>(1);
    a.pushNowait(4);
    expect(selectNowait([pull(a)])).toEqual({ index: 0, channel: a, value: 4, ok: true });
  });

  test('selectNowait returns undefined when no case can proceed and consumes nothing', () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    b.pushNowait(1);
    expect(selectNowait([pull(a), push(b, 2)])).toBeUndefined();
    expect(b.size).toBe(1);
    expect(a.stats().waitingPullers).toBe(0);
  });

  test('selectNowait pushes to a waiting puller on an unbuffered channel', async () => {
    const channel = new Channel<number>();
    const pulled = channel.pull();
    expect(selectNowait([push(channel, 9)])).toMatchObject({ index: 0, ok: true });
    await expect(pulled).resolves.toBe(9);
  });

  test('one array of cases may be passed to many selects', async () => {
    const channel = new Channel<number>(5);
    const cases = [pull(channel)] as const;
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect((await select(cases)).value).toBe(1);
    expect((await select(cases)).value).toBe(2);
    expect(selectNowait(cases)).toBeUndefined();
  });

  test('one push case may be reused and pushes its value each time', async () => {
    const channel = new Channel<string>(2);
    const cases = [push(channel, 'v')];
    await select(cases);
    await select(cases);
    expect([channel.pullNowait(), channel.pullNowait()]).toEqual(['v', 'v']);
  });

  test('a case descriptor keeps its kind, channel and value after the selects that use it', async () => {
    const channel = new Channel<number>(2);
    const pushCase = push(channel, 1);
    const pullCase = pull(channel);
    await select([pushCase]);
    await select([pullCase]);
    selectNowait([pushCase]);
    expect(pushCase).toMatchObject({ kind: 'push', channel, value: 1 });
    expect(pullCase).toMatchObject({ kind: 'pull', channel });
    expect(channel.pullNowait()).toBe(1);
  });
});

describe('after', () => {
  test('after(ms) delivers Date.now() once after ms and then closes', async () => {
    const start = Date.now();
    const timer = afterMs(20);
    expect(timer).toBeInstanceOf(Channel);
    const value = await timer.pull();
    expect(typeof value).toBe('number');
    expect(value).toBeGreaterThanOrEqual(start + 15);
    expect(value).toBeLessThanOrEqual(Date.now());
    await expect(timer.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(timer.closed).toBe(true);
  });

  test('after delivers nothing before ms has passed', async () => {
    const timer = afterMs(60);
    await sleep(10);
    expect(() => timer.pullNowait()).toThrow(ChannelEmptyError);
    timer.close();
  });

  test('after works as a timeout case in select', async () => {
    const never = new Channel<number>();
    const result = await select([pull(never), pull(afterMs(10))]);
    expect(result.index).toBe(1);
    expect(result.ok).toBe(true);
    expect(typeof result.value).toBe('number');
  });

  test('aborting the signal before the timer fires closes the channel and delivers nothing', async () => {
    const controller = new AbortController();
    const timer = afterMs(30, { signal: controller.signal });
    controller.abort();
    expect(timer.closed).toBe(true);
    await sleep(50);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after with an already aborted signal is closed and never delivers', async () => {
    const timer = afterMs(5, { signal: AbortSignal.abort() });
    await sleep(20);
    expect(timer.closed).toBe(true);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });
});

describe('after: bad input', () => {
  test.each([-Infinity, Number.NaN, Infinity])('after(%s) is a RangeError naming after', (ms) => {
    expect(() => afterMs(ms)).toThrow(RangeError);
    expect(() => afterMs(ms)).toThrow(/after/);
  });

  test('after with a non-number ms is a TypeError', () => {
    expect(() => afterMs('5' as unknown as number)).toThrow(TypeError);
  });

  test('after(0) delivers on the next timer turn', async () => {
    const timer = afterMs(0);
    expect(typeof (await timer.pull())).toBe('number');
  });
});

describe('Errors', () => {
  test('ChannelClosedError, ChannelFullError and ChannelEmptyError extend ChannelError which extends Error', () => {
    for (const ErrorClass of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(ErrorClass.prototype).toBeInstanceOf(ChannelError);
    }
    expect(ChannelError.prototype).toBeInstanceOf(Error);
  });

  test('each error has name equal to its class name', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const full = (() => {
      try {
        channel.pushNowait(2);
      } catch (e) {
        return e;
      }
    })() as Error;
    channel.pullNowait();
    const empty = (() => {
      try {
        channel.pullNowait();
      } catch (e) {
        return e;
      }
    })() as Error;
    channel.close();
    const closed = (await channel.pull().catch((e: unknown) => e)) as Error;
    expect(full.name).toBe('ChannelFullError');
    expect(empty.name).toBe('ChannelEmptyError');
    expect(closed.name).toBe('ChannelClosedError');
  });

  test('an error message names the channel and the operation, and the error has a channel property', () => {
    const channel = new Channel<number>(1, { name: 'orders' });
    channel.pushNowait(1);
    let error: unknown;
    try {
      channel.pushNowait(2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelFullError);
    expect((error as ChannelFullError).message).toContain('orders');
    expect((error as ChannelFullError).message).toMatch(/pushNowait/);
    expect((error as ChannelFullError).channel).toBe(channel);
  });

  test('a ChannelClosedError from pull names the channel and pull, and carries the channel', async () => {
    const channel = new Channel<number>(0, { name: 'events' });
    channel.close();
    const error = (await channel.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.message).toContain('events');
    expect(error.message).toMatch(/pull/);
    expect(error.channel).toBe(channel);
  });

  test('toMatchObject sees the name of an error', async () => {
    const channel = new Channel<number>(0, { name: 'm' });
    channel.close();
    await expect(channel.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', channel });
    expect(() => new Channel<number>(1).pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelEmptyError' }));
  });

  test('a ChannelEmptyError names the channel and pullNowait', () => {
    const channel = new Channel<number>(1, { name: 'inbox' });
    let error: unknown;
    try {
      channel.pullNowait();
    } catch (e) {
      error = e;
    }
    expect((error as ChannelEmptyError).message).toContain('inbox');
    expect((error as ChannelEmptyError).message).toMatch(/pullNowait/);
    expect((error as ChannelEmptyError).channel).toBe(channel);
  });

  test('a ChannelClosedError from push names the channel and push', async () => {
    const channel = new Channel<number>(1, { name: 'out' });
    channel.close();
    const error = (await channel.push(1).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.message).toContain('out');
    expect(error.message).toMatch(/push/);
    expect(error.channel).toBe(channel);
  });
});

describe('Interop: Channel.from', () => {
  test('Channel.from(array) yields every value and then closes', async () => {
    const channel = Channel.from([1, 2, 3]);
    const got: number[] = [];
    for await (const value of channel) got.push(value);
    expect(got).toEqual([1, 2, 3]);
    expect(channel.closed).toBe(true);
  });

  test('Channel.from(asyncIterable) yields every value in order and closes', async () => {
    async function* source() {
      yield 'a';
      await sleep(1);
      yield 'b';
    }
    const got: string[] = [];
    for await (const value of Channel.from(source())) got.push(value);
    expect(got).toEqual(['a', 'b']);
  });

  test('Channel.from(readableStream) yields the chunks and closes', async () => {
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
        controller.enqueue(2);
        controller.close();
      },
    });
    const got: number[] = [];
    for await (const value of Channel.from(stream)) got.push(value);
    expect(got).toEqual([1, 2]);
  });

  test('Channel.from reads an endless source lazily, never more than capacity values ahead', async () => {
    let produced = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }
    const channel = Channel.from(naturals(), { capacity: 2 });
    await sleep(20);
    expect(produced).toBeLessThanOrEqual(3);
    expect(await channel.pull()).toBe(0);
    expect(await channel.pull()).toBe(1);
    await sleep(20);
    expect(produced).toBeLessThanOrEqual(5);
    channel.close();
  });

  test('Channel.from without capacity reads nothing before a consumer pulls', async () => {
    let produced = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }
    const channel = Channel.from(naturals());
    await sleep(20);
    expect(produced).toBe(0);
    expect(await channel.pull()).toBe(0);
    await sleep(20);
    expect(produced).toBe(1);
    channel.close();
  });

  test('a pull on a Channel.from channel whose source threw rejects with ChannelClosedError caused by the error', async () => {
    const failure = new Error('bad source');
    async function* source(): AsyncGenerator<number> {
      await tick();
      if (failure) throw failure;
      yield 1;
    }
    const channel = Channel.from(source());
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(failure);
  });

  test('Channel.from closes the channel with the error when the source throws', async () => {
    const failure = new Error('source failed');
    function* source() {
      yield 1;
      throw failure;
    }
    const channel = Channel.from(source());
    const got: number[] = [];
    const error = await (async () => {
      for await (const value of channel) got.push(value);
    })().catch((e: unknown) => e);
    expect(got).toEqual([1]);
    expect(error).toBe(failure);
  });

  test('Channel.from with a signal stops reading and closes the channel when it aborts', async () => {
    let produced = 0;
    function* naturals() {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    }
    const controller = new AbortController();
    const channel = Channel.from(naturals(), { capacity: 1, signal: controller.signal });
    expect(await channel.pull()).toBe(0);
    controller.abort();
    await sleep(10);
    const producedAtAbort = produced;
    await sleep(10);
    expect(produced).toBe(producedAtAbort);
    expect(channel.closed).toBe(true);
  });

  test('Channel.from returns a Channel instance', () => {
    const channel = Channel.from([1]);
    expect(channel).toBeInstanceOf(Channel);
  });
});

describe('Interop: toReadableStream', () => {
  test('channel.toReadableStream() reads the values and closes when the channel is closed and drained', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    const stream = channel.toReadableStream();
    expect(stream).toBeInstanceOf(ReadableStream);
    const got: number[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got.push(value);
    }
    expect(got).toEqual([1, 2]);
  });

  test('with the default highWaterMark the stream pulls only for a pending read', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    const reader = channel.toReadableStream().getReader();
    await sleep(10);
    expect(channel.size).toBe(3);
    expect(await reader.read()).toEqual({ value: 1, done: false });
    await sleep(10);
    expect(channel.size).toBe(2);
    reader.releaseLock();
  });

  test('with highWaterMark 2 the stream pulls ahead up to two values', async () => {
    const channel = new Channel<number>(5);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const stream = channel.toReadableStream({ highWaterMark: 2 });
    await sleep(10);
    expect(channel.size).toBe(3);
    await stream.cancel();
  });

  test('the stream errors with the close reason', async () => {
    const reason = new Error('bad');
    const channel = new Channel<number>();
    const reader = channel.toReadableStream().getReader();
    const read = reader.read();
    channel.close(reason);
    await expect(read).rejects.toBe(reason);
  });

  test('a pending read resolves done when the channel is closed without a reason', async () => {
    const channel = new Channel<number>();
    const reader = channel.toReadableStream().getReader();
    const read = reader.read();
    channel.close();
    await expect(read).resolves.toEqual({ value: undefined, done: true });
  });

  test('cancelling the stream stops pulling, consumes nothing more and does not close the channel', async () => {
    const channel = new Channel<number>(2);
    const stream = channel.toReadableStream();
    const reader = stream.getReader();
    const read = reader.read();
    await tick();
    await reader.cancel();
    await expect(read).resolves.toMatchObject({ done: true });
    expect(channel.closed).toBe(false);
    expect(channel.stats().waitingPullers).toBe(0);
    channel.pushNowait(1);
    await sleep(10);
    expect(channel.pullNowait()).toBe(1);
  });

  test('the stream delivers the buffered values before erroring with the close reason', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close(new Error('after two'));
    const reader = channel.toReadableStream().getReader();
    expect(await reader.read()).toEqual({ value: 1, done: false });
    expect(await reader.read()).toEqual({ value: 2, done: false });
    await expect(reader.read()).rejects.toThrow('after two');
  });

  test('the stream works with for await on the stream side via pipeTo', async () => {
    const channel = Channel.from(['a', 'b', 'c']);
    const got: string[] = [];
    await channel.toReadableStream().pipeTo(
      new WritableStream({
        write(chunk) {
          got.push(chunk);
        },
      }),
    );
    expect(got).toEqual(['a', 'b', 'c']);
  });
});

describe('Interop: fromEvent', () => {
  test('fromEvent delivers events into a channel with default capacity 1 and drop-oldest', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channel = fromEvent(target, 'ping', { signal: controller.signal });
    expect(channel.capacity).toBe(1);
    expect(channel.stats().overflow).toBe('drop-oldest');
    const first = new Event('ping');
    const second = new Event('ping');
    target.dispatchEvent(first);
    target.dispatchEvent(second);
    expect(channel.pullNowait()).toBe(second);
    controller.abort();
  });

  test('fromEvent honours capacity and overflow options', () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping', { capacity: 3, overflow: 'drop-newest' });
    const events = [new Event('ping'), new Event('ping'), new Event('ping'), new Event('ping')];
    for (const event of events) target.dispatchEvent(event);
    expect([channel.pullNowait(), channel.pullNowait(), channel.pullNowait()]).toEqual(events.slice(0, 3));
    channel.close();
  });

  test('fromEvent with overflow block does not throw when full and loses no event', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping', { capacity: 1, overflow: 'block' });
    const events = [new Event('ping'), new Event('ping')];
    for (const event of events) target.dispatchEvent(event);
    const got = [await channel.pull(), await channel.pull()];
    expect(got).toEqual(events);
    channel.close();
  });

  test('fromEvent removes its listener and closes the channel when the signal aborts', () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channel = fromEvent(target, 'ping', { signal: controller.signal });
    expect(getEventListeners(target, 'ping')).toHaveLength(1);
    controller.abort();
    expect(channel.closed).toBe(true);
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
    target.dispatchEvent(new Event('ping'));
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('fromEvent removes its listener when the channel is closed', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping');
    channel.close();
    await tick();
    expect(getEventListeners(target, 'ping')).toHaveLength(0);
  });

  test('fromEvent stops listening when the channel is closed', async () => {
    const target = new EventTarget();
    let listenerCalls = 0;
    const channel = fromEvent(target, 'ping');
    channel.close();
    await tick();
    // A later listener counts dispatches; the closed channel must not receive anything or throw.
    target.addEventListener('ping', () => listenerCalls++);
    expect(() => target.dispatchEvent(new Event('ping'))).not.toThrow();
    expect(listenerCalls).toBe(1);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('fromEvent with an already aborted signal returns a closed channel', () => {
    const channel = fromEvent(new EventTarget(), 'ping', { signal: AbortSignal.abort() });
    expect(channel.closed).toBe(true);
  });
});

describe('Interop: merge', () => {
  test('merge keeps each input order and closes once every input is closed and drained', async () => {
    const a = Channel.from([1, 2, 3]);
    const b = Channel.from(['x', 'y']);
    const merged = merge(a, b);
    const got: (number | string)[] = [];
    for await (const value of merged) got.push(value);
    expect(got.filter((v) => typeof v === 'number')).toEqual([1, 2, 3]);
    expect(got.filter((v) => typeof v === 'string')).toEqual(['x', 'y']);
    expect(merged.closed).toBe(true);
  });

  test('merge stays open while one input is still open', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    a.close();
    await sleep(10);
    expect(merged.closed).toBe(false);
    await b.push(5);
    expect(await merged.pull()).toBe(5);
    b.close();
    await expect(merged.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('an input closed with a reason closes the merged channel with that reason', async () => {
    const reason = new Error('input failed');
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const merged = merge(a, b);
    a.close(reason);
    const error = await merged.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    b.close();
  });

  test('merge of zero channels is closed', async () => {
    const merged = merge();
    await expect(merged.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('Debug mode', () => {
  afterEach(() => {
    disableDebug();
  });

  function inspector() {
    const messages: { message: unknown; args: number }[] = [];
    const target = {
      postMessage(message: unknown, ...rest: unknown[]) {
        messages.push({ message, args: 1 + rest.length });
      },
    };
    const listen = new EventTarget();
    const send = (data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));
    return { messages, target, listen, send };
  }

  test('enableDebug posts an announce message carrying version 1', () => {
    const { messages, target, listen } = inspector();
    enableDebug({ target, listen });
    expect(messages[0]?.message).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
  });

  test('a non-window target receives postMessage(message) with no origin argument', () => {
    const { messages, target, listen } = inspector();
    enableDebug({ target, listen });
    expect(messages[0]?.args).toBe(1);
  });

  test('snapshot() returns the documented envelope', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const result = snapshot();
    expect(result).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(typeof result.time).toBe('number');
    expect(Array.isArray(result.channels)).toBe(true);
  });

  test('a channel created after enableDebug appears in snapshot() with its fields and no values', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<string>(2, { name: 'tracked', overflow: 'drop-newest' });
    channel.pushNowait('secret-value');
    const entry = snapshot().channels.find((c) => c.name === 'tracked');
    expect(entry).toBeDefined();
    expect(entry).toMatchObject({ name: 'tracked', capacity: 2, size: 1, closed: false, overflow: 'drop-newest' });
    expect(typeof entry?.id).not.toBe('undefined');
    expect(entry?.pushers).toEqual([]);
    expect(entry?.pullers).toEqual([]);
    expect(entry !== undefined && 'createdAt' in entry).toBe(false);
    expect(JSON.stringify(snapshot())).not.toContain('secret-value');
  });

  test('a channel created before enableDebug is not tracked', () => {
    const early = new Channel<number>(1, { name: 'too-early' });
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    expect(snapshot().channels.find((c) => c.name === 'too-early')).toBeUndefined();
    early.close();
  });

  test('an unbounded channel has capacity null in the snapshot', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(Infinity, { name: 'unbounded' });
    expect(snapshot().channels.find((c) => c.name === 'unbounded')?.capacity).toBeNull();
    channel.close();
  });

  test('parked operations appear as waiters with kind and since', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(0, { name: 'waiters' });
    const other = new Channel<number>(0, { name: 'other' });
    const before = Date.now();
    const pushed = channel.push(1).catch(() => {});
    const selected = select([pull(other)]).catch(() => {});
    await tick();
    const snap = snapshot();
    const entry = snap.channels.find((c) => c.name === 'waiters');
    expect(entry?.pushers).toHaveLength(1);
    expect(entry?.pushers[0]?.kind).toBe('push');
    expect(entry?.pushers[0]?.since).toBeGreaterThanOrEqual(before);
    expect('stack' in (entry?.pushers[0] ?? { stack: 'missing waiter' })).toBe(false);
    const otherEntry = snap.channels.find((c) => c.name === 'other');
    expect(otherEntry?.pullers[0]?.kind).toBe('select');
    channel.close();
    other.close();
    await pushed;
    await selected;
  });

  test('a parked pull appears as a waiter of kind pull', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const channel = new Channel<number>(1, { name: 'pulling' });
    const pulled = channel.pull().catch(() => {});
    await tick();
    expect(snapshot().channels.find((c) => c.name === 'pulling')?.pullers[0]?.kind).toBe('pull');
    channel.close();
    await pulled;
  });

  test('with stacks: true, createdAt and waiter stacks are strings', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<number>(0, { name: 'stacked' });
    const pushed = channel.push(1).catch(() => {});
    await tick();
    const entry = snapshot().channels.find((c) => c.name === 'stacked');
    expect(typeof entry?.createdAt).toBe('string');
    expect(typeof entry?.pushers[0]?.stack).toBe('string');
    channel.close();
    await pushed;
  });

  test('the snapshot survives JSON and structured clone', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const channel = new Channel<{ fn: () => void }>(1, { name: 'clone' });
    channel.pushNowait({ fn: () => {} });
    const snap = snapshot();
    expect(() => structuredClone(snap)).not.toThrow();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(structuredClone(snap));
  });

  test('no snapshot is posted before an inspector says hello', async () => {
    const { messages, target, listen } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    new Channel<number>(1, { name: 'quiet' }).pushNowait(1);
    await sleep(40);
    expect(messages.filter((m) => (m.message as { type?: string }).type === 'snapshot')).toEqual([]);
  });

  test('after hello snapshots are posted, and after bye they stop', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    send({ source: 'chanasync-inspector', version: 1, type: 'hello' });
    const channel = new Channel<number>(5, { name: 'live' });
    channel.pushNowait(1);
    await sleep(40);
    const snapshots = () => messages.filter((m) => (m.message as { type?: string }).type === 'snapshot');
    expect(snapshots().length).toBeGreaterThan(0);
    expect(snapshots()[0]?.message).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    send({ source: 'chanasync-inspector', version: 1, type: 'bye' });
    await sleep(20);
    const count = snapshots().length;
    channel.pushNowait(2);
    await sleep(40);
    expect(snapshots().length).toBe(count);
  });

  test('snapshots are posted only when something changed', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    send({ source: 'chanasync-inspector', version: 1, type: 'hello' });
    const channel = new Channel<number>(5, { name: 'stable' });
    await sleep(50);
    const snapshots = () => messages.filter((m) => (m.message as { type?: string }).type === 'snapshot');
    const settledCount = snapshots().length;
    await sleep(60);
    expect(snapshots().length).toBe(settledCount);
    channel.pushNowait(1);
    await sleep(40);
    expect(snapshots().length).toBeGreaterThan(settledCount);
  });

  test('at most one snapshot is posted per intervalMs', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 100 });
    send({ source: 'chanasync-inspector', version: 1, type: 'hello' });
    const channel = new Channel<number>(Infinity, { name: 'busy' });
    const deadline = Date.now() + 250;
    while (Date.now() < deadline) {
      channel.pushNowait(1);
      await sleep(5);
    }
    const snapshots = messages.filter((m) => (m.message as { type?: string }).type === 'snapshot');
    expect(snapshots.length).toBeLessThanOrEqual(4);
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
  });

  test('messages not of the exact shape are ignored without error', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    for (const data of [
      null,
      42,
      'hello',
      { type: 'hello' },
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'other', version: 1, type: 'hello' },
    ]) {
      expect(() => send(data)).not.toThrow();
    }
    new Channel<number>(1, { name: 'ignored' }).pushNowait(1);
    await sleep(40);
    expect(messages.some((m) => (m.message as { type?: string }).type === 'snapshot')).toBe(false);
  });

  test('a hello with the exact source, version and type connects even with extra fields', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    send({ source: 'chanasync-inspector', version: 1, type: 'hello', tab: 7 });
    new Channel<number>(1, { name: 'extra-fields' }).pushNowait(1);
    await sleep(40);
    expect(messages.some((m) => (m.message as { type?: string }).type === 'snapshot')).toBe(true);
  });

  test('a hello posts a first snapshot even when nothing changed since enableDebug', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    await sleep(20);
    send({ source: 'chanasync-inspector', version: 1, type: 'hello' });
    await sleep(30);
    expect(messages.filter((m) => (m.message as { type?: string }).type === 'snapshot').length).toBe(1);
  });

  test('snapshot() with debug mode off lists no channels', () => {
    const channel = new Channel<number>(1, { name: 'off' });
    expect(snapshot()).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
    channel.close();
  });

  test('enableDebug() without a target does not throw where globalThis has no postMessage', () => {
    expect('postMessage' in globalThis).toBe(false);
    expect(() => enableDebug()).not.toThrow();
    const channel = new Channel<number>(1, { name: 'no-target' });
    expect(snapshot().channels.some((c) => c.name === 'no-target')).toBe(true);
    channel.close();
  });

  test('with the default intervalMs, posted snapshots are at least 250 ms apart', async () => {
    const times: number[] = [];
    const target = {
      postMessage(message: unknown) {
        if ((message as { type?: string }).type === 'snapshot') times.push(performance.now());
      },
    };
    const listen = new EventTarget();
    enableDebug({ target, listen });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    const channel = new Channel<number>(Infinity, { name: 'default-interval' });
    const deadline = performance.now() + 600;
    while (performance.now() < deadline) {
      channel.pushNowait(1);
      await sleep(10);
    }
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(245);
    }
  });

  test('disableDebug stops tracking new channels and posting', async () => {
    const { messages, target, listen, send } = inspector();
    enableDebug({ target, listen, intervalMs: 10 });
    send({ source: 'chanasync-inspector', version: 1, type: 'hello' });
    disableDebug();
    const count = messages.length;
    new Channel<number>(1, { name: 'after-disable' }).pushNowait(1);
    await sleep(40);
    expect(messages.length).toBe(count);
  });
});
