/**
 * Blind specification pass (audit BP): edge cases of "Durable channels on Cloudflare" —
 * aborted waiting pushes, tryPush behind a waiting push, several iterators, close reasons
 * that cannot be stored, push ids, pullMany bounds, leased values and close.
 */
import { ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { channel, outcome, sleep, uniqueName, until } from './helpers.js';

describe('waiting pushes', () => {
  it('a waiting push aborted by its signal rejects with the reason and is never stored', async () => {
    const ch = channel<number>(uniqueName('abort-push'), { capacity: 1, sliceMs: 300 });
    await ch.push(1);
    const controller = new AbortController();
    const reason = new Error('no longer');
    const pushing = outcome(ch.push(2, { signal: controller.signal }));
    await sleep(400);
    controller.abort(reason);
    expect(await pushing).toEqual({ ok: false, error: reason });
    expect(await ch.pull()).toBe(1);
    await sleep(300);
    expect(await ch.tryPull()).toBeUndefined();
    expect((await ch.stats()).waitingPushers).toBe(0);
  });

  it('tryPush answers false while a push waits before it, even when a slot frees', async () => {
    const name = uniqueName('try-behind');
    const ch = channel<string>(name, { capacity: 1, sliceMs: 300 });
    await ch.push('a');
    const waiting = ch.push('b');
    await until(async () => (await ch.stats()).waitingPushers === 1, 'the push to wait');
    expect(await channel<string>(name).tryPush('c')).toBe(false);
    expect(await ch.pull()).toBe('a');
    await waiting;
    expect(await ch.pull()).toBe('b');
  });
});

describe('iteration', () => {
  it('several iterators share the values, each value to exactly one', async () => {
    const name = uniqueName('iters');
    const producer = channel<number>(name);
    for (let i = 0; i < 12; i++) await producer.push(i);
    await producer.close();
    const consume = async () => {
      const got: number[] = [];
      for await (const v of channel<number>(name)) got.push(v);
      return got;
    };
    const [a, b] = await Promise.all([consume(), consume()]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    for (const got of [a, b]) expect(got).toEqual([...got].sort((x, y) => x - y));
  });
});

describe('close reasons', () => {
  it('a reason that cannot be stored is stored as an Error with its message', async () => {
    const ch = channel<number>(uniqueName('bad-reason'));
    await ch.close({ message: 'with a function', fn() {} });
    const result = await outcome(ch.pull());
    const error = (result as { error: ChannelClosedError }).error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toContain('with a function');
  });

  it('an Error reason keeps its message for readers', async () => {
    const ch = channel<number>(uniqueName('err-reason'));
    await ch.close(new TypeError('typed'));
    let thrown: unknown;
    try {
      for await (const _ of ch) {
        // nothing
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toBe('typed');
  });
});

describe('push ids', () => {
  it('an empty or over-long id is refused with a TypeError, and nothing is stored', async () => {
    const ch = channel<number>(uniqueName('bad-id'));
    await expect(ch.push(1, { id: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(1, { id: 'x'.repeat(257) })).rejects.toBeInstanceOf(TypeError);
    await ch.push(1, { id: 'x'.repeat(256) });
    expect((await ch.stats()).size).toBe(1);
  });

  it('ids are exact: ids that differ only in case are two values', async () => {
    const ch = channel<string>(uniqueName('id-case'));
    await ch.push('lower', { id: 'job' });
    await ch.push('upper', { id: 'JOB' });
    expect(await ch.pullMany(10)).toEqual(['lower', 'upper']);
  });

  it('the same id in two channels stores a value in each', async () => {
    const a = channel<string>(uniqueName('id-a'));
    const b = channel<string>(uniqueName('id-b'));
    await a.push('x', { id: 'shared' });
    await b.push('y', { id: 'shared' });
    expect(await a.pull()).toBe('x');
    expect(await b.pull()).toBe('y');
  });
});

describe('pullMany bounds', () => {
  it('a max above 1000 takes what is there', async () => {
    const ch = channel<number>(uniqueName('many-big'));
    for (const v of [1, 2, 3]) await ch.push(v);
    expect(await ch.pullMany(5000)).toEqual([1, 2, 3]);
  });

  it('a non-number max is a TypeError', async () => {
    const ch = channel<number>(uniqueName('many-nan'));
    await expect(ch.pullMany('3' as unknown as number)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('capacity with leased values', () => {
  it('tryPull does not see values already handed out, and a closed channel stays readable until drained', async () => {
    const ch = channel<number>(uniqueName('leased'), { capacity: 2 });
    await ch.push(1);
    await ch.push(2);
    await ch.close();
    expect(await ch.pullMany(1)).toEqual([1]);
    expect(await ch.tryPull()).toBe(2);
    expect(await ch.tryPull()).toBeUndefined();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, closed: true });
  });
});

describe('capacity mismatch on every operation', () => {
  it('tryPush, tryPull, pullMany and close of a client with another capacity are RangeErrors too', async () => {
    const name = uniqueName('cap-every');
    await channel<number>(name, { capacity: Infinity }).push(1);
    expect((await channel<number>(name).stats()).capacity).toBe(Infinity);
    const other = channel<number>(name, { capacity: 5 });
    await expect(other.tryPush(2)).rejects.toBeInstanceOf(RangeError);
    await expect(other.tryPull()).rejects.toBeInstanceOf(RangeError);
    await expect(other.pullMany(2)).rejects.toBeInstanceOf(RangeError);
    await expect(other.close()).rejects.toBeInstanceOf(RangeError);
    expect(await channel<number>(name).stats()).toMatchObject({ size: 1, closed: false });
  });
});
