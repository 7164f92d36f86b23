/**
 * Audit BK-core: `new Channel(capacity, options)`, the getters and `stats()`, judged black-box
 * against SPEC "`Channel<T>`" and "Errors" and the README's Reference and "Semantic details".
 */
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { thrown } from '../helpers/track.js';

describe('constructor: capacity', () => {
  it('defaults to an unbuffered channel: capacity 0, size 0, full and empty at once', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.closed).toBe(false);
    expect(ch.name).toBeUndefined();
  });

  it('accepts 1, a large integer and Infinity', () => {
    expect(new Channel(1).capacity).toBe(1);
    expect(new Channel(2 ** 31).capacity).toBe(2 ** 31);
    expect(new Channel(Number.MAX_SAFE_INTEGER).capacity).toBe(Number.MAX_SAFE_INTEGER);
    const unbounded = new Channel<number>(Number.POSITIVE_INFINITY);
    expect(unbounded.capacity).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 5000; i++) unbounded.pushNowait(i);
    expect(unbounded.size).toBe(5000);
    expect(unbounded.full).toBe(false);
  });

  it('reads capacity -0 as 0 (unbuffered), as the README says', () => {
    const ch = new Channel(-0);
    expect(Object.is(ch.capacity, 0)).toBe(true);
    expect(ch.full).toBe(true);
  });

  it('capacity undefined is the default 0', () => {
    expect(new Channel(undefined).capacity).toBe(0);
  });

  it.each([
    ['-1', -1],
    ['NaN', Number.NaN],
    ['1.5', 1.5],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['Number.EPSILON', Number.EPSILON],
    ['-0.5', -0.5],
  ])('throws a RangeError naming the constructor for capacity %s', (_label, capacity) => {
    const error = thrown(() => new Channel(capacity));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^new Channel/);
    expect((error as Error).message).toMatch(/capacity/);
  });

  it.each([
    ['a numeric string', '1'],
    ['a bigint', 1n],
    ['null', null],
    ['a boolean', true],
    ['a symbol', Symbol('x')],
    ['a Number object', Object(1)],
  ])('throws a TypeError naming the constructor for capacity %s', (_label, capacity) => {
    const error = thrown(() => new Channel(capacity as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^new Channel/);
    expect((error as Error).message).toMatch(/capacity/);
  });

  it('never calls valueOf of an object capacity', () => {
    let called = 0;
    const capacity = {
      valueOf() {
        called++;
        return 1;
      },
    };
    expect(thrown(() => new Channel(capacity as never))).toBeInstanceOf(TypeError);
    expect(called).toBe(0);
  });
});

