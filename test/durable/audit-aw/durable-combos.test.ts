/**
 * Auditor AW — durable channels: combinations, retries and odd-but-legal input.
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, sleep, until } from '../helpers.js';

const open = <T>(label: string, options?: { capacity?: number; leaseMs?: number; sliceMs?: number }) =>
  durableChannel<T>(env.CHANNELS as any, freshName(label), options as any);

describe('retries after close', () => {
  it('a retried push (same id) of a value already stored resolves even after the channel was closed', async () => {
    const ch = open<string>('retry-closed', { capacity: 5 });
    await ch.push('job', { id: 'job-7' });
    await ch.close();
    const outcome = await ch.push('job', { id: 'job-7' }).then(
      () => 'resolved',
      (e) => e,
    );
    // The value is stored and will be delivered: telling the retrying producer "closed, not delivered" is wrong.
    expect(outcome).toBe('resolved');
    expect(await ch.pull()).toBe('job');
  });

  it('tryPush of an id already stored answers true after close too', async () => {
    const ch = open<string>('retry-closed-try', { capacity: 5 });
    await ch.push('job', { id: 'j' });
    await ch.close();
    expect(await ch.tryPush('job', { id: 'j' })).toBe(true);
  });
});

describe('abort of waiting operations', () => {
  it('a push aborted while waiting on a full channel is never stored, and leaves no waiter', async () => {
    const ch = open<string>('abort-push-wait', { capacity: 1 });
    await ch.push('a');
    const ac = new AbortController();
    const p = ch.push('ghost', { signal: ac.signal }).catch((e) => e);
    await until(async () => (await ch.stats()).waitingPushers === 1);
    ac.abort(new Error('cancel'));
    const e = await p;
    expect(e.message).toBe('cancel');
    await until(async () => (await ch.stats()).waitingPushers === 0);
    expect(await ch.pull()).toBe('a');
    await sleep(100);
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('abort in the same tick as a push: either rejected and not stored, or resolved and stored', async () => {
    for (let round = 0; round < 10; round++) {
      const ch = open<number>('abort-push-race', { capacity: 5 });
      const ac = new AbortController();
      const p = ch.push(round, { signal: ac.signal }).then(
        () => 'ok',
        (e) => e,
      );
      if (round % 2) await Promise.resolve();
      if (round > 5) await sleep(round - 5);
      ac.abort(new Error('x'));
      const r = await p;
      await sleep(20);
      const st = await ch.stats();
      expect(st.size).toBe(r === 'ok' ? 1 : 0);
    }
  });

  it('a waiting pull aborted leaves no waiter (stats)', async () => {
    const ch = open<string>('abort-pull-stats', { capacity: 1 });
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal }).catch((e) => e);
    await until(async () => (await ch.stats()).waitingPullers === 1);
    ac.abort();
    expect((await p).name).toBe('AbortError');
    await until(async () => (await ch.stats()).waitingPullers === 0, 2000);
  });

  it('one signal shared by a waiting pull and a waiting push: both withdraw, nothing stored or consumed', async () => {
    const empty = open<string>('shared-sig-pull', { capacity: 1 });
    const full = open<string>('shared-sig-push', { capacity: 1 });
    await full.push('kept');
    const ac = new AbortController();
    const a = empty.pull({ signal: ac.signal }).catch((e) => e);
    const b = full.push('dropped', { signal: ac.signal }).catch((e) => e);
    await until(async () => (await empty.stats()).waitingPullers === 1 && (await full.stats()).waitingPushers === 1);
    ac.abort(new Error('both'));
    expect((await a).message).toBe('both');
    expect((await b).message).toBe('both');
    await empty.push('later');
    expect(await empty.pull()).toBe('later');
    expect(await full.pullMany(5)).toEqual(['kept']);
  });
});

describe('iteration', () => {
  it('iterator return() while a next() waits withdraws it; the value pushed afterwards goes to the next pull', async () => {
    const ch = open<string>('iter-return', { capacity: 2 });
    const it = ch[Symbol.asyncIterator]();
    const n = it.next();
    await until(async () => (await ch.stats()).waitingPullers === 1);
    const r = await it.return!();
    expect(r.done).toBe(true);
    const nr = await n;
    expect(nr.done).toBe(true);
    await ch.push('after');
    expect(await ch.pull()).toBe('after');
  });

  it('two concurrent for-await consumers: each value exactly once', async () => {
    const ch = open<number>('two-consumers', { capacity: 50 });
    for (let i = 0; i < 30; i++) await ch.push(i);
    await ch.close();
    const consume = async () => {
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      return got;
    };
    const [a, b] = await Promise.all([consume(), consume()]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(a).toEqual([...a].sort((x, y) => x - y));
  });

  it('un-awaited next() calls on one iterator come in FIFO order', async () => {
    const ch = open<number>('iter-next', { capacity: 10 });
    for (let i = 0; i < 5; i++) await ch.push(i);
    const it = ch[Symbol.asyncIterator]();
    const rs = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(rs.map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('argument checking', () => {
  it('bad ids and names are TypeErrors that name the problem', async () => {
    const ch = open<number>('ids', { capacity: 5 });
    const e1 = await ch.push(1, { id: '' }).catch((e) => e);
    expect(e1).toBeInstanceOf(TypeError);
    const e2 = await ch.push(1, { id: 'x'.repeat(257) }).catch((e) => e);
    expect(e2).toBeInstanceOf(TypeError);
    const e3 = await ch.push(1, { id: 5 as any }).catch((e) => e);
    expect(e3).toBeInstanceOf(TypeError);
    expect(() => durableChannel(env.CHANNELS as any, '')).toThrow(TypeError);
    expect((await ch.stats()).size).toBe(0);
  });

  it('pullMany with a large max (local meaning: any positive integer) takes what is there', async () => {
    const ch = open<number>('many-large', { capacity: Infinity });
    for (let i = 0; i < 3; i++) await ch.push(i);
    const r = await ch.pullMany(5000).then(
      (v) => v,
      (e) => e,
    );
    expect(r).toEqual([0, 1, 2]);
  });

  it('a thenable value is refused with TypeError', async () => {
    const ch = open<unknown>('thenable', { capacity: 5 });
    // biome-ignore lint/suspicious/noThenProperty: a thenable value is the point of the test
    const e = await ch.push({ then() {} } as any).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
  });

  it('close with a class-instance reason arrives as an Error carrying its message', async () => {
    class MyErr extends Error {
      code = 9;
    }
    const ch = open<number>('close-class', { capacity: 5 });
    await ch.close(new MyErr('custom'));
    const e = await ch.pull().catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.cause.message).toContain('custom');
  });
});

describe('waiting across slices', () => {
  it('a push waiting on a full channel across several slices keeps its place ahead of a later push', async () => {
    const ch = open<string>('slice-push', { capacity: 1, sliceMs: 80 });
    await ch.push('head');
    const first = ch.push('first');
    // The second push starts once the first waits at the object: two calls have no order but the
    // one they reach the object in.
    await until(async () => (await ch.stats()).waitingPushers === 1);
    await sleep(250); // several slices
    const second = ch.push('second');
    await until(async () => (await ch.stats()).waitingPushers === 2);
    await sleep(250);
    expect(await ch.pull()).toBe('head');
    expect(await ch.pull()).toBe('first');
    expect(await ch.pull()).toBe('second');
    await Promise.all([first, second]);
  });

  it('pulls from two clients waiting across slices are served in the order they started', async () => {
    const name = freshName('slice-pull');
    const a = durableChannel<string>(env.CHANNELS as any, name, { sliceMs: 80 } as any);
    const b = durableChannel<string>(env.CHANNELS as any, name, { sliceMs: 80 } as any);
    const order: string[] = [];
    const pa = a.pull().then((v) => order.push(`a:${v}`));
    await until(async () => (await a.stats()).waitingPullers === 1); // a waits at the object first
    await sleep(200); // several slices
    const pb = b.pull().then((v) => order.push(`b:${v}`));
    await until(async () => (await a.stats()).waitingPullers === 2);
    await sleep(200);
    await a.push('1');
    await a.push('2');
    await Promise.all([pa, pb]);
    expect(order.sort()).toEqual(['a:1', 'b:2']);
  });
});
