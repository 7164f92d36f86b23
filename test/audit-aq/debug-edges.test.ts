// Outside conformance tests, red team: debug mode edge cases (limits, seq, re-entrancy from the
// target, throttle on repeated hello, guards, timers left behind).
import { spawnSync } from 'node:child_process';
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isInstanceId, isPageToInspectorMessage, LIMITS } from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BYE, HELLO, send, sleep, until } from './helpers.js';

type Snap = ReturnType<typeof snapshot> & { seq?: number; instance?: string };

function recorder() {
  const posted: Snap[] = [];
  const target = { postMessage: (m: unknown) => posted.push(m as Snap) };
  const snaps = () => posted.filter((m) => m.type === 'snapshot');
  return { posted, target, snaps };
}

afterEach(() => disableDebug());

describe('hello and throttling', () => {
  it('hello posts the first snapshot synchronously ("at once")', () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 1000 });
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
  });

  it('posted snapshots carry an increasing seq and an instance id; snapshot() has neither', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'seq' });
    send(listen, HELLO);
    for (let i = 0; i < 3; i++) {
      const n = snaps().length;
      ch.pushNowait(i);
      await until(() => snaps().length > n);
    }
    const seqs = snaps().map((s) => s.seq as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    const inst = snaps()[0]?.instance;
    expect(isInstanceId(inst)).toBe(true);
    for (const s of snaps()) expect(s.instance).toBe(inst);
    const own = snapshot() as Snap;
    expect(own).not.toHaveProperty('seq');
    expect(own).not.toHaveProperty('instance');
    // seq keeps increasing across sessions, and instance stays the same
    const last = seqs.at(-1) as number;
    const r2 = recorder();
    const listen2 = new EventTarget();
    enableDebug({ target: r2.target, listen: listen2, intervalMs: 20 });
    send(listen2, HELLO);
    await until(() => r2.snaps().length > 0);
    expect(r2.snaps()[0]?.seq).toBeGreaterThan(last);
    expect(r2.snaps()[0]?.instance).toBe(inst);
  });

  it('a second hello within intervalMs posts nothing at once; the current state follows when the interval ends, even unchanged', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 200 });
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
    await until(() => snaps().length >= 2);
    await sleep(450);
    expect(snaps()).toHaveLength(2);
  });

  it('every posted snapshot passes the protocol guard', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20, stacks: true });
    const a = new Channel<number>(Infinity, { name: 'g-a' });
    const b = new Channel<number>(0, { name: 'g-b' });
    const c = new Channel<number>(2 ** 53, { name: 'g-huge' });
    const p = select([pull(b), pull(c)]).catch(() => {});
    a.pushNowait(1);
    send(listen, HELLO);
    await until(() => snaps().length >= 1);
    for (const s of snaps()) expect(isPageToInspectorMessage(s)).toBe(true);
    expect(isPageToInspectorMessage(snapshot())).toBe(true);
    expect(snapshot().channels.find((x) => x.name === 'g-huge')?.capacity).toBeNull();
    b.close();
    c.close();
    await p;
  });
});

describe('limits', () => {
  it('more than 100 parked pulls: 100 listed (the oldest), the true count in waiting, the rest in truncated', async () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'crowd' });
    const ps = Array.from({ length: 150 }, () => ch.pull().catch(() => {}));
    const snap = snapshot();
    const r = snap.channels.find((x) => x.name === 'crowd');
    expect(LIMITS.waiters).toBe(100);
    expect(r?.pullers).toHaveLength(100);
    expect(r?.waiting).toEqual({ pushers: 0, pullers: 150 });
    expect(snap.truncated?.waiters).toBe(50);
    expect(isPageToInspectorMessage(snap)).toBe(true);
    ch.close();
    await Promise.all(ps);
  });

  it('a channel name longer than 200 characters is cut to 200', () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const long = 'n'.repeat(300);
    const ch = new Channel<number>(0, { name: long });
    const r = snapshot().channels.find((x) => x.name.startsWith('nnn'));
    expect(r?.name.length).toBe(200);
    ch.close();
  });

  it('more than 1000 channels: at most 1000 listed, the others counted, parked ones listed first', async () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const idle = Array.from({ length: 1100 }, (_, i) => new Channel<number>(1, { name: `idle-${i}` }));
    const stuck = new Channel<number>(0, { name: 'the-stuck-one' });
    const p = stuck.pull().catch(() => {});
    const snap = snapshot();
    expect(snap.channels).toHaveLength(1000);
    expect(snap.truncated?.channels).toBe(101);
    expect(snap.channels[0]?.name).toBe('the-stuck-one');
    stuck.close();
    await p;
    void idle;
  });
});