describe('constructor: options', () => {
  it('keeps the name and shows it in stats(), and an empty name stays an empty string', () => {
    const ch = new Channel<number>(2, { name: 'jobs' });
    expect(ch.name).toBe('jobs');
    expect(ch.stats()).toEqual({
      name: 'jobs',
      capacity: 2,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
    expect(new Channel(0, { name: '' }).name).toBe('');
  });

  it.each([
    ['a number', 1],
    ['null', null],
    ['an object', {}],
    ['a String object', Object('x')],
  ])('throws a TypeError for a name that is %s', (_label, name) => {
    const error = thrown(() => new Channel(0, { name: name as never }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^new Channel.*name/);
  });

  it.each([
    ['a string', 'x'],
    ['a number', 1],
    ['true', true],
  ])('throws a TypeError for options that are %s', (_label, options) => {
    const error = thrown(() => new Channel(0, options as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^new Channel.*options/);
  });

  it('null options read as no options: a channel with the defaults (typeof null is object; see FINDINGS ambiguity)', () => {
    const made = new Channel<number>(1, null as never);
    expect(made.stats()).toMatchObject({ capacity: 1, overflow: 'block', name: undefined });
  });

  it('throws a TypeError for an unknown overflow policy and a RangeError for a drop policy with capacity 0', () => {
    expect(thrown(() => new Channel(1, { overflow: 'drop' as never }))).toBeInstanceOf(TypeError);
    expect(thrown(() => new Channel(1, { overflow: 'BLOCK' as never }))).toBeInstanceOf(TypeError);
    expect(thrown(() => new Channel(0, { overflow: 'drop-oldest' }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new Channel(0, { overflow: 'drop-newest' }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new Channel(undefined, { overflow: 'drop-newest' }))).toBeInstanceOf(RangeError);
    expect(new Channel(0, { overflow: 'block' }).stats().overflow).toBe('block');
    expect(new Channel(Number.POSITIVE_INFINITY, { overflow: 'drop-oldest' }).stats().overflow).toBe('drop-oldest');
  });

  it('refuses an AbortSignal passed as the options (a channel takes no signal)', () => {
    const error = thrown(() => new Channel(1, new AbortController().signal as never));
    expect(error).toBeInstanceOf(TypeError);
  });
});

describe('getters and stats() stay consistent', () => {
  it('size, empty, full follow pushes and pulls on a buffered channel', () => {
    const ch = new Channel<number>(2);
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
    ch.pushNowait(1);
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
    ch.pushNowait(2);
    expect([ch.size, ch.empty, ch.full]).toEqual([2, false, true]);
    expect(ch.stats().size).toBe(2);
    ch.pullNowait();
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
  });

  it('stats() is a copy: mutating it changes nothing', () => {
    const ch = new Channel<number>(1, { name: 'a' });
    const stats = ch.stats() as { size: number; name: string | undefined };
    stats.size = 99;
    stats.name = 'b';
    expect(ch.size).toBe(0);
    expect(ch.stats().name).toBe('a');
    expect(ch.stats()).not.toBe(ch.stats());
  });

  it('the getters are read-only: assigning them does not change the channel', () => {
    const ch = new Channel<number>(1, { name: 'a' });
    try {
      (ch as unknown as { capacity: number }).capacity = 5;
    } catch {}
    try {
      (ch as unknown as { closed: boolean }).closed = true;
    } catch {}
    expect(ch.capacity).toBe(1);
    expect(ch.closed).toBe(false);
    ch.pushNowait(1);
  });

  it('stats() counts parked pushers and pullers, and they drop to 0 once served', async () => {
    const ch = new Channel<number>();
    const pulls = [ch.pull(), ch.pull()];
    expect(ch.stats()).toMatchObject({ waitingPullers: 2, waitingPushers: 0 });
    ch.pushNowait(1);
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(2);
    expect(ch.stats().waitingPullers).toBe(0);
    expect(await Promise.all(pulls)).toEqual([1, 2]);
    const pushes = [ch.push(3), ch.push(4)];
    expect(ch.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 2 });
    expect(ch.pullNowait()).toBe(3);
    expect(ch.pullNowait()).toBe(4);
    await Promise.all(pushes);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('JSON.stringify of a channel shows its stats, never its values', () => {
    const ch = new Channel<{ secret: string }>(2, { name: 'j' });
    ch.pushNowait({ secret: 'pw' });
    const json = JSON.stringify(ch);
    expect(json).not.toContain('pw');
    expect(JSON.parse(json)).toEqual(ch.stats());
  });
});

describe('errors', () => {
  it('every error class extends ChannelError, has name equal to its class, a channel and a message naming the channel and the call', () => {
    const ch = new Channel<number>(1, { name: 'jobs' });
    const empty = thrown(() => ch.pullNowait()) as ChannelEmptyError;
    expect(empty).toBeInstanceOf(ChannelEmptyError);
    expect(empty).toBeInstanceOf(ChannelError);
    expect(empty).toBeInstanceOf(Error);
    expect(empty.name).toBe('ChannelEmptyError');
    expect(empty.channel).toBe(ch);
    expect(empty.message).toBe('pullNowait: channel "jobs" is empty');
    ch.pushNowait(1);
    const full = thrown(() => ch.pushNowait(2)) as ChannelFullError;
    expect(full).toBeInstanceOf(ChannelFullError);
    expect(full.name).toBe('ChannelFullError');
    expect(full.message).toBe('pushNowait: channel "jobs" is full');
    ch.close();
    const closed = thrown(() => ch.pushNowait(3)) as ChannelClosedError;
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect(closed.name).toBe('ChannelClosedError');
    expect(closed.channel).toBe(ch);
    expect(closed.message).toBe('pushNowait: channel "jobs" is closed');
    expect('cause' in closed).toBe(false);
  });

  it('an unnamed channel is named "channel" in messages, as the README example shows', () => {
    const error = thrown(() => new Channel<number>(1).pullNowait()) as Error;
    expect(error.message).toBe('pullNowait: channel is empty');
  });

  it('a channel whose name is the empty string still reads unambiguously in messages', () => {
    const error = thrown(() => new Channel<number>(1, { name: '' }).pullNowait()) as Error;
    // Either the quoted empty name or the unnamed form; never a dangling `channel  is`.
    expect(error.message).not.toMatch(/channel {2}is/);
    expect(error.message).toMatch(/^pullNowait: channel (""\s)?is empty$/);
  });
});
