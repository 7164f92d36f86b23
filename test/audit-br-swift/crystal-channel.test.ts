// Audit BR-peers-f: behaviour checked by crystal-lang/crystal's spec/std/channel_spec.cr,
// `describe Channel`, `describe "unbuffered"` and `describe "buffered"`, ported onto chanasync.
// Crystal's send ≈ push, receive ≈ pull, receive? ≈ tryPull / a pull select case with ok,
// spawn ≈ an async function started without awaiting, Fiber.yield ≈ a macrotask turn.
import { Channel, ChannelClosedError, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { track, turn, turns } from './util.js';

/** Crystal's `receive?`: the value, or undefined once closed and drained (waits otherwise). */
async function receiveQ<T>(ch: Channel<T>): Promise<T | undefined> {
  const r = await select([pull(ch)]);
  return r.ok ? (r.value as T) : undefined;
}

describe('crystal describe Channel ported', () => {
  // "creates unbuffered with no arguments" / "creates buffered with capacity argument".
  it('creates unbuffered and buffered channels', () => {
    const u = new Channel<number>();
    expect([u.capacity, u.size, u.full, u.empty, u.closed]).toEqual([0, 0, true, true, false]);
    const b = new Channel<number>(32);
    expect([b.capacity, b.size, b.full, b.empty]).toEqual([32, 0, false, true]);
  });

  // "does not raise or change its status when it is closed more than once". Difference: Crystal's
  // close returns true then false; chanasync's returns void (SPEC: "idempotent").
  it('close twice: no error, still closed, the first reason counts', async () => {
    const ch = new Channel<number>();
    ch.close('first');
    expect(ch.closed).toBe(true);
    expect(() => ch.close('second')).not.toThrow();
    expect(ch.closed).toBe(true);
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as Error).cause).toBe('first');
  });
});

