// Does enabling debug mode change what a program does? A wait bounded by a timeout signal, on a
// channel that only the waiting function references: with debug mode off the timeout fires and
// the function's `finally` runs; with debug mode on, the channel is collected first, the wait is
// reported as leaked and the timeout never reaches it (README "A signal is no way out").
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, type LeakSnapshot, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { useQuietDebug } from '../helpers/quiet-debug.js';
import { fakeTarget, sleep } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc!;

const _warn = useQuietDebug(disableDebug);

/** A request/reply with a timeout, as in the README's "classic leak" but bounded by a signal. */
function waitForReply(timeoutMs: number) {
  const state = { outcome: 'pending' as string, finallyRan: false };
  void (async () => {
    const reply = new Channel<string>(0, { name: 'reply-with-timeout' });
    try {
      await reply.pull({ signal: AbortSignal.timeout(timeoutMs) });
      state.outcome = 'value';
    } catch (error) {
      state.outcome = (error as Error).name;
    } finally {
      state.finallyRan = true;
    }
  })();
  return state;
}

/** Collects garbage every 10 ms for `ms` (an app whose collector runs while it waits). */
async function busyCollector(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(10);
    gc();
  }
}

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

describe('a timeout signal on a wait is a way out', () => {
  it('(control) with debug mode off the timeout fires and the finally block runs, even under collections', async () => {
    const state = waitForReply(100);
    await busyCollector(400);
    expect(state).toEqual({ outcome: 'TimeoutError', finallyRan: true });
  });

  it('with debug mode off, a channel whose waiter has an application-lifetime signal is still collectable', async () => {
    const appLifetime = new AbortController();
    const ref = (() => {
      const ch = new Channel<number>(0);
      ch.pull({ signal: appLifetime.signal }).catch(() => {});
      return new WeakRef(ch);
    })();
    await busyCollector(100);
    expect(ref.deref()).toBeUndefined();
  });

  it('(documents the mechanism) with debug mode on, the wait is reported as a leaked pull before its timeout', async () => {
    enableDebug({ target: fakeTarget() });
    const state = waitForReply(1500);
    await busyCollector(300);
    const list = leaks();
    expect(list.map((l) => [l.kind, l.channel.name])).toEqual([['pull', 'reply-with-timeout']]);
    expect(state.finallyRan).toBe(false);
  });
});
