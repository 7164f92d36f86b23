/**
 * Audit AD: TSDoc sentences of `chanasync/port` and `chanasync/debug` (and a few of the core
 * whose check needs a clock or a commit point), checked in Node — ports over a
 * `MessageChannel`, debug mode with a target and a listen target of the test's own.
 */
import { broadcast, Channel, ChannelClosedError, from, fromEvent, merge, ticker } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import {
  fromPort,
  GONE_AFTER_MS,
  isPortMessage,
  PING_AFTER_MS,
  PORT_SOURCE,
  PORT_VERSION,
  toPort,
} from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { settle, until } from './util.js';

const ports: MessagePort[] = [];
function pair(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  return [port1, port2];
}
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
  disableDebug();
});

describe('commit points stated in the TSDoc', () => {
  it('pushAll: values commit synchronously until the channel is full', () => {
    const channel = new Channel<number>(3);
    void channel.pushAll([1, 2, 3, 4]).catch(() => undefined);
    expect(channel.size).toBe(3);
    channel.close();
  });

  it('broadcast: a value moves from source into every subscriber present in one synchronous step', () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    source.pushNowait(1);
    expect([source.size, a.size, b.size]).toEqual([0, 1, 1]);
    hub.close();
  });

  it('merge: a value moves into the merged channel synchronously at the input commit point, at most one ahead', () => {
    const input = new Channel<number>(4);
    const merged = merge(input);
    input.pushNowait(1);
    input.pushNowait(2);
    expect([merged.size, input.size]).toEqual([1, 1]);
    merged.close();
  });

  it('from(channel): a pull that gives up leaves the next value in the source', async () => {
    const source = new Channel<number>(4);
    const view = from(source);
    const controller = new AbortController();
    const pulling = view.pull({ signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    controller.abort('gave up');
    expect(await pulling).toBe('gave up');
    source.pushNowait(1);
    await settle();
    expect(source.size).toBe(1);
    expect(await view.pull()).toBe(1);
    view.close();
  });

  it('ticker: a reader that comes back after a while finds one tick waiting, and the next one on the schedule', async () => {
    const ticks = ticker(40);
    await until(() => ticks.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 150)); // several ticks dropped meanwhile
    expect(ticks.size).toBe(1);
    const stale = ticks.pullNowait();
    expect(ticks.tryPull()).toBeUndefined(); // not a backlog
    const next = await ticks.pull();
    expect(next).toBeGreaterThan(stale);
    ticks.close();
  });
});

describe('broadcast, fromEvent, after and ticker sentences that need a process or a full buffer', () => {
  it('subscribe({ capacity: 0 }): an unbuffered block subscriber paces the broadcast to its pulls', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 0 });
    await source.pushAll([1, 2]);
    await settle();
    expect(source.size).toBe(2); // no room: nothing pulled
    expect(await sub.pull()).toBe(1);
    expect(source.size).toBe(1);
    hub.close();
  });

  it("listenerOptions.once with 'block' and a full buffer: closes once a pull made room for that event", async () => {
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { capacity: 1, overflow: 'block', listenerOptions: { once: true } });
    events.tryPush(new Event('manual'));
    target.dispatchEvent(new Event('x'));
    expect(events.closed).toBe(false);
    expect(events.stats().waitingPushers).toBe(1);
    expect((await events.pull()).type).toBe('manual');
    expect(events.closed).toBe(true);
    expect((await events.pull()).type).toBe('x');
  });

  it('after / ticker closed (or aborted) before they fire: no timer keeps the process running', async () => {
    const { execFile } = await import('node:child_process');
    const script = `import { after, ticker } from 'chanasync';
after(60000).close(); ticker(60000).close();
const c = new AbortController(); after(60000, { signal: c.signal }); ticker(60000, { signal: c.signal }); c.abort();
after(2 ** 40).close();`;
    const started = Date.now();
    const code = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (error) =>
        resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : 1),
      );
      void child;
    });
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});

