import { broadcast, Channel, ChannelClosedError, pull as pullCase, push as pushCase, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('abort/close in the same tick as a batch commit', () => {
  it('parked pushers taken by pullMany, then their signals abort in the same tick: pushes resolve', async () => {
    const ch = new Channel<number>(0);
    const acs = [new AbortController(), new AbortController()];
    const ps = [1, 2].map((v, i) =>
      ch.push(v, { signal: acs[i]!.signal }).then(
        () => 'ok',
        (e) => e,
      ),
    );
    const got = ch.pullMany(5);
    for (const ac of acs) ac.abort('late');
    expect(await got).toEqual([1, 2]);
    expect(await Promise.all(ps)).toEqual(['ok', 'ok']);
  });
  it('parked select push case taken by pullMany, select aborted same tick: select resolves with that case', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const s = select([pushCase(ch, 7), pullCase(new Channel<number>())], { signal: ac.signal });
    const got = ch.pullMany(5);
    ac.abort('late');
    expect(await got).toEqual([7]);
    expect((await s).index).toBe(0);
  });
  it('tryPull of a parked pushAll value then close in the same tick: pushed counts it', async () => {
    const ch = new Channel<number>(0);
    const pa = ch.pushAll([1, 2, 3]);
    await sleep(0);
    expect(ch.tryPull()).toBe(1);
    ch.close();
    const e = await pa.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(1);
  });
  it('pullMany taking a parked pushAll value, then pushAll aborted same tick: pushed = 1 and buffer untouched', async () => {
    const ch = new Channel<number>(1);
    ch.tryPush(0);
    const ac = new AbortController();
    const pa = ch.pushAll([1, 2, 3], { signal: ac.signal });
    await sleep(0);
    const got = ch.pullMany(5); // takes 0 and 1 in one commit
    ac.abort(new Error('stop'));
    expect(await got).toEqual([0, 1]);
    const e = await pa.catch((x) => x);
    expect(e.pushed).toBe(1);
    expect(ch.tryPull()).toBe(undefined);
  });
  it('close in the same tick after pushAll committed everything synchronously: resolves', async () => {
    const ch = new Channel<number>(3);
    const pa = ch.pushAll([1, 2, 3]);
    ch.close();
    await expect(pa).resolves.toBeUndefined();
    expect(await ch.pullMany(5)).toEqual([1, 2, 3]);
  });
  it('pullMany parked, close(reason) and push same tick: close wins, ChannelClosedError with cause', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pullMany(2);
    ch.close('r');
    expect(ch.tryPush(1)).toBe(false);
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('r');
  });
  it('a subscriber aborted in the same tick as the source commit: gets the value or is closed before it, others always get it', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const ac = new AbortController();
    const a = hub.subscribe({ capacity: 2, signal: ac.signal });
    const b = hub.subscribe({ capacity: 2 });
    await sleep(0);
    const ok = src.tryPush(1);
    ac.abort();
    expect(ok).toBe(true);
    expect(b.tryPull()).toBe(1);
    expect(a.closed).toBe(true);
    expect(a.tryPull()).toBe(1); // delivered before it left
    await src.push(2);
    expect(b.tryPull()).toBe(2);
  });
  it('the pull of a closed-with-reason source ending: subscribers pulling with pullMany get the values then cause', async () => {
    const src = new Channel<number>(3);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 3 });
    src.tryPush(1);
    src.tryPush(2);
    src.close(new Error('end'));
    await sleep(0);
    expect(await a.pullMany(10)).toEqual([1, 2]);
    const e = await a.pullMany(10).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause?.message).toBe('end');
  });
});
