/**
 * A channel made by another function (`broadcast.subscribe`, `from`, `fromEvent`) names that
 * call in the errors of its capacity and overflow checks: the `Channel` constructor builds the
 * message with that call's name (an internal option), rather than the caller rewriting the
 * message afterwards. The message and, in V8, the stack's first line name it.
 */
import { broadcast, Channel, from, fromEvent } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers/track.js';

describe('errors of a channel made by another call name that call, in the message and the stack', () => {
  const cases: [string, string, () => unknown, typeof TypeError | typeof RangeError][] = [
    [
      'broadcast.subscribe, a negative capacity',
      'broadcast.subscribe(options): capacity must be 0, a positive integer or Infinity',
      () => broadcast(new Channel<number>()).subscribe({ capacity: -1 }),
      RangeError,
    ],
    [
      'broadcast.subscribe, an unknown overflow',
      'broadcast.subscribe(options): overflow must be "block", "drop-oldest" or "drop-newest"',
      () => broadcast(new Channel<number>()).subscribe({ overflow: 'sideways' as never }),
      TypeError,
    ],
    [
      'from, a fractional capacity',
      'from(source, options): capacity must be 0, a positive integer or Infinity',
      () => from([1], { capacity: 1.5 }),
      RangeError,
    ],
    [
      'fromEvent, a drop policy without a buffer',
      'fromEvent(target, type, options): overflow drop-oldest needs capacity ≥ 1',
      () => fromEvent(new EventTarget(), 'x', { capacity: 0, overflow: 'drop-oldest' }),
      RangeError,
    ],
    [
      'new Channel itself',
      'new Channel(capacity, options): capacity must be 0, a positive integer or Infinity',
      () => new Channel(-1),
      RangeError,
    ],
  ];
  for (const [what, start, make, type] of cases) {
    it(what, () => {
      const error = thrown(make) as Error;
      expect(error).toBeInstanceOf(type);
      expect(error.message.startsWith(start)).toBe(true);
      expect(String(error.stack).split('\n')[0]).toBe(`${type.name}: ${error.message}`);
    });
  }

  it('a subscribe that throws subscribes nothing: the broadcast goes on for the others', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const kept = hub.subscribe({ capacity: 4 });
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    source.pushNowait(1);
    expect(await kept.pull()).toBe(1);
  });
});