describe('re-entrancy from the target', () => {
  it('disableDebug() called from inside postMessage of a snapshot stops everything without error', async () => {
    const listen = new EventTarget();
    const got: Snap[] = [];
    const target = {
      postMessage(m: Snap) {
        got.push(m);
        if (m.type === 'snapshot') disableDebug();
      },
    };
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'reent' });
    expect(() => send(listen, HELLO)).not.toThrow();
    ch.pushNowait(1);
    await sleep(100);
    expect(snapshot().channels).toEqual([]);
    // announce, the hello snapshot, and at most the last empty one
    expect(got.filter((m) => m.type === 'snapshot').length).toBeLessThanOrEqual(2);
    const n = got.length;
    ch.pushNowait(2);
    send(listen, HELLO);
    await sleep(100);
    expect(got.length).toBe(n);
  });

  it('a target that creates channels and parks operations while receiving a snapshot does not break posting', async () => {
    const listen = new EventTarget();
    const got: Snap[] = [];
    const made: Channel<number>[] = [];
    const target = {
      postMessage(m: Snap) {
        got.push(m);
        if (m.type === 'snapshot' && made.length < 3) {
          const c = new Channel<number>(0, { name: `made-${made.length}` });
          made.push(c);
          void c.pull().catch(() => {});
        }
      },
    };
    enableDebug({ target, listen, intervalMs: 20 });
    send(listen, HELLO);
    await until(() => got.filter((m) => m.type === 'snapshot').length >= 3);
    const last = got.filter((m) => m.type === 'snapshot').at(-1) as Snap;
    expect(last.channels.some((c) => c.name.startsWith('made-'))).toBe(true);
    for (const c of made) c.close();
  });

  it('a target that throws on a snapshot stops posting until the next hello (the error is reported, not thrown into channel code)', async () => {
    const listen = new EventTarget();
    let fail = true;
    const got: Snap[] = [];
    const target = {
      postMessage(m: Snap) {
        if (m.type === 'snapshot' && fail) throw new Error('target broke');
        got.push(m);
      },
    };
    const reported: unknown[] = [];
    const onErr = (e: unknown) => reported.push(e);
    process.on('uncaughtException', onErr);
    try {
      enableDebug({ target, listen, intervalMs: 20 });
      const ch = new Channel<number>(Infinity, { name: 'thrower' });
      try {
        send(listen, HELLO);
      } catch {
        // dispatchEvent may surface it; either is acceptable so long as channel code is unaffected
      }
      fail = false;
      for (let i = 0; i < 5; i++) {
        expect(() => ch.pushNowait(i)).not.toThrow();
        await sleep(20);
      }
      await sleep(100);
      expect(got.filter((m) => m.type === 'snapshot')).toHaveLength(0);
      send(listen, HELLO);
      await until(() => got.some((m) => m.type === 'snapshot'));
    } finally {
      await sleep(20);
      process.off('uncaughtException', onErr);
    }
  });
});

describe('no timer or listener left behind', () => {
  it('a Node process that enabled debug mode, got hello and disabled it exits at once', () => {
    const script = `
      import { Channel } from 'chanasync';
      import { enableDebug, disableDebug } from 'chanasync/debug';
      const listen = new EventTarget();
      enableDebug({ target: { postMessage() {} }, listen, intervalMs: 60000, stacks: true });
      const ch = new Channel(Infinity, { name: 'x' });
      listen.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type: 'hello' } }));
      ch.pushNowait(1); // a change pending for the next interval
      const p = new Channel(0).pull().catch(() => {}); // a park: end-of-task work
      disableDebug();
      const t0 = Date.now();
      process.on('exit', () => console.log('exit after', Date.now() - t0));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      timeout: 20_000,
      encoding: 'utf8',
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('exit after');
    const ms = Number(/exit after (\d+)/.exec(r.stdout)?.[1]);
    expect(ms).toBeLessThan(10_000);
  });

  it('bye leaves no timer: a process connected then told bye exits long before intervalMs', () => {
    const script = `
      import { Channel } from 'chanasync';
      import { enableDebug } from 'chanasync/debug';
      const listen = new EventTarget();
      enableDebug({ target: { postMessage() {} }, listen, intervalMs: 60000 });
      const ch = new Channel(Infinity, { name: 'x' });
      const send = (type) => listen.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type } }));
      send('hello');
      ch.pushNowait(1);
      send('bye');
      const t0 = Date.now();
      process.on('exit', () => console.log('exit after', Date.now() - t0));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      timeout: 20_000,
      encoding: 'utf8',
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain('exit after');
    expect(Number(/exit after (\d+)/.exec(r.stdout)?.[1])).toBeLessThan(10_000);
  });
});

