import { Channel, ChannelClosedError, pull, push, select } from 'chanasync';
import { expect, it } from 'vitest';

it('parked push moved into the buffer by a pull, then aborted in the same tick: resolves, value kept', async () => {
  const ch = new Channel<number>(1);
  ch.pushNowait(1);
  const ac = new AbortController();
  const p = ch.push(2, { signal: ac.signal });
  expect(ch.pullNowait()).toBe(1);
  ac.abort('late');
  await expect(p).resolves.toBeUndefined();
  expect(ch.pullNowait()).toBe(2);
});

it('parked push moved into the buffer, then close in the same tick: resolves, value readable', async () => {
  const ch = new Channel<number>(1);
  ch.pushNowait(1);
  const p = ch.push(2);
  const q = ch.push(3);
  expect(ch.tryPull()).toBe(1);
  ch.close();
  await expect(p).resolves.toBeUndefined();
  await expect(q).rejects.toBeInstanceOf(ChannelClosedError);
  expect(ch.tryPull()).toBe(2);
  expect(ch.tryPull()).toBeUndefined();
});

it('pullMany commit then aborts/close in the same tick: every taken pusher resolves', async () => {
  const ch = new Channel<number>();
  const ac = new AbortController();
  const ps = [1, 2, 3].map((v) => ch.push(v, { signal: ac.signal }));
  const got = await ch.pullMany(2);
  ac.abort('x');
  ch.close();
  expect(got).toEqual([1, 2]);
  await expect(ps[0]).resolves.toBeUndefined();
  await expect(ps[1]).resolves.toBeUndefined();
  await expect(ps[2]).rejects.toBe('x');
});

it('select push case committed to a pullMany, then signal aborts in the same tick: resolves', async () => {
  const ch = new Channel<number>();
  const other = new Channel<number>();
  const ac = new AbortController();
  const s = select([push(ch, 5), pull(other)], { signal: ac.signal });
  const m = ch.pullMany(4);
  ac.abort('late');
  expect(await m).toEqual([5]);
  expect(await s).toMatchObject({ index: 0, ok: true });
  expect(other.stats().waitingPullers).toBe(0);
});

it('close(reason) in the same tick as a select push commit: select resolves', async () => {
  const ch = new Channel<number>();
  const s = select([push(ch, 5)]);
  const v = ch.tryPull();
  ch.close('r');
  expect(v).toBe(5);
  expect(await s).toMatchObject({ index: 0 });
});

it('iterator next() resolved then return() in the same tick keeps the value', async () => {
  const ch = new Channel<number>();
  const it = ch[Symbol.asyncIterator]();
  const n = it.next();
  ch.pushNowait(1);
  await it.return!();
  expect(await n).toEqual({ done: false, value: 1 });
});

it('stream read committed then cancel in the same tick still gets the value', async () => {
  const ch = new Channel<number>();
  const r = ch.toReadableStream().getReader();
  const rd = r.read();
  await new Promise((res) => setTimeout(res, 0));
  ch.pushNowait(1);
  const c = r.cancel();
  expect(await rd).toEqual({ done: false, value: 1 });
  await c;
  expect(ch.closed).toBe(false);
});