describe('chanasync/port TSDoc', () => {
  it('constants: PORT_SOURCE, PORT_VERSION, PING_AFTER_MS (1000), GONE_AFTER_MS (5000)', () => {
    expect(PORT_SOURCE).toBe('chanasync-port');
    expect(PORT_VERSION).toBe(1);
    expect(PING_AFTER_MS).toBe(1000);
    expect(GONE_AFTER_MS).toBe(5000);
  });

  it('isPortMessage tells the stream traffic from application messages', async () => {
    const [a, b] = pair();
    const seen: unknown[] = [];
    b.addEventListener('message', (event) => seen.push(event.data));
    b.start();
    const local = new Channel<number>(1);
    const done = toPort(local, a);
    await until(() => seen.length > 0);
    expect(seen.every(isPortMessage)).toBe(true);
    expect(isPortMessage({ hello: 1 })).toBe(false);
    expect(isPortMessage(null)).toBe(false);
    local.close();
    const remote = fromPort<number>(b);
    await done;
    remote.close();
  });

  it('toPort @example over a MessageChannel: 1000 values, { sent: 1000, undelivered: [] }; the local channel is not closed by toPort', async () => {
    const [page, worker] = pair();
    const squares: number[] = [];
    const receiving = (async () => {
      const numbers = fromPort<number>(worker, { name: 'numbers', capacity: 64 });
      expect(numbers.name).toBe('numbers');
      for await (const n of numbers) squares.push(n * n);
    })();
    const numbers = new Channel<number>(64);
    const done = toPort(numbers, page, { name: 'numbers' });
    for (let i = 0; i < 1000; i++) await numbers.push(i);
    numbers.close();
    const { sent, undelivered } = await done;
    expect([sent, undelivered]).toEqual([1000, []]);
    await receiving;
    expect(squares).toHaveLength(1000);
    expect(squares[999]).toBe(999 * 999);
  });

  it('closing the receiving channel makes toPort stop pulling and resolve; values not committed are undelivered; the local channel stays open', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(8);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, a);
    await local.pushAll([1, 2, 3, 4, 5]);
    await until(() => remote.size === 2);
    remote.close();
    const result = await done;
    expect(result.sent).toBe(2);
    expect(local.closed).toBe(false);
    // Every value pulled is either committed remotely or undelivered: none lost.
    expect([...[1, 2].slice(0, result.sent), ...result.undelivered, ...(await local.pullMany(8))]).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it('ToPortOptions.signal: the remote channel closes with signal.reason after the values already posted', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(4);
    const remote = fromPort<number>(b, { capacity: 4 });
    const controller = new AbortController();
    const done = toPort(local, a, { signal: controller.signal });
    await local.pushAll([1, 2]);
    await until(() => remote.size === 2);
    controller.abort('stop');
    const result = await done;
    expect(result).toEqual({ sent: 2, undelivered: [] });
    expect(await remote.pullMany(4)).toEqual([1, 2]);
    const error = await remote.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('stop');
  });

  it('close with a reason arrives with the same reason; a reason that cannot be cloned arrives as an Error with its message', async () => {
    const [a, b] = pair();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(b);
    const done = toPort(local, a);
    local.close({ code: 7 });
    const error = (await remote.pull().catch((e: unknown) => e)) as Error;
    expect(error.cause).toEqual({ code: 7 });
    await done;
    const [c, d] = pair();
    const local2 = new Channel<number>(1);
    const remote2 = fromPort<number>(d);
    const done2 = toPort(local2, c);
    local2.close({ message: 'has a function', fn: () => undefined });
    const error2 = (await remote2.pull().catch((e: unknown) => e)) as Error;
    expect(error2.cause).toBeInstanceOf(Error);
    expect((error2.cause as Error).message).toContain('has a function');
    await done2;
  });

  it("fromPort @returns: the channel's name is name, or undefined for the default ''", () => {
    const [, b] = pair();
    const named = fromPort(b, { name: 'jobs' });
    const unnamed = fromPort(b);
    expect([named.name, unnamed.name]).toEqual(['jobs', undefined]);
    named.close();
    unnamed.close();
  });

  it('fromPort @throws: RangeError for a bad capacity; TypeError for a port without postMessage or a second fromPort of the same name', () => {
    const [, b] = pair();
    expect(() => fromPort(b, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(b, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromPort({} as never)).toThrow(TypeError);
    expect(() => fromPort(b, { name: 1 as unknown as string })).toThrow(TypeError);
    const first = fromPort(b, { name: 'x' });
    expect(() => fromPort(b, { name: 'x' })).toThrow(TypeError);
    first.close();
  });

  it('toPort @throws (rejects): TypeError for a non-channel, options that are a signal, a second toPort of the same name', async () => {
    const [a] = pair();
    await expect(toPort({} as never, a)).rejects.toBeInstanceOf(TypeError);
    const local = new Channel<number>();
    await expect(toPort(local, a, AbortSignal.abort() as never)).rejects.toBeInstanceOf(TypeError);
    const controller = new AbortController();
    const running = toPort(local, a, { name: 'n', signal: controller.signal });
    await expect(toPort(local, a, { name: 'n' })).rejects.toBeInstanceOf(TypeError);
    controller.abort();
    await running;
  });
});

describe('chanasync/port: silence and death, as the TSDoc times them', () => {
  /** A port that forwards to `port` until `kill()`, then neither posts nor hears anything (a dead context). */
  function mortal(port: MessagePort) {
    let dead = false;
    const posted: unknown[] = [];
    const wrapped = {
      postMessage(message: unknown) {
        if (dead) return;
        posted.push(message);
        port.postMessage(message);
      },
      addEventListener(type: string, listener: EventListenerOrEventListenerObject) {
        port.addEventListener(type, (event) => {
          if (dead) return;
          if (typeof listener === 'function') listener(event);
          else listener.handleEvent(event);
        });
        port.start();
      },
      removeEventListener() {},
    };
    return { port: wrapped, posted, kill: () => (dead = true) };
  }

  it('until a receiver answers nothing is pulled, and open is posted again every second', async () => {
    const [a] = pair();
    const side = mortal(a);
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const controller = new AbortController();
    const done = toPort(local, side.port as never, { signal: controller.signal });
    const opens = () => side.posted.filter((m) => (m as { type?: string }).type === 'open').length;
    await until(() => opens() >= 2, 10_000);
    expect(local.size).toBe(2);
    controller.abort();
    expect(await done).toEqual({ sent: 0, undelivered: [] });
  });

  it('a sender that goes silent (its context died) closes the receiving channel with a ChannelError saying the other side is gone; toPort resolves with the values not acknowledged', async () => {
    const [a, b] = pair();
    const sender = mortal(a);
    const local = new Channel<number>(8);
    const remote = fromPort<number>(b, { capacity: 2 });
    const done = toPort(local, sender.port as never);
    await local.pushAll([1, 2, 3]);
    await until(() => remote.size === 2);
    const started = Date.now();
    sender.kill();
    const seen: number[] = [];
    const error = await (async () => {
      for await (const value of remote) seen.push(value);
    })().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ChannelError');
    expect((error as Error).message).toMatch(/gone/);
    expect(elapsed).toBeGreaterThan(GONE_AFTER_MS - 1000);
    expect(elapsed).toBeLessThan(GONE_AFTER_MS + 10_000);
    const result = await done; // the sender heard nothing more either: gone on its side too
    // None lost: each value was read here, is undelivered (the dead side may have committed
    // some of those: the TSDoc says so), or is still in the local channel.
    const rest = local.tryPull();
    const left = rest === undefined ? [] : [rest];
    const accounted = new Set([...seen, ...result.undelivered, ...left]);
    expect([...accounted].sort()).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2]);
  }, 30_000);
});