describe('listen as a MessagePort', () => {
  it('enableDebug({ listen: port }) starts the port: a hello posted on the other end is heard', async () => {
    const { port1, port2 } = new MessageChannel();
    const { target, snaps } = recorder();
    try {
      enableDebug({ target, listen: port1, intervalMs: 20 });
      port2.postMessage(HELLO);
      await until(() => snaps().length >= 1);
      port2.postMessage(BYE);
    } finally {
      disableDebug();
      port1.close();
      port2.close();
    }
  });
});

describe('more shape and ordering', () => {
  it('waiters are listed in queue order (FIFO) and leave from the head', async () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'fifo' });
    const other = new Channel<number>(0, { name: 'fifo-other' });
    const p1 = ch.pull();
    const p2 = select([pull(ch), pull(other)]);
    const p3 = ch.pull();
    const kinds = () =>
      snapshot()
        .channels.find((c) => c.name === 'fifo')
        ?.pullers.map((w) => w.kind);
    expect(kinds()).toEqual(['pull', 'select', 'pull']);
    ch.pushNowait(1);
    expect(await p1).toBe(1);
    expect(kinds()).toEqual(['select', 'pull']);
    ch.pushNowait(2);
    expect((await p2).value).toBe(2);
    expect(kinds()).toEqual(['pull']);
    ch.pushNowait(3);
    expect(await p3).toBe(3);
    expect(kinds()).toEqual([]);
  });

  it('a select with a single case is reported as kind "select"', async () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'single' });
    const p = select([pull(ch)]).catch(() => {});
    expect(snapshot().channels.find((c) => c.name === 'single')?.pullers[0]?.kind).toBe('select');
    ch.close();
    await p;
  });

  it('channel ids are stable across snapshots and unique', () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const a = new Channel<number>(0, { name: 'id-a' });
    const b = new Channel<number>(0, { name: 'id-b' });
    const id = (n: string) => snapshot().channels.find((c) => c.name === n)?.id;
    const ia = id('id-a');
    expect(typeof ia).toBe('number');
    expect(id('id-a')).toBe(ia);
    expect(id('id-b')).not.toBe(ia);
    void [a, b];
  });

  it('a name cut at 200 characters never ends in half a surrogate pair', () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: `${'a'.repeat(199)}😀tail` });
    const n = snapshot().channels.find((c) => c.name.startsWith('aaa'))?.name ?? '';
    expect(n.length).toBeLessThanOrEqual(200);
    expect((n as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    void ch;
  });

  it('stacks start at the application frame, not inside chanasync, and are at most 4000 characters', async () => {
    const { target } = recorder();
    enableDebug({ target, listen: new EventTarget(), stacks: true });
    function makeHere() {
      return new Channel<number>(0, { name: 'where' });
    }
    function parkHere(c: Channel<number>) {
      return c.pull().catch(() => {});
    }
    const ch = makeHere();
    const p = parkHere(ch);
    const r = snapshot().channels.find((c) => c.name === 'where');
    const firstFrame = (s: string | undefined) => (s ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
    expect(firstFrame(r?.createdAt)).toContain('makeHere');
    expect(firstFrame(r?.pullers[0]?.stack)).toContain('parkHere');
    expect((r?.createdAt ?? '').length).toBeLessThanOrEqual(LIMITS.stack);
    ch.close();
    await p;
  });

  it('enableDebug() in Node (no postMessage on globalThis) works without a target: snapshot() is usable', () => {
    expect(() => enableDebug()).not.toThrow();
    const ch = new Channel<number>(0, { name: 'no-target' });
    expect(snapshot().channels.map((c) => c.name)).toContain('no-target');
    ch.close();
  });

  it('enableDebug() again while connected: the old inspector gets a last empty snapshot, the new session waits for hello', async () => {
    const first = recorder();
    const listen = new EventTarget();
    enableDebug({ target: first.target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'restart' });
    ch.pushNowait(1);
    send(listen, HELLO);
    expect(first.snaps()).toHaveLength(1);
    const second = recorder();
    enableDebug({ target: second.target, listen, intervalMs: 20 });
    expect(first.snaps()).toHaveLength(2);
    expect(first.snaps()[1]?.channels).toEqual([]);
    expect(second.posted.map((m) => m.type)).toEqual(['announce']);
    ch.pushNowait(2);
    await sleep(80);
    expect(second.snaps()).toHaveLength(0);
    void ch;
  });

  it('after bye, a quick hello does not post two snapshots closer than intervalMs', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    const intervalMs = 300;
    enableDebug({ target, listen, intervalMs });
    const ch = new Channel<number>(Infinity, { name: 'rehello' });
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
    send(listen, BYE);
    ch.pushNowait(1);
    send(listen, HELLO);
    await until(() => snaps().length >= 2);
    const [a, b] = snaps();
    expect((b?.time ?? 0) - (a?.time ?? 0)).toBeGreaterThanOrEqual(intervalMs - 5);
  });
});

