/**
 * Auditor AW — port: combinations and realistic programs (fan-out to a pool, stream reuse,
 * heartbeat-only death, transfer + undelivered, capacity-0 pull aborted after its credit).
 */
import { Channel, ChannelError } from 'chanasync';
import { fromPort, GONE_AFTER_MS, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';
import { paired } from '../helpers/ports.js';
import { link, parkThenAbortPulls, sleep } from './link.js';

/** A PortLike over a MessagePort that can be "killed": it then silently drops everything, like a terminated Chromium worker. */
function killable(port: MessagePort) {
  let dead = false;
  /** The highest `committed` this side posted in a `credit` (its acknowledgement of values). */
  let acknowledged = 0;
  const listeners = new Map<any, any>();
  const like = {
    postMessage(m: any, t?: any) {
      if (!dead && m?.type === 'credit') acknowledged = Math.max(acknowledged, m.committed);
      if (!dead) (port.postMessage as any)(m, t);
    },
    addEventListener(type: string, fn: any, opts?: any) {
      const wrapped = (e: any) => {
        if (!dead) typeof fn === 'function' ? fn(e) : fn.handleEvent(e);
      };
      listeners.set(fn, wrapped);
      port.addEventListener(type as any, wrapped, opts);
      if (type === 'message') port.start();
    },
    removeEventListener(type: string, fn: any) {
      const w = listeners.get(fn);
      if (w) port.removeEventListener(type as any, w);
    },
  };
  return { like: like as unknown as PortLike, kill: () => (dead = true), acknowledged: () => acknowledged };
}

describe('fan-out to a pool', () => {
  it('one local channel sent over three ports: each value reaches exactly one receiver', async () => {
    const local = new Channel<number>(4);
    const pairs = [0, 1, 2].map(() => new MessageChannel());
    const dones = pairs.map(({ port1 }) => toPort(local, port1));
    const remotes = pairs.map(({ port2 }, i) => fromPort<number>(port2, { capacity: i + 1 }));
    const producer = (async () => {
      for (let i = 0; i < 300; i++) await local.push(i);
      local.close();
    })();
    const seen = await Promise.all(
      remotes.map(async (r, i) => {
        const got: number[] = [];
        for await (const v of r) {
          got.push(v);
          if (i === 0) await sleep(1);
        }
        return got;
      }),
    );
    await producer;
    const results = await Promise.all(dones);
    const all = seen.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const s of seen) expect(s).toEqual([...s].sort((a, b) => a - b));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(300);
    for (const { port1, port2 } of pairs) {
      port1.close();
      port2.close();
    }
  });
});

describe('reuse of a name on the same port', () => {
  it('after a stream ended, a new toPort/fromPort of the same name on the same ports works', async () => {
    const { port1, port2 } = new MessageChannel();
    for (let round = 0; round < 3; round++) {
      const local = new Channel<number>(Infinity);
      local.pushNowait(round);
      local.close();
      const remote = fromPort<number>(port2, { capacity: 1 });
      const done = toPort(local, port1);
      const got: number[] = [];
      for await (const v of remote) got.push(v);
      expect(got).toEqual([round]);
      expect(await done).toEqual({ sent: 1, undelivered: [] });
    }
    port1.close();
    port2.close();
  });

  it('a second toPort of the same name while one runs is a TypeError (naming toPort)', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = new Channel<number>();
    const running = toPort(a, port1, { name: 'dup' });
    const err = await toPort(new Channel<number>(), port1, { name: 'dup' }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/toPort/);
    const remote = fromPort<number>(port2, { name: 'dup' });
    await paired(port1); // a fromPort closed before pairing tells no sender: README
    remote.close();
    a.close();
    await running;
    port1.close();
    port2.close();
  });
});

