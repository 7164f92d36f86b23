// BS-debug audit: throttle and change-detection edges, limits, ids, ports, throwing targets.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { LIMITS } from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BYE, fakeTarget, HELLO, say, settle, until } from './helpers.js';

afterEach(() => {
  disableDebug();
});

const quiet = (p: Promise<unknown>) => {
  p.catch(() => {});
  return p;
};

describe('change detection and throttle', () => {
  it('a change that is undone within the interval posts nothing', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 60 });
    const c = new Channel<number>(3, { name: 'undo' });
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'first');
    c.pushNowait(1);
    c.pullNowait();
    await new Promise((r) => setTimeout(r, 200));
    expect(t.snapshots()).toHaveLength(1);
    c.close();
  });

  it('a second hello within intervalMs posts nothing at once; the state follows when the interval ends', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 100 });
    const c = new Channel<number>(3, { name: 'h2' });
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(1); // "posts a snapshot at once"
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(1);
    await until(() => t.snapshots().length === 2, 'the state after the interval');
    expect(t.snapshots()[1].channels).toEqual(t.snapshots()[0].channels);
    c.close();
  });

  it('a hello after a bye (past the interval) gets the current state at once, even unchanged', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'again' });
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(1);
    say(listen, BYE);
    await new Promise((r) => setTimeout(r, 40));
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(2);
    expect(t.snapshots()[1].channels).toEqual(t.snapshots()[0].channels);
    c.close();
  });

  it('snapshot() has no seq; posted snapshots do, and seq keeps increasing across sessions', async () => {
    expect('seq' in snapshot()).toBe(false);
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    say(listen, HELLO);
    const c = new Channel<number>(1, { name: 's1' });
    await until(() => t.snapshots().length >= 1, 's1');
    disableDebug(); // posts an empty one
    const u = fakeTarget();
    enableDebug({ target: u.target, listen, intervalMs: 10 });
    say(listen, HELLO);
    await until(() => u.snapshots().length >= 1, 's2');
    expect(u.snapshots()[0].seq).toBeGreaterThan(t.snapshots().at(-1).seq);
    expect('seq' in snapshot()).toBe(false);
    c.close();
  });

  it('channel ids never repeat across enableDebug calls', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const a = new Channel<number>();
    const idA = snapshot().channels[0]!.id;
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const b = new Channel<number>();
    const idB = snapshot().channels[0]!.id;
    expect(idB).not.toBe(idA);
    a.close();
    b.close();
  });

  it('a target that throws on a snapshot stops posting until the next hello; channels keep working', async () => {
    let fail = false;
    const got: any[] = [];
    const listen = new EventTarget();
    const errors: unknown[] = [];
    const onErr = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onErr);
    try {
      enableDebug({
        target: {
          postMessage(m: any) {
            if (fail && m.type === 'snapshot') throw new Error('target broke');
            got.push(m);
          },
        },
        listen,
        intervalMs: 10,
      });
      const c = new Channel<number>(5, { name: 'thrower' });
      say(listen, HELLO);
      await until(() => got.some((m) => m.type === 'snapshot'), 'first');
      fail = true;
      c.pushNowait(1);
      await until(() => errors.length >= 1, 'the error reported', 5000).catch(() => {});
      c.pushNowait(2);
      expect(c.pullNowait()).toBe(1);
      fail = false;
      const n = got.length;
      c.pushNowait(3);
      await new Promise((r) => setTimeout(r, 60));
      expect(got.length).toBe(n);
      say(listen, HELLO);
      await until(() => got.length > n, 'snapshot after new hello');
      expect(got.at(-1).channels[0].size).toBe(2);
      c.close();
    } finally {
      process.off('uncaughtException', onErr);
    }
  });

  it('bye inside the target postMessage: no more snapshots', async () => {
    const listen = new EventTarget();
    const got: any[] = [];
    enableDebug({
      target: {
        postMessage(m: any) {
          got.push(m);
          if (m.type === 'snapshot') say(listen, BYE);
        },
      },
      listen,
      intervalMs: 10,
    });
    const c = new Channel<number>(5, { name: 'bye-inside' });
    say(listen, HELLO);
    expect(got.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(got.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    c.close();
  });

  it('disableDebug inside the target postMessage does not throw and posts nothing more', async () => {
    const listen = new EventTarget();
    const got: any[] = [];
    enableDebug({
      target: {
        postMessage(m: any) {
          got.push(m);
          if (m.type === 'snapshot' && m.channels.length) disableDebug();
        },
      },
      listen,
      intervalMs: 10,
    });
    const c = new Channel<number>(5, { name: 'off-inside' });
    say(listen, HELLO);
    const n = got.length;
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(got.length).toBe(n);
    expect(snapshot().channels).toEqual([]);
    c.close();
  });
});

describe('listen on a MessagePort', () => {
  it('hello through a MessagePort (started by enableDebug) connects; disable closes nothing the user owns', async () => {
    const { port1, port2 } = new MessageChannel();
    const t = fakeTarget();
    enableDebug({ target: t.target, listen: port1 as unknown as EventTarget, intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'via-port' });
    port2.postMessage(HELLO);
    await until(() => t.snapshots().length >= 1, 'a snapshot after a port hello');
    expect(t.snapshots()[0].channels[0].name).toBe('via-port');
    disableDebug();
    c.close();
    port1.close();
    port2.close();
  });
});

describe('limits', () => {
  it('huge capacities are null; names over 200 characters are cut', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const a = new Channel<number>(2 ** 53, { name: 'huge' });
    const long = 'x'.repeat(500);
    const b = new Channel<number>(1, { name: long });
    const chans = snapshot().channels;
    expect(chans.find((c) => c.name === 'huge')!.capacity).toBeNull();
    const cut = chans.find((c) => c.name.startsWith('xxx'))!;
    expect(cut.name.length).toBeLessThanOrEqual(200);
    expect(cut.name.length).toBeGreaterThan(0);
    a.close();
    b.close();
  });

  it('more than LIMITS.waiters parked pushes: the list is cut and waiting gives the true length', async () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const c = new Channel<number>(0, { name: 'many' });
    const n = LIMITS.waiters + 5;
    for (let i = 0; i < n; i++) quiet(c.push(i));
    const s = snapshot();
    const ch = s.channels[0]!;
    expect(ch.pushers.length).toBe(LIMITS.waiters);
    expect(ch.waiting).toEqual({ pushers: n, pullers: 0 });
    expect(s.truncated?.waiters).toBe(5);
    c.close();
    await settle();
  });

  it('more than LIMITS.channels channels: the idle ones are left out first and counted', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const all: Channel<number>[] = [];
    for (let i = 0; i < LIMITS.channels + 3; i++) all.push(new Channel<number>(1, { name: `idle${i}` }));
    const stuck = new Channel<number>(0, { name: 'the-stuck-one' });
    quiet(stuck.pull());
    const s = snapshot();
    expect(s.channels).toHaveLength(LIMITS.channels);
    expect(s.channels[0]!.name).toBe('the-stuck-one');
    expect(s.truncated?.channels).toBe(4);
    for (const c of all) c.close();
    stuck.close();
  });
});
