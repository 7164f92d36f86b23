import { Channel, ChannelClosedError, merge, pull, push, select, selectNowait } from 'chanasync';
import { expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

it('duplicate ready pull cases on one channel are chosen uniformly', async () => {
  const a = new Channel<number>(Infinity);
  for (let i = 0; i < 3000; i++) a.pushNowait(i);
  const c = [0, 0, 0];
  for (let i = 0; i < 3000; i++) c[(await select([pull(a), pull(a), pull(a)])).index]!++;
  for (const n of c) expect(n).toBeGreaterThan(850);
});

it('a drop-mode push case and a ready pull case are chosen uniformly', () => {
  const d = new Channel<number>(1, { overflow: 'drop-oldest' });
  const b = new Channel<number>(Infinity);
  for (let i = 0; i < 2000; i++) b.pushNowait(i);
  const c = [0, 0];
  for (let i = 0; i < 2000; i++) c[selectNowait([push(d, 1), pull(b)])!.index]!++;
  expect(Math.abs(c[0]! - c[1]!)).toBeLessThan(200);
});

it('two parked selects each with push+pull on the same unbuffered channel pair up crosswise', async () => {
  for (let i = 0; i < 100; i++) {
    const x = new Channel<number>();
    const [r1, r2] = await Promise.all([select([push(x, 1), pull(x)]), select([push(x, 2), pull(x)])]);
    const good =
      (r1.index === 0 && r2.index === 1 && r2.value === 1) || (r1.index === 1 && r1.value === 2 && r2.index === 0);
    expect(good).toBe(true);
    expect(x.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  }
});

it('from(ReadableStream): closing the channel cancels the stream with the reason and unlocks it', async () => {
  let cancelled: unknown;
  const rs = new ReadableStream<number>(
    {
      pull: (c) => c.enqueue(1),
      cancel: (r) => {
        cancelled = r;
      },
    },
    { highWaterMark: 0 },
  );
  const ch = Channel.from(rs);
  expect(await ch.pull()).toBe(1);
  ch.close('bye');
  await tick();
  expect(cancelled).toBe('bye');
  expect(rs.locked).toBe(false);
});

it('from(): a source whose next() never settles does not keep consumers waiting after close/abort', async () => {
  const hang = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<number>>(() => {}) }) };
  const ch = Channel.from(hang);
  const p = ch.pull();
  await tick();
  ch.close();
  await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  const ac = new AbortController();
  const ch2 = Channel.from(hang, { signal: ac.signal });
  const q = ch2.pull();
  await tick();
  ac.abort();
  await expect(q).rejects.toBeInstanceOf(ChannelClosedError);
});

it('from(): a generator whose finally throws on release does not crash the program', async () => {
  async function* g() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      // biome-ignore lint: test
      throw new Error('finally throws');
    }
  }
  const ch = Channel.from(g(), { capacity: 1 });
  expect(await ch.pull()).toBe(0);
  ch.close();
  for (let i = 0; i < 5; i++) await tick();
  expect(ch.closed).toBe(true);
});

it('merge: an input closed with a reason ends the merge at once; the other input keeps its values (documented)', async () => {
  const a = new Channel<number>();
  const b = new Channel<number>(3);
  b.pushNowait(1);
  b.pushNowait(2);
  const m = merge(a, b);
  a.close(new Error('A failed'));
  await tick();
  const got: number[] = [];
  let err: unknown;
  try {
    for await (const v of m) got.push(v);
  } catch (e) {
    err = e;
  }
  expect((err as Error).message).toBe('A failed');
  // nothing lost: whatever the merge did not deliver is still in b
  const rest: number[] = [];
  for (let v = b.tryPull(); v !== undefined; v = b.tryPull()) rest.push(v);
  expect([...got, ...rest]).toEqual([1, 2]);
});
