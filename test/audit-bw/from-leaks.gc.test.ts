/**
 * Audit BW (debug mode): the README said a dropped `from()` channel never reports a leak. That
 * holds with nothing waiting on it; dropped while a pull waits on it, the pull is reported, and
 * over a channel source so is the relay's read it asked for, as a pull on the source — which is
 * the user's channel too, and whose next value that read would take. The README now says so;
 * these tests hold the behaviour it describes.
 */
import { Channel, from } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc as () => void;
const leaked = () => snapshot().leaked ?? [];

/** Collects in separate tasks until `done`, or `rounds` times. */
async function collect(done: () => boolean, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
});
afterEach(() => {
  disableDebug();
  warn.mockRestore();
});

describe('a dropped from() channel', () => {
  test('with a pull waiting on it, over a channel source: the pull and the relay’s read on the source', async () => {
    (() => {
      const source = new Channel<number>(0, { name: 'source' });
      void from(source, { name: 'relay' })
        .pull()
        .catch(() => {});
    })();
    await collect(() => leaked().length >= 2);
    await collect(() => false, 4);
    const leaks = leaked().map((leak) => [leak.channel.name, leak.kind]);
    expect(leaks.sort()).toEqual([
      ['relay', 'pull'],
      ['source', 'pull'],
    ]);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  test('with nothing waiting on it: nothing is reported', async () => {
    (() => {
      const source = new Channel<number>(0, { name: 'source' });
      void from(source, { name: 'relay' });
      void from([1, 2, 3], { name: 'array' });
    })();
    await collect(() => false, 12);
    expect(leaked()).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});
