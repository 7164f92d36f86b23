import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull as pullCase,
  push as pushCase,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

describe('combos', () => {
  it('a select push case commits into a parked pullMany', async () => {
    const ch = new Channel<number>(0);
    const many = ch.pullMany(5);
    const other = new Channel<number>(0);
    const r = await select([pushCase(ch, 7), pullCase(other)]);
    expect(r.index).toBe(0);
    expect(await many).toEqual([7]);
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('from() of a channel closed with a reason throws the reason after its values', async () => {
    const src = new Channel<number>(3);
    src.tryPush(1);
    src.tryPush(2);
    const reason = new Error('boom');
    src.close(reason);
    const f = from(src);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of f) got.push(v);
      })(),
    ).rejects.toBe(reason);
    expect(got).toEqual([1, 2]);
  });

  it('from() of an open channel that later closes with a reason', async () => {
    const src = new Channel<number>(0);
    const f = from(src);
    const p = f.pull();
    await src.push(1);
    expect(await p).toBe(1);
    const q = f.pull();
    const reason = new Error('late');
    src.close(reason);
    const e = await q.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
  });

  it('toReadableStream of a subscriber errors with the source reason after values', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const sub = hub.subscribe({ capacity: 4 });
    const rs = toReadableStream(sub);
    const reader = rs.getReader();
    await src.pushAll([1, 2]);
    const reason = new Error('r');
    src.close(reason);
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('broadcast of a merged channel ends when every input is closed and drained', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const hub = broadcast(merge(a, b));
    const s1 = hub.subscribe({ capacity: 0 });
    const s2 = hub.subscribe({ capacity: 8 });
    a.tryPush(1);
    b.tryPush(2);
    a.close();
    b.close();
    const got1: number[] = [];
    for await (const v of s1) got1.push(v);
    expect(got1.sort()).toEqual([1, 2]);
    expect(s2.closed).toBe(true);
    expect([s2.tryPull(), s2.tryPull()].sort()).toEqual([1, 2]);
  });

  it('a ticker case in a select that shares the signal: abort rejects with the reason', async () => {
    const ac = new AbortController();
    const t = ticker(10_000, { signal: ac.signal });
    const other = new Channel<number>();
    const p = select([pullCase(t), pullCase(other)], { signal: ac.signal });
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(t.closed).toBe(true);
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('pushAll racing close(reason) then abort in one turn rejects with the close error and pushed', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const p = ch.pushAll([1, 2, 3], { signal: ac.signal });
    const reason = new Error('closing');
    ch.close(reason);
    ac.abort(new Error('abort'));
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    expect(e.pushed).toBe(1);
  });

  it('pushAll racing abort then close(reason) in one turn rejects with the abort reason and pushed', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const p = ch.pushAll([1, 2, 3], { signal: ac.signal });
    const reason = new Error('abort');
    ac.abort(reason);
    ch.close(new Error('closing'));
    const e = await p.catch((x) => x);
    expect(e).toBe(reason);
    expect(e.pushed).toBe(1);
  });

  it('iteration, tryPull and pullMany interleaved share values exactly once', async () => {
    const ch = new Channel<number>(4);
    const it = ch[Symbol.asyncIterator]();
    const n1 = it.next();
    const m = ch.pullMany(3);
    const pushed = ch.pushAll([1, 2, 3, 4, 5, 6]);
    const t = ch.tryPull();
    await pushed;
    const rest: number[] = [];
    for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) rest.push(v);
    const all = [(await n1).value, ...(await m), t, ...rest];
    expect(all).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('error messages name channel and op', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    ch.close('why');
    const e = await ch.pullMany(2).catch((x) => x);
    expect(e.message).toBe('pullMany: channel "jobs" is closed');
    expect(e.cause).toBe('why');
    expect(e.channel).toBe(ch);
    const e2 = await ch.pushAll([1]).catch((x) => x);
    expect(e2.message).toBe('pushAll: channel "jobs" is closed');
    expect(e2.pushed).toBe(0);
    expect(() => selectNowait([pushCase(ch, 1)])).toThrow('selectNowait push: channel "jobs" is closed');
  });

  it('after with a signal in a select with another signal', async () => {
    const ac = new AbortController();
    const a = after(10_000, { signal: ac.signal });
    const p = select([pullCase(a)]);
    ac.abort();
    const r = await p;
    expect(r.ok).toBe(false);
  });
});
