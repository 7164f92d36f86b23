// Blind pass over SPEC "Debug mode" (WeakRef tracking) and the second map's "Leaked waiters":
// needs `--expose-gc` (project gc).
import { after as afterMs, Channel, fromEvent, pull, select } from 'chanasync';
import { clearLeaks, type DebugSnapshot, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(rounds = 6): Promise<void> {
  // A `WeakRef.deref()` (ours, or the one a snapshot makes) keeps its target alive until the end
  // of the job that called it, so collect only in a fresh task.
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Collects until `done()` or about five seconds have passed. */
async function collectUntil(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    await collect(1);
    if (done()) return true;
  }
  return done();
}

function leaksOf(snap: DebugSnapshot, name: string) {
  return (snap.leaked ?? []).filter((leak) => leak.channel.name === name);
}

const quiet = { postMessage() {} };

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

describe('WeakRef tracking', () => {
  it('a tracked channel can be garbage-collected', async () => {
    expect(gc).toBeTypeOf('function');
    enableDebug({ target: quiet, warnLeaks: false });
    let ref: WeakRef<Channel<number>> | undefined;
    (() => {
      const channel = new Channel<number>(4, { name: 'collectable' });
      channel.pushNowait(1);
      ref = new WeakRef(channel);
    })();
    expect(await collectUntil(() => ref?.deref() === undefined)).toBe(true);
    expect(snapshot().channels.map((c) => c.name)).not.toContain('collectable');
  });

  it('a tracked channel with a parked pull can be garbage-collected', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    let ref: WeakRef<Channel<number>> | undefined;
    (() => {
      const channel = new Channel<number>(0, { name: 'collectable-parked' });
      void channel.pull().catch(() => {});
      ref = new WeakRef(channel);
    })();
    expect(await collectUntil(() => ref?.deref() === undefined)).toBe(true);
  });
});

