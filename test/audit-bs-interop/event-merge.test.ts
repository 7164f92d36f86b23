import { getEventListeners, setMaxListeners } from 'node:events';
import { Channel, ChannelClosedError, fromEvent, merge, pull, select, selectNowait, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { tick, track, until } from './util.js';

class Note extends Event {
  constructor(readonly n: number) {
    super('note');
  }
}

describe('fromEvent', () => {
  it('default: capacity 1, drop-oldest — the latest event is kept', async () => {
    const target = new EventTarget();
    const ch = fromEvent<Note>(target, 'note');
    expect(ch.capacity).toBe(1);
    expect(ch.stats().overflow).toBe('drop-oldest');
    for (let i = 0; i < 5; i++) target.dispatchEvent(new Note(i));
    expect(ch.size).toBe(1);
    expect((await ch.pull()).n).toBe(4);
    ch.close();
  });

  it("'block' keeps every event, in order, even beyond capacity", async () => {
    const target = new EventTarget();
    const ch = fromEvent<Note>(target, 'note', { capacity: 2, overflow: 'block' });
    for (let i = 0; i < 10; i++) target.dispatchEvent(new Note(i));
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push((await ch.pull()).n);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    ch.close();
  });

  it('a waiting pull gets the event dispatched after it', async () => {
    const target = new EventTarget();
    const ch = fromEvent<Note>(target, 'note');
    const p = track(ch.pull());
    await tick();
    target.dispatchEvent(new Note(1));
    await until(() => p.state === 'fulfilled', 'pull served');
    expect((p.value as Note).n).toBe(1);
    ch.close();
  });

  it('aborting the signal removes the listener and closes the channel (normally); buffered event stays readable', async () => {
    const target = new EventTarget();
    const ac = new AbortController();
    const ch = fromEvent<Note>(target, 'note', { signal: ac.signal });
    expect(getEventListeners(target, 'note')).toHaveLength(1);
    target.dispatchEvent(new Note(1));
    ac.abort(new Error('stop'));
    expect(getEventListeners(target, 'note')).toHaveLength(0);
    expect(ch.closed).toBe(true);
    target.dispatchEvent(new Note(2));
    const got: number[] = [];
    for await (const e of ch) got.push(e.n);
    expect(got).toEqual([1]);
  });

  it('closing the channel removes the listener; a waiting pull rejects ChannelClosedError', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'note');
    const p = ch.pull();
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(getEventListeners(target, 'note')).toHaveLength(0);
  });

  it('an already aborted signal: no listener added, channel closed', () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'note', { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    expect(getEventListeners(target, 'note')).toHaveLength(0);
  });

  it('break out of for await keeps listening (documented), close removes it', async () => {
    const target = new EventTarget();
    const ch = fromEvent<Note>(target, 'note', { capacity: 4, overflow: 'block' });
    target.dispatchEvent(new Note(1));
    for await (const e of ch) {
      expect(e.n).toBe(1);
      break;
    }
    expect(getEventListeners(target, 'note')).toHaveLength(1);
    target.dispatchEvent(new Note(2));
    expect((await ch.pull()).n).toBe(2);
    ch.close();
    expect(getEventListeners(target, 'note')).toHaveLength(0);
  });

  it('listenerOptions.once: one event, then the channel closes and the listener is gone', async () => {
    const target = new EventTarget();
    const ch = fromEvent<Note>(target, 'note', { listenerOptions: { once: true } });
    target.dispatchEvent(new Note(1));
    target.dispatchEvent(new Note(2));
    expect(ch.closed).toBe(true);
    expect(getEventListeners(target, 'note')).toHaveLength(0);
    const got: number[] = [];
    for await (const e of ch) got.push(e.n);
    expect(got).toEqual([1]);
  });

  it('a MessageChannel port: messages in order, listener removed on close', async () => {
    const { port1, port2 } = new MessageChannel();
    const ch = fromEvent<MessageEvent>(port1, 'message', { capacity: 16, overflow: 'block' });
    for (let i = 0; i < 5; i++) port2.postMessage(i);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push((await ch.pull()).data);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    ch.close();
    expect(getEventListeners(port1 as unknown as EventTarget, 'message')).toHaveLength(0);
    port1.close();
    port2.close();
  });

  it('many channels sharing one signal: all listeners removed on abort', () => {
    const target = new EventTarget();
    setMaxListeners(30, target);
    const ac = new AbortController();
    const chs = Array.from({ length: 20 }, () => fromEvent(target, 'note', { signal: ac.signal }));
    expect(getEventListeners(target, 'note')).toHaveLength(20);
    ac.abort();
    expect(getEventListeners(target, 'note')).toHaveLength(0);
    expect(chs.every((c) => c.closed)).toBe(true);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });

  it('bad arguments: TypeError naming fromEvent', () => {
    expect(() => fromEvent({} as never, 'x')).toThrow(TypeError);
    expect(() => fromEvent({} as never, 'x')).toThrow(/fromEvent/);
    const target = new EventTarget();
    expect(() => fromEvent(target, 1 as never)).toThrow(TypeError);
    expect(() => fromEvent(target, 'x', { capacity: 0 })).toThrow(RangeError);
    expect(() => fromEvent(target, 'x', AbortSignal.abort() as never)).toThrow(TypeError);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
  });
});