describe('death detection by heartbeat only (no close event)', () => {
  it('receiver context silently gone: toPort resolves within GONE_AFTER_MS + 3 s, undelivered lists what was not acknowledged', async () => {
    const { port1, port2 } = new MessageChannel();
    const recv = killable(port2);
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) local.pushNowait(i);
    const remote = fromPort<number>(recv.like, { capacity: 3 });
    const done = toPort(local, port1);
    const got = [await remote.pull(), await remote.pull()];
    expect(got).toEqual([0, 1]);
    // The receiver acknowledges in a `credit` a task after it commits: die once all 5 are acknowledged.
    await until(() => remote.size === 3 && recv.acknowledged() === 5);
    recv.kill();
    const t0 = Date.now();
    const result = await Promise.race([done, sleep(GONE_AFTER_MS + 6000).then(() => 'hang' as const)]);
    expect(result).not.toBe('hang');
    if (result === 'hang') return;
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThan(GONE_AFTER_MS - 600);
    expect(elapsed).toBeLessThan(GONE_AFTER_MS + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    const remaining: number[] = [];
    while (local.size > 0) remaining.push(local.pullNowait());
    expect(result.sent).toBe(5); // 2 pulled + 3 buffered remotely, all acknowledged before the kill
    expect([...result.undelivered, ...remaining]).toEqual(Array.from({ length: 15 }, (_, i) => i + 5));
    port1.close();
    port2.close();
    remote.close();
  }, 20_000);

  it('sender context silently gone: receiver closes with ChannelError within GONE_AFTER_MS + 3 s, buffered values readable', async () => {
    const { port1, port2 } = new MessageChannel();
    const send = killable(port1);
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) local.pushNowait(i);
    const remote = fromPort<number>(port2, { capacity: 10 });
    void toPort(local, send.like);
    await until(() => remote.size === 5); // the 5 values arrived before the sender dies (100 ms was a guess)
    send.kill();
    const t0 = Date.now();
    const got: number[] = [];
    const end = await Promise.race([
      (async () => {
        try {
          for await (const v of remote) {
            got.push(v);
          }
          return 'normal';
        } catch (e) {
          return e;
        }
      })(),
      sleep(GONE_AFTER_MS + 6000).then(() => 'hang'),
    ]);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(end).toBeInstanceOf(ChannelError);
    expect((end as Error).message).toMatch(/gone/);
    expect(Date.now() - t0).toBeLessThan(GONE_AFTER_MS + 3000); // 5 to 5.5 s, and a loaded machine's late timers
    port1.close();
    port2.close();
  }, 20_000);
});

describe('transfer and undelivered', () => {
  it('receiver closes with transferred values in flight: they come back in undelivered (buffers detached), none lost', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<ArrayBuffer>(Infinity);
    const remote = fromPort<ArrayBuffer>(port2, { capacity: 4 });
    const done = toPort(local, port1, { transfer: (b) => [b] });
    await paired(port1); // a fromPort closed before pairing tells no sender: README
    for (let i = 0; i < 8; i++) local.pushNowait(new Uint8Array([i]).buffer);
    // Close the receiver in the same macrotask as the values are posted.
    await Promise.resolve();
    remote.close();
    const result = await done;
    const buffered: number[] = [];
    while (remote.size > 0) buffered.push(new Uint8Array(remote.pullNowait())[0]!);
    const left: number[] = [];
    while (local.size > 0) left.push(new Uint8Array(local.pullNowait())[0]!);
    expect(result.sent).toBe(buffered.length);
    for (const b of result.undelivered) expect(b.byteLength).toBe(0);
    expect(buffered.length + result.undelivered.length + left.length).toBe(8);
    port1.close();
    port2.close();
  });
});

