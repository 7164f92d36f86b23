// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
import { after, Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('select result shape', () => {
  it('pull case: { index, channel, value, ok: true }', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<string>(1);
    b.pushNowait('x');
    const r = await select([pull(a), pull(b)]);
    expect(r).toEqual({ index: 1, channel: b, value: 'x', ok: true });
    expect(r.channel).toBe(b);
  });
  it('push case: value undefined, ok true', async () => {
    const a = new Channel<number>(1);
    const r = await select([null, push(a, 5)]);
    expect(r).toEqual({ index: 1, channel: a, value: undefined, ok: true });
    expect(a.pullNowait()).toBe(5);
  });
  it('pull case on closed drained channel: ok false, value undefined', async () => {
    const a = new Channel<number>();
    a.close('why');
    const r = await select([pull(a)]);
    expect(r).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });
  it('pull case on closed but non-drained channel returns value ok true', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    expect(await select([pull(a)])).toMatchObject({ value: 1, ok: true });
    expect(await select([pull(a)])).toMatchObject({ value: undefined, ok: false });
  });
  it('parked pull case fires ok:false on close', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(b), pull(a)]);
    await tick();
    a.close();
    expect(await p).toEqual({ index: 1, channel: a, value: undefined, ok: false });
    expect(b.stats().waitingPullers).toBe(0);
  });
  it('index counts null/undefined entries', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(3);
    const r = await select([undefined, null, pull(a)]);
    expect(r.index).toBe(2);
  });
});

describe('select semantics', () => {
  it('empty / all-null list rejects TypeError; selectNowait returns undefined', async () => {
    await expect(select([])).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    const e: any = await select([]).catch((x) => x);
    expect(e.message).toMatch(/select/);
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null])).toBeUndefined();
  });
  it('select returns a promise even on a TypeError (does not throw synchronously)', () => {
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = select([]);
    }).not.toThrow();
    return expect(p).rejects.toBeInstanceOf(TypeError);
  });
  it('push case on closed channel rejects ChannelClosedError even if another case is ready', async () => {
    for (let i = 0; i < 30; i++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      b.pushNowait(1);
      a.close();
      await expect(select([pull(b), push(a, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
      expect(b.size).toBe(1);
      expect(() => selectNowait([pull(b), push(a, 1)])).toThrow(ChannelClosedError);
      expect(b.size).toBe(1);
    }
  });
  it('push case whose channel closes while waiting rejects and leaves no trace', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(b), push(a, 1)]);
    await tick();
    a.close('r');
    const e: any = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.channel).toBe(a);
    expect(e.cause).toBe('r');
    expect(b.stats().waitingPullers).toBe(0);
  });
  it('aborted signal: rejects reason, no case committed, no waiter left', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    await expect(select([pull(a)], { signal: AbortSignal.abort('r') })).rejects.toBe('r');
    expect(a.size).toBe(1);
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(b), push(b, 2)], { signal: ac.signal });
    await tick();
    ac.abort('q');
    await expect(p).rejects.toBe('q');
    expect(b.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
  it('already aborted signal comes before a closed push case', async () => {
    const a = new Channel<number>();
    a.close();
    await expect(select([push(a, 1)], { signal: AbortSignal.abort('r') })).rejects.toBe('r');
  });
  it('never matches own push with own pull on same unbuffered channel', async () => {
    const a = new Channel<number>();
    expect(selectNowait([push(a, 1), pull(a)])).toBeUndefined();
    const ac = new AbortController();
    const p = select([push(a, 1), pull(a)], { signal: ac.signal });
    await tick();
    ac.abort('done');
    await expect(p).rejects.toBe('done');
  });
  it('two selects on opposite sides of an unbuffered channel rendezvous', async () => {
    const a = new Channel<number>();
    const p1 = select([push(a, 7)]);
    const p2 = select([pull(a)]);
    expect(await p2).toMatchObject({ value: 7, ok: true });
    expect(await p1).toMatchObject({ index: 0, ok: true });
  });
  it('exactly one case commits when both are ready (no double commit)', async () => {
    for (let i = 0; i < 50; i++) {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.pushNowait(1);
      const r = await select([pull(a), push(b, 2)]);
      if (r.index === 0) {
        expect(b.size).toBe(0);
      } else {
        expect(a.size).toBe(1);
        expect(b.size).toBe(1);
      }
    }
  });
  it('fairness: uniform random among ready cases', async () => {
    const counts = [0, 0, 0];
    const chs = [0, 1, 2].map(() => new Channel<number>(Infinity));
    for (const c of chs) for (let i = 0; i < 3000; i++) c.pushNowait(i);
    const cases = chs.map((c) => pull(c));
    for (let i = 0; i < 3000; i++) counts[(await select(cases)).index]!++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(850);
      expect(c).toBeLessThan(1150);
    }
  });
  it('selectNowait fairness too', () => {
    const counts = [0, 0];
    const chs = [0, 1].map(() => new Channel<number>(Infinity));
    for (const c of chs) for (let i = 0; i < 2000; i++) c.pushNowait(i);
    for (let i = 0; i < 2000; i++) counts[selectNowait([pull(chs[0]!), pull(chs[1]!)])!.index]!++;
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThan(200);
  });
  it('push case on drop mode full channel is always ready', async () => {
    const a = new Channel<number>(1, { overflow: 'drop-newest' });
    a.pushNowait(1);
    const b = new Channel<number>();
    const r = await select([pull(b), push(a, 2)]);
    expect(r.index).toBe(1);
    expect(a.pullNowait()).toBe(1);
    expect(selectNowait([push(a, 3)])).toMatchObject({ index: 0 });
  });
  it('case descriptors are reusable across many selects', async () => {
    const a = new Channel<number>(Infinity);
    const cases = [pull(a), push(a, 9)] as const;
    for (let i = 0; i < 5; i++) await select(cases);
    expect(Object.isFrozen(cases[0]) || true).toBe(true);
  });
  it('same push case descriptor used by two concurrent selects delivers twice (two selects)', async () => {
    const a = new Channel<number>();
    const c = push(a, 1);
    const p1 = select([c]);
    const p2 = select([c]);
    expect(await a.pull()).toBe(1);
    expect(await a.pull()).toBe(1);
    await Promise.all([p1, p2]);
  });
  it('parked select loses to no one: FIFO among puller and select on the same channel', async () => {
    const a = new Channel<number>();
    const order: string[] = [];
    const s = select([pull(a)]).then((r) => order.push(`select:${r.value}`));
    const p = a.pull().then((v) => order.push(`pull:${v}`));
    a.pushNowait(1);
    a.pushNowait(2);
    await Promise.all([s, p]);
    expect(order).toEqual(['select:1', 'pull:2']);
  });
  it('a committed select is not undone by an abort in the same tick', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const p = select([pull(a)], { signal: ac.signal });
    a.pushNowait(4);
    ac.abort('late');
    expect(await p).toMatchObject({ value: 4 });
  });
  it('select with duplicate pull cases on same channel', async () => {
    const a = new Channel<number>();
    const p = select([pull(a), pull(a)]);
    a.pushNowait(1);
    const r = await p;
    expect(r.value).toBe(1);
    expect(a.stats().waitingPullers).toBe(0);
  });
  it('bad case entries are a TypeError naming select', async () => {
    const e: any = await select([{} as never]).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/select/);
    expect(() => selectNowait([42 as never])).toThrow(TypeError);
    expect(() => pull({} as never)).toThrow(TypeError);
    expect(() => push(null as never, 1)).toThrow(TypeError);
  });
  it('non-array cases is a TypeError', async () => {
    await expect(select(undefined as never)).rejects.toBeInstanceOf(TypeError);
    await expect(select('ab' as never)).rejects.toBeInstanceOf(TypeError);
  });
  it('select with a non-AbortSignal signal is a TypeError', async () => {
    const a = new Channel<number>();
    const e: any = await select([pull(a)], { signal: {} as never }).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(a.stats().waitingPullers).toBe(0);
  });
});

