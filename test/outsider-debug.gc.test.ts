/**
 * The garbage-collector parts of the SPEC's debug mode, read by an outsider through the public
 * entries (`chanasync`, `chanasync/debug`): a tracked channel is never kept alive by debug mode,
 * and operations parked on a channel that became unreachable are reported as leaked — in
 * snapshots, with one console.warn each (unless turned off), never for an operation that
 * committed, was aborted or failed by close, and not hidden by a long-lived signal.
 * Runs in the `gc` project (`--expose-gc`).
 */
import { Channel, pull, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test, vi } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (the vitest "gc" project)');

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Collects until every referent is gone (fails otherwise), then lets finalizers run. */
async function collect(...refs: WeakRef<object>[]): Promise<void> {
  for (let round = 0; round < 40 && refs.some((r) => r.deref() !== undefined); round++) {
    await tick();
    gc?.();
  }
  expect(refs.every((r) => r.deref() === undefined)).toBe(true);
  for (let round = 0; round < 5; round++) {
    await tick();
    gc?.();
  }
}

const quietTarget = () => ({ target: { postMessage() {} }, listen: new EventTarget() });

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

describe('WeakRef tracking', () => {
  test('a tracked channel is not kept alive by debug mode and leaves the snapshot once collected', async () => {
    enableDebug(quietTarget());
    const ref = (() => new WeakRef(new Channel<number>(1, { name: 'ephemeral' })))();
    expect(snapshot().channels.map((c) => c.name)).toEqual(['ephemeral']);
    await collect(ref);
    expect(snapshot().channels).toEqual([]);
  });
});

describe('leaked waiters', () => {
  test('a pull parked on a channel that becomes unreachable is reported as leaked, with its kind, since and channel', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const before = Date.now();
    let pending: Promise<unknown> | undefined;
    const ref = (() => {
      const ch = new Channel<number>(2, { name: 'abandoned' });
      pending = ch.pull();
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked).toEqual([
      {
        id: expect.any(Number),
        kind: 'pull',
        since: expect.any(Number),
        detectedAt: expect.any(Number),
        channel: { id: expect.any(Number), name: 'abandoned', capacity: 2 },
      },
    ]);
    const [leak] = snapshot().leaked ?? [];
    expect(leak?.since).toBeGreaterThanOrEqual(before);
    expect(leak?.detectedAt).toBeGreaterThanOrEqual(leak?.since ?? 0);
    expect(pending).toBeInstanceOf(Promise);
  });

  test('each leak is warned once on the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const ref = (() => {
      const ch = new Channel<string>(0, { name: 'warned' });
      void ch.push('a');
      void ch.push('b');
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked?.map((l) => l.kind)).toEqual(['push', 'push']);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toContain('warned');
    snapshot();
    await tick();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  test('the console warning can be turned off; the leak is still in snapshots', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ ...quietTarget(), warnLeaks: false });
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'silent' });
      void ch.pull();
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked?.length).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });

  test('with stacks: true the leak says where it parked and where the channel was created', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ ...quietTarget(), stacks: true });
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'located' });
      void ch.pull();
      return new WeakRef(ch);
    })();
    await collect(ref);
    const [leak] = snapshot().leaked ?? [];
    expect(leak?.stack).toContain('outsider-debug.gc.test');
    expect(leak?.channel.createdAt).toContain('outsider-debug.gc.test');
  });

  test('no false positive: operations that committed, were aborted or failed by close are never reported', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const refs = await (async () => {
      const committed = new Channel<number>(0, { name: 'committed' });
      const pushed = committed.push(1);
      await committed.pull();
      await pushed;
      const aborted = new Channel<number>(0, { name: 'aborted' });
      const controller = new AbortController();
      const pulled = aborted.pull({ signal: controller.signal }).catch(() => {});
      controller.abort();
      await pulled;
      const closed = new Channel<number>(0, { name: 'closed' });
      const failed = closed.push(1).catch(() => {});
      closed.close();
      await failed;
      return [new WeakRef(committed), new WeakRef(aborted), new WeakRef(closed)];
    })();
    await collect(...refs);
    expect(snapshot().leaked).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  test('a pull parked with a long-lived signal does not keep its abandoned channel alive, and is reported', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const appLifetime = new AbortController();
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'behind-signal' });
      void ch.pull({ signal: appLifetime.signal }).catch(() => {});
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked?.map((l) => [l.kind, l.channel.name])).toEqual([['pull', 'behind-signal']]);
    expect(appLifetime.signal.aborted).toBe(false);
  });

  test('a select waiting on channels that all become unreachable is one leak of kind select', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const refs = (() => {
      const a = new Channel<number>(0, { name: 'sel-a' });
      const b = new Channel<number>(0, { name: 'sel-b' });
      void select([pull(a), pull(b)]);
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await collect(...refs);
    expect(snapshot().leaked?.map((l) => l.kind)).toEqual(['select']);
  });

  test('clearLeaks forgets the leaks reported so far', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quietTarget());
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'cleared' });
      void ch.pull();
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked?.length).toBe(1);
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
  });

  test('a connected inspector receives the leak in a posted snapshot, after its channel is gone', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const posted: { type: string; leaked?: unknown[]; channels?: unknown[] }[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: never) => posted.push(m) }, listen, intervalMs: 10 });
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'posted-leak' });
      void ch.pull();
      return new WeakRef(ch);
    })();
    await collect(ref);
    const deadline = Date.now() + 5000;
    while (!posted.some((m) => m.type === 'snapshot' && m.leaked?.length) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const last = posted.filter((m) => m.type === 'snapshot').at(-1);
    expect(last?.leaked).toEqual([
      expect.objectContaining({ kind: 'pull', channel: expect.objectContaining({ name: 'posted-leak' }) }),
    ]);
    expect(last?.channels).toEqual([]);
  });
});
