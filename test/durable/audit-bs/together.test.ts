// Blind acceptance tests (audit BS-durable): operations one client starts in one synchronous run
// (README "Operations started together without awaiting").
import { describe, expect, it } from 'vitest';
import { ChannelClosedError } from '../../../src/index.js';
import { fresh, open, until } from './util.js';

describe('joint runs', () => {
  it('300 pushes in one run (more than one joint call) are stored in order', async () => {
    const ch = open<number>(fresh('tg-300'));
    await Promise.all(Array.from({ length: 300 }, (_, i) => ch.push(i)));
    const out: number[] = [];
    while (out.length < 300) out.push(...(await ch.pullMany(1000)));
    expect(out).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await ch.close();
  });

  it('a value Workers RPC refuses in the middle of a run: its push rejects, the others keep their order', async () => {
    const ch = open<unknown>(fresh('tg-bad-rpc'));
    const results = await Promise.allSettled([
      ch.push(1),
      ch.push(2),
      ch.push(new URL('http://x/')),
      ch.push(3),
      ch.push(4),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect(await ch.tryPullMany(10)).toEqual([1, 2, 3, 4]);
    await ch.close();
  });

  it('a value storage refuses in the middle of a run: its push rejects, the others keep their order', async () => {
    const ch = open<unknown>(fresh('tg-bad-store'));
    const big = 'x'.repeat(3 * 1024 * 1024);
    const results = await Promise.allSettled([ch.push(1), ch.push(big), ch.push(2), ch.push({ f() {} }), ch.push(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect(await ch.tryPullMany(10)).toEqual([1, 2, 3]);
    await ch.close();
  });

  it('one id twice in one run stores the first value once', async () => {
    const ch = open<string>(fresh('tg-dup'));
    await Promise.all([ch.push('one', { id: 'k' }), ch.push('two'), ch.push('three', { id: 'k' })]);
    expect(await ch.tryPullMany(10)).toEqual(['one', 'two']);
    await ch.close();
  });

  it('pulls in one run, some with an aborted signal: the others take in order, nothing is lost', async () => {
    const ch = open<number>(fresh('tg-pull-abort'));
    for (let i = 0; i < 4; i++) await ch.push(i);
    const aborted = AbortSignal.abort('no');
    const results = await Promise.allSettled([
      ch.pull(),
      ch.pull({ signal: aborted }),
      ch.pull(),
      ch.pullMany(2, { signal: aborted }),
      ch.pull(),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : `x:${r.reason}`))).toEqual([
      0,
      'x:no',
      1,
      'x:no',
      2,
    ]);
    expect(await ch.tryPullMany(10)).toEqual([3]);
    await ch.close();
  });

  it('pull(); close() in one run: the pull is failed by the close, as locally', async () => {
    const ch = open<number>(fresh('tg-pull-close'), { sliceMs: 300 });
    const [p, c] = await Promise.allSettled([ch.pull(), ch.close('r')]);
    expect(c.status).toBe('fulfilled');
    expect(p.status).toBe('rejected');
    const e = (p as PromiseRejectedResult).reason as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('r');
  });

  it('push(1); pull(); close() in one run: the pull gets 1', async () => {
    const ch = open<number>(fresh('tg-ppc'));
    const [, p] = await Promise.all([ch.push(1), ch.pull(), ch.close()]);
    expect(p).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('pullMany takes stored values only; waiting pushes are stored in order after it', async () => {
    const name = fresh('tg-pullmany-waiters');
    const ch = open<number>(name, { capacity: 2, sliceMs: 300 });
    await ch.push(1);
    await ch.push(2);
    const w3 = open<number>(name, { capacity: 2, sliceMs: 300 }).push(3);
    await until(async () => (await ch.stats()).waitingPushers === 1);
    const w4 = open<number>(name, { capacity: 2, sliceMs: 300 }).push(4);
    await until(async () => (await ch.stats()).waitingPushers === 2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    await Promise.all([w3, w4]);
    expect(await ch.pullMany(10)).toEqual([3, 4]);
    await ch.close();
  });
});
