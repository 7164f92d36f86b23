// Audit BR-peers-b: edge cases around the behaviours ts-chan's suite exercises (joeycumines/ts-chan
// test/chan.test.ts and test/select.test.ts): iterator return/commit races, abort and close
// interleavings, several cases on one channel, batches. Each test names the ts-chan test it extends.
import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('ts-chan iterator edges', () => {
  // ts-chan ChanAsyncIterator "unblocks on return": a value committed to the parked next() in the
  // same turn as return() is still that next()'s (README "Iteration").
  it('a value committed to a parked next() before return() is delivered to it, not lost', async () => {
    const ch = new Channel<number>();
    const it = ch[Symbol.asyncIterator]();
    const n = it.next();
    ch.pushNowait(1);
    await it.return?.();
    await expect(n).resolves.toEqual({ done: false, value: 1 });
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // ts-chan ChanIterator "iterate on buffered channel synchronously" (the iterator keeps working
  // after it reported done once). chanasync: "return() does not close the channel, and the iterator
  // stays usable" (README "Iteration").
  it('an iterator stays usable after return()', async () => {
    const ch = new Channel<number>(2);
    const it = ch[Symbol.asyncIterator]();
    await it.return?.();
    ch.pushNowait(5);
    await expect(it.next()).resolves.toEqual({ done: false, value: 5 });
  });

  // ts-chan ChanIterator: close inside the loop; here with close(reason) and values left.
  it('close(reason) inside a for await loop: the buffered values first, then the reason is thrown', async () => {
    const ch = new Channel<number>(3);
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    const reason = new Error('stop');
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) {
          out.push(v);
          if (v === 1) ch.close(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(out).toEqual([1, 2, 3]);
  });
});

describe('ts-chan abort/close interleavings', () => {
  // ts-chan send "bulk sends abort signal", with an already aborted signal and a ready partner.
  it('an already aborted signal fails push and pull even when a partner waits, consuming nothing', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const reason = new Error('pre-aborted');
    const signal = AbortSignal.abort(reason);
    await expect(ch.pull({ signal })).rejects.toBe(reason);
    expect(ch.size).toBe(1);
    await expect(select([pull(ch)], { signal })).rejects.toBe(reason);
    expect(ch.size).toBe(1);
    ch.close();
    // checked first, even on a closed channel (SPEC)
    await expect(ch.push(2, { signal })).rejects.toBe(reason);
  });

  // ts-chan send "bulk sends abort signal" + "bulk sends close channel": close run from an earlier
  // listener of the very signal the push is parked with — README "Close": the push is cancelled
  // (rejects with the reason) rather than failed by the close.
  it('close() inside an earlier abort listener of the same signal: the parked push rejects with the reason', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => ch.close());
    const p = ch.push(1, { signal: ac.signal });
    ac.abort('reason');
    await expect(p).rejects.toBe('reason');
    expect(ch.stats().waitingPushers).toBe(0);
  });

  // ts-chan recv "bulk receives abort signal": a listener that pushes during the abort dispatch
  // must not hand the value to a pull whose signal is already aborted (README "Commit points").
  it('a push made inside the abort dispatch skips the aborted pulls and is not lost', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => {
      ch.pushNowait(42);
    });
    const pulls = [ch.pull({ signal: ac.signal }), ch.pull({ signal: ac.signal })].map((p) => p.catch((e) => e));
    ac.abort('gone');
    expect(await Promise.all(pulls)).toEqual(['gone', 'gone']);
    expect(ch.pullNowait()).toBe(42);
  });
});

describe('ts-chan select edges', () => {
  // ts-chan select "should fairly select both send and recv" on one channel: two pull cases on the
  // same channel count twice while parked (README "What differs from Go": stats counts each case).
  it('two pull cases on one channel: counted twice while parked, nothing left after the commit', async () => {
    const ch = new Channel<number>();
    const p = select([pull(ch), pull(ch)]);
    expect(ch.stats().waitingPullers).toBe(2);
    ch.pushNowait(9);
    const r = await p;
    expect(r.value).toBe(9);
    expect([0, 1]).toContain(r.index);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.tryPush(10)).toBe(false);
  });

  // ts-chan "documented example": a pull case on a closed channel with buffered values gives the
  // values first, then ok:false (SPEC select).
  it('a pull case on a closed channel drains the buffer before firing ok:false', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const rs = [await select([pull(ch)]), await select([pull(ch)]), await select([pull(ch)])];
    expect(rs.map((r) => [r.value, r.ok])).toEqual([
      [1, true],
      [2, true],
      [undefined, false],
    ]);
  });

  // ts-chan select send cases on a channel that cannot block: a drop-mode push case is always ready.
  it('a push case on a drop-oldest channel is always ready, even when full', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.pushNowait(1);
    const r = selectNowait([push(ch, 2)]);
    expect(r?.index).toBe(0);
    expect(ch.pullNowait()).toBe(2);
  });

  // ts-chan select: a push case on a closed channel beside a ready pull case — chanasync rejects
  // deterministically (SPEC: "A push case whose channel is closed … makes select reject").
  it('a push case on a closed channel rejects the select even when another case is ready', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    await expect(select([pull(ready), push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => selectNowait([pull(ready), push(closed, 1)])).toThrow(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  // ts-chan chan.test "should receive in fifo order", with a select among the parked pushers.
  it('a parked select push case keeps its FIFO place among parked pushes', async () => {
    const ch = new Channel<string>();
    const p1 = ch.push('first');
    const s = select([push(ch, 'select')]);
    const p3 = ch.push('third');
    expect([ch.pullNowait(), ch.pullNowait(), ch.pullNowait()]).toEqual(['first', 'select', 'third']);
    await Promise.all([p1, s, p3]);
  });
});

describe('ts-chan batches (pullMany / pushAll) against parked operations', () => {
  // ts-chan "bulk sends abort signal", taken in one batch: pullMany takes the parked pushers in order
  // and each resolves (SPEC pullMany).
  it('pullMany takes parked pushers in FIFO order and resolves each of them', async () => {
    const ch = new Channel<number>();
    const pushes = [0, 1, 2, 3, 4].map((v) => ch.push(v));
    expect(await ch.pullMany(3)).toEqual([0, 1, 2]);
    await Promise.all(pushes.slice(0, 3));
    expect(ch.stats().waitingPushers).toBe(2);
    expect(await ch.pullMany(10)).toEqual([3, 4]);
    await Promise.all(pushes);
  });

  // ts-chan "bulk sends close channel", as one pushAll: it reports how many were committed.
  it('pushAll stopped by close part-way reports pushed and delivered exactly those', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pushAll([1, 2, 3, 4]).catch((e: unknown) => e);
    await tick();
    expect(ch.pullNowait()).toBe(1);
    await tick();
    ch.close();
    const err = (await p) as ChannelClosedError & { pushed: number };
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(err.pushed).toBe(3);
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect(rest).toEqual([2, 3]);
  });
});
