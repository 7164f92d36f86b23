/**
 * Audit BM: the error classes as a newcomer constructs and inspects them, and the debug
 * protocol of SPEC "Debug mode" (announce, hello, bye, snapshot shape).
 */
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  select,
} from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test } from 'vitest';
import { flush } from '../helpers/track.js';

describe('error classes', () => {
  test('a user-built ChannelClosedError reads "operation: channel "name" problem"', () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    const error = new ChannelClosedError('push', 'is closed', ch, 'why');
    expect(error.message).toBe('push: channel "jobs" is closed');
    expect(error.name).toBe('ChannelClosedError');
    expect(error.channel).toBe(ch);
    expect(error.cause).toBe('why');
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toBeInstanceOf(Error);
  });

  test('an unnamed channel in a user-built error: "pullNowait: channel is empty"', () => {
    const error = new ChannelEmptyError('pullNowait', 'is empty', new Channel<number>());
    expect(error.message).toBe('pullNowait: channel is empty');
    expect(Object.hasOwn(error, 'cause')).toBe(false);
  });

  test('each class has name equal to its class name, as a prototype getter', () => {
    for (const [klass, name] of [
      [ChannelError, 'ChannelError'],
      [ChannelClosedError, 'ChannelClosedError'],
      [ChannelFullError, 'ChannelFullError'],
      [ChannelEmptyError, 'ChannelEmptyError'],
    ] as const) {
      const descriptor = Object.getOwnPropertyDescriptor(klass.prototype, 'name');
      expect(typeof descriptor?.get).toBe('function');
      expect(new klass('op', 'problem', new Channel()).name).toBe(name);
    }
  });

  test('the errors thrown by operations name the channel and the operation', async () => {
    const ch = new Channel<number>(1, { name: 'n' });
    expect(() => ch.pullNowait()).toThrow('pullNowait: channel "n" is empty');
    ch.pushNowait(1);
    expect(() => ch.pushNowait(2)).toThrow('pushNowait: channel "n" is full');
    ch.close();
    expect(() => ch.pushNowait(2)).toThrow('pushNowait: channel "n" is closed');
    ch.pullNowait();
    expect(() => ch.pullNowait()).toThrow('pullNowait: channel "n" is closed');
    await expect(ch.pull()).rejects.toThrow('pull: channel "n" is closed');
  });
});

describe('debug protocol (SPEC: Debug mode)', () => {
  afterEach(() => disableDebug());

  test('enableDebug posts announce; snapshots only after hello; bye stops them', async () => {
    const posted: unknown[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
    expect(posted[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
    const ch = new Channel<number>(Infinity, { name: 'watched' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(posted.filter((m) => (m as { type: string }).type === 'snapshot')).toHaveLength(0);
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    const snaps = posted.filter((m) => (m as { type: string }).type === 'snapshot') as {
      channels: { name: string; capacity: number | null }[];
    }[];
    expect(snaps.length).toBeGreaterThan(0);
    const mine = snaps.at(-1)?.channels.find((c) => c.name === 'watched');
    expect(mine?.capacity).toBeNull();
    listen.dispatchEvent(
      new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'bye' } }),
    );
    const count = posted.length;
    ch.pushNowait(1); // a change
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(posted.length).toBe(count);
  });

  test('snapshot lists parked pull, push and select waiters with kind and since; no stacks without stacks: true', async () => {
    enableDebug({ target: { postMessage() {} } });
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const before = Date.now();
    a.pull().catch(() => {});
    b.push(1).catch(() => {});
    const c = new Channel<number>(0, { name: 'c' });
    const selecting = select([pull(a), pull(c)]).catch(() => {});
    const snap = snapshot();
    expect(snap).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    const byName = Object.fromEntries(snap.channels.map((c) => [c.name, c]));
    expect(byName.a?.pullers.map((w) => w.kind)).toEqual(['pull', 'select']);
    expect(byName.b?.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(byName.c?.pullers.map((w) => w.kind)).toEqual(['select']);
    expect(byName.a?.createdAt).toBeUndefined();
    expect(byName.a?.pullers[0]?.stack).toBeUndefined();
    expect(byName.a?.pullers[0]?.since).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(snap)).not.toContain('"value"');
    a.close();
    b.close();
    c.close();
    await selecting;
    await flush();
  });
});