for (const capacity of [0, 10]) {
  const kind = capacity === 0 ? 'unbuffered' : 'buffered';
  describe(`crystal describe "${kind}" ported`, () => {
    // "pings": spawn { ch.send(ch.receive) }; ch.send 123; ch.receive == 123.
    it('pings', async () => {
      const ch = new Channel<number>(capacity);
      const echo = (async () => ch.push(await ch.pull()))();
      await ch.push(123);
      // On a buffered channel the main fiber could take its own value back; Crystal's fiber
      // runs first. Let the echo take it before pulling.
      await turn();
      expect(await ch.pull()).toBe(123);
      await echo;
    });

    // "works with select".
    it('works with select', async () => {
      const ch1 = new Channel<number>(capacity);
      const ch2 = new Channel<number>(capacity);
      const p = ch1.push(123);
      expect(await select([pull(ch1), pull(ch2)])).toMatchObject({ index: 0, value: 123 });
      await p;
    });

    // "can send and receive nil".
    it('can send and receive undefined', async () => {
      const ch = new Channel<undefined>(capacity);
      const p = ch.push(undefined);
      expect(await ch.pull()).toBeUndefined();
      await p;
    });

    // "can be closed".
    it('can be closed; receive then raises', async () => {
      const ch = new Channel<number>(capacity);
      expect(ch.closed).toBe(false);
      expect(ch.close()).toBeUndefined();
      expect(ch.closed).toBe(true);
      await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    });

    // "can be closed after sending".
    it('can be closed after sending: the value first, then ClosedError', async () => {
      const ch = new Channel<number>(capacity);
      const producer = (async () => {
        await ch.push(123);
        ch.close();
      })();
      expect(await ch.pull()).toBe(123);
      await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      await producer;
    });

    // "can be closed from different fiber": a parked receiver is woken with ClosedError.
    it('a parked receiver gets ClosedError when another closes the channel', async () => {
      const ch = new Channel<number>(capacity);
      const r = track(ch.pull());
      await turn();
      ch.close();
      await turn();
      expect(r.state).toBe('rejected');
      expect(r.error).toBeInstanceOf(ChannelClosedError);
    });

    // "cannot send if closed".
    it('cannot send if closed', async () => {
      const ch = new Channel<number>(capacity);
      ch.close();
      await expect(ch.push(123)).rejects.toBeInstanceOf(ChannelClosedError);
      expect(() => ch.pushNowait(1)).toThrow(ChannelClosedError);
      expect(ch.tryPush(1)).toBe(false);
    });

    // "can receive? when closed".
    it('receive? when closed gives nothing', async () => {
      const ch = new Channel<number>(capacity);
      ch.close();
      expect(await receiveQ(ch)).toBeUndefined();
      expect(ch.tryPull()).toBeUndefined();
    });

    // "can receive? when not empty".
    it('receive? when a value comes gives it', async () => {
      const ch = new Channel<number>(capacity);
      const p = ch.push(123);
      expect(await receiveQ(ch)).toBe(123);
      await p;
    });

    // "can send successfully without raise": the receiver took the value, THEN the channel
    // closed — the sender must not see an error (the value was committed at the take).
    it('a send that was received does not raise when the channel closes right after', async () => {
      const ch = new Channel<number>(capacity === 0 ? 0 : 1);
      const sender = track(
        (async () => {
          await ch.push(1);
          await ch.push(2);
        })(),
      );
      await turn();
      expect(await ch.pull()).toBe(1);
      expect(await ch.pull()).toBe(2);
      ch.close();
      await turns(2);
      expect(sender.state).toBe('fulfilled');
    });

    // "wakes up sender fiber when channel is closed" — a sender that waits (unbuffered, or a
    // full buffer) is woken with ClosedError and its value is not added (SPEC).
    it('wakes a parked sender with ClosedError when the channel is closed', async () => {
      const ch = new Channel<undefined>(capacity === 0 ? 0 : 1);
      if (capacity > 0) ch.pushNowait(undefined);
      const s = track(ch.push(undefined));
      await turn();
      expect(s.state).toBe('pending');
      ch.close();
      await turn();
      expect(s.error).toBeInstanceOf(ChannelClosedError);
      expect(ch.size).toBe(capacity === 0 ? 0 : 1);
    });

    // "wakes up receiver fibers when channel is closed": closed? is already true when the
    // receiver handles the error.
    it('a woken receiver sees closed === true', async () => {
      const ch = new Channel<undefined>(capacity);
      const seen = ch.pull().then(
        () => 'value',
        () => ch.closed,
      );
      await turn();
      ch.close();
      expect(await seen).toBe(true);
    });
  });
}

