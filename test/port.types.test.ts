/**
 * Type tests for chanasync/port: `npm test` type-checks this file with tsc, so a port type the
 * platform offers that stops being accepted, or a result that loses its element type, fails to
 * compile. (The runtime assertions only keep vitest from calling the file empty.)
 */
import { expect, expectTypeOf, test } from 'vitest';
import type { Channel, PullChannel } from '../src/index.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../src/port/index.js';

test('every kind of port the web platform has is a PortLike', () => {
  expectTypeOf<MessagePort>().toExtend<PortLike>();
  expectTypeOf<Worker>().toExtend<PortLike>();
  expectTypeOf<Window>().toExtend<PortLike>();
  // @ts-expect-error a port must have postMessage
  const notAPort: PortLike = { addEventListener() {} };
  expect(notAPort).toBeDefined();
});

test('toPort and fromPort keep the value type', () => {
  expectTypeOf(toPort<{ id: number }>)
    .parameter(0)
    .toEqualTypeOf<PullChannel<{ id: number }>>();
  expectTypeOf(toPort<{ id: number }>).returns.toEqualTypeOf<Promise<PortResult<{ id: number }>>>();
  expectTypeOf<PortResult<string>['undelivered']>().toEqualTypeOf<string[]>();
  expectTypeOf(fromPort<Uint8Array>).returns.toEqualTypeOf<Channel<Uint8Array>>();
  const transfer = (buffer: ArrayBuffer) => [buffer];
  expectTypeOf(transfer).toExtend<(value: ArrayBuffer) => Transferable[]>();
  expect(typeof toPort).toBe('function');
});

// Audit BV: `transfer` may return any iterable, as the README says and toPort accepts at run
// time; its type said `Transferable[]`, so `(v) => new Set([v])` did not type-check.
test('toPort’s transfer may return any iterable of transferables, not only an array', () => {
  type Options = NonNullable<Parameters<typeof toPort<ArrayBuffer>>[2]>;
  expectTypeOf<(value: ArrayBuffer) => Set<ArrayBuffer>>().toExtend<NonNullable<Options['transfer']>>();
  expectTypeOf<(value: ArrayBuffer) => Generator<ArrayBuffer>>().toExtend<NonNullable<Options['transfer']>>();
  expectTypeOf<(value: ArrayBuffer) => ArrayBuffer[]>().toExtend<NonNullable<Options['transfer']>>();
  expectTypeOf<(value: ArrayBuffer) => ArrayBuffer>().not.toExtend<NonNullable<Options['transfer']>>();
  expect(typeof toPort).toBe('function');
});