describe('capacity 0 and abandoned remote pulls', () => {
  it('a remote pull aborted after its credit was granted: the value is not lost (taken by the next pull, or undelivered on close)', async () => {
    const { local, remote, done, closePorts } = link<string>(0);
    const [error] = await parkThenAbortPulls(remote, 1, new Error('gave up'));
    expect(error).toBeInstanceOf(Error);
    let pushed = false;
    const push = local.push('v').then(() => (pushed = true));
    await sleep(50);
    // the sender may have pulled it (it had credit). A new remote pull must get it.
    expect(await Promise.race([remote.pull(), sleep(1000).then(() => 'hang')])).toBe('v');
    await push;
    expect(pushed).toBe(true);
    local.close();
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    closePorts();
  });

  it('same, but the receiver closes instead: the value is listed undelivered', async () => {
    const { local, remote, done, closePorts } = link<string>(0);
    await parkThenAbortPulls(remote, 1);
    const push = local.push('w').catch((e) => e);
    await sleep(50);
    remote.close();
    const r = await done;
    const pushOutcome = await Promise.race([push, sleep(200).then(() => 'pending')]);
    if (pushOutcome === 'pending') {
      // not pulled from local: still waiting there
      expect(r).toEqual({ sent: 0, undelivered: [] });
      expect(local.tryPull()).toBe('w');
    } else {
      expect(r).toEqual({ sent: 0, undelivered: ['w'] });
    }
    closePorts();
  });

  it('a tryPull on the remote side after an aborted capacity-0 pull does not strand the arrived value', async () => {
    const { local, remote, done, closePorts } = link<string>(0);
    await parkThenAbortPulls(remote, 1);
    void local.push('z');
    await sleep(50);
    // README: tryPull on an empty channel does not see it; a pull does.
    const t = remote.tryPull();
    const v = t ?? (await Promise.race([remote.pull(), sleep(1000).then(() => 'hang')]));
    expect(v).toBe('z');
    local.close();
    await done;
    closePorts();
  });
});

describe('signals', () => {
  it('toPort signal abort: remote closes with that reason (ChannelClosedError cause), local values not pulled stay', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 3; i++) local.pushNowait(i);
    const remote = fromPort<number>(port2, { capacity: 1 });
    const ac = new AbortController();
    const done = toPort(local, port1, { signal: ac.signal });
    expect(await remote.pull()).toBe(0);
    ac.abort(new RangeError('operator stop'));
    const r = await done;
    const rest: number[] = [];
    let err: any;
    try {
      for await (const v of remote) rest.push(v);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('operator stop');
    const left: number[] = [];
    while (local.size > 0) left.push(local.pullNowait());
    expect([0, ...rest, ...r.undelivered, ...left].sort()).toEqual([0, 1, 2]);
    port1.close();
    port2.close();
  });

  it('an already-aborted toPort pulls nothing and the receiver stays open for the next sender', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const r = await toPort(local, port1, { signal: AbortSignal.abort() });
    expect(r).toEqual({ sent: 0, undelivered: [] });
    expect(local.size).toBe(1);
    await sleep(30);
    expect(remote.closed).toBe(false);
    local.close();
    const r2 = await toPort(local, port1);
    expect(r2).toEqual({ sent: 1, undelivered: [] });
    expect(await remote.pull()).toBe(1);
    port1.close();
    port2.close();
  });

  it('disposing the receiving channel (using) ends toPort', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    const done = toPort(local, port1);
    {
      const remote = fromPort<number>(port2, { capacity: 1 });
      local.pushNowait(1);
      expect(await remote.pull()).toBe(1);
      remote[Symbol.dispose]();
    }
    expect(await Promise.race([done, sleep(1000).then(() => 'hang')])).toEqual({ sent: 1, undelivered: [] });
    expect(local.closed).toBe(false);
    port1.close();
    port2.close();
  });

  it('remote for-await with break does not close the receiving channel; the stream goes on', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 6; i++) local.pushNowait(i);
    local.close();
    const remote = fromPort<number>(port2, { capacity: 1 });
    const done = toPort(local, port1);
    const first: number[] = [];
    for await (const v of remote) {
      first.push(v);
      if (v === 2) break;
    }
    const rest: number[] = [];
    for await (const v of remote) rest.push(v);
    expect([...first, ...rest]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await done).toEqual({ sent: 6, undelivered: [] });
    port1.close();
    port2.close();
  });
});