describe('crystal unbuffered-only and buffered-only specs ported', () => {
  // unbuffered "blocks if there is no receiver".
  it('unbuffered: the sender stays blocked until received, and resumes after', async () => {
    const ch = new Channel<number>();
    let state = 0;
    const sender = (async () => {
      state = 1;
      await ch.push(123);
      state = 2;
    })();
    await turns(2);
    expect(state).toBe(1);
    expect(await ch.pull()).toBe(123);
    await sender;
    expect(state).toBe(2);
  });

  // unbuffered "blocks if there is no receiver", its middle step: right after the receive the
  // sender has not run yet (Crystal: state still 1), it resumes on its next turn.
  it('unbuffered: pullNowait takes the value synchronously; the sender resumes afterwards', async () => {
    const ch = new Channel<number>();
    let state = 0;
    const sender = (async () => {
      state = 1;
      await ch.push(123);
      state = 2;
    })();
    expect(ch.pullNowait()).toBe(123);
    expect(state).toBe(1);
    await sender;
    expect(state).toBe(2);
  });

  // buffered, closing while senders wait: a parked sender whose value moved into the buffer
  // (a pull freed room) is committed — a close right after keeps its value readable and its
  // push resolved (SPEC "When a pull frees a slot … the oldest parked push's value moves into
  // the buffer at once" — README Ordering).
  it('buffered: a parked send moved into the buffer by a pull survives a close right after', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const s2 = track(ch.push(2));
    const s3 = track(ch.push(3));
    await turn();
    expect(ch.pullNowait()).toBe(1);
    ch.close();
    await turn();
    expect(s2.state).toBe('fulfilled');
    expect(s3.error).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe(2);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // A sender already cancelled before it sends (Swift: a send in a cancelled Task) never
  // reaches a waiting receiver (SPEC: the aborted check "comes first").
  it('a push with an already aborted signal never meets the waiting receiver', async () => {
    const ch = new Channel<number>();
    const r = track(ch.pull());
    await turn();
    await expect(ch.push(1, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    await turn();
    expect(r.state).toBe('pending');
    ch.pushNowait(2);
    await turn();
    expect(r.value).toBe(2);
  });

  // unbuffered "deliver many senders": three senders of two values each.
  it('unbuffered: many senders deliver every value, each sender in order', async () => {
    const ch = new Channel<number>();
    const senders = [
      [1, 4],
      [2, 5],
      [3, 6],
    ].map(async (vs) => {
      for (const v of vs) await ch.push(v);
    });
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push(await ch.pull());
    await Promise.all(senders);
    expect([...got].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got.indexOf(1)).toBeLessThan(got.indexOf(4));
    expect(got.indexOf(2)).toBeLessThan(got.indexOf(5));
    expect(got.indexOf(3)).toBeLessThan(got.indexOf(6));
  });

  // buffered "blocks when full": capacity 2, a sender of 5 values finishes after the 3rd receive.
  it('buffered: a sender of 5 into capacity 2 finishes right after the third receive', async () => {
    const ch = new Channel<number>(2);
    let done = false;
    const f = (async () => {
      for (let i = 0; i < 5; i++) await ch.push(i);
      done = true;
    })();
    await turn();
    expect(await ch.pull()).toBe(0);
    await turn();
    expect(done).toBe(false);
    expect(await ch.pull()).toBe(1);
    await turn();
    expect(done).toBe(false);
    expect(await ch.pull()).toBe(2);
    await f;
    expect(done).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([3, 4]);
  });

  // buffered "doesn't block when not full" and "gets ready with data".
  it('buffered: a push with room resolves without a receiver; the value is there', async () => {
    const ch = new Channel<number>(10);
    let done = false;
    await (async () => {
      await ch.push(123);
      done = true;
    })();
    expect(done).toBe(true);
    expect(ch.size).toBe(1);
    expect(await ch.pull()).toBe(123);
  });

  // buffered "can be closed after sending" (the newer spec's form: send, close, receive).
  it('buffered: send, close, receive gives the value, then ClosedError', async () => {
    const ch = new Channel<number>(10);
    await ch.push(123);
    ch.close();
    expect(await ch.pull()).toBe(123);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // buffered: closing while senders wait on a full buffer and receivers drain afterwards
  // (Crystal "closing while senders/receivers wait"): buffered values stay, parked sends fail.
  it('buffered: close with a full buffer and parked senders keeps the buffer, fails the senders', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const s3 = track(ch.push(3));
    const s4 = track(ch.push(4));
    await turn();
    ch.close();
    await turn();
    expect(s3.error).toBeInstanceOf(ChannelClosedError);
    expect(s4.error).toBeInstanceOf(ChannelClosedError);
    const rest: number[] = [];
    for await (const v of ch) rest.push(v);
    expect(rest).toEqual([1, 2]);
  });

  // Crystal's ClosedError message names the channel op; chanasync SPEC: "a message that names
  // the channel (its name, if any) and the operation, and a channel property".
  it('ChannelClosedError names the channel and the operation and carries the channel', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    ch.close();
    const e = (await ch.pull().catch((x: unknown) => x)) as ChannelClosedError;
    expect(e.name).toBe('ChannelClosedError');
    expect(e.message).toContain('jobs');
    expect(e.message).toMatch(/pull/);
    expect(e.channel).toBe(ch);
    const e2 = (await ch.push(1).catch((x: unknown) => x)) as ChannelClosedError;
    expect(e2.message).toMatch(/push/);
  });
});
