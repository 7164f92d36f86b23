/**
 * Auditor AW — port: a relay (fromPort → toPort), and argument errors naming the function.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

describe('relay', () => {
  it('A → relay → B keeps order and carries the close reason through both hops', async () => {
    const ab = new MessageChannel();
    const bc = new MessageChannel();
    const source = new Channel<number>(4);
    const d1 = toPort(source, ab.port1);
    const relay = fromPort<number>(ab.port2, { capacity: 2 });
    const d2 = toPort(relay, bc.port1);
    const sink = fromPort<number>(bc.port2, { capacity: 1 });
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await source.push(i);
      source.close({ reason: 'finished', n: 100 });
    })();
    const got: number[] = [];
    let cause: unknown;
    try {
      for await (const v of sink) got.push(v);
    } catch (e) {
      cause = e;
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(cause).toEqual({ reason: 'finished', n: 100 });
    expect(await d1).toEqual({ sent: 100, undelivered: [] });
    expect(await d2).toEqual({ sent: 100, undelivered: [] });
    for (const p of [ab.port1, ab.port2, bc.port1, bc.port2]) p.close();
  });

  it('the final receiver closes: the relay stops, nothing lost end to end', async () => {
    const ab = new MessageChannel();
    const bc = new MessageChannel();
    const source = new Channel<number>(Infinity);
    for (let i = 0; i < 30; i++) source.pushNowait(i);
    const d1 = toPort(source, ab.port1);
    const relay = fromPort<number>(ab.port2, { capacity: 3 });
    const d2 = toPort(relay, bc.port1);
    const sink = fromPort<number>(bc.port2, { capacity: 2 });
    const got = [await sink.pull(), await sink.pull(), await sink.pull()];
    sink.close();
    const r2 = await d2;
    const sinkBuffered: number[] = [];
    while (sink.size > 0) sinkBuffered.push(sink.pullNowait());
    // relay still holds values; close it to end hop 1
    relay.close();
    const r1 = await d1;
    const relayBuffered: number[] = [];
    while (relay.size > 0) relayBuffered.push(relay.pullNowait());
    const left: number[] = [];
    while (source.size > 0) left.push(source.pullNowait());
    expect(r2.sent).toBe(got.length + sinkBuffered.length);
    const all = [...got, ...sinkBuffered, ...r2.undelivered, ...relayBuffered, ...r1.undelivered, ...left];
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const p of [ab.port1, ab.port2, bc.port1, bc.port2]) p.close();
  });
});

describe('argument errors name the function', () => {
  it('fromPort with a bad capacity: RangeError naming fromPort; bad port: TypeError', () => {
    const { port1, port2 } = new MessageChannel();
    expect(() => fromPort(port1, { capacity: -1 })).toThrow(RangeError);
    expect(() => fromPort(port1, { capacity: -1 })).toThrow(/fromPort/);
    expect(() => fromPort(port1, { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromPort({} as any)).toThrow(TypeError);
    expect(() => fromPort({} as any)).toThrow(/fromPort/);
    expect(() => fromPort(port1, { name: 5 as any })).toThrow(TypeError);
    port1.close();
    port2.close();
  });

  it('toPort with a bad port or channel rejects with TypeError naming toPort', async () => {
    const e1 = await toPort(new Channel(), {} as any).catch((e) => e);
    expect(e1).toBeInstanceOf(TypeError);
    expect(e1.message).toMatch(/toPort/);
    const { port1, port2 } = new MessageChannel();
    const e2 = await toPort({} as any, port1).catch((e) => e);
    expect(e2).toBeInstanceOf(TypeError);
    const e3 = await toPort(new Channel(), port1, { transfer: 5 as any }).catch((e) => e);
    expect(e3).toBeInstanceOf(TypeError);
    port1.close();
    port2.close();
  });

  // F3 (FINDINGS.md): fixed in the forty-fourth session (a refused batch goes value by value)
  it('a non-cloneable value rejects toPort (TypeError with sent/undelivered); the remote gets the values before it, then closes with an Error (README)', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<unknown>(Infinity);
    local.pushNowait(1);
    local.pushNowait({ f() {} });
    local.pushNowait(3);
    const remote = fromPort<unknown>(port2, { capacity: 5 });
    const e = await toPort(local, port1).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/toPort/);
    expect(typeof e.sent).toBe('number');
    const got: unknown[] = [];
    let end: unknown;
    try {
      for await (const v of remote) got.push(v);
    } catch (x) {
      end = x;
    }
    expect(got).toEqual([1]);
    expect(end).toBeInstanceOf(Error);
    const left: unknown[] = [];
    while (local.size > 0) left.push(local.pullNowait());
    expect(got.length + e.undelivered.length + left.length).toBe(3);
    expect(e.sent).toBe(1);
    port1.close();
    port2.close();
  });
});
