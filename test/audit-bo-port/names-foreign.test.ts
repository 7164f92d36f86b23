/**
 * Audit BO-port — names multiplexing, foreign/malformed messages, bad input at the call.
 * SPEC: "name (default '') multiplexes several channels over one port; a sender and a receiver
 * pair by name"; "Malformed or foreign messages on the port are ignored; a message for an
 * unknown name is ignored after the receiver closed."
 */
import { Channel } from 'chanasync';
import { fromPort, isPortMessage, PORT_SOURCE, PORT_VERSION, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';
import { channelPair, closeAll, ctlPorts, sleep, tracked, waitFor } from './helpers.js';

afterEach(closeAll);

async function collect<T>(ch: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

describe('names multiplex one port', () => {
  it('three streams one way and two the other way share one MessageChannel, each in order', async () => {
    const [p1, p2] = channelPair();
    const names = ['a', 'b', ''];
    const locals = names.map(() => new Channel<string>(2));
    const remotes = names.map((name, i) => fromPort<string>(p2, { name, capacity: i }));
    const sendings = names.map((name, i) => toPort(locals[i] as Channel<string>, p1, { name }));
    // the other direction, same names 'a' and 'x', on the same two port objects
    const backLocal = [new Channel<number>(1), new Channel<number>(0)];
    const backNames = ['a', 'x'];
    const backRemote = backNames.map((name) => fromPort<number>(p1, { name, capacity: 3 }));
    const backSending = backNames.map((name, i) => toPort(backLocal[i] as Channel<number>, p2, { name }));
    const producers = [
      ...names.map(async (name, i) => {
        const ch = locals[i] as Channel<string>;
        for (let k = 0; k < 40; k++) await ch.push(`${name}${k}`);
        ch.close(new Error(`end ${name}`));
      }),
      ...backNames.map(async (_, i) => {
        const ch = backLocal[i] as Channel<number>;
        for (let k = 0; k < 40; k++) await ch.push(i * 1000 + k);
        ch.close();
      }),
    ];
    const results = await Promise.all(
      remotes.map(async (r) => {
        const out: string[] = [];
        try {
          for await (const v of r) out.push(v);
        } catch (e) {
          return { out, error: (e as Error).message };
        }
        return { out, error: undefined };
      }),
    );
    const backResults = await Promise.all(backRemote.map((r) => collect(r)));
    await Promise.all(producers);
    names.forEach((name, i) => {
      expect(results[i]?.out).toEqual(Array.from({ length: 40 }, (_, k) => `${name}${k}`));
      expect(results[i]?.error).toBe(`end ${name}`);
    });
    backNames.forEach((_, i) => {
      expect(backResults[i]).toEqual(Array.from({ length: 40 }, (_, k) => i * 1000 + k));
    });
    for (const s of [...sendings, ...backSending]) expect((await s).sent).toBe(40);
  });

  it('closing one stream leaves the others running', async () => {
    const [p1, p2] = channelPair();
    const l1 = new Channel<number>(10);
    const l2 = new Channel<number>(10);
    const r1 = fromPort<number>(p2, { name: 'one', capacity: 2 });
    const r2 = fromPort<number>(p2, { name: 'two', capacity: 2 });
    const s1 = toPort(l1, p1, { name: 'one' });
    const s2 = toPort(l2, p1, { name: 'two' });
    await l1.pushAll([1, 2, 3]);
    await l2.pushAll([10, 20, 30]);
    expect(await r1.pull()).toBe(1);
    r1.close();
    const res1 = await s1;
    expect(res1.sent + res1.undelivered.length + l1.size).toBe(3);
    l2.close();
    expect(await collect(r2)).toEqual([10, 20, 30]);
    expect(await s2).toEqual({ sent: 3, undelivered: [] });
  });

  it('a name reused after the first pair closed pairs afresh, taking none of the old values', async () => {
    const [p1, p2] = channelPair();
    const first = new Channel<string>(4);
    const r1 = fromPort<string>(p2, { name: 'job', capacity: 1 });
    const s1 = toPort(first, p1, { name: 'job' });
    await first.pushAll(['old1', 'old2', 'old3']);
    expect(await r1.pull()).toBe('old1');
    r1.close();
    const res1 = await s1;
    // second pair, same name, same port objects
    const second = new Channel<string>(4);
    const r2 = fromPort<string>(p2, { name: 'job', capacity: 2 });
    const s2 = toPort(second, p1, { name: 'job' });
    await second.pushAll(['new1', 'new2']);
    second.close();
    expect(await collect(r2)).toEqual(['new1', 'new2']);
    expect(await s2).toEqual({ sent: 2, undelivered: [] });
    const leftovers = [
      ...res1.undelivered,
      ...((): string[] => {
        const out: string[] = [];
        for (let v = first.tryPull(); v !== undefined; v = first.tryPull()) out.push(v);
        return out;
      })(),
    ];
    expect(['old1', ...r1Drain(r1), ...leftovers]).toEqual(['old1', 'old2', 'old3']);
  });

  it('a name reused after the first pair ended normally', async () => {
    const [p1, p2] = channelPair();
    for (let round = 0; round < 3; round++) {
      const local = new Channel<number>(3);
      const remote = fromPort<number>(p2, { name: 'r', capacity: 1 });
      const sending = toPort(local, p1, { name: 'r' });
      await local.pushAll([round, round + 10]);
      local.close();
      expect(await collect(remote)).toEqual([round, round + 10]);
      expect(await sending).toEqual({ sent: 2, undelivered: [] });
    }
  });

  it('a second toPort or fromPort of the same name on the same port is a TypeError naming the function', async () => {
    const [p1, p2] = channelPair();
    const r = fromPort(p2, { name: 'dup' });
    expect(() => fromPort(p2, { name: 'dup' })).toThrow(/fromPort/);
    const l = new Channel(0);
    const s = toPort(l, p1, { name: 'dup' });
    await expect(toPort(new Channel(0), p1, { name: 'dup' })).rejects.toThrow(/toPort.*already/);
    await paired(p1);
    r.close();
    await s;
  });

  // Was documented (until audit BV): that toPort waited for the next fromPort of the name. The
  // receiver now says it closed, and the sender started before that close ends; a sender started
  // after it still waits for the next one (test/audit-u/port-edges.test.ts).
  it('a fromPort closed before any sender paired ends the toPort started before the close; the next pair runs', async () => {
    const [p1, p2] = channelPair();
    const r = fromPort<number>(p2, { name: 'early' });
    const l = new Channel<number>(1);
    const s = tracked(toPort(l, p1, { name: 'early' }));
    r.close(); // same turn: nothing heard yet
    expect(await s.promise).toEqual({ sent: 0, undelivered: [] });
    const r2 = fromPort<number>(p2, { name: 'early', capacity: 1 });
    const s2 = tracked(toPort(l, p1, { name: 'early' }));
    await l.push(5);
    expect(await r2.pull()).toBe(5);
    l.close();
    expect(await s2.promise).toEqual({ sent: 1, undelivered: [] });
  });
});

function r1Drain(ch: Channel<string>): string[] {
  const out: string[] = [];
  for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) out.push(v);
  return out;
}

describe('foreign and malformed messages are ignored', () => {
  const junk = (name: string): unknown[] => [
    null,
    undefined,
    42,
    'open',
    [],
    {},
    { type: 'values', values: [666] },
    { source: PORT_SOURCE },
    { source: PORT_SOURCE, version: 2, name, type: 'values', session: 's', values: [666] },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'values', session: '', values: [666] },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'values', session: 'zzz', values: [] },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'values', session: 'zzz', values: 'nope' },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'values', session: 'zzz', values: [666] },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'end', session: 'zzz', abort: true, reason: 'x' },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'end', session: 'zzz' },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'credit', session: 'zzz', granted: 1e6, committed: 0 },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'credit', session: 'zzz', granted: -1, committed: 0 },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'closed', session: 'zzz', committed: 0 },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'ping', session: 'zzz', nonce: 5 },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'pong', session: 'zzz' },
    { source: PORT_SOURCE, version: PORT_VERSION, name, type: 'whatever', session: 'zzz' },
    { source: PORT_SOURCE, version: PORT_VERSION, name: 5, type: 'ready' },
    { source: PORT_SOURCE, version: PORT_VERSION, name: 'other-name', type: 'values', session: 'q', values: [1] },
    new Proxy(
      {},
      {
        get() {
          throw new Error('hostile');
        },
      },
    ),
  ];

  it('junk injected both ways while a stream runs changes nothing: same values, same order, credit respected', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(50);
    await local.pushAll(Array.from({ length: 50 }, (_, i) => i));
    local.close(new Error('fin'));
    const remote = fromPort<number>(b, { name: 'n', capacity: 3 });
    const sending = toPort(local, a, { name: 'n' });
    const got: number[] = [];
    let error: unknown;
    const consumer = (async () => {
      try {
        for await (const v of remote) {
          got.push(v);
          // inject junk into both sides between pulls
          for (const j of junk('n')) {
            a.dispatch(j);
            b.dispatch(j);
          }
          expect(a.postedValues().length - got.length).toBeLessThanOrEqual(3);
          await sleep(1);
        }
      } catch (e) {
        error = e;
      }
    })();
    await consumer;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((error as Error).message).toBe('fin');
    expect(await sending).toEqual({ sent: 50, undelivered: [] });
  });

  it('junk before pairing does not pair or close anything', async () => {
    const { a, b } = ctlPorts();
    const remote = fromPort<number>(b, { name: 'n', capacity: 1 });
    for (const j of junk('n')) b.dispatch(j);
    await sleep(20);
    expect(remote.closed).toBe(false);
    const local = new Channel<number>(1);
    const sending = toPort(local, a, { name: 'n' });
    for (const j of junk('n')) a.dispatch(j);
    await local.push(7);
    expect(await remote.pull()).toBe(7);
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('messages for a name whose receiver closed are ignored (no throw, nothing reopened)', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(1);
    const remote = fromPort<number>(b, { name: 'gone', capacity: 1 });
    const sending = toPort(local, a, { name: 'gone' });
    await sleep(20);
    remote.close();
    await sending;
    const session = (a.sent('open')[0] as unknown as { session: string }).session;
    expect(() =>
      b.dispatch({
        source: PORT_SOURCE,
        version: PORT_VERSION,
        name: 'gone',
        type: 'values',
        session,
        values: [1],
        posted: 0,
      }),
    ).not.toThrow();
    expect(() =>
      b.dispatch({ source: PORT_SOURCE, version: PORT_VERSION, name: 'gone', type: 'open', session: 'new' }),
    ).not.toThrow();
    expect(remote.tryPull()).toBeUndefined();
    expect(remote.closed).toBe(true);
    expect(b.log.filter((m) => m.session === 'new').length).toBe(0); // nobody answered
  });

  it('isPortMessage never throws and rejects junk', () => {
    for (const j of junk('n')) expect(() => isPortMessage(j)).not.toThrow();
    expect(isPortMessage({ source: PORT_SOURCE, version: PORT_VERSION, name: 'n', type: 'ready' })).toBe(true);
    expect(isPortMessage({ type: 'values', values: [1] })).toBe(false);
  });
});

