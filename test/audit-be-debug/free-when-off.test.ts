// "Off by default and free when off: with debug never enabled, core code must not record
// timestamps or stacks, and a bundle without `chanasync/debug` contains none of its code."
// This file never imports chanasync/debug, so debug mode is never enabled in its module graph.
import { fileURLToPath } from 'node:url';
import { Channel, pull, push, select } from 'chanasync';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Counters {
  dateNow: number;
  perfNow: number;
  newError: number;
  captureStackTrace: number;
  stackTraceLimitReads: number;
}

let counters: Counters;
let restore: (() => void) | undefined;

function instrument(): void {
  counters = { dateNow: 0, perfNow: 0, newError: 0, captureStackTrace: 0, stackTraceLimitReads: 0 };
  const realNow = Date.now;
  const realPerfNow = performance.now.bind(performance);
  const RealError = globalThis.Error;
  const realCapture = RealError.captureStackTrace;
  const limit = Object.getOwnPropertyDescriptor(RealError, 'stackTraceLimit');
  let limitValue = RealError.stackTraceLimit;
  Date.now = () => {
    counters.dateNow++;
    return realNow();
  };
  const perfSpy = vi.spyOn(performance, 'now').mockImplementation(() => {
    counters.perfNow++;
    return realPerfNow();
  });
  RealError.captureStackTrace = (...args: Parameters<typeof realCapture>) => {
    counters.captureStackTrace++;
    return realCapture(...args);
  };
  Object.defineProperty(RealError, 'stackTraceLimit', {
    configurable: true,
    get() {
      counters.stackTraceLimitReads++;
      return limitValue;
    },
    set(v) {
      limitValue = v;
    },
  });
  globalThis.Error = new Proxy(RealError, {
    construct(target, args, newTarget) {
      counters.newError++;
      return Reflect.construct(target, args, newTarget === globalThis.Error ? target : newTarget);
    },
    apply(target, thisArg, args) {
      counters.newError++;
      return Reflect.apply(target, thisArg, args);
    },
  });
  restore = () => {
    Date.now = realNow;
    perfSpy.mockRestore();
    globalThis.Error = RealError;
    RealError.captureStackTrace = realCapture;
    if (limit) Object.defineProperty(RealError, 'stackTraceLimit', limit);
    RealError.stackTraceLimit = limitValue;
  };
}

beforeEach(() => {
  restore = undefined;
});
afterEach(() => {
  restore?.();
});

describe('free when never enabled', () => {
  it('creating channels, parking and committing pushes, pulls and selects reads no clock and takes no stack', async () => {
    // Warm up first (module-level lazy work is not per-operation cost).
    const warm = new Channel<number>(0);
    const w = warm.pull();
    await warm.push(0);
    await w;
    instrument();
    const ac = new AbortController();
    for (let round = 0; round < 20; round++) {
      const rv = new Channel<number>(0, { name: `rv${round}` });
      const buf = new Channel<number>(1);
      const pending = [rv.pull(), rv.pull({ signal: ac.signal })];
      await rv.push(1);
      await rv.push(2, { signal: ac.signal });
      await Promise.all(pending);
      await buf.push(1);
      const blocked = buf.push(2); // parks a pusher
      await buf.pull();
      await blocked;
      await buf.pull(); // drained: the select below must park all three cases
      const other = new Channel<number>(0);
      const sel = select([pull(rv), push(other, 5), pull(buf)]); // parks three cases
      await Promise.resolve();
      await other.pull();
      expect((await sel).index).toBe(1);
      const it = (async () => {
        const got: number[] = [];
        for await (const v of rv) {
          got.push(v);
          if (got.length === 2) break;
        }
        return got;
      })();
      await rv.push(7);
      await rv.push(8);
      await it;
    }
    const seen = { ...counters };
    restore?.();
    restore = undefined;
    expect(seen).toEqual({ dateNow: 0, perfNow: 0, newError: 0, captureStackTrace: 0, stackTraceLimitReads: 0 });
  });

  it('the instrumentation does see clock reads and stack captures (self-check)', () => {
    instrument();
    Date.now();
    void new Error('x').stack;
    Error.captureStackTrace({});
    void Error.stackTraceLimit;
    const seen = { ...counters };
    restore?.();
    restore = undefined;
    expect(seen.dateNow).toBe(1);
    expect(seen.newError).toBe(1);
    expect(seen.captureStackTrace).toBe(1);
    expect(seen.stackTraceLimitReads).toBeGreaterThanOrEqual(1);
  });
});

describe('a bundle without chanasync/debug contains none of its code', () => {
  async function bundle(contents: string): Promise<string> {
    const result = await build({
      stdin: { contents, resolveDir: root, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  }

  // (The core uses WeakRef itself, for its signal watch: not a debug marker.)
  const debugMarkers = ['chanasync-inspector', 'FinalizationRegistry', 'announce', 'stackTraceLimit'];

  it('importing only Channel', async () => {
    const code = await bundle(
      "import { Channel } from 'chanasync'; const c = new Channel(1); c.pushNowait(1); console.log(c.pullNowait());",
    );
    expect(code).toContain('pushNowait');
    for (const marker of debugMarkers) expect(code, marker).not.toContain(marker);
  });

  it('importing everything from the main entry', async () => {
    const code = await bundle("import * as all from 'chanasync'; console.log(Object.keys(all));");
    expect(code).toContain('select');
    for (const marker of debugMarkers) expect(code, marker).not.toContain(marker);
  });

  it('importing chanasync/port (channels across contexts) without chanasync/debug', async () => {
    const code = await bundle(
      "import { fromPort, toPort } from 'chanasync/port'; import { Channel } from 'chanasync'; console.log(fromPort, toPort, Channel);",
    );
    expect(code).toContain('fromPort');
    for (const marker of ['chanasync-inspector', 'FinalizationRegistry', 'stackTraceLimit'])
      expect(code, marker).not.toContain(marker);
  });

  it('(control) importing chanasync/debug does bring the debug code in', async () => {
    const code = await bundle(
      "import { enableDebug } from 'chanasync/debug'; import { Channel } from 'chanasync'; enableDebug(); new Channel();",
    );
    expect(code).toContain('chanasync-inspector');
    expect(code).toContain('FinalizationRegistry');
  });
});
