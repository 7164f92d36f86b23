// Audit BR-peers-f: behaviour checked by crystal-lang/crystal's spec/std/channel_spec.cr,
// `describe ".select"` and `describe ".non_blocking_select"`, ported onto chanasync's
// select / selectNowait. Crystal's `receive_select_action` raises on a closed channel and
// `receive_select_action?` gives nil; chanasync has one pull case that fires with `ok: false`
// (SPEC: "`ok` false only for a pull case that fired because its channel is closed and
// drained"). `timeout_select_action(t)` ≈ a pull case on `after(t)` (imported as timeAfter: biome reads a bare `after(` call as a test hook).
import { Channel, ChannelClosedError, pull, push, select, selectNowait, after as timeAfter } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { track, turn, turns } from './util.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('crystal Channel.select ported', () => {
  // From "receive raise-on-close single-channel types": a value sent by another fiber.
  it('a single pull case receives a value from a parked pusher', async () => {
    const ch = new Channel<string>();
    const p = ch.push('foo');
    const r = await select([pull(ch)]);
    expect(r).toMatchObject({ index: 0, value: 'foo', ok: true });
    expect(r.channel).toBe(ch);
    await p;
  });

  // From "types nilable channel": a channel of undefined (Crystal's Channel(Nil)).
  it('a channel carrying undefined: the pull case has ok true and value undefined', async () => {
    const ch = new Channel<undefined>();
    const p = ch.push(undefined);
    const r = await select([pull(ch)]);
    expect(r).toMatchObject({ index: 0, value: undefined, ok: true });
    await p;
  });

  // From "raises if channel was closed" / "returns nil if channel was closed". Difference:
  // Crystal's raise-on-close receive raises; chanasync's pull case fires with ok: false (SPEC).
  it('a pull case on a closed channel fires with ok false', async () => {
    const ch = new Channel<string>();
    ch.close();
    expect(await select([pull(ch)])).toMatchObject({ index: 0, value: undefined, ok: false });
  });

  // From "raises if channel is closed while waiting" / "returns nil channel is closed while waiting".
  it('a pull case fires with ok false when its channel is closed while the select waits', async () => {
    const ch = new Channel<string>();
    const r = track(select([pull(ch)]));
    await turn();
    expect(r.state).toBe('pending');
    ch.close();
    await turn();
    expect(r.state).toBe('fulfilled');
    expect(r.value).toMatchObject({ index: 0, ok: false, value: undefined });
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // From "awakes all waiting selects" (receive and receive? variants): four parked selects.
  it('close wakes every parked pull select', async () => {
    const ch = new Channel<string>();
    const sels = Array.from({ length: 4 }, () => select([pull(ch)]));
    await turn();
    expect(ch.stats().waitingPullers).toBe(4);
    ch.close();
    const rs = await Promise.all(sels);
    expect(rs.map((r) => [r.index, r.ok])).toEqual([
      [0, false],
      [0, false],
      [0, false],
      [0, false],
    ]);
  });

  // From "receive raise-on-close multi-channel types": two channels of different types.
  it('two pull cases of different types: the one with a pusher wins', async () => {
    const ch = new Channel<string>();
    const ch2 = new Channel<boolean>();
    const p = ch.push('foo');
    const r = await select([pull(ch), pull(ch2)] as const);
    expect(r.index).toBe(0);
    if (r.index === 0) expect(r.value).toBe('foo');
    await p;
    expect(ch2.stats().waitingPullers).toBe(0);
  });

  // From "receive nil-on-close multi-channel: returns index of closed channel".
  it('the closed channel’s index is reported among several pull cases', async () => {
    const ch = new Channel<string>();
    const ch2 = new Channel<boolean>();
    const r = track(select([pull(ch), pull(ch2)]));
    await turn();
    ch2.close();
    await turn();
    expect(r.value).toMatchObject({ index: 1, ok: false });
    // the losing case left no trace on `ch`
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // From "mix of receive and receive?: returns nil if receive channel was not ready and
  // receive? channel was closed" — and the raise variant, adapted (chanasync never raises for a
  // closed pull case; it reports ok false for that index).
  it('a closed channel and a quiet one: the closed case fires at once', async () => {
    const quiet = new Channel<string>();
    const closed = new Channel<string>();
    closed.close();
    expect(await select([pull(quiet), pull(closed)])).toMatchObject({ index: 1, ok: false });
    expect(await select([pull(closed), pull(quiet)])).toMatchObject({ index: 0, ok: false });
    expect(quiet.stats().waitingPullers).toBe(0);
  });

  // From "send raise-on-close single-channel types".
  it('a single push case completes with a parked receiver', async () => {
    const ch = new Channel<string>();
    const recv = ch.pull();
    await turn();
    const r = await select([push(ch, 'foo')]);
    expect(r).toMatchObject({ index: 0, value: undefined });
    expect(await recv).toBe('foo');
  });

  // From "send raise-on-close single-channel: raises if channel was closed".
  it('a push case on a closed channel rejects ChannelClosedError', async () => {
    const ch = new Channel<string>();
    ch.close();
    await expect(select([push(ch, 'foo')])).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // From "send raise-on-close: raises if channel is closed while waiting".
  it('a push case rejects ChannelClosedError when its channel closes while the select waits', async () => {
    const ch = new Channel<string>();
    const r = track(select([push(ch, 'foo')]));
    await turn();
    ch.close();
    await turn();
    expect(r.state).toBe('rejected');
    expect(r.error).toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  // From "send raise-on-close: awakes all waiting selects".
  it('close rejects every parked push select', async () => {
    const ch = new Channel<string>();
    const sels = Array.from({ length: 4 }, () => track(select([push(ch, 'foo')])));
    await turn();
    expect(ch.stats().waitingPushers).toBe(4);
    ch.close();
    await turn();
    expect(sels.map((s) => s.state)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const s of sels) expect(s.error).toBeInstanceOf(ChannelClosedError);
  });

  // From "send raise-on-close multi-channel types": two push cases, a receiver on the first.
  it('two push cases: the one with a receiver wins, the other delivers nothing', async () => {
    const ch = new Channel<string>();
    const ch2 = new Channel<boolean>();
    const recv = ch.pull();
    await turn();
    const r = await select([push(ch, 'foo'), push(ch2, true)]);
    expect(r.index).toBe(0);
    expect(await recv).toBe('foo');
    expect(ch2.stats().waitingPushers).toBe(0);
    expect(ch2.tryPull()).toBeUndefined();
  });

  // From Channel.send_first (the `describe Channel` block): ch1 full, ch2 has room.
  it('send_first: a push select goes to the channel with room', async () => {
    const ch1 = new Channel<number>(1);
    const ch2 = new Channel<number>(1);
    await ch1.push(1);
    const r = await select([push(ch1, 2), push(ch2, 2)]);
    expect(r.index).toBe(1);
    expect(ch2.pullNowait()).toBe(2);
    expect(ch1.pullNowait()).toBe(1);
    expect(ch1.size).toBe(0);
  });

  // From Channel.receive_first: an unbuffered empty channel and a buffered one holding 1.
  it('receive_first: a pull select takes the buffered value', async () => {
    const ch = new Channel<number>(1);
    await ch.push(1);
    const r = await select([pull(new Channel<number>()), pull(ch)]);
    expect(r).toMatchObject({ index: 1, value: 1, ok: true });
  });

  // From "timeout: triggers timeout" and "(reverse order)".
  it('an after() case wins when nothing else arrives, in either order', async () => {
    vi.useFakeTimers();
    const ch = new Channel<string>();
    const r1 = track(select([pull(ch), pull(timeAfter(100))]));
    await vi.advanceTimersByTimeAsync(99);
    expect(r1.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(r1.value).toMatchObject({ index: 1, ok: true });
    const r2 = track(select([pull(timeAfter(100)), pull(ch)]));
    await vi.advanceTimersByTimeAsync(100);
    expect(r2.value).toMatchObject({ index: 0, ok: true });
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // From "timeout: triggers timeout (same fiber multiple times)".
  it('a timeout select in a loop times out every round and leaves no waiters', async () => {
    vi.useFakeTimers();
    const ch = new Channel<string>();
    const indices: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) indices.push((await select([pull(ch), pull(timeAfter(100))])).index);
    })();
    await vi.advanceTimersByTimeAsync(300);
    await loop;
    expect(indices).toEqual([1, 1, 1]);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  // From "timeout: allows receiving while waiting" and "(reverse order)".
  it('a value arriving before the timeout wins', async () => {
    vi.useFakeTimers();
    const ch = new Channel<string>();
    setTimeout(() => void ch.push('foo'), 10);
    const t = timeAfter(1000);
    const r = track(select([pull(t), pull(ch)]));
    await vi.advanceTimersByTimeAsync(10);
    expect(r.value).toMatchObject({ index: 1, value: 'foo', ok: true });
    t.close(); // README: close a lost timeAfter() so its timer goes
    expect(vi.getTimerCount()).toBe(0);
  });

  // From "timeout: allows receiving while waiting (same fiber multiple times)".
  it('three rounds of receive-or-timeout all receive', async () => {
    const ch = new Channel<string>();
    const producer = (async () => {
      for (let i = 0; i < 3; i++) await ch.push('foo');
    })();
    const ac = new AbortController(); // README: one shared signal clears the lost timers
    for (let i = 0; i < 3; i++) {
      const r = await select([pull(ch), pull(timeAfter(1000, { signal: ac.signal }))]);
      expect(r).toMatchObject({ index: 0, value: 'foo', ok: true });
    }
    ac.abort();
    await producer;
  });

  // From "timeout: negative amounts should not trigger timeout": a sender is ready, a negative
  // timeout must not win. chanasync: timeAfter(-1) fires "on the next timer turn, not synchronously"
  // (README), so a value ready now wins.
  it('timeAfter(-1) does not beat a value that is already ready', async () => {
    const ch = new Channel<string>();
    const p = ch.push('foo');
    const t = timeAfter(-1);
    const r = await select([pull(ch), pull(t)]);
    expect(r).toMatchObject({ index: 0, value: 'foo' });
    await p;
    t.close();
  });

  // From "timeout: send raise-on-close raises if channel was closed while waiting".
  it('a push case closed while a timeout case waits rejects ChannelClosedError', async () => {
    vi.useFakeTimers();
    const ch = new Channel<string>();
    const t = timeAfter(100);
    const r = track(select([push(ch, 'foo'), pull(t)]));
    await vi.advanceTimersByTimeAsync(0);
    ch.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state).toBe('rejected');
    expect(r.error).toBeInstanceOf(ChannelClosedError);
    expect(t.stats().waitingPullers).toBe(0);
    t.close();
  });

  // From "timeout: receive nil-on-close returns index of closed while waiting" (and the raise variant).
  it('a pull case closed while a timeout case waits fires with ok false at its index', async () => {
    vi.useFakeTimers();
    const ch = new Channel<string>();
    const t = timeAfter(100);
    const r = track(select([pull(ch), pull(t)]));
    await vi.advanceTimersByTimeAsync(0);
    ch.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.value).toMatchObject({ index: 0, ok: false });
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('crystal Channel.non_blocking_select (select with else) ported', () => {
  // From "unbuffered: works with select else": nothing ready → the else branch.
  it('returns undefined when no case is ready', () => {
    const ch = new Channel<number>();
    expect(selectNowait([pull(ch)])).toBeUndefined();
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // From "receive raise-on-close single-channel types": a parked sender makes it ready.
  it('takes the value of a parked pusher on an unbuffered channel', async () => {
    const ch = new Channel<string>();
    const p = ch.push('foo');
    expect(selectNowait([pull(ch)])).toMatchObject({ index: 0, value: 'foo', ok: true });
    await p;
  });

  // From "receive nil-on-close single-channel: returns nil if channel was closed".
  it('a closed channel is ready: ok false', () => {
    const ch = new Channel<string>();
    ch.close();
    expect(selectNowait([pull(ch)])).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  // From "mix of receive and receive?": closed channel among a quiet one (both orders).
  it('reports the closed channel’s index when the other is not ready', () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    b.close();
    expect(selectNowait([pull(a), pull(b)])).toMatchObject({ index: 1, ok: false });
    expect(selectNowait([pull(b), pull(a)])).toMatchObject({ index: 0, ok: false });
  });

  // From "send raise-on-close single-channel types" (non-blocking): a parked receiver.
  it('a push case succeeds exactly when a receiver waits on an unbuffered channel', async () => {
    const ch = new Channel<string>();
    expect(selectNowait([push(ch, 'x')])).toBeUndefined();
    const recv = ch.pull();
    expect(selectNowait([push(ch, 'foo')])).toMatchObject({ index: 0 });
    expect(await recv).toBe('foo');
  });

  // Non-blocking push case on a closed channel (SPEC: selectNowait throws it).
  it('a push case on a closed channel throws ChannelClosedError', () => {
    const ch = new Channel<string>();
    ch.close();
    expect(() => selectNowait([push(ch, 'foo')])).toThrow(ChannelClosedError);
  });

  // From "timeout: should not trigger timeout" and "negative amounts should not trigger
  // timeout": Crystal returns the `else` index; chanasync returns undefined — even for timeAfter(-1),
  // which only fires on the next timer turn (README).
  it('a timeout case never fires in a non-blocking select, not even timeAfter(-1)', () => {
    const ch = new Channel<string>();
    const t1 = timeAfter(100);
    const t2 = timeAfter(-1);
    expect(selectNowait([pull(ch), pull(t1)])).toBeUndefined();
    expect(selectNowait([pull(ch), pull(t2)])).toBeUndefined();
    t1.close();
    t2.close();
  });

  // From "returns correct index for array argument": three channels shuffled.
  it('the index is the position in the array given', async () => {
    const [c0, c1, c2] = [new Channel<string>(), new Channel<string>(), new Channel<string>()];
    const channels = [c0, c2, c1];
    const p = c0.push('foo');
    const cases = channels.map((c) => pull(c));
    expect(selectNowait(cases)).toMatchObject({ index: 0, value: 'foo' });
    await p;
    const p2 = c1.push('bar');
    expect(selectNowait(cases)).toMatchObject({ index: 2, value: 'bar' });
    await p2;
  });
});

describe('select beyond the Crystal specs: several ready cases, mixed cases, loops', () => {
  // Crystal's select chooses among ready actions; chanasync SPEC: "uniformly at random".
  it('with two ready pull cases both win sometimes, and exactly one value is consumed each time', () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    const b = new Channel<number>(Number.POSITIVE_INFINITY);
    const wins: [number, number] = [0, 0];
    for (let i = 0; i < 200; i++) {
      a.pushNowait(i);
      b.pushNowait(i);
      const r = selectNowait([pull(a), pull(b)]);
      if (r === undefined) throw new Error('not ready');
      wins[r.index] += 1;
      expect(a.size + b.size).toBe(i + 1);
    }
    expect(wins[0] + wins[1]).toBe(200);
    expect(wins[0]).toBeGreaterThan(40);
    expect(wins[1]).toBeGreaterThan(40);
  });

  // Mixed send and receive cases, both ready: one commits, the other leaves no trace.
  it('mixed push and pull cases, both ready: exactly one commits', async () => {
    for (let i = 0; i < 50; i++) {
      const inbox = new Channel<number>(1);
      const outbox = new Channel<number>(1);
      inbox.pushNowait(1);
      const r = await select([pull(inbox), push(outbox, 2)]);
      if (r.index === 0) {
        expect(r.value).toBe(1);
        expect(outbox.size).toBe(0);
      } else {
        expect(inbox.size).toBe(1);
        expect(outbox.pullNowait()).toBe(2);
      }
    }
  });

  // A select with a closed channel among ready cases: a ready push case and a closed pull case
  // are both ready; either may win — never both.
  it('a closed pull case among ready cases is one candidate among others', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const closed = new Channel<number>();
      closed.close();
      const room = new Channel<number>(1);
      const r = await select([pull(closed), push(room, 5)]);
      seen.add(r.index);
      if (r.index === 0) {
        expect(r.ok).toBe(false);
        expect(room.size).toBe(0);
      } else expect(room.size).toBe(1);
    }
    expect(seen).toEqual(new Set([0, 1]));
  });

  // A push case on a closed channel next to a ready pull case: SPEC makes the select reject
  // (deterministically), even though another case could proceed.
  it('a closed push case rejects even when a pull case is ready, consuming nothing', async () => {
    const closed = new Channel<number>();
    closed.close();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    await expect(select([pull(ready), push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => selectNowait([pull(ready), push(closed, 1)])).toThrow(ChannelClosedError);
    expect(ready.size).toBe(1);
  });

  // Select inside a loop (Crystal programs' `loop do select ... end`): merge two producers,
  // disabling a case (null) once its channel is closed — nothing lost, order per producer kept.
  it('select in a loop drains two producers with the null-case idiom', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(2);
    const pa = (async () => {
      for (let i = 0; i < 20; i++) await a.push(i);
      a.close();
    })();
    const pb = (async () => {
      for (let i = 100; i < 120; i++) await b.push(i);
      b.close();
    })();
    const gotA: number[] = [];
    const gotB: number[] = [];
    let ca: Channel<number> | null = a;
    let cb: Channel<number> | null = b;
    while (ca || cb) {
      const r = await select([ca && pull(ca), cb && pull(cb)]);
      if (!r.ok) {
        if (r.index === 0) ca = null;
        else cb = null;
        continue;
      }
      (r.index === 0 ? gotA : gotB).push(r.value as number);
    }
    await Promise.all([pa, pb]);
    expect(gotA).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(gotB).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
  });

  // Crystal spawns a sender and a receiver fiber each doing selects: two selects meet.
  it('a parked push select and a pull select meet', async () => {
    const ch = new Channel<string>();
    const other = new Channel<string>();
    const sender = select([push(ch, 'hi'), push(other, 'no')]);
    await turn();
    const r = await select([pull(other), pull(ch)]);
    // `other` has a parked push case from the sender too: either rendezvous is fine.
    const s = await sender;
    if (r.index === 1) {
      expect(r.value).toBe('hi');
      expect(s.index).toBe(0);
    } else {
      expect(r.value).toBe('no');
      expect(s.index).toBe(1);
    }
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(other.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  // SPEC: "A select must never match its own push case with its own pull case".
  it('a select never meets itself on one unbuffered channel', async () => {
    const ch = new Channel<number>();
    const r = track(select([push(ch, 1), pull(ch)]));
    await turns(2);
    expect(r.state).toBe('pending');
    expect(await ch.pull()).toBe(1);
    await turn();
    expect(r.value).toMatchObject({ index: 0 });
  });

  // Crystal "closing while receivers/senders wait" applied to a select waiting on a push to
  // one channel and a pull from another: closing the push case's channel rejects the select and
  // withdraws its pull on the other channel.
  it('closing the channel of a parked push case rejects the select and withdraws its other cases', async () => {
    const out = new Channel<number>();
    const inbox = new Channel<number>();
    const r = track(select([push(out, 1), pull(inbox)]));
    await turn();
    out.close();
    await turn();
    expect(r.error).toBeInstanceOf(ChannelClosedError);
    expect(inbox.stats().waitingPullers).toBe(0);
    expect(inbox.tryPush(5)).toBe(false);
  });

  // Crystal's non-blocking select inside a loop (`loop do select … else Fiber.yield end`):
  // polling with selectNowait until a producer delivers.
  it('selectNowait in a polling loop picks up values as producers deliver them', async () => {
    const ch = new Channel<number>(1);
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await turn();
        await ch.push(i);
      }
      ch.close();
    })();
    const got: number[] = [];
    for (let spins = 0; spins < 200; spins++) {
      const r = selectNowait([pull(ch)]);
      if (r === undefined) {
        await turn();
        continue;
      }
      if (!r.ok) break;
      got.push(r.value as number);
    }
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  // Select inside a long loop where one case never fires: the losing case must leave nothing
  // parked behind (SPEC "Cases that did not win leave no trace … no waiter left registered").
  it('1000 selects won by a busy channel leave no waiter on the idle one', async () => {
    const idle = new Channel<number>();
    const busy = new Channel<number>();
    const producer = (async () => {
      for (let i = 0; i < 1000; i++) await busy.push(i);
    })();
    let sum = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await select([pull(idle), pull(busy)]);
      expect(r.index).toBe(1);
      sum += r.value as number;
      expect(idle.stats().waitingPullers).toBe(0);
    }
    await producer;
    expect(sum).toBe((999 * 1000) / 2);
    expect(idle.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  // A closed channel that still holds values is ready with those values first (ok true), and
  // only then reports ok false (SPEC close: "Values already in the buffer stay readable").
  it('a closed channel with buffered values yields them to select before ok false', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close();
    const quiet = new Channel<number>();
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(await select([pull(quiet), pull(ch)]));
    expect(rs.map((r) => [r.index, r.ok, r.value])).toEqual([
      [1, true, 1],
      [1, true, 2],
      [1, false, undefined],
    ]);
  });

  // A select aborted by a signal while parked (Swift's cancellation applied to select).
  it('an aborted select leaves no waiter on any case', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const r = track(select([pull(a), push(b, 1)], { signal: ac.signal }));
    await turn();
    expect(a.stats().waitingPullers).toBe(1);
    expect(b.stats().waitingPushers).toBe(1);
    ac.abort('stop');
    await turn();
    expect(r.state).toBe('rejected');
    expect(r.error).toBe('stop');
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
    expect(() => b.pullNowait()).toThrow();
  });

  // A select with only null cases (Crystal: `select` with no actions would block forever).
  it('a select whose cases are all null rejects TypeError; selectNowait returns undefined', async () => {
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    expect(selectNowait([null])).toBeUndefined();
  });
});
