/**
 * Auditor AZ — durable: structured-cloneable values and close reasons as a client sees them.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { expect, it } from 'vitest';
import { freshName } from '../helpers.js';

it('(holds) views sharing one buffer, an Error subclass with a cause, boxed primitives, a cycle through a Map, a DataView and Headers round-trip', async () => {
  const ch = durableChannel<any>(env.CHANNELS as any, freshName('az-values'));
  const buffer = new ArrayBuffer(8);
  const shared = { a: new Uint8Array(buffer, 0, 4), b: new Uint8Array(buffer, 2, 4) };
  const cyclic: any = { m: new Map() };
  cyclic.m.set('self', cyclic);
  const values = [
    shared,
    new TypeError('t', { cause: new RangeError('inner') }),
    new Boolean(false),
    new String('s'),
    new Number(3),
    new Headers({ a: 'b' }),
    cyclic,
    new Float64Array([Number.NaN, -0]),
    new DataView(new ArrayBuffer(4), 1, 2),
  ];
  for (const v of values) await ch.push(v);
  const got = await ch.pullMany(values.length);
  expect(got).toHaveLength(values.length);
  got[0].a[3] = 9;
  const report = {
    sharedBuffer: got[0].a.buffer === got[0].b.buffer && got[0].b[1] === 9,
    errorClass: got[1] instanceof TypeError,
    errorMessage: got[1].message,
    cause: got[1].cause instanceof RangeError ? `RangeError:${got[1].cause.message}` : String(got[1].cause),
    boxedBoolean: got[2] instanceof Boolean && got[2].valueOf() === false,
    boxedString: got[3] instanceof String && got[3].valueOf() === 's',
    boxedNumber: got[4] instanceof Number && got[4].valueOf() === 3,
    headers: got[5] instanceof Headers && got[5].get('a') === 'b',
    cyclic: got[6].m.get('self') === got[6],
    float: Number.isNaN(got[7][0]) && Object.is(got[7][1], -0),
    dataView: got[8] instanceof DataView && got[8].byteOffset === 1 && got[8].byteLength === 2,
  };
  expect(report).toMatchObject({
    sharedBuffer: true,
    errorClass: true,
    errorMessage: 't',
    boxedBoolean: true,
    boxedString: true,
    boxedNumber: true,
    headers: true,
    cause: 'RangeError:inner',
    cyclic: true,
    float: true,
    dataView: true,
  });
});

it('(holds) close reasons of several kinds reach another client as ChannelClosedError causes and as the for await throw', async () => {
  const reasons: unknown[] = [
    new RangeError('r'),
    new DOMException('gone', 'AbortError'),
    { code: 42, nested: [1, { d: new Date(5) }] },
    'text',
    Symbol('s'),
    () => 1,
  ];
  const seen: string[] = [];
  for (const reason of reasons) {
    const name = freshName('az-reason');
    await durableChannel<number>(env.CHANNELS as any, name).close(reason);
    const reader = durableChannel<number>(env.CHANNELS as any, name);
    const error = await reader.pull().catch((e: unknown) => e);
    let thrown: unknown;
    try {
      for await (const _ of reader) {
      }
    } catch (e) {
      thrown = e;
    }
    const cause = (error as Error).cause;
    seen.push(
      `${error instanceof ChannelClosedError} ${(error as Error).message.startsWith('pull: channel "')} ${
        cause instanceof Error ? `${cause.constructor.name}/${cause.name}:${cause.message}` : JSON.stringify(cause)
      } sameAsThrown=${JSON.stringify(thrown) === JSON.stringify(cause) && String(thrown) === String(cause)}`,
    );
  }
  expect(seen.every((line) => line.startsWith('true true '))).toBe(true);
  expect(seen[0]).toContain('RangeError/RangeError:r');
  expect(seen[1]).toContain('DOMException/AbortError:gone');
  expect(seen[2]).toContain('{"code":42,"nested":[1,{"d":"1970-01-01T00:00:00.005Z"}]}');
  expect(seen[4]).toContain('Error/Error:Symbol(s)');
});

it('an object with a null prototype (an Object.groupBy result) is stored like any plain object, or refused with a message that says why', async () => {
  const ch = durableChannel<any>(env.CHANNELS as any, freshName('az-null-proto'));
  const grouped = (Object as any).groupBy([1, 2, 3], (n: number) => (n % 2 ? 'odd' : 'even'));
  expect(structuredClone(grouped)).toEqual({ odd: [1, 3], even: [2] }); // structured-cloneable
  const error = await ch.push(grouped).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) {
    expect({ ...(await ch.pull()) }).toEqual({ odd: [1, 3], even: [2] });
    return;
  }
  // Refused: then the TypeError should say what is wrong with the value (as it does for a nested
  // function: "it is not structured-cloneable (…)"), not only "object of type \"Object\"".
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(/prototype/i);
});
