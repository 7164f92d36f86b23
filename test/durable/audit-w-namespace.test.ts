/**
 * Audit W: a Durable Object stub (`env.CHANNELS.get(id)`) or a service binding passed to
 * `durableChannel` in place of the namespace binding. Both answer every property name with an
 * RPC method, so they pass a check for `idFromName` and `get`; the operations then failed with
 * Workers RPC's `DataCloneError` about an "RpcPromise" — and `push` blamed the value ("the value
 * cannot be sent to a durable channel"), which was fine. SPEC: bad input gets "clear errors naming
 * the function"; the README: `durableChannel` throws a `TypeError` for a namespace without
 * `idFromName`/`get`. Runs inside workerd.
 */
import { env, exports as workerExports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { durableChannel } from '../../src/durable/index.js';
import { freshName } from './helpers.js';

describe('durableChannel given a stub in place of the namespace', () => {
  test('a Durable Object stub is refused at once with a TypeError naming durableChannel and the fix', () => {
    const stub = env.CHANNELS.get(env.CHANNELS.idFromName(freshName('w-stub')));
    const make = () => durableChannel<number>(stub as never, 'jobs');
    expect(make).toThrow(TypeError);
    expect(make).toThrow(/^durableChannel\(namespace, name, options\): namespace .*not .*stub/);
  });

  test('a service binding (the Worker’s own exports) is refused the same way', () => {
    const make = () => durableChannel<number>(workerExports.default as never, 'jobs');
    expect(make).toThrow(TypeError);
    expect(make).toThrow(/^durableChannel\(namespace, name, options\)/);
  });

  test('the namespace binding itself and a plain object with idFromName and get are still accepted', async () => {
    const name = freshName('w-namespace-ok');
    await durableChannel<number>(env.CHANNELS, name).push(1);
    const wrapper = {
      idFromName: (n: string) => env.CHANNELS.idFromName(n),
      get: (id: unknown) => env.CHANNELS.get(id),
    };
    expect(await durableChannel<number>(wrapper, name).pull()).toBe(1);
  });
});