describe('after', () => {
  it('delivers Date.now() once then closes', async () => {
    const t0 = Date.now();
    const ch = after(20);
    const v = await ch.pull();
    expect(v).toBeGreaterThanOrEqual(t0 + 15);
    expect(typeof v).toBe('number');
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('timeout pattern with select', async () => {
    const work = new Channel<number>();
    const r = await select([pull(work), pull(after(10))]);
    expect(r.index).toBe(1);
    expect(r.ok).toBe(true);
    expect(work.stats().waitingPullers).toBe(0);
  });
  it('abort clears the timer, closes, no value', async () => {
    const ac = new AbortController();
    const ch = after(30, { signal: ac.signal });
    ac.abort();
    expect(ch.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    const r = await select([pull(ch)]);
    expect(r.ok).toBe(false);
  });
  it('already-aborted signal: closed immediately', () => {
    const ch = after(10, { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(0);
  });
  it('after(0) and invalid ms', async () => {
    expect(typeof (await after(0).pull())).toBe('number');
    expect(after(-1).closed).toBe(false); // README: ms <= 0 fires at once (documented)
    expect(() => after(NaN)).toThrow(RangeError);
    expect(() => after('5' as never)).toThrow(TypeError);
  });
  it('value is kept if nobody pulls in time (buffered)', async () => {
    const ch = after(5);
    await new Promise((r) => setTimeout(r, 30));
    expect(ch.closed).toBe(true);
    expect(typeof ch.pullNowait()).toBe('number');
  });
});
