/**
 * Behaviours of debug mode (src/debug/) that no other test pinned down, found by mutation
 * testing (each test here failed on at least one mutant of src/debug/ that every other debug
 * test let pass). One behaviour per test; imports from src/.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug } from '../src/debug/index.js';
import { Channel } from '../src/index.js';
import { LIMITS } from '../src/protocol.js';
import { fakeInspector } from './helpers/fake-inspector.js';

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('the throttle', () => {
  test('an intervalMs just above the timer limit (2³¹ ms) still waits the whole interval between snapshots', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 2 ** 31 });
    const channel = new Channel<number>(10);
    inspector.say('hello');
    expect(inspector.snapshots()).toHaveLength(1);
    channel.pushNowait(1);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(inspector.snapshots()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots()[1]?.channels[0]?.size).toBe(1);
  });

  test('a change only in what was left out (one more idle channel past the limit) is posted', () => {
    vi.useFakeTimers();
    const inspector = fakeInspector();
    enableDebug({ target: inspector.target, listen: inspector.listen, intervalMs: 100 });
    const channels = Array.from({ length: LIMITS.channels + 1 }, () => new Channel<number>(1));
    inspector.say('hello');
    expect(inspector.snapshots().at(-1)?.truncated).toEqual({ channels: 1, waiters: 0 });
    channels.push(new Channel<number>(1));
    vi.advanceTimersByTime(100);
    expect(inspector.snapshots()).toHaveLength(2);
    expect(inspector.snapshots().at(-1)?.truncated).toEqual({ channels: 2, waiters: 0 });
    expect(channels).toHaveLength(LIMITS.channels + 2);
  });
});
