// "Stops tracking, posting and listening" (README disableDebug); "a call that throws changes
// nothing" and "calling it again starts over" (README enableDebug); input marking of interop
// channels (SPEC second map "Idle is not stuck").
import { after, broadcast, Channel, fromEvent, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELLO, quiet, recorder } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  disableDebug();
});

/** An EventTarget that counts its live listeners. */
function countingTarget() {
  const target = new EventTarget();
  let live = 0;
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  const seen = new Set<unknown>();
  target.addEventListener = (type: string, listener: any, options?: any) => {
    if (!seen.has(listener)) {
      seen.add(listener);
      live++;
    }
    add(type, listener, options);
  };
  target.removeEventListener = (type: string, listener: any, options?: any) => {
    if (seen.delete(listener)) live--;
    remove(type, listener, options);
  };
  return { target, live: () => live };
}

describe('nothing left installed', () => {
  it('disableDebug removes the message listener and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const listen = countingTarget();
    const r = recorder();
    enableDebug({ target: r.target, listen: listen.target, intervalMs: 50 });
    expect(listen.live()).toBe(1);
    const c = new Channel<number>(Infinity, { name: 't' });
    listen.target.dispatchEvent(new MessageEvent('message', { data: HELLO }));
    c.pushNowait(1);
    await vi.advanceTimersByTimeAsync(10);
    c.pushNowait(2);
    disableDebug();
    expect(listen.live()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('enableDebug twice leaves one listener, on the new listen target only', () => {
    const first = countingTarget();
    const second = countingTarget();
    enableDebug({ target: { postMessage() {} }, listen: first.target });
    enableDebug({ target: { postMessage() {} }, listen: second.target });
    expect(first.live()).toBe(0);
    expect(second.live()).toBe(1);
  });

  it('an enableDebug that throws installs nothing on the listen target it was given', () => {
    const bad = countingTarget();
    expect(() => enableDebug({ target: { postMessage() {} }, listen: bad.target, intervalMs: -1 })).toThrow(
      /enableDebug/,
    );
    expect(() => enableDebug({ target: { postMessage() {} }, listen: bad.target, stacks: 3 as any })).toThrow(
      /enableDebug/,
    );
    expect(bad.live()).toBe(0);
  });
});

describe('input channels are never stuck', () => {
  it('fromEvent, after, merge with an input, and a broadcast of an input are marked input', async () => {
    enableDebug({ target: { postMessage() {} } });
    const events = new EventTarget();
    const ac = new AbortController();
    const clicks = fromEvent(events, 'click', { signal: ac.signal });
    const timer = after(60_000, { signal: ac.signal });
    const plain = new Channel<number>(0, { name: 'plain' });
    const merged = merge(clicks as any, plain);
    const bc = broadcast(fromEvent(events, 'key', { signal: ac.signal }));
    const sub = bc.subscribe();
    const waits = [quiet(clicks.pull()), quiet(timer.pull()), quiet(merged.pull()), quiet(sub.pull())];
    const snap = snapshot();
    // 'plain' is not input: the merge's own pull on it is an ordinary wait.
    const withPullers = snap.channels.filter((ch) => ch.pullers.length > 0 && ch.name !== 'plain');
    expect(withPullers.length).toBeGreaterThanOrEqual(4);
    for (const ch of withPullers) {
      expect({ name: ch.name, input: ch.input }).toEqual({ name: ch.name, input: true });
      for (const w of ch.pullers) expect(w.input).toBe(true);
    }
    ac.abort();
    plain.close();
    (merged as any).close?.();
    (sub as any).close?.();
    await Promise.allSettled(waits);
  });
});