describe('free when off', () => {
  const script = (enableThenDisable: boolean) => `
    let dateNow = 0, perfNow = 0, captures = 0, errors = 0;
    const realNow = Date.now; Date.now = () => { dateNow++; return realNow(); };
    const realPerf = performance.now.bind(performance); performance.now = () => { perfNow++; return realPerf(); };
    const realCapture = Error.captureStackTrace; Error.captureStackTrace = (...a) => { captures++; return realCapture(...a); };
    const RealError = Error;
    globalThis.Error = new Proxy(RealError, { construct(t, a, n) { errors++; return Reflect.construct(t, a, n); }, apply(t, th, a) { errors++; return Reflect.apply(t, th, a); } });
    const { Channel, select, pull, push } = await import('chanasync');
    if (${enableThenDisable}) {
      const d = await import('chanasync/debug');
      d.enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
      d.disableDebug();
    }
    dateNow = perfNow = captures = errors = 0;
    for (let i = 0; i < 50; i++) {
      const ch = new Channel(0);
      const p = ch.pull();
      await ch.push(i);
      await p;
      const b = new Channel(1);
      const s = select([pull(b), push(ch, 1)]);
      b.pushNowait(1);
      await s;
      const ac = new AbortController();
      const q = ch.pull({ signal: ac.signal }).catch(() => {});
      ac.abort();
      await q;
      for await (const _ of (() => { const c = new Channel(2); c.pushNowait(1); c.close(); return c; })()) {}
    }
    console.log(JSON.stringify({ dateNow, perfNow, captures, errors }));
  `;
  for (const mode of [false, true]) {
    it(`core operations take no timestamps and no stacks ${mode ? 'after enableDebug + disableDebug' : 'with debug mode never enabled'}`, () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(mode)], {
        cwd: process.cwd(),
        timeout: 20_000,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout.trim())).toEqual({ dateNow: 0, perfNow: 0, captures: 0, errors: 0 });
    });
  }
});

describe('more enableDebug edges', () => {
  it('enableDebug three times with the same listen target: one hello gives exactly one snapshot (no duplicate listeners)', async () => {
    const { target, snaps, posted } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 1000 });
    enableDebug({ target, listen, intervalMs: 1000 });
    enableDebug({ target, listen, intervalMs: 1000 });
    expect(posted.filter((m) => (m.type as string) === 'announce')).toHaveLength(3);
    send(listen, HELLO);
    await sleep(50);
    expect(snaps()).toHaveLength(1);
  });

  it('an intervalMs above the timer limit (2^31 ms) does not make snapshots fire at once', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 2 ** 31 + 1000 });
    const ch = new Channel<number>(Infinity, { name: 'big-interval' });
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
    ch.pushNowait(1);
    await sleep(200);
    expect(snaps()).toHaveLength(1);
  });

  it('an options object whose getter throws makes enableDebug throw and changes nothing', async () => {
    const { target, snaps } = recorder();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const boom = new Error('getter');
    const bad = {
      get intervalMs(): number {
        throw boom;
      },
    };
    expect(() => enableDebug(bad)).toThrow(boom);
    send(listen, HELLO);
    expect(snaps()).toHaveLength(1);
  });
});
