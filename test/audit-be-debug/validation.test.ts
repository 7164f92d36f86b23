// Bad options to enableDebug: a clear error at the call, and nothing installed (README "A failed
// enableDebug changes nothing": every option is checked first; TypeError, or RangeError for a
// bad intervalMs, naming enableDebug).
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, find, HELLO, say, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
});

const bad: [string, unknown, typeof TypeError | typeof RangeError | 'either'][] = [
  ['options is a number', 5, TypeError],
  ['options is a string', 'on', TypeError],
  ['target without postMessage', { target: {} }, TypeError],
  ['target is a number', { target: 42 }, TypeError],
  ['target.postMessage is not a function', { target: { postMessage: 'nope' } }, TypeError],
  ['listen is not an EventTarget', { listen: {} }, TypeError],
  ['listen is a string', { listen: 'window' }, TypeError],
  ['intervalMs negative', { intervalMs: -1 }, RangeError],
  ['intervalMs NaN', { intervalMs: Number.NaN }, RangeError],
  ['intervalMs a string', { intervalMs: '250' }, 'either'],
  ['intervalMs zero (no throttle at all)', { intervalMs: 0 }, RangeError],
  ['intervalMs Infinity (never posts again)', { intervalMs: Number.POSITIVE_INFINITY }, RangeError],
  ['options is null', null, TypeError],
  ['stacks a string', { stacks: 'yes' }, TypeError],
  ['stacks a number', { stacks: 1 }, TypeError],
  ['warnLeaks a string', { warnLeaks: 'no' }, TypeError],
];

describe('bad options to enableDebug', () => {
  for (const [what, options, errorClass] of bad) {
    it(`throws a clear error naming enableDebug at the call when ${what}`, () => {
      let error: unknown;
      try {
        enableDebug(options as any);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      if (errorClass === 'either') expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
      else expect(error).toBeInstanceOf(errorClass);
      expect((error as Error).message).toContain('enableDebug');
    });

    it(`leaves nothing installed when ${what} (no tracking, no announce, no listener)`, async () => {
      const target = fakeTarget();
      const listen = new EventTarget();
      const merged =
        typeof options === 'object' && options !== null ? { target, listen, intervalMs: 10, ...options } : options;
      expect(() => enableDebug(merged as any)).toThrow();
      const ch = new Channel<number>(0, { name: 'after-bad-call' });
      expect(snapshot().channels).toEqual([]);
      expect(target.calls).toEqual([]); // not even the announce
      say(listen, HELLO);
      await sleep(40);
      expect(target.calls).toEqual([]);
      void ch;
    });
  }

  it('a failed call leaves a running session untouched (still tracking, still posting to its target)', async () => {
    const target = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 10 });
    const before = new Channel<number>(0, { name: 'kept' });
    expect(() => enableDebug({ target: fakeTarget(), intervalMs: -5 })).toThrow(RangeError);
    const after = new Channel<number>(0, { name: 'still-tracked' });
    const snap = snapshot();
    expect(find(snap, 'kept')).toBeDefined();
    expect(find(snap, 'still-tracked')).toBeDefined();
    say(listen, HELLO);
    await sleep(40);
    expect(target.snapshots.length).toBeGreaterThan(0);
    void before;
    void after;
  });

  it('a target whose postMessage throws on the announce makes enableDebug throw it, leaving debug mode off', () => {
    const boom = new Error('announce failed');
    expect(() =>
      enableDebug({
        target: {
          postMessage() {
            throw boom;
          },
        },
      }),
    ).toThrow(boom);
    new Channel<number>(0, { name: 'not-tracked' });
    expect(snapshot().channels).toEqual([]);
  });

  it('accepts valid edge values: a small or large intervalMs, stacks false, an EventTarget listen', () => {
    expect(() => enableDebug({ target: fakeTarget(), intervalMs: 1 })).not.toThrow();
    expect(() => enableDebug({ target: fakeTarget(), intervalMs: 60_000 })).not.toThrow();
    expect(() => enableDebug({ target: fakeTarget(), stacks: false, listen: new EventTarget() })).not.toThrow();
  });

  it('ignores unknown option names (README decision)', () => {
    expect(() => enableDebug({ target: fakeTarget(), somethingElse: true } as any)).not.toThrow();
    new Channel<number>(0, { name: 'ok' });
    expect(find(snapshot(), 'ok')).toBeDefined();
  });
});