describe('chanasync/debug TSDoc', () => {
  function target() {
    const posted: unknown[] = [];
    return { posted, target: { postMessage: (message: unknown) => void posted.push(message) } };
  }

  it('enableDebug posts announce; snapshot() has the SPEC shape; capacity null for Infinity and ≥ 2^53; never buffered values', () => {
    const { posted, target: t } = target();
    enableDebug({ target: t, listen: new EventTarget() });
    expect(posted).toContainEqual(expect.objectContaining({ source: 'chanasync', version: 1, type: 'announce' }));
    const unbounded = new Channel<string>(Number.POSITIVE_INFINITY, { name: 'unbounded' });
    const huge = new Channel<string>(2 ** 53, { name: 'huge' });
    unbounded.tryPush('secret');
    const shot = snapshot();
    expect(shot).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    const byName = new Map(shot.channels.map((c) => [c.name, c]));
    expect(byName.get('unbounded')?.capacity).toBeNull();
    expect(byName.get('huge')?.capacity).toBeNull();
    expect(byName.get('unbounded')?.size).toBe(1);
    expect(JSON.stringify(shot)).not.toContain('secret');
    unbounded.close();
    huge.close();
  });

  it('snapshot order: channels whose waits nothing explains first, then waiting for input, then idle', async () => {
    enableDebug({ target: target().target, listen: new EventTarget() });
    const idle = new Channel<number>(1, { name: 'idle' });
    const input = new Channel<number>(0, { name: 'input', input: true });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const p1 = input.pull().catch(() => undefined);
    const p2 = stuck.pull().catch(() => undefined);
    await settle();
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((name) => name === 'idle' || name === 'input' || name === 'stuck');
    expect(names).toEqual(['stuck', 'input', 'idle']);
    for (const c of [idle, input, stuck]) c.close();
    await Promise.all([p1, p2]);
  });

  it('a parked operation has kind and since; stacks only with stacks: true', async () => {
    enableDebug({ target: target().target, listen: new EventTarget() });
    const plain = new Channel<number>(0, { name: 'plain' });
    const parked = plain.push(1).catch(() => undefined);
    await settle();
    const row = snapshot().channels.find((c) => c.name === 'plain');
    expect(row?.pushers[0]).toMatchObject({ kind: 'push', since: expect.any(Number) });
    expect(row?.pushers[0]?.stack).toBeUndefined();
    expect(row?.createdAt).toBeUndefined();
    plain.close();
    await parked;
    enableDebug({ target: target().target, listen: new EventTarget(), stacks: true });
    const traced = new Channel<number>(0, { name: 'traced' });
    const parked2 = traced.pull().catch(() => undefined);
    await settle();
    const row2 = snapshot().channels.find((c) => c.name === 'traced');
    expect(typeof row2?.createdAt).toBe('string');
    expect(typeof row2?.pullers[0]?.stack).toBe('string');
    traced.close();
    await parked2;
  });

  it('enableDebug: every option is checked before anything changes; a call that throws leaves debug mode as it was', () => {
    const { target: t } = target();
    enableDebug({ target: t, listen: new EventTarget() });
    const before = new Channel<number>(1, { name: 'tracked-before' });
    expect(() => enableDebug({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => enableDebug({ intervalMs: '5' as unknown as number })).toThrow(TypeError);
    expect(() => enableDebug({ stacks: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => enableDebug({ warnLeaks: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => enableDebug({ target: {} as never })).toThrow(TypeError);
    expect(() => enableDebug({ listen: {} as never })).toThrow(TypeError);
    expect(() => enableDebug('x' as never)).toThrow(TypeError);
    expect(snapshot().channels.some((c) => c.name === 'tracked-before')).toBe(true);
    before.close();
  });

  it('hello starts snapshots, at most one per intervalMs and only on change; bye stops them; foreign messages are ignored', async () => {
    const { posted, target: t } = target();
    const listen = new EventTarget();
    enableDebug({ target: t, listen, intervalMs: 50 });
    const count = () => posted.filter((m) => (m as { type?: string }).type === 'snapshot').length;
    listen.dispatchEvent(new MessageEvent('message', { data: { source: 'other', type: 'hello' } }));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(count()).toBe(0);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await until(() => count() >= 1);
    const afterHello = count();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count()).toBe(afterHello); // nothing changed: nothing posted
    const channel = new Channel<number>(1, { name: 'new' });
    await until(() => count() > afterHello);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'bye' } }),
    );
    await settle();
    const afterBye = count();
    channel.tryPush(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(count()).toBe(afterBye);
    channel.close();
  });

  it('disableDebug: a connected inspector gets a last snapshot with no channels, unless its last one had none; a new enableDebug ends the running session so too', async () => {
    const { posted, target: t } = target();
    const listen = new EventTarget();
    const snapshots = () =>
      posted.filter((m) => (m as { type?: string }).type === 'snapshot') as { channels: unknown[] }[];
    enableDebug({ target: t, listen, intervalMs: 20 });
    const channel = new Channel<number>(1, { name: 'shown' });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await until(() => snapshots().some((m) => m.channels.length > 0));
    const before = snapshots().length;
    const second = target();
    enableDebug({ target: second.target, listen: new EventTarget() });
    expect(snapshots().length).toBe(before + 1);
    expect(snapshots().at(-1)?.channels).toEqual([]);
    disableDebug();
    channel.close();
    // A session whose inspector last saw no channels gets nothing more.
    const third = target();
    const listen3 = new EventTarget();
    enableDebug({ target: third.target, listen: listen3, intervalMs: 20 });
    listen3.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await until(() => third.posted.some((m) => (m as { type?: string }).type === 'snapshot'));
    const count = third.posted.length;
    disableDebug();
    expect(third.posted.length).toBe(count);
  });

  it('enableDebug rethrows what target.postMessage throws on the announce, leaving debug mode as it was', () => {
    const boom = new Error('cannot post');
    expect(() =>
      enableDebug({
        target: {
          postMessage: () => {
            throw boom;
          },
        },
        listen: new EventTarget(),
      }),
    ).toThrow(boom);
    const channel = new Channel<number>(1, { name: 'untracked' });
    expect(snapshot().channels).toEqual([]); // still off
    channel.close();
  });

  it('disableDebug: does nothing when off, never throws; snapshot with debug off has no channels; clearLeaks example prints undefined', () => {
    disableDebug();
    expect(() => disableDebug()).not.toThrow();
    expect(snapshot().channels).toEqual([]);
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
    enableDebug({ target: target().target, listen: new EventTarget() });
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
  });
});

describe('relayDebug TSDoc', () => {
  it("relays the worker's chanasync messages tagged with its context, hello/bye to the worker, a last empty snapshot on stop", async () => {
    const [page, worker] = pair();
    const toWorker: unknown[] = [];
    worker.addEventListener('message', (event) => toWorker.push(event.data));
    worker.start();
    const posted: { type?: string; context?: unknown; channels?: unknown[] }[] = [];
    const listen = new EventTarget();
    const stop = relayDebug(page, { target: { postMessage: (m) => void posted.push(m as never) }, listen, url: 'w#1' });
    worker.postMessage({ source: 'chanasync', version: 1, type: 'announce' });
    worker.postMessage({ app: 'not chanasync' });
    await until(() => posted.length >= 1);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await until(() => toWorker.length === 1);
    expect(toWorker[0]).toMatchObject({ source: 'chanasync-inspector', type: 'hello' });
    worker.postMessage({ source: 'chanasync', version: 1, type: 'snapshot', time: Date.now(), channels: [], seq: 1 });
    await until(() => posted.some((m) => m.type === 'snapshot'));
    expect(posted.find((m) => m.type === 'snapshot')?.context).toEqual({ kind: 'worker', url: 'w#1' });
    expect(posted.every((m) => (m as { source?: string }).source === 'chanasync')).toBe(true); // the app message stayed
    const before = posted.length;
    stop();
    stop(); // idempotent
    await until(() => toWorker.length === 2);
    expect(toWorker[1]).toMatchObject({ type: 'bye' });
    expect(posted.length).toBe(before + 1);
    expect(posted.at(-1)).toMatchObject({ type: 'snapshot', channels: [], context: { kind: 'worker', url: 'w#1' } });
  });

  it('an already aborted signal: the relay never starts and returns a function that does nothing; @throws TypeError', () => {
    const [page] = pair();
    const posted: unknown[] = [];
    const stop = relayDebug(page, {
      target: { postMessage: (m) => void posted.push(m) },
      listen: new EventTarget(),
      signal: AbortSignal.abort(),
    });
    expect(posted).toEqual([]);
    expect(() => stop()).not.toThrow();
    expect(() => relayDebug({ postMessage() {}, addEventListener() {} } as never)).toThrow(TypeError);
    expect(() => relayDebug(page, { url: 5 as unknown as string })).toThrow(TypeError);
  });
});

describe('Channel.from / channel.toReadableStream attachment', () => {
  it('present in a bundle that imports from / toReadableStream, left out of one that imports only Channel', async () => {
    const esbuild = await import('esbuild');
    const { join } = await import('node:path');
    const entry = join(import.meta.dirname, '..', '..', 'dist', 'index.js');
    const run = async (contents: string) => {
      const built = await esbuild.build({
        stdin: { contents, resolveDir: import.meta.dirname, loader: 'js' },
        alias: { chanasync: entry },
        bundle: true,
        format: 'esm',
        write: false,
        minify: true,
      });
      const code = built.outputFiles[0]?.text ?? '';
      const url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
      return { code, result: ((await import(url)) as { result: unknown }).result };
    };
    const only = await run(
      `import { Channel } from 'chanasync'; export const result = [typeof Channel.from, typeof new Channel().toReadableStream];`,
    );
    expect(only.result).toEqual(['undefined', 'undefined']);
    const withFrom = await run(
      `import { Channel, from, toReadableStream } from 'chanasync'; export const result = [Channel.from === from, typeof new Channel().toReadableStream, typeof toReadableStream];`,
    );
    expect(withFrom.result).toEqual([true, 'function', 'function']);
  });
});
