// Audit BR-peers-a: a user switching from @repeaterjs/repeater or it-pushable usually migrates
// one piece at a time, so the two libraries meet chanasync at the async-iterator boundary.
// These tests use the installed peer packages (node_modules) as sources and as consumers of
// chanasync channels, following the peer tests named in each comment. No peer code is copied.
import { Repeater } from '@repeaterjs/repeater';
import { Channel, from } from 'chanasync';
import { pushable } from 'it-pushable';
import { describe, expect, it } from 'vitest';

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('peer libraries as sources of from()', () => {
  // Repeater peer: "return method" (Repeater runs the code after `await stop` when returned).
  // chanasync: closing a from() channel calls return() on the source (from.d.ts), so the
  // Repeater's cleanup runs.
  it('closing a from(repeater) channel stops the Repeater', async () => {
    let stopped = 0;
    const r = new Repeater<number>(async (push, stop) => {
      await push(1);
      await push(2);
      await push(3);
      await stop;
      stopped++;
    });
    const ch = from(r);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    ch.close();
    await flush();
    expect(stopped).toBe(1);
  });

  // Repeater peer: "push and stop with error" — a Repeater stopped with an error makes the
  // from() channel close with that error after its values (from.d.ts: source throws → close(error)).
  it('a Repeater stopped with an error closes the from() channel with it', async () => {
    const error = new Error('stopped');
    const r = new Repeater<number>((push, stop) => {
      push(1);
      push(2);
      stop(error);
    });
    const ch = from(r, { capacity: 4 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) seen.push(v);
      })(),
    ).rejects.toBe(error);
    expect(seen).toEqual([1, 2]);
  });

  // it-pushable peer: "should call onEnd by calling return" — closing the from() channel calls
  // return() on the pushable, which calls its onEnd.
  it('closing a from(pushable) channel ends the pushable (onEnd runs once)', async () => {
    let ended = 0;
    const p = pushable<number>({ objectMode: true, onEnd: () => ended++ });
    p.push(1);
    p.push(2);
    const ch = from(p);
    expect(await ch.pull()).toBe(1);
    ch.close();
    await flush();
    expect(ended).toBe(1);
  });

  // it-pushable peer: "should end with error immediately" — it-pushable itself drops the values
  // still buffered when end(err) comes (its own for await throws at once, checked here through
  // from()); a chanasync channel closed with an error keeps them (SPEC Closing: "Values already
  // in the buffer stay readable"; see it-pushable.test.ts).
  it('a pushable ended with an error: from() relays the error as the pushable gives it', async () => {
    const p = pushable<number>({ objectMode: true });
    p.push(1);
    p.push(2);
    p.end(new Error('boom'));
    const ch = from(p);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) seen.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([]);
  });
});

describe('chanasync channels consumed by peer combinators', () => {
  // Repeater peer: Repeater.merge "return methods called on all iterators when parent return
  // called" — Repeater.merge over channels calls return() on their iterators; chanasync then
  // withdraws the parked next() calls (README Iteration), so later values stay in the channels.
  it('Repeater.merge over channels: after return(), later values stay in the channels', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const merged = Repeater.merge([a, b]);
    const n = merged.next();
    a.pushNowait(1);
    expect(await n).toEqual({ value: 1, done: false });
    await merged.return();
    await flush();
    a.pushNowait(8);
    b.pushNowait(9);
    expect([a.size, b.size]).toEqual([1, 1]);
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });

  // Repeater peer: Repeater.race "return methods called on all iterators when parent return
  // called" — the losing channel's parked next() is withdrawn, not left to swallow a value.
  it('Repeater.race over channels: the loser keeps its later values', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const raced = Repeater.race([a, b]);
    const n = raced.next();
    b.pushNowait(5);
    expect(await n).toEqual({ value: 5, done: false });
    await raced.return();
    await flush();
    a.pushNowait(1);
    expect(a.pullNowait()).toBe(1);
    expect(a.stats().waitingPullers).toBe(0);
  });

  // Repeater peer: "async push and stop" with a channel as the executor's input: a Repeater
  // re-emitting a closed channel's values gets them all, then stops.
  it('a Repeater relaying a channel emits every value, then ends', async () => {
    const a = new Channel<number>(4);
    const r = new Repeater<number>(async (push, stop) => {
      for await (const v of a) await push(v);
      stop();
    });
    a.pushNowait(1);
    a.pushNowait(2);
    a.close();
    const out: number[] = [];
    for await (const v of r) out.push(v);
    expect(out).toEqual([1, 2]);
  });
});
