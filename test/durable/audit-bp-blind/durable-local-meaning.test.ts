/**
 * Blind specification pass (audit BP) over SPEC.md "Durable channels on Cloudflare": the
 * operations with the local channel's meaning — FIFO, close, capacity, tryPush/tryPull,
 * pullMany, stats, async iteration, values that cannot be stored. Written from SPEC.md and
 * the README only.
 */
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { channel, outcome, sleep, uniqueName } from './helpers.js';

describe('push and pull', () => {
  it('keeps FIFO order per channel', async () => {
    const ch = channel<number>(uniqueName('fifo'));
    for (let i = 0; i < 15; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 15; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('keeps FIFO order for pushes and pulls made together without awaiting', async () => {
    const ch = channel<number>(uniqueName('together'));
    await Promise.all([1, 2, 3, 4, 5].map((v) => ch.push(v)));
    expect(await Promise.all([ch.pull(), ch.pull(), ch.pull(), ch.pull(), ch.pull()])).toEqual([1, 2, 3, 4, 5]);
  });

  it('pullWithId returns the value with the push id as delivery id, attempt 1', async () => {
    const ch = channel<string>(uniqueName('ids'));
    await ch.push('a', { id: 'job-a' });
    await ch.push('b');
    const first = await ch.pullWithId();
    expect(first).toEqual({ value: 'a', id: 'job-a', attempt: 1 });
    const second = await ch.pullWithId();
    expect(second.value).toBe('b');
    expect(typeof second.id).toBe('string');
    expect(second.id.length).toBeGreaterThan(0);
  });

  it('a pull waits for a push', async () => {
    const ch = channel<string>(uniqueName('wait'));
    const pulling = ch.pull();
    await sleep(200);
    await channel<string>(ch.name).push('late');
    expect(await pulling).toBe('late');
  });

  it('structured-cloneable values round-trip', async () => {
    const ch = channel<unknown>(uniqueName('clone'));
    const value = {
      date: new Date(5),
      map: new Map([[1, 'x']]),
      bytes: new Uint8Array([1, 2]),
      nested: [null, undefined, 1n],
    };
    await ch.push(value);
    expect(await ch.pull()).toEqual(value);
  });
});

describe('close', () => {
  it('keeps buffered values readable, then pulls reject with ChannelClosedError carrying the reason', async () => {
    const ch = channel<number>(uniqueName('close'));
    await ch.push(1);
    await ch.push(2);
    await ch.close(new Error('shut'));
    await ch.close(); // idempotent
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    const error = await outcome(ch.pull());
    expect(error.ok).toBe(false);
    const reason = (error as { error: ChannelClosedError }).error;
    expect(reason).toBeInstanceOf(ChannelClosedError);
    expect((reason.cause as Error).message).toBe('shut');
    await expect(ch.push(3)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.tryPush(3)).toBe(false);
    expect((await ch.stats()).closed).toBe(true);
  });

  it('fails a waiting pull and a waiting push', async () => {
    const empty = channel<number>(uniqueName('close-pull'), { sliceMs: 300 });
    const pulling = outcome(empty.pull());
    const full = channel<number>(uniqueName('close-push'), { capacity: 1, sliceMs: 300 });
    await full.push(1);
    const pushing = outcome(full.push(2));
    await sleep(500);
    await empty.close();
    await full.close();
    const pulled = await pulling;
    const pushed = await pushing;
    expect(pulled.ok).toBe(false);
    expect((pulled as { error: unknown }).error).toBeInstanceOf(ChannelClosedError);
    expect(pushed.ok).toBe(false);
    expect((pushed as { error: unknown }).error).toBeInstanceOf(ChannelClosedError);
    expect(await full.pull()).toBe(1);
    await expect(full.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('for await ends normally after close(), and throws the reason after close(reason)', async () => {
    const plain = channel<number>(uniqueName('iter-plain'));
    await plain.push(1);
    await plain.close();
    const got: number[] = [];
    for await (const v of plain) got.push(v);
    expect(got).toEqual([1]);

    const reasoned = channel<number>(uniqueName('iter-reason'));
    await reasoned.push(1);
    await reasoned.close({ why: 'done' });
    const seen: number[] = [];
    let thrown: unknown;
    try {
      for await (const v of reasoned) seen.push(v);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual([1]);
    expect(thrown).toEqual({ why: 'done' });
  });

  it('leaving a for await early consumes nothing more', async () => {
    const ch = channel<number>(uniqueName('iter-break'));
    for (const v of [1, 2, 3, 4]) await ch.push(v);
    for await (const v of ch) {
      if (v === 2) break;
    }
    expect(await ch.pull()).toBe(3);
    expect((await ch.stats()).size).toBe(1);
  });
});

describe('capacity', () => {
  it('is fixed by the first call; a client asking for another value gets a RangeError', async () => {
    const name = uniqueName('capacity');
    const first = channel<number>(name, { capacity: 2 });
    await first.push(1);
    const other = channel<number>(name, { capacity: 5 });
    await expect(other.push(2)).rejects.toBeInstanceOf(RangeError);
    await expect(other.pull()).rejects.toBeInstanceOf(RangeError);
    await expect(other.stats()).rejects.toBeInstanceOf(RangeError);
    // A client that gives none accepts the channel's.
    const any = channel<number>(name);
    expect((await any.stats()).capacity).toBe(2);
    expect(await any.tryPush(2)).toBe(true);
    expect(await any.tryPush(3)).toBe(false); // full at 2
    expect(await first.pull()).toBe(1);
  });

  it('a full channel makes push wait until a pull makes room', async () => {
    const ch = channel<number>(uniqueName('full'), { capacity: 1, sliceMs: 300 });
    await ch.push(1);
    let stored = false;
    const pushing = ch.push(2).then(() => {
      stored = true;
    });
    await sleep(600);
    expect(stored).toBe(false);
    expect((await ch.stats()).waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(1);
    await pushing;
    expect(await ch.pull()).toBe(2);
  });

  it('capacity 0 and other bad capacities are refused with a RangeError', () => {
    expect(() => channel(uniqueName('zero'), { capacity: 0 })).toThrow(RangeError);
    expect(() => channel(uniqueName('neg'), { capacity: -1 })).toThrow(RangeError);
    expect(() => channel(uniqueName('frac'), { capacity: 1.5 })).toThrow(RangeError);
  });
});

describe('non-waiting and batch operations', () => {
  it('tryPush and tryPull never wait', async () => {
    const ch = channel<number>(uniqueName('try'), { capacity: 2 });
    expect(await ch.tryPull()).toBeUndefined();
    expect(await ch.tryPush(1)).toBe(true);
    expect(await ch.tryPush(2)).toBe(true);
    expect(await ch.tryPush(3)).toBe(false);
    expect(await ch.tryPull()).toBe(1);
    expect(await ch.tryPull()).toBe(2);
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
    expect(await ch.tryPush(4)).toBe(false);
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('pullMany takes up to max in FIFO order, waiting for the first', async () => {
    const ch = channel<number>(uniqueName('many'));
    const waiting = ch.pullMany(10);
    await sleep(200);
    await ch.push(1);
    expect(await waiting).toEqual([1]);
    for (const v of [2, 3, 4, 5, 6]) await ch.push(v);
    expect(await ch.pullMany(3)).toEqual([2, 3, 4]);
    expect(await ch.pullMany(10)).toEqual([5, 6]);
    await ch.close();
    await expect(ch.pullMany(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('pullMany refuses a max that is not a positive integer', async () => {
    const ch = channel<number>(uniqueName('many-bad'));
    await expect(ch.pullMany(0)).rejects.toBeInstanceOf(RangeError);
    await expect(ch.pullMany(1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(ch.pullMany(-1)).rejects.toBeInstanceOf(RangeError);
  });

  it('stats reports name, capacity, size, leased, closed and waiters', async () => {
    const name = uniqueName('stats');
    const ch = channel<number>(name, { capacity: 3 });
    await ch.push(1);
    await ch.push(2);
    expect(await ch.stats()).toEqual({
      name,
      capacity: 3,
      size: 2,
      leased: 0,
      closed: false,
      waitingPushers: 0,
      waitingPullers: 0,
    });
    const empty = channel<number>(uniqueName('stats-empty'), { sliceMs: 300 });
    const pulling = empty.pull();
    await sleep(700); // across a slice
    expect((await empty.stats()).waitingPullers).toBe(1);
    await empty.push(9);
    expect(await pulling).toBe(9);
    expect((await empty.stats()).waitingPullers).toBe(0);
  });
});

describe('signals', () => {
  it('an aborted signal is checked first: push rejects with its reason and stores nothing, even when closed', async () => {
    const ch = channel<number>(uniqueName('abort-first'));
    const reason = new Error('gave up');
    await expect(ch.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect((await ch.stats()).size).toBe(0);
    await ch.close();
    await expect(ch.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(ch.pull({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('a waiting pull aborted takes nothing', async () => {
    const ch = channel<number>(uniqueName('abort-pull'), { sliceMs: 300 });
    const controller = new AbortController();
    const pulling = outcome(ch.pull({ signal: controller.signal }));
    await sleep(400);
    controller.abort(new Error('timeout'));
    const result = await pulling;
    expect(result.ok).toBe(false);
    await ch.push(1);
    expect(await ch.pull()).toBe(1);
  });
});

describe('values that cannot be stored', () => {
  it('a function is refused with a TypeError and nothing is stored', async () => {
    const ch = channel<unknown>(uniqueName('fn'));
    await expect(ch.push(() => 1)).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push({ nested: { fn() {} } })).rejects.toBeInstanceOf(TypeError);
    await expect(ch.tryPush({ nested: () => 1 })).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(Symbol('s'))).rejects.toBeInstanceOf(TypeError);
    expect((await ch.stats()).size).toBe(0);
    await ch.push('fine');
    expect(await ch.pull()).toBe('fine');
  });

  it('the TypeError says what is wrong', async () => {
    const ch = channel<unknown>(uniqueName('fn-msg'));
    const error = (await outcome(ch.push({ nested: () => 1 }))) as { ok: false; error: Error };
    expect(error.error.message).toMatch(/clon|stor/i);
  });
});
