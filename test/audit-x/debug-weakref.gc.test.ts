/**
 * Audit X: debug mode tracks channels through WeakRefs (SPEC "Debug mode"): with debug mode on
 * and an inspector connected, a channel the program dropped is still collected — with values
 * buffered, with a parked operation (then reported as leaked), and while listed in snapshots.
 */
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, test, vi } from 'vitest';
import { collectAll } from '../helpers/gc.js';

afterEach(() => disableDebug());

function inspector() {
  const posted: Record<string, unknown>[] = [];
  const listen = new EventTarget();
  const target = { postMessage: (m: unknown) => posted.push(m as Record<string, unknown>) };
  const hello = () =>
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
  return { posted, listen, target, hello };
}

test('a tracked, listed channel with buffered values is collected once the program drops it', async () => {
  const i = inspector();
  enableDebug({ target: i.target, listen: i.listen, intervalMs: 20, stacks: true, warnLeaks: false });
  i.hello();
  const refs: WeakRef<object>[] = [];
  (() => {
    const buffered = new Channel<{ big: number[] }>(4, { name: 'buffered' });
    buffered.pushNowait({ big: new Array(1000).fill(1) });
    refs.push(new WeakRef(buffered));
  })();
  expect(snapshot().channels.map((c) => c.name)).toEqual(['buffered']);
  await new Promise((resolve) => setTimeout(resolve, 60)); // posted in a snapshot
  await collectAll(refs);
  expect(snapshot().channels).toEqual([]);
  expect(snapshot().leaked).toBeUndefined(); // nothing was parked: no leak
});

test('a dropped channel with a parked pull is collected and reported as leaked, once, with its name', async () => {
  const i = inspector();
  enableDebug({ target: i.target, listen: i.listen, intervalMs: 20, stacks: true, warnLeaks: false });
  i.hello();
  const refs: WeakRef<object>[] = [];
  (() => {
    const orphan = new Channel<number>(0, { name: 'orphan' });
    orphan.pull().catch(() => {});
    refs.push(new WeakRef(orphan));
  })();
  await new Promise((resolve) => setTimeout(resolve, 60));
  await collectAll(refs);
  const leaked = snapshot().leaked ?? [];
  expect(leaked).toHaveLength(1);
  expect(leaked[0]).toMatchObject({ kind: 'pull', channel: { name: 'orphan', capacity: 0 } });
  expect(typeof leaked[0]?.stack).toBe('string');
  expect(typeof leaked[0]?.channel.createdAt).toBe('string');
  // A kept channel with a parked op that later commits is never reported.
  let kept: Channel<number> | undefined = new Channel<number>(0, { name: 'kept' });
  const pulled = kept.pull();
  await kept.push(1);
  await expect(pulled).resolves.toBe(1);
  const more: WeakRef<object>[] = [new WeakRef(kept)];
  kept = undefined;
  await collectAll(more); // collected after its pull committed: not a leak
  expect((snapshot().leaked ?? []).map((l) => l.channel.name)).toEqual(['orphan']);
});

test('a long-lived signal does not keep an abandoned channel alive; its parked pull is reported, an aborted one never', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), intervalMs: 20 }); // warnLeaks on by default
    const controller = new AbortController(); // lives for the whole test
    const aborted = new AbortController();
    const refs: WeakRef<object>[] = [];
    (() => {
      const withSignal = new Channel<number>(0, { name: 'with-signal' });
      withSignal.pull({ signal: controller.signal }).catch(() => {});
      const abandonedThenAborted = new Channel<number>(0, { name: 'aborted' });
      abandonedThenAborted.pull({ signal: aborted.signal }).catch(() => {});
      const a = new Channel<number>(0, { name: 'select-a' });
      const b = new Channel<number>(0, { name: 'select-b' });
      select([pull(a), pull(b)]).catch(() => {});
      refs.push(new WeakRef(withSignal), new WeakRef(abandonedThenAborted), new WeakRef(a), new WeakRef(b));
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    aborted.abort(); // leaves its queue: no leak
    await collectAll(refs);
    const leaked = snapshot().leaked ?? [];
    expect(leaked.map((l) => `${l.kind} ${l.channel.name}`).sort()).toEqual(['pull with-signal', 'select select-a']);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(controller.signal.aborted).toBe(false);
  } finally {
    warn.mockRestore();
  }
});
