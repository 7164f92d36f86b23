/**
 * Audit Q: a `new Channel` options bag whose getters are user code — read once each, so a getter
 * that answers differently (or throws) on a second read cannot make debug mode disagree with the
 * channel, or make `new Channel` throw after its options passed.
 */
import { afterEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { Channel } from '../../src/index.js';

afterEach(() => disableDebug());

/** Options whose `key` getter answers `first`, then calls `later` on every read after. */
function shifty(key: string, first: unknown, later: () => unknown): Record<string, unknown> {
  let reads = 0;
  return Object.defineProperty({}, key, { get: () => (reads++ === 0 ? first : later()), enumerable: true });
}

test('debug mode lists a channel as input exactly when the channel is one, whatever a second read of `input` says', () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const plain = new Channel<number>(0, shifty('input', false, () => true) as { input: boolean });
  const declared = new Channel<number>(0, shifty('input', true, () => false) as { input: boolean });
  void plain.pull().catch(() => {});
  void declared.pull().catch(() => {});
  const byId = [...snapshot().channels].sort((a, b) => a.id - b.id);
  expect(byId.map((c) => c.input === true)).toEqual([false, true]);
  plain.close();
  declared.close();
});

test('with debug mode on, an `input` getter that throws on a second read does not make `new Channel` throw', () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const options = shifty('input', false, () => {
    throw new Error('read twice');
  }) as { input: boolean };
  const channel = new Channel<number>(1, options);
  expect(channel.tryPush(1)).toBe(true);
  expect(snapshot().channels).toHaveLength(1);
});

test('name, overflow and input getters are each read once by the constructor', () => {
  const reads: string[] = [];
  const options = {
    get name() {
      reads.push('name');
      return 'n';
    },
    get overflow() {
      reads.push('overflow');
      return 'drop-oldest' as const;
    },
    get input() {
      reads.push('input');
      return false;
    },
  };
  const channel = new Channel<number>(1, options);
  expect(reads.sort()).toEqual(['input', 'name', 'overflow']);
  expect(channel.stats()).toMatchObject({ name: 'n', overflow: 'drop-oldest' });
});