describe('leaked waiters', () => {
  it('a pull parked on a channel that was collected is reported as leaked, with the SPEC fields', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    const before = Date.now();
    (() => {
      const channel = new Channel<number>(0, { name: 'leaky-pull' });
      void channel.pull().then(
        () => {},
        () => {},
      );
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'leaky-pull').length > 0)).toBe(true);
    const [leak] = leaksOf(snapshot(), 'leaky-pull');
    expect(leak?.kind).toBe('pull');
    expect(leak?.since).toBeGreaterThanOrEqual(before - 1000);
    expect(typeof leak?.detectedAt).toBe('number');
    expect(leak?.channel).toMatchObject({ name: 'leaky-pull', capacity: 0 });
    expect(typeof leak?.id).toBe('number');
    // version stays 1
    expect(snapshot().version).toBe(1);
  });

  it('a push parked on a collected unbuffered channel is one leaked push, with stacks where requested', async () => {
    enableDebug({ target: quiet, warnLeaks: false, stacks: true });
    (function parkPushHere() {
      const channel = new Channel<string>(0, { name: 'leaky-push' });
      void channel.push('x').catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'leaky-push').length > 0)).toBe(true);
    const leaks = leaksOf(snapshot(), 'leaky-push');
    expect(leaks).toHaveLength(1);
    expect(leaks[0]?.kind).toBe('push');
    expect(typeof leaks[0]?.stack).toBe('string');
    expect(leaks[0]?.stack).toContain('parkPushHere');
    expect(typeof leaks[0]?.channel.createdAt).toBe('string');
    expect(leaks[0]?.channel.createdAt).toContain('parkPushHere');
  });

  it('an unbounded channel in a leak has capacity null', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    (() => {
      const channel = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'leaky-infinite' });
      void channel.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'leaky-infinite').length > 0)).toBe(true);
    expect(leaksOf(snapshot(), 'leaky-infinite')[0]?.channel.capacity).toBeNull();
  });

  it('each leaked operation gets one console.warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ target: quiet });
    (() => {
      const channel = new Channel<number>(0, { name: 'warned' });
      void channel.pull().catch(() => {});
      void channel.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'warned').length === 2)).toBe(true);
    await collect(2);
    const mine = warn.mock.calls.filter((args) => args.map(String).join(' ').includes('warned'));
    expect(mine).toHaveLength(2);
  });

  it('warnLeaks: false turns the console.warn off but still reports the leak', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ target: quiet, warnLeaks: false });
    (() => {
      const channel = new Channel<number>(0, { name: 'silent' });
      void channel.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'silent').length > 0)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('clearLeaks forgets the leaks detected so far', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    (() => {
      const channel = new Channel<number>(0, { name: 'cleared' });
      void channel.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'cleared').length > 0)).toBe(true);
    clearLeaks();
    expect(leaksOf(snapshot(), 'cleared')).toEqual([]);
  });

  it('a select parked on collected channels is one leak', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    (() => {
      const a = new Channel<number>(0, { name: 'sel-leak-a' });
      const b = new Channel<number>(0, { name: 'sel-leak-b' });
      void select([pull(a), pull(b)]).catch(() => {});
    })();
    const all = () => [...leaksOf(snapshot(), 'sel-leak-a'), ...leaksOf(snapshot(), 'sel-leak-b')];
    expect(await collectUntil(() => all().length > 0)).toBe(true);
    await collect(3);
    expect(all()).toHaveLength(1);
    expect(all()[0]?.kind).toBe('select');
  });

  it('a pull with a long-lived signal does not keep an abandoned channel alive: it is reported', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    const longLived = new AbortController();
    (() => {
      const channel = new Channel<number>(0, { name: 'behind-signal' });
      void channel.pull({ signal: longLived.signal }).catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'behind-signal').length > 0)).toBe(true);
    expect(longLived.signal.aborted).toBe(false);
  });

  it('a loop over fromEvent of a dropped target with a live signal is reported as a leaked pull', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    const component = new AbortController();
    (() => {
      const target = new EventTarget();
      const events = fromEvent(target, 'never', { signal: component.signal });
      void (async () => {
        for await (const _ of events) {
          /* never */
        }
      })();
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'fromEvent(never)').length > 0)).toBe(true);
    expect(leaksOf(snapshot(), 'fromEvent(never)')[0]?.kind).toBe('pull');
  });

  it('no false positive: committed, aborted and closed-failed operations are never reported', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    await (async () => {
      const committed = new Channel<number>(0, { name: 'fp-committed' });
      const pulled = committed.pull();
      await committed.push(1);
      await pulled;
      const aborted = new Channel<number>(0, { name: 'fp-aborted' });
      const controller = new AbortController();
      const p = aborted.pull({ signal: controller.signal }).catch(() => {});
      controller.abort();
      await p;
      const closed = new Channel<number>(0, { name: 'fp-closed' });
      const q = closed.push(1).catch(() => {});
      closed.close();
      await q;
      const sel = new Channel<number>(0, { name: 'fp-select' });
      const other = new Channel<number>(1, { name: 'fp-select-other' });
      const s = select([pull(sel), pull(other)]);
      other.pushNowait(2);
      await s;
    })();
    // A control channel that really leaks, to know collection ran.
    (() => {
      const control = new Channel<number>(0, { name: 'fp-control' });
      void control.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'fp-control').length > 0)).toBe(true);
    await collect(3);
    const names = (snapshot().leaked ?? []).map((leak) => leak.channel.name);
    for (const name of ['fp-committed', 'fp-aborted', 'fp-closed', 'fp-select', 'fp-select-other']) {
      expect(names).not.toContain(name);
    }
  });

  it('no false positive: a pull aborted by a timeout signal after a select took the other case', async () => {
    enableDebug({ target: quiet, warnLeaks: false });
    await (async () => {
      const reply = new Channel<string>(1, { name: 'fp-reply' });
      const timeout = afterMs(1);
      const result = await select([pull(reply), pull(timeout)]);
      expect(result.index).toBe(1);
    })();
    (() => {
      const control = new Channel<number>(0, { name: 'fp-control-2' });
      void control.pull().catch(() => {});
    })();
    expect(await collectUntil(() => leaksOf(snapshot(), 'fp-control-2').length > 0)).toBe(true);
    await collect(3);
    expect(leaksOf(snapshot(), 'fp-reply')).toEqual([]);
  });

  it('a leaked operation appears in the posted snapshot after hello', async () => {
    const posted: DebugSnapshot[] = [];
    const listen = new EventTarget();
    enableDebug({
      target: {
        postMessage(message: unknown) {
          if ((message as { type?: string }).type === 'snapshot') posted.push(message as DebugSnapshot);
        },
      },
      listen,
      intervalMs: 20,
      warnLeaks: false,
    });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    (() => {
      const channel = new Channel<number>(0, { name: 'posted-leak' });
      void channel.pull().catch(() => {});
    })();
    expect(await collectUntil(() => posted.some((s) => leaksOf(s, 'posted-leak').length > 0))).toBe(true);
  });
});
