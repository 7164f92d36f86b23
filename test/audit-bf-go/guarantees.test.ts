/**
 * Audit BF (Go lens): Go's channel guarantees, as a Go programmer relies on them when porting
 * code verbatim — rendezvous, FIFO, close-then-drain, exactly one select case — in shapes the
 * earlier ports of Go's own tests did not cover: two selects meeting on one unbuffered channel
 * with both directions, racing commits in one synchronous run, closes with many selects parked.
 */
import { describe, expect, it } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  merge,
  pull,
  push,
  select,
  selectNowait,
} from '../../dist/index.js';
import { settled, turn, turns } from './util.js';

describe('rendezvous: an unbuffered send completes only when a receiver has the value', () => {
  it('a select whose only case is a push on an unbuffered channel stays pending until a pull takes the value', async () => {
    const c = new Channel<string>();
    const sent = select([push(c, 'v')]);
    expect(await settled(sent)).toBe(false);
    await turns(5);
    expect(await settled(sent)).toBe(false);
    expect(c.stats().waitingPushers).toBe(1);
    expect(await c.pull()).toBe('v');
    const r = await sent;
    expect(r.index).toBe(0);
    expect(r.ok).toBe(true);
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a pull parked with a signal that is aborted right after the push committed still gets the value (Go: the receive happened)', async () => {
    const c = new Channel<number>();
    const ac = new AbortController();
    const got = c.pull({ signal: ac.signal });
    const sent = c.push(7);
    ac.abort(new Error('too late'));
    await expect(sent).resolves.toBeUndefined();
    await expect(got).resolves.toBe(7);
  });

  it('a pushAll of five values on an unbuffered channel resolves only once the fifth is taken', async () => {
    const c = new Channel<number>();
    const all = c.pushAll([1, 2, 3, 4, 5]);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(await c.pull());
    expect(await settled(all)).toBe(false);
    got.push(await c.pull());
    await all;
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('two selects meeting on one unbuffered channel', () => {
  it('a select parked on a push meets a later select arriving with a pull case on that channel; the other cases leave nothing', async () => {
    const c = new Channel<string>();
    const x = new Channel<string>();
    const y = new Channel<string>();
    const a = select([push(c, 'a'), pull(x)]);
    expect(c.stats().waitingPushers).toBe(1);
    expect(x.stats().waitingPullers).toBe(1);
    const b = await select([pull(y), pull(c)]);
    expect(b).toMatchObject({ index: 1, value: 'a', ok: true });
    expect(await a).toMatchObject({ index: 0, ok: true });
    for (const ch of [c, x, y]) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(x.tryPush('late')).toBe(false);
  });

  it('a select with a push and a pull case on one unbuffered channel never meets itself', async () => {
    const c = new Channel<string>();
    const a = select([push(c, 'a'), pull(c)]);
    expect(await settled(a)).toBe(false);
    expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    // a plain pull takes its push case ...
    expect(c.pullNowait()).toBe('a');
    expect(await a).toMatchObject({ index: 0 });
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    // ... and a plain push goes to its pull case
    const b = select([push(c, 'b'), pull(c)]);
    c.pushNowait('x');
    expect(await b).toMatchObject({ index: 1, value: 'x', ok: true });
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('two selects, each with a push and a pull case on the same unbuffered channel, make exactly one exchange, in either direction', async () => {
    const seen = { aSends: 0, bSends: 0 };
    for (let trial = 0; trial < 400; trial++) {
      const c = new Channel<string>();
      const a = select([push(c, 'A'), pull(c)]);
      const b = select([pull(c), push(c, 'B')]);
      const [ra, rb] = await Promise.all([a, b]);
      if (ra.index === 0) {
        // A sent: B received A's value
        expect(rb).toMatchObject({ index: 0, value: 'A', ok: true });
        seen.aSends++;
      } else {
        expect(ra).toMatchObject({ index: 1, value: 'B', ok: true });
        expect(rb.index).toBe(1);
        seen.bSends++;
      }
      expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    }
    // Go picks among ready cases at random: both directions happen
    expect(seen.aSends).toBeGreaterThan(100);
    expect(seen.bSends).toBeGreaterThan(100);
  });

  it('selectNowait with both a push and a pull case meets a parked select in exactly one direction', async () => {
    const c = new Channel<string>();
    const a = select([push(c, 'A'), pull(c)]);
    const r = selectNowait([pull(c), push(c, 'N')]);
    expect(r).toBeDefined();
    const ra = await a;
    if (r?.index === 0) {
      expect(r.value).toBe('A');
      expect(ra.index).toBe(0);
    } else {
      expect(ra).toMatchObject({ index: 1, value: 'N' });
    }
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('exactly one case of a select commits, also when commits race in one synchronous run', () => {
  it('after one case of a parked select commits, a pushNowait to its other unbuffered channel finds no receiver', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([pull(a), pull(b)]);
    a.pushNowait(1);
    expect(() => b.pushNowait(2)).toThrow(ChannelFullError);
    expect(b.tryPush(3)).toBe(false);
    b.close();
    expect(await s).toMatchObject({ index: 0, value: 1, ok: true });
  });

  it('after a parked select committed on one channel, closing its other channel does not fire it a second time', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>();
    const s = select([pull(a), pull(b), push(b, 9)]);
    a.pushNowait(1);
    b.close();
    expect(await s).toMatchObject({ index: 0, value: 1 });
    expect(a.size).toBe(0);
  });

  it('a select parked on 100 unbuffered channels: of 100 pushNowait in one run, exactly one finds it', async () => {
    const chans = Array.from({ length: 100 }, () => new Channel<number>());
    const s = select(chans.map((c) => pull(c)));
    let ok = 0;
    let full = 0;
    for (const [i, c] of chans.entries()) {
      try {
        c.pushNowait(i);
        ok++;
      } catch (e) {
        if (e instanceof ChannelFullError) full++;
        else throw e;
      }
    }
    expect([ok, full]).toEqual([1, 99]);
    expect(await s).toMatchObject({ index: 0, value: 0 });
    expect(chans.reduce((n, c) => n + c.stats().waitingPullers, 0)).toBe(0);
  });

  it('a select parked with push cases on two channels delivers one value: the second plain pull waits', async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const s = select([push(a, 'to-a'), push(b, 'to-b')]);
    const pa = a.pull();
    const pb = b.pull();
    const r = await s;
    expect(r.index).toBe(0);
    expect(await pa).toBe('to-a');
    expect(await settled(pb)).toBe(false);
    expect(b.stats().waitingPushers).toBe(0);
    b.pushNowait('later');
    expect(await pb).toBe('later');
  });
});

describe('closing a channel while several selects wait on it', () => {
  it('every select with a pull case on it fires that case with ok false, and their other cases leave no waiter', async () => {
    const c = new Channel<number>();
    const d = new Channel<number>();
    const e = new Channel<number>();
    const s1 = select([pull(c)]);
    const s2 = select([pull(d), pull(c)]);
    const s3 = select([push(e, 1), pull(c)]);
    const s4 = select([pull(c), pull(c)]);
    expect(c.stats().waitingPullers).toBe(5);
    c.close();
    expect(await s1).toMatchObject({ index: 0, ok: false, value: undefined });
    expect(await s2).toMatchObject({ index: 1, ok: false });
    expect(await s3).toMatchObject({ index: 1, ok: false });
    expect((await s4).ok).toBe(false);
    expect(d.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(e.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(() => e.pullNowait()).toThrow(ChannelEmptyError);
    expect(d.tryPush(5)).toBe(false);
  });

  it('every select with a push case on it rejects with ChannelClosedError, and its pull case elsewhere takes nothing later', async () => {
    const c = new Channel<string>(0, { name: 'jobs' });
    const g = new Channel<string>();
    const s1 = select([push(c, 'x'), pull(g)]);
    const s2 = select([push(c, 'y')]);
    c.close();
    await expect(s1).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(s2).rejects.toBeInstanceOf(ChannelClosedError);
    expect(g.stats().waitingPullers).toBe(0);
    expect(g.tryPush('late')).toBe(false);
  });

  it('closing one channel of a select parked behind a full buffer elsewhere withdraws its push there: the next parked pusher keeps its place', async () => {
    const c = new Channel<string>();
    const d = new Channel<string>(1);
    d.pushNowait('first');
    const s = select([pull(c), push(d, 'from-select')]);
    const r = d.push('second');
    expect(d.stats().waitingPushers).toBe(2);
    c.close();
    expect(await s).toMatchObject({ index: 0, ok: false });
    expect(d.stats().waitingPushers).toBe(1);
    expect([await d.pull(), await d.pull()]).toEqual(['first', 'second']);
    await r;
    expect(d.size).toBe(0);
  });

  it('a close with buffered values: a for-select loop with a timeout case receives every value, in order, before ok false', async () => {
    const c = new Channel<number>(8);
    for (let i = 0; i < 8; i++) c.pushNowait(i);
    c.close(new Error('done'));
    const never = new Channel<number>();
    const got: number[] = [];
    for (;;) {
      const r = await select([pull(c), pull(never)]);
      if (!r.ok) break;
      got.push(r.value as number);
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(never.stats().waitingPullers).toBe(0);
  });

  it('a closed buffered input of merge: every value comes out before the merged channel ends with the reason', async () => {
    const a = new Channel<number>(4);
    for (let i = 0; i < 4; i++) a.pushNowait(i);
    const reason = new Error('producer failed');
    a.close(reason);
    const b = new Channel<number>();
    const m = merge(a, b);
    const got: number[] = [];
    // Go's WaitGroup fan-in forwards what was buffered before ending; README: an input closed
    // with a reason closes the merged channel with it at once (errors are not held back)
    let error: unknown;
    try {
      for await (const v of m) got.push(v);
    } catch (e) {
      error = e;
    }
    expect(error).toBe(reason);
    // Every value the merge took is readable: nothing it took is lost
    expect(got.length + a.size).toBe(4);
    expect(got).toEqual([0, 1, 2, 3].slice(0, got.length));
  });
});

describe('FIFO and for-await with break', () => {
  it('a consumer that breaks out of for-await every ten values and starts again receives all 100 values of an unbuffered producer, in order', async () => {
    const c = new Channel<number>();
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await c.push(i);
      c.close();
    })();
    const got: number[] = [];
    while (!c.closed || c.size > 0) {
      let n = 0;
      let ended = true;
      for await (const v of c) {
        got.push(v);
        if (++n === 10) {
          ended = false;
          break;
        }
      }
      if (ended) break;
      await turn();
    }
    await producer;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('a push case parked behind a plain push keeps FIFO with a select pull on the other end', async () => {
    const c = new Channel<number>();
    const p1 = c.push(1);
    const s = select([push(c, 2)]);
    const p3 = c.push(3);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await select([pull(c)]);
      got.push(r.value as number);
    }
    await Promise.all([p1, s, p3]);
    expect(got).toEqual([1, 2, 3]);
  });

  it('a select with a push and a pull case on one channel of capacity 1 alternates, and the values keep their order', async () => {
    const c = new Channel<number>(1);
    const got: number[] = [];
    let next = 0;
    for (let i = 0; i < 20; i++) {
      const r = await select([push(c, next), pull(c)]);
      if (r.index === 0) next++;
      else got.push(r.value as number);
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(next).toBe(10);
  });

  it('a channel of undefined: a pull case on a pushed undefined reports ok true (Go: v, ok := <-ch with the zero value sent)', async () => {
    const c = new Channel<undefined>(1);
    c.pushNowait(undefined);
    const r = await select([pull(c)]);
    expect(r).toMatchObject({ index: 0, ok: true, value: undefined });
    c.close();
    expect(await select([pull(c)])).toMatchObject({ ok: false });
    expect(selectNowait([pull(c)])).toMatchObject({ ok: false });
  });
});
