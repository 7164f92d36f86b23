/**
 * Audit K: a Worker that closes itself (`self.close()`) says nothing to its page; with debug mode
 * on, `close()` turns debug mode off first, so a connected inspector gets the last snapshot with
 * no channels instead of listing the Worker's waits forever, ageing into "stuck". Here the
 * worker scope is simulated (a `WorkerGlobalScope` that `globalThis` is an instance of, and an
 * own `close`, as a `[Global]` interface has); in a real Worker in contexts.chromium.test.ts.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug } from '../../src/debug/index.js';
import { Channel } from '../../src/index.js';
import { fakeInspector } from '../helpers/fake-inspector.js';

const scope = globalThis as unknown as Record<string, unknown>;
let nativeClose: ReturnType<typeof vi.fn>;

beforeEach(() => {
  nativeClose = vi.fn();
  const WorkerGlobalScope = function WorkerGlobalScope() {};
  Object.defineProperty(WorkerGlobalScope, Symbol.hasInstance, { value: (value: unknown) => value === globalThis });
  scope.WorkerGlobalScope = WorkerGlobalScope;
  Object.defineProperty(scope, 'close', { configurable: true, writable: true, enumerable: true, value: nativeClose });
});

afterEach(() => {
  disableDebug();
  delete scope.WorkerGlobalScope;
  delete scope.close;
});

test('close() in a worker posts the last snapshot with no channels to a connected inspector, then closes', () => {
  const inspector = fakeInspector();
  enableDebug({ target: inspector.target, listen: inspector.listen });
  const jobs = new Channel<number>(0, { name: 'jobs' });
  jobs.pull().catch(() => {});
  inspector.say('hello');
  expect(
    inspector
      .snapshots()
      .at(-1)
      ?.channels.map((c) => c.name),
  ).toEqual(['jobs']);
  expect(inspector.snapshots().at(-1)?.context?.kind).toBe('worker');
  (scope.close as () => void)();
  expect(inspector.snapshots().at(-1)?.channels).toEqual([]);
  expect(nativeClose).toHaveBeenCalledTimes(1);
  expect(scope.close).toBe(nativeClose); // debug mode is off: the scope's own close is back
});

test('disableDebug puts the scope’s own close back, as it was; enabling twice wraps once', () => {
  const before = Object.getOwnPropertyDescriptor(scope, 'close');
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  expect(scope.close).not.toBe(nativeClose);
  disableDebug();
  expect(Object.getOwnPropertyDescriptor(scope, 'close')).toEqual(before);
});

test('outside a worker, close is left alone', () => {
  delete scope.WorkerGlobalScope;
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  expect(scope.close).toBe(nativeClose);
});