describe('merge', () => {
  it('keeps each input order; every value once; closes once every input is closed and drained', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<string>(3);
    const m = merge(a, b);
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await a.push(i);
        await b.push(`s${i}`);
      }
      a.close();
      b.close();
    })();
    const got: (number | string)[] = [];
    for await (const v of m) got.push(v);
    await producer;
    expect(got.filter((v) => typeof v === 'number')).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(got.filter((v) => typeof v === 'string')).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
    expect(m.closed).toBe(true);
  });

  it('closed only after every input is closed and drained', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const m = merge(a, b);
    await a.push(1);
    a.close();
    expect(m.closed).toBe(false);
    expect(await m.pull()).toBe(1);
    expect(m.closed).toBe(false);
    b.close();
    expect(m.closed).toBe(true);
    await expect(m.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('an input closed with a reason closes the merged channel with it', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const m = merge(a, b);
    const reason = new Error('a failed');
    a.close(reason);
    const err = await m.pull().catch((e) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.cause).toBe(reason);
    expect(b.closed).toBe(false);
    b.close();
  });

  it('merge of merges: order per input, nothing lost, closes', async () => {
    const ins = Array.from({ length: 4 }, () => new Channel<number>(2));
    const m = merge(merge(ins[0]!, ins[1]!), merge(ins[2]!, ins[3]!));
    const producers = ins.map(async (c, k) => {
      for (let i = 0; i < 25; i++) await c.push(k * 100 + i);
      c.close();
    });
    const got: number[] = [];
    for await (const v of m) got.push(v);
    await Promise.all(producers);
    expect(got).toHaveLength(100);
    for (let k = 0; k < 4; k++) {
      expect(got.filter((v) => Math.floor(v / 100) === k)).toEqual(Array.from({ length: 25 }, (_, i) => k * 100 + i));
    }
  });

  it('merge inside select: a losing select case leaves the value in the merge, nothing lost', async () => {
    const a = new Channel<number>(8);
    const b = new Channel<number>(8);
    const m = merge(a, b);
    const other = new Channel<string>(1);
    await a.pushAll([1, 2, 3]);
    await other.push('o');
    const got: number[] = [];
    let others = 0;
    for (let i = 0; i < 4; i++) {
      const r = await select([pull(m), pull(other)] as const);
      if (r.index === 0) got.push(r.value as number);
      else others++;
    }
    expect(others).toBe(1);
    expect(got).toEqual([1, 2, 3]);
    expect(selectNowait([pull(m)])).toBeUndefined();
    a.close();
    b.close();
    const r = await select([pull(m)]);
    expect(r.ok).toBe(false);
  });

  it('select with an aborted signal over a merge consumes nothing', async () => {
    const a = new Channel<number>();
    const m = merge(a);
    const ac = new AbortController();
    const s = select([pull(m)], { signal: ac.signal });
    await tick();
    ac.abort(new Error('abandon'));
    await expect(s).rejects.toThrow('abandon');
    const pushed = a.push(9);
    expect(await m.pull()).toBe(9);
    await pushed;
    a.close();
  });

  it('closing the merged channel keeps the value it took and leaves the inputs open with theirs', async () => {
    const a = new Channel<number>(4);
    await a.pushAll([1, 2, 3]);
    const m = merge(a);
    await until(() => m.size === 1, 'merge took one');
    m.close();
    expect(a.closed).toBe(false);
    expect(await m.pull()).toBe(1);
    expect(a.pullNowait()).toBe(2);
    expect(a.pullNowait()).toBe(3);
    expect(a.stats().waitingPullers).toBe(0);
    a.close();
  });

  it('a merged channel into toReadableStream: all values, stream closes', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const stream = toReadableStream(merge(a, b));
    const prod = (async () => {
      for (let i = 0; i < 10; i++) await (i % 2 ? a : b).push(i);
      a.close();
      b.close();
    })();
    const got: number[] = [];
    for await (const v of stream) got.push(v);
    await prod;
    expect(got.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('break out of for await over a merge does not close it or lose anything', async () => {
    const a = new Channel<number>(10);
    await a.pushAll([1, 2, 3, 4]);
    a.close();
    const m = merge(a);
    for await (const v of m) {
      expect(v).toBe(1);
      break;
    }
    const rest: number[] = [];
    for await (const v of m) rest.push(v);
    expect(rest).toEqual([2, 3, 4]);
  });

  it('merge() with no inputs is closed at once; non-channels are a TypeError naming merge', async () => {
    const m = merge();
    expect(m.closed).toBe(true);
    expect(() => merge([1, 2] as never)).toThrow(TypeError);
    expect(() => merge({} as never)).toThrow(/merge/);
  });

  it('inputs with nothing waiting: no pull left parked on an input after the merge closes', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const m = merge(a, b);
    await tick();
    m.close();
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
    a.close();
    b.close();
  });
});
