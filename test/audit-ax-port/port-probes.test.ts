/**
 * Auditor AX — port probes over a Node MessageChannel (same thread), public API only.
 */
import { Channel, ChannelClosedError, pull, select } from 'chanasync';

const drain = <T>(ch: Channel<T>): T[] => {
  ch.close();
  const out: T[] = [];
  for (;;) {
    const v = ch.tryPull();
    if (v === undefined) return out;
    out.push(v as T);
  }
};

import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('multiplexing', () => {
  it('a stalled stream does not hold back another stream on the same port', async () => {
    const { port1, port2 } = new MessageChannel();
    const la = new Channel<number>(100);
    const lb = new Channel<number>(100);
    const ra = fromPort<number>(port2, { name: 'a', capacity: 1 });
    const rb = fromPort<number>(port2, { name: 'b', capacity: 2 });
    const da = toPort(la, port1, { name: 'a' });
    const db = toPort(lb, port1, { name: 'b' });
    for (let i = 0; i < 50; i++) {
      la.push(i);
      lb.push(i);
    }
    lb.close();
    const got: number[] = [];
    for await (const v of rb) got.push(v);
    expect(got.length).toBe(50);
    expect(await db).toEqual({ sent: 50, undelivered: [] });
    ra.close();
    const ra2 = await da;
    expect(ra2.sent + ra2.undelivered.length + la.size).toBe(50);
    port1.close();
  });
});

describe('abort accounting', () => {
  it('abort with values in flight: sent + undelivered + left locally = pushed; remote holds exactly `sent`', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(20);
    const remote = fromPort<number>(port2, { capacity: 4 });
    const ac = new AbortController();
    for (let i = 0; i < 10; i++) local.push(i);
    const done = toPort(local, port1, { signal: ac.signal });
    await sleep(30);
    expect(await remote.pull()).toBe(0);
    // the sender now has credit for one more; abort in the same turn as the grant
    await Promise.resolve();
    ac.abort(new Error('stop'));
    const result = await done;
    const remoteGot: number[] = [await remote.pull().catch(() => -1)];
    while (true) {
      const v = await remote.pull().catch((e) => e);
      if (v instanceof ChannelClosedError) break;
      remoteGot.push(v);
    }
    const remoteVals = [0, ...remoteGot.filter((v) => v !== -1)];
    expect(result.sent).toBe(remoteVals.length);
    const all = [...remoteVals, ...result.undelivered, ...(await local.pullMany(100))];
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    port1.close();
  });
});

describe('transfer', () => {
  it('transfer throwing for the third value of a batch: toPort rejects with all values accounted', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<{ n: number; buf: ArrayBuffer }>(10);
    const remote = fromPort<{ n: number; buf: ArrayBuffer }>(port2, { capacity: 10 });
    const done = toPort(local, port1, {
      transfer: (v) => {
        if (v.n === 2) throw new Error('bad transfer');
        return [v.buf];
      },
    });
    await sleep(20);
    for (let n = 0; n < 5; n++) local.push({ n, buf: new ArrayBuffer(8) });
    const err: any = await done.catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    const got: number[] = [];
    const closeErr = await (async () => {
      try {
        for await (const v of remote) got.push(v.n);
      } catch (e) {
        return e;
      }
    })();
    expect(closeErr).toBeInstanceOf(Error);
    expect(err.sent).toBe(got.length);
    expect([...got, ...err.undelivered.map((v: any) => v.n), ...drain(local).map((v) => v.n)]).toEqual([0, 1, 2, 3, 4]);
    port1.close();
  });

  it('transfer returning the same buffer twice for one value moves it once', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<ArrayBuffer>(10);
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 10 });
    const done = toPort(local, port1, { transfer: (b) => [b, b] });
    const buf = new Uint8Array([1, 2, 3]).buffer;
    await local.push(buf);
    local.close();
    const got = await remote.pull();
    expect(new Uint8Array(got)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });
});

describe('receiver re-created', () => {
  it('a fromPort re-created with the same name after closing pairs with the still-running toPort? no: with a new toPort, and gets the rest', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(10);
    for (let i = 0; i < 6; i++) local.push(i);
    const r1 = fromPort<number>(port2, { name: 'x', capacity: 1 });
    const d1 = toPort(local, port1, { name: 'x' });
    expect(await r1.pull()).toBe(0);
    r1.close();
    const res1 = await d1;
    const r2 = fromPort<number>(port2, { name: 'x', capacity: 1 });
    local.close();
    const d2 = toPort(local, port1, { name: 'x' });
    const got: number[] = [];
    for await (const v of r2) got.push(v);
    const res2 = await d2;
    expect([0, ...res1.undelivered, ...got]).toEqual([0, ...res1.undelivered, ...got]);
    expect(res1.sent + res1.undelivered.length + res2.sent).toBe(6);
    port1.close();
  });
});

describe('select and iteration over fromPort', () => {
  it('select over a capacity-0 fromPort and a local channel: the local case wins, the remote value is not lost', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(port2, { capacity: 0 });
    const done = toPort(local, port1);
    const other = new Channel<string>(1);
    other.push('o');
    await sleep(20);
    const r = await select([pull(remote), pull(other)]);
    expect(r.index).toBe(1);
    const p = local.push(7);
    await sleep(20);
    expect(await remote.pull()).toBe(7);
    await p;
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    port1.close();
  });

  it('break out of for-await over a fromPort: the sender stops, every value accounted', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(100);
    for (let i = 0; i < 50; i++) local.push(i);
    const remote = fromPort<number>(port2, { capacity: 8 });
    const done = toPort(local, port1);
    const got: number[] = [];
    for await (const v of remote) {
      got.push(v);
      if (v === 9) break;
    }
    remote.close(); // break does not close (SPEC); closing stops the sender
    const res = await done;
    const bufferedRemote = drain(remote);
    expect([...got, ...bufferedRemote, ...res.undelivered, ...drain(local)]).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(res.sent).toBe(got.length + bufferedRemote.length);
    port1.close();
  });
});
