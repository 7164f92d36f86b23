/**
 * Audit BK-select: `select` / `selectNowait` and the `pull()`/`push()` case builders, judged
 * black-box against SPEC "`select`" and "Errors" and the README's "Semantic details" (Go's select
 * semantics, runtime/chan_test.go).
 */
import { Channel, ChannelClosedError, ChannelFullError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, thrown, track } from '../helpers/track.js';

describe('select: result shape and exactly one commit', () => {
  it('a ready pull case resolves { index, channel, value, ok: true } and consumes exactly one value', async () => {
    const a = new Channel<number>(4);
    a.pushNowait(1);
    a.pushNowait(2);
    const result = await select([pull(a)]);
    expect(result).toEqual({ index: 0, channel: a, value: 1, ok: true });
    expect(result.channel).toBe(a);
    expect(a.size).toBe(1);
  });

  it('a ready push case resolves with value undefined and ok true, the value committed to the buffer', async () => {
    const a = new Channel<string>(1);
    const result = await select([push(a, 'x')]);
    expect(result.index).toBe(0);
    expect(result.channel).toBe(a);
    expect(result.value).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(a.pullNowait()).toBe('x');
  });

  it('when two pull cases are both ready only one value is consumed', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    a.pushNowait(1);
    b.pushNowait(2);
    const result = await select([pull(a), pull(b)]);
    expect(a.size + b.size).toBe(1);
    expect(result.index === 0 ? a.size : b.size).toBe(0);
    expect(result.value).toBe(result.index === 0 ? 1 : 2);
  });

  it('when a push case and a pull case are both ready only one commits', async () => {
    for (let i = 0; i < 50; i++) {
      const out = new Channel<number>(1);
      const inp = new Channel<number>(1);
      inp.pushNowait(7);
      const result = await select([push(out, 1), pull(inp)]);
      if (result.index === 0) {
        expect(out.size).toBe(1);
        expect(inp.size).toBe(1);
      } else {
        expect(out.size).toBe(0);
        expect(inp.size).toBe(0);
        expect(result.value).toBe(7);
      }
    }
  });

  it('a parked select is committed by exactly one of two partners arriving in the same turn; the other partner stays parked', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const sel = track(select([pull(a), pull(b)]));
    await flush();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPullers).toBe(1);
    const pa = track(a.push(1));
    const pb = track(b.push(2));
    await flush();
    expect(sel.current).toEqual({ status: 'fulfilled', value: { index: 0, channel: a, value: 1, ok: true } });
    expect(pa.current.status).toBe('fulfilled');
    expect(pb.current.status).toBe('pending');
    expect(b.stats().waitingPushers).toBe(1);
    expect(b.stats().waitingPullers).toBe(0);
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.pullNowait()).toBe(2);
  });

  it('a parked select with a push case and a pull case: a puller arriving commits the push case and leaves nothing on the other channel', async () => {
    const out = new Channel<string>();
    const inp = new Channel<string>();
    const sel = select([push(out, 'sent'), pull(inp)]);
    await flush();
    expect(out.pullNowait()).toBe('sent');
    const result = await sel;
    expect(result).toEqual({ index: 0, channel: out, value: undefined, ok: true });
    expect(inp.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(out.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    // the losing pull case consumes nothing afterwards
    const later = track(inp.push('later'));
    await flush();
    expect(later.current.status).toBe('pending');
    expect(inp.pullNowait()).toBe('later');
  });

  it('a parked select woken by pushNowait resolves with that value and withdraws its other cases', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const sel = select([pull(a), pull(b), push(c, 3)]);
    await flush();
    b.pushNowait(42);
    expect(await sel).toEqual({ index: 1, channel: b, value: 42, ok: true });
    for (const ch of [a, b, c]) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(() => a.pushNowait(1)).toThrow();
    expect(() => c.pullNowait()).toThrow();
  });

  it('losing cases leave no waiter behind on any channel after a select resolves by a ready case', async () => {
    const chans = Array.from({ length: 5 }, () => new Channel<number>());
    const ready = new Channel<number>(1);
    ready.pushNowait(9);
    const result = await select([...chans.map((c) => pull(c)), pull(ready), ...chans.map((c) => push(c, 1))]);
    expect(result.index).toBe(5);
    for (const ch of chans) expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a push case hands over the very object it was built with, and the select resolves with the very object pulled', async () => {
    const c = new Channel<{ id: number }>();
    const sent = { id: 1 };
    const s = select([push(c, sent)]);
    const got = await c.pull();
    expect(got).toBe(sent);
    await s;
    const other = new Channel<{ id: number }>();
    const r = select([pull(other), pull(c)]);
    await flush();
    const second = { id: 2 };
    await c.push(second);
    expect((await r).value).toBe(second);
  });

  it('select acts on the channel state and never calls methods a subclass overrides', async () => {
    class Strict<T> extends Channel<T> {
      override push(): Promise<void> {
        throw new Error('push called');
      }
      override pull(): Promise<T> {
        throw new Error('pull called');
      }
      override pushNowait(): void {
        throw new Error('pushNowait called');
      }
      override pullNowait(): T {
        throw new Error('pullNowait called');
      }
    }
    const a = new Strict<number>(2);
    expect(await select([push(a, 1)])).toMatchObject({ index: 0, ok: true });
    expect(selectNowait([push(a, 2), null])).toMatchObject({ index: 0, ok: true });
    expect(await select([pull(a), null])).toMatchObject({ value: 1, ok: true });
    expect(selectNowait([pull(a)])).toMatchObject({ value: 2, ok: true });
    expect(a.size).toBe(0);
  });

  it('a drop-mode push case is always ready, even with a full buffer', async () => {
    const dropNewest = new Channel<number>(1, { overflow: 'drop-newest' });
    dropNewest.pushNowait(1);
    const never = new Channel<number>();
    const result = await select([pull(never), push(dropNewest, 2)]);
    expect(result.index).toBe(1);
    expect(dropNewest.pullNowait()).toBe(1);
    const dropOldest = new Channel<number>(1, { overflow: 'drop-oldest' });
    dropOldest.pushNowait(1);
    expect(selectNowait([push(dropOldest, 2)])?.index).toBe(0);
    expect(dropOldest.pullNowait()).toBe(2);
    expect(never.stats().waitingPullers).toBe(0);
  });

  it('a ready pull takes the buffer head and moves the oldest parked push into the freed slot (FIFO kept)', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const parked = track(a.push(2));
    await flush();
    const result = await select([pull(a)]);
    expect(result.value).toBe(1);
    await flush();
    expect(parked.current.status).toBe('fulfilled');
    expect(a.pullNowait()).toBe(2);
  });
});

