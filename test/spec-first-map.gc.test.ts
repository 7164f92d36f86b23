/**
 * The SPEC's first map read literally, the part that needs `--expose-gc`: once debug mode is
 * enabled, a tracked channel never stays alive because of debug mode (it is held through a
 * `WeakRef`).
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, test } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  disableDebug();
});

/**
 * Whether what `make` registers is garbage-collected within 200 collections: its finalizer ran,
 * or (finalizers run in tasks of their own, which a loaded machine may hold back) a `WeakRef`
 * to it is empty after a collection.
 */
async function collected(make: (registry: FinalizationRegistry<string>) => void): Promise<boolean> {
  let done = false;
  const refs: WeakRef<object>[] = [];
  const registry = new FinalizationRegistry<string>(() => {
    done = true;
  });
  const watching = {
    register(target: object, held: string) {
      refs.push(new WeakRef(target));
      registry.register(target, held);
    },
  } as FinalizationRegistry<string>;
  make(watching);
  for (let i = 0; i < 200 && !done; i++) {
    await tick();
    gc?.();
    if (refs.length > 0 && refs.every((ref) => ref.deref() === undefined)) done = true;
  }
  return done;
}

test('a channel tracked by debug mode is garbage-collected once the program drops it', async () => {
  expect(gc).toBeTypeOf('function');
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
  const wasCollected = await collected((registry) => {
    const channel = new Channel<{ payload: number[] }>(4, { name: 'dropped' });
    channel.pushNowait({ payload: [1, 2, 3] });
    registry.register(channel, 'dropped');
    expect(snapshot().channels.some((c) => c.name === 'dropped')).toBe(true);
  });
  expect(wasCollected).toBe(true);
  expect(snapshot().channels.some((c) => c.name === 'dropped')).toBe(false);
});

test('a tracked channel with an inspector connected is still garbage-collected once dropped', async () => {
  const listen = new EventTarget();
  enableDebug({ target: { postMessage() {} }, listen, intervalMs: 10 });
  listen.dispatchEvent(
    new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
  );
  const wasCollected = await collected((registry) => {
    const channel = new Channel<number>(1, { name: 'posted-then-dropped' });
    channel.pushNowait(1);
    registry.register(channel, 'posted-then-dropped');
  });
  expect(wasCollected).toBe(true);
});