describe('bad input at the call', () => {
  const portLike = { postMessage() {}, addEventListener() {} };

  it('toPort rejects (not throws) with TypeError naming toPort', async () => {
    const ch = new Channel<number>(0);
    const bad: [unknown, unknown, unknown][] = [
      [{}, portLike, undefined],
      [[1, 2], portLike, undefined],
      [null, portLike, undefined],
      [ch, null, undefined],
      [ch, {}, undefined],
      [ch, { postMessage() {} }, undefined],
      [ch, 'port', undefined],
      [ch, portLike, 5],
      [ch, portLike, null],
      [ch, portLike, { name: 5 }],
      [ch, portLike, { name: null }],
      [ch, portLike, { signal: {} }],
      [ch, portLike, { signal: 'x' }],
      [ch, portLike, new AbortController().signal],
      [ch, portLike, { transfer: [] }],
      [ch, portLike, { origin: 5 }],
      [ch, portLike, { origin: 'not a url' }],
      [ch, portLike, { origin: 'null' }],
      [ch, portLike, { origin: 'data:text/plain,x' }],
    ];
    for (const [c, p, o] of bad) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = toPort(c as Channel<number>, p as never, o as never);
      }).not.toThrow();
      const error = await (promise as Promise<unknown>).then(
        () => undefined,
        (e) => e,
      );
      expect(error, JSON.stringify([typeof c, typeof p, o])).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/toPort/);
    }
    // nothing was left listening: a valid stream of the default name can still start
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('fromPort throws TypeError/RangeError naming fromPort', () => {
    const cases: [unknown, unknown, typeof TypeError | typeof RangeError][] = [
      [null, undefined, TypeError],
      [{}, undefined, TypeError],
      [{ postMessage() {} }, undefined, TypeError],
      [42, undefined, TypeError],
      [portLike, 3, TypeError],
      [portLike, { name: 1 }, TypeError],
      [portLike, { capacity: '3' }, TypeError],
      [portLike, { capacity: null }, TypeError],
      [portLike, { capacity: -1 }, RangeError],
      [portLike, { capacity: 1.5 }, RangeError],
      [portLike, { capacity: Number.NaN }, RangeError],
      [portLike, { capacity: Number.NEGATIVE_INFINITY }, RangeError],
      [portLike, { origin: 'no url here' }, TypeError],
      [portLike, { origin: 'null' }, TypeError],
      [portLike, { origin: 'data:text/plain,x' }, TypeError],
      [portLike, { origin: 7 }, TypeError],
      [portLike, { signal: {} }, TypeError],
      [portLike, new AbortController().signal, TypeError],
    ];
    for (const [p, o, kind] of cases) {
      let error: unknown;
      try {
        fromPort(p as never, o as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify([typeof p, o])).toBeInstanceOf(kind);
      expect((error as Error).message).toMatch(/fromPort/);
    }
  });

  it('hints for a MessageChannel or a worker_threads-like EventEmitter', () => {
    const mc = new MessageChannel();
    expect(() => fromPort(mc as never)).toThrow(/MessageChannel/);
    mc.port1.close();
    mc.port2.close();
    const emitter = { postMessage() {}, on() {} };
    expect(() => fromPort(emitter as never)).toThrow(/addEventListener/);
  });

  it('a valid origin on a non-window port is accepted (checked, unused)', async () => {
    const [p1, p2] = channelPair();
    const remote = fromPort<number>(p2, { origin: 'https://App.example/', capacity: 1 });
    const local = new Channel<number>(1);
    const sending = tracked(toPort(local, p1, { origin: '*' }));
    await local.push(1);
    expect(await remote.pull()).toBe(1);
    local.close();
    await waitFor(sending.done, 2000);
  });
});