describe('select: closed channels', () => {
  it('a pull case on a closed drained channel fires with ok false and value undefined', async () => {
    const a = new Channel<number>(1);
    a.close(new Error('why'));
    const result = await select([pull(a)]);
    expect(result).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });

  it('a pull case on a closed channel still delivers the buffered values with ok true first', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    expect(await select([pull(a)])).toMatchObject({ value: 1, ok: true });
    expect(await select([pull(a)])).toMatchObject({ value: undefined, ok: false });
  });

  it('a parked pull case fires with ok false when its channel closes while the select waits, and leaves no waiter on the others', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const sel = select([pull(b), pull(a)]);
    await flush();
    a.close();
    expect(await sel).toEqual({ index: 1, channel: a, value: undefined, ok: false });
    expect(b.stats().waitingPullers).toBe(0);
  });

  it('a push case on a channel closed before the call rejects with ChannelClosedError naming "select push", even when another case is ready', async () => {
    for (let i = 0; i < 20; i++) {
      const closed = new Channel<number>(1, { name: 'shut' });
      closed.close();
      const ready = new Channel<number>(1);
      ready.pushNowait(1);
      const error = (await rejection(select([pull(ready), push(closed, 1)]))) as ChannelClosedError;
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error.channel).toBe(closed);
      expect(error.message).toContain('select push');
      expect(error.message).toContain('shut');
      // nothing committed on the ready case
      expect(ready.size).toBe(1);
    }
  });

  it('a push case whose channel closes while the select waits rejects with ChannelClosedError and withdraws the other cases', async () => {
    const out = new Channel<number>(0, { name: 'out' });
    const other = new Channel<number>();
    const sel = track(select([pull(other), push(out, 5)]));
    await flush();
    out.close();
    await flush();
    expect(sel.current.status).toBe('rejected');
    const error = (sel.current as { reason: ChannelClosedError }).reason;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.channel).toBe(out);
    expect(error.message).toContain('select push');
    expect(other.stats().waitingPullers).toBe(0);
    expect(out.stats().waitingPushers).toBe(0);
  });

  it('selectNowait throws ChannelClosedError naming "selectNowait push" for a push case on a closed channel', () => {
    const closed = new Channel<number>(1, { name: 'c' });
    closed.close();
    const error = thrown(() => selectNowait([push(closed, 1)])) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toContain('selectNowait push');
    expect(error.channel).toBe(closed);
  });

  it('selectNowait answers a pull case on a closed drained channel with ok false', () => {
    const a = new Channel<number>();
    a.close();
    expect(selectNowait([pull(a)])).toEqual({ index: 0, channel: a, value: undefined, ok: false });
  });

  it('a commit and then a close of the push case channel in the same turn: the commit stands, the close changes nothing', async () => {
    const out = new Channel<number>();
    const inp = new Channel<number>();
    const sel = track(select([push(out, 1), pull(inp)]));
    await flush();
    inp.pushNowait(5);
    out.close();
    await flush();
    expect(sel.current).toEqual({ status: 'fulfilled', value: { index: 1, channel: inp, value: 5, ok: true } });
  });

  it('a close of the push case channel and then a push to the other case in the same turn: the select rejects and the push finds no taker', async () => {
    const out = new Channel<number>();
    const inp = new Channel<number>();
    const sel = track(select([push(out, 1), pull(inp)]));
    await flush();
    out.close();
    expect(thrown(() => inp.pushNowait(5))).toBeInstanceOf(ChannelFullError);
    await flush();
    expect(sel.current.status).toBe('rejected');
    expect((sel.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(inp.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a select parked with two push cases on one channel rejects once when it closes, leaving no pusher', async () => {
    const c = new Channel<number>();
    const sel = track(select([push(c, 1), push(c, 2)]));
    await flush();
    expect(c.stats().waitingPushers).toBe(2);
    c.close();
    await flush();
    expect((sel.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(c.stats().waitingPushers).toBe(0);
  });

  it('a select parked with a push and a pull case on the same channel rejects with ChannelClosedError when it closes', async () => {
    const c = new Channel<number>();
    const sel = track(select([pull(c), push(c, 1)]));
    await flush();
    expect(c.stats()).toMatchObject({ waitingPushers: 1, waitingPullers: 1 });
    c.close();
    await flush();
    expect(sel.current.status).toBe('rejected');
    expect((sel.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});
