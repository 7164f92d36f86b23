// Outside conformance tests: debug mode (`chanasync/debug`) and its postMessage protocol, from
// SPEC.md "Debug mode" and README's Reference / Semantic details. Node environment, fake target.
import { after as afterMs, broadcast, Channel, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import {
  INSPECTOR_SOURCE,
  isInspectorToPageMessage,
  isPageToInspectorMessage,
  PAGE_SOURCE,
  PROTOCOL_VERSION,
} from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BYE, HELLO, send, sleep, until } from './helpers.js';

interface Posted {
  message: Record<string, unknown> & { type?: string };
  args: unknown[];
}

function fakeTarget() {
  const posted: Posted[] = [];
  const target = {
    postMessage(...args: unknown[]) {
      posted.push({ message: args[0] as Posted['message'], args });
    },
  };
  const snapshots = () => posted.filter((p) => p.message?.type === 'snapshot').map((p) => p.message);
  return { target, posted, snapshots };
}

type ChannelRow = ReturnType<typeof snapshot>['channels'][number];
function row(name: string): ChannelRow | undefined {
  return snapshot().channels.find((c) => c.name === name);
}

afterEach(() => {
  disableDebug();
});

describe('off by default', () => {
  it('snapshot() with debug mode never enabled has the SPEC shape and lists no channels', () => {
    const ch = new Channel<number>(0, { name: 'never-tracked' });
    void ch.pull().catch(() => {});
    const snap = snapshot();
    expect(snap.source).toBe('chanasync');
    expect(snap.version).toBe(1);
    expect(snap.type).toBe('snapshot');
    expect(typeof snap.time).toBe('number');
    expect(snap.channels).toEqual([]);
    ch.close();
  });

  it('disableDebug() when debug mode is off does nothing and does not throw', () => {
    expect(() => disableDebug()).not.toThrow();
    expect(() => disableDebug()).not.toThrow();
  });

  it('protocol constants are the ones the SPEC names', () => {
    expect(PAGE_SOURCE).toBe('chanasync');
    expect(INSPECTOR_SOURCE).toBe('chanasync-inspector');
    expect(PROTOCOL_VERSION).toBe(1);
  });
});

describe('tracking', () => {
  it('channels created before enableDebug are not tracked; those created after are', () => {
    const before = new Channel<number>(0, { name: 'before' });
    void before.pull().catch(() => {});
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const afterCh = new Channel<number>(0, { name: 'after' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toContain('after');
    expect(names).not.toContain('before');
    before.close();
    afterCh.close();
  });

  it('snapshot rows: capacity null for Infinity, numbers otherwise, overflow, size, closed, name', () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const inf = new Channel<number>(Infinity, { name: 'inf' });
    const zero = new Channel<number>(0, { name: 'zero' });
    const three = new Channel<number>(3, { name: 'three', overflow: 'drop-oldest' });
    const unnamed = new Channel<number>(1);
    inf.pushNowait(1);
    inf.pushNowait(2);
    three.pushNowait(1);
    three.close();
    const snap = snapshot();
    const byName = (n: string) => snap.channels.find((c) => c.name === n);
    expect(byName('inf')).toMatchObject({ capacity: null, size: 2, closed: false, overflow: 'block' });
    expect(byName('zero')).toMatchObject({ capacity: 0, size: 0, closed: false, overflow: 'block' });
    expect(byName('three')).toMatchObject({ capacity: 3, size: 1, closed: true, overflow: 'drop-oldest' });
    const un = snap.channels.find((c) => c.capacity === 1 && c.name !== 'three');
    expect(un).toBeDefined();
    expect(un?.name).toBe('');
    // ids are distinct
    const ids = snap.channels.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    // no stacks without stacks: true
    for (const c of snap.channels) expect(c).not.toHaveProperty('createdAt');
    void unnamed;
    void zero;
  });

  it('buffered values are never included, and the snapshot is structured-clone and JSON safe', () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<unknown>(Infinity, { name: 'secrets' });
    const secret = 'SECRET-VALUE-4242';
    ch.pushNowait(secret);
    ch.pushNowait({ secret });
    ch.pushNowait(() => secret); // not cloneable
    ch.pushNowait(Symbol('s'));
    const un = new Channel<unknown>(0, { name: 'secret-pusher' });
    void un.push({ secret }).catch(() => {});
    const snap = snapshot();
    expect(() => structuredClone(snap)).not.toThrow();
    const json = JSON.stringify(snap);
    expect(json).not.toContain(secret);
    expect(JSON.parse(json)).toEqual(snap);
    expect(snap.channels.find((c) => c.name === 'secrets')?.size).toBe(4);
    ch.close();
    un.close();
  });

  it('waiter kinds: a parked pull is "pull", a parked push is "push", select cases are "select"', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const c = new Channel<number>(0, { name: 'c' });
    const d = new Channel<number>(0, { name: 'd' });
    const t0 = Date.now();
    const pa = a.pull().catch(() => {});
    const pb = b.push(1).catch(() => {});
    const ps = select([pull(c), push(d, 5)]).catch(() => {});
    const t1 = Date.now();
    const snap = snapshot();
    const ra = snap.channels.find((x) => x.name === 'a');
    const rb = snap.channels.find((x) => x.name === 'b');
    const rc = snap.channels.find((x) => x.name === 'c');
    const rd = snap.channels.find((x) => x.name === 'd');
    expect(ra?.pullers.map((w) => w.kind)).toEqual(['pull']);
    expect(ra?.pushers).toEqual([]);
    expect(rd?.pushers.map((w) => w.kind)).toEqual(['select']);
    expect(rb?.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(rb?.pullers).toEqual([]);
    expect(rc?.pullers.map((w) => w.kind)).toEqual(['select']);
    for (const w of [...(ra?.pullers ?? []), ...(rb?.pushers ?? []), ...(rc?.pullers ?? [])]) {
      expect(typeof w.since).toBe('number');
      expect(w.since).toBeLessThanOrEqual(t1);
      expect(w.since).toBeGreaterThan(t0 - 5000);
      expect(w).not.toHaveProperty('stack');
    }
    a.close();
    b.close();
    c.close();
    d.close();
    await Promise.all([pa, pb, ps]);
  });

  it('a waiter that committed, was aborted or failed by close is gone from the next snapshot', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const ch = new Channel<number>(0, { name: 'w' });
    const ac = new AbortController();
    const p1 = ch.pull();
    const p2 = ch.pull({ signal: ac.signal }).catch((e) => e);
    const p3 = ch.pull().catch((e) => e);
    expect(row('w')?.pullers.length).toBe(3);
    ch.pushNowait(7);
    expect(await p1).toBe(7);
    expect(row('w')?.pullers.length).toBe(2);
    ac.abort('stop');
    expect(await p2).toBe('stop');
    expect(row('w')?.pullers.length).toBe(1);
    ch.close();
    await p3;
    expect(row('w')).toMatchObject({ closed: true, pullers: [], pushers: [] });
  });

  it('a select case counts on each channel it waits on and disappears from all of them when another case wins', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const x = new Channel<number>(0, { name: 'x' });
    const y = new Channel<number>(0, { name: 'y' });
    const s = select([pull(x), pull(y)]);
    expect(row('x')?.pullers.length).toBe(1);
    expect(row('y')?.pullers.length).toBe(1);
    expect(x.stats().waitingPullers).toBe(1);
    y.pushNowait(3);
    const r = await s;
    expect(r.index).toBe(1);
    expect(row('x')?.pullers).toEqual([]);
    expect(row('y')?.pullers).toEqual([]);
  });

  it('stacks: true adds createdAt to channels and stack to waiters, both strings naming this file', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget(), stacks: true });
    const ch = new Channel<number>(0, { name: 'stacked' });
    const p = ch.pull().catch(() => {});
    const r = row('stacked');
    expect(typeof r?.createdAt).toBe('string');
    expect(r?.createdAt).toContain('debug-protocol');
    expect(typeof r?.pullers[0]?.stack).toBe('string');
    expect(r?.pullers[0]?.stack).toContain('debug-protocol');
    ch.close();
    await p;
  });

  it('disableDebug() forgets tracked channels; enableDebug() again tracks only channels created after it', async () => {
    const t1 = fakeTarget();
    enableDebug({ target: t1.target, listen: new EventTarget() });
    const first = new Channel<number>(0, { name: 'first-session' });
    const p = first.pull().catch(() => {});
    expect(row('first-session')).toBeDefined();
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    const between = new Channel<number>(0, { name: 'between' });
    const t2 = fakeTarget();
    enableDebug({ target: t2.target, listen: new EventTarget() });
    expect(t2.posted.map((p2) => p2.message)).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
    const second = new Channel<number>(0, { name: 'second-session' });
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toContain('second-session');
    expect(names).not.toContain('between');
    expect(names).not.toContain('first-session');
    first.close();
    between.close();
    second.close();
    await p;
  });

  it('operations keep working normally while debug mode is on (values, order, close)', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget(), stacks: true });
    const ch = new Channel<unknown>(1);
    const got: unknown[] = [];
    const consumer = (async () => {
      for await (const v of ch) got.push(v);
    })();
    const values = [undefined, null, Number.NaN, 0, '', { a: 1 }];
    for (const v of values) await ch.push(v);
    ch.close();
    await consumer;
    expect(got).toEqual(values);
  });
});

describe('transport', () => {
  it('enableDebug posts one announce, with one argument (not a window), and nothing else before hello', async () => {
    const { target, posted } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    expect(posted).toHaveLength(1);
    expect(posted[0]?.message).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
    expect(posted[0]?.args.length).toBe(1);
    const ch = new Channel<number>(0, { name: 'pre-hello' });
    const p = ch.pull().catch(() => {});
    await sleep(120);
    ch.pushNowait(1);
    await sleep(120);
    expect(posted).toHaveLength(1);
    await p;
  });

  it('hello starts the snapshots: one at once, with version on every message', async () => {
    const { target, posted, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 50 });
    const ch = new Channel<number>(0, { name: 'live' });
    const p = ch.pull().catch(() => {});
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    const s = snapshots()[0] as unknown as ReturnType<typeof snapshot>;
    expect(s.source).toBe('chanasync');
    expect(s.type).toBe('snapshot');
    expect(s.channels.find((c) => c.name === 'live')?.pullers.length).toBe(1);
    for (const m of posted) expect(m.message.version).toBe(1);
    for (const m of posted) expect(isPageToInspectorMessage(m.message)).toBe(true);
    ch.close();
    await p;
    await until(() => snapshots().length >= 2);
    for (const m of posted) expect(m.message.version).toBe(1);
  });

  it('no snapshot is posted when nothing changed', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 30 });
    const ch = new Channel<number>(0, { name: 'static' });
    const p = ch.pull().catch(() => {});
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    await sleep(300);
    expect(snapshots()).toHaveLength(1);
    // a change posts one more
    ch.pushNowait(1);
    await p;
    await until(() => snapshots().length >= 2);
    await sleep(200);
    expect(snapshots()).toHaveLength(2);
  });

  it('a busy channel whose state is the same at every tick posts nothing', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 30 });
    const ch = new Channel<number>(4, { name: 'busy' });
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    const n = snapshots().length;
    for (let i = 0; i < 20; i++) {
      ch.pushNowait(i);
      expect(ch.pullNowait()).toBe(i);
      await sleep(10);
    }
    await sleep(100);
    expect(snapshots().length).toBe(n);
  });

  it('at most one snapshot per intervalMs, even when state changes constantly', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    const intervalMs = 150;
    enableDebug({ target, listen, intervalMs });
    const ch = new Channel<number>(Infinity, { name: 'churn' });
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    const start = Date.now();
    let i = 0;
    while (Date.now() - start < 700) {
      ch.pushNowait(i++); // size changes every few ms
      await sleep(3);
    }
    const elapsed = Date.now() - start;
    const snaps = snapshots() as unknown as ReturnType<typeof snapshot>[];
    // first was posted at hello; after it, at most one per interval
    expect(snaps.length - 1).toBeLessThanOrEqual(Math.ceil(elapsed / intervalMs) + 1);
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    for (let k = 1; k < snaps.length; k++) {
      const gap = (snaps[k]?.time ?? 0) - (snaps[k - 1]?.time ?? 0);
      expect(gap).toBeGreaterThanOrEqual(intervalMs - 5);
    }
  });

  it('bye stops posting; a later hello starts again', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'byebye' });
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    send(listen, BYE);
    const n = snapshots().length;
    for (let i = 0; i < 10; i++) {
      ch.pushNowait(i);
      await sleep(15);
    }
    await sleep(100);
    expect(snapshots().length).toBe(n);
    send(listen, HELLO);
    await until(() => snapshots().length > n);
    const last = snapshots().at(-1) as unknown as ReturnType<typeof snapshot>;
    expect(last.channels.find((c) => c.name === 'byebye')?.size).toBe(10);
  });

  it('bye sent synchronously from inside postMessage stops further snapshots', async () => {
    const listen = new EventTarget();
    const snaps: unknown[] = [];
    const target = {
      postMessage(m: { type?: string }) {
        if (m.type === 'snapshot') {
          snaps.push(m);
          send(listen, BYE);
        }
      },
    };
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'sync-bye' });
    send(listen, HELLO);
    await until(() => snaps.length >= 1);
    for (let i = 0; i < 10; i++) {
      ch.pushNowait(i);
      await sleep(10);
    }
    await sleep(100);
    expect(snaps).toHaveLength(1);
  });

  it('malformed or foreign messages are ignored without error and never start posting', async () => {
    const { target, posted } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(0, { name: 'foreign' });
    const p = ch.pull().catch(() => {});
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        has() {
          throw new Error('boom');
        },
      },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const bad: unknown[] = [
      undefined,
      null,
      0,
      'hello',
      '{"source":"chanasync-inspector","version":1,"type":"hello"}',
      [],
      ['chanasync-inspector', 1, 'hello'],
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync-inspector', version: '1', type: 'hello' },
      { source: 'chanasync-inspector', version: 1, type: 'HELLO' },
      { source: 'chanasync-inspector', version: 1, type: 'hi' },
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: 'Chanasync-Inspector', version: 1, type: 'hello' },
      { version: 1, type: 'hello' },
      throwing,
      revocable.proxy,
    ];
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      for (const data of bad) {
        expect(() => send(listen, data)).not.toThrow();
        expect(isInspectorToPageMessage(data)).toBe(false);
      }
      // also a plain Event with no data
      listen.dispatchEvent(new Event('message'));
      await sleep(150);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
    expect(posted.filter((m) => m.message.type === 'snapshot')).toEqual([]);
    ch.close();
    await p;
  });

  it('a hello with extra fields still counts (README: other fields are allowed)', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    send(listen, { ...HELLO, extra: 'x', nested: { a: 1 } });
    await until(() => snapshots().length >= 1);
    expect(isInspectorToPageMessage({ ...HELLO, extra: 1 })).toBe(true);
  });

  it('disableDebug() while an inspector is connected posts a last, empty snapshot and then nothing', async () => {
    const { target, posted, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const ch = new Channel<number>(Infinity, { name: 'gone' });
    ch.pushNowait(1);
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    const before = snapshots().length;
    disableDebug();
    expect(snapshots().length).toBe(before + 1);
    expect((snapshots().at(-1) as unknown as ReturnType<typeof snapshot>).channels).toEqual([]);
    const n = posted.length;
    ch.pushNowait(2);
    send(listen, HELLO); // no longer listening
    await sleep(150);
    expect(posted.length).toBe(n);
  });

  it('enableDebug() again starts over: the old listen target and old target are abandoned', async () => {
    const old = fakeTarget();
    const oldListen = new EventTarget();
    enableDebug({ target: old.target, listen: oldListen, intervalMs: 20 });
    const fresh = fakeTarget();
    const newListen = new EventTarget();
    enableDebug({ target: fresh.target, listen: newListen, intervalMs: 20 });
    expect(fresh.posted.map((p) => p.message.type)).toEqual(['announce']);
    const n = old.posted.length;
    send(oldListen, HELLO);
    await sleep(100);
    expect(old.posted.length).toBe(n);
    expect(fresh.snapshots()).toHaveLength(0);
    send(newListen, HELLO);
    await until(() => fresh.snapshots().length >= 1);
    expect(old.posted.length).toBe(n);
  });
});

describe('enableDebug argument checks', () => {
  it('bad options throw TypeError/RangeError naming enableDebug, and a failed call changes nothing', async () => {
    const { target, snapshots } = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 20 });
    const tracked = new Channel<number>(0, { name: 'kept' });
    const cases: [unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor][] = [
      [{ intervalMs: 0 }, RangeError],
      [{ intervalMs: -5 }, RangeError],
      [{ intervalMs: Number.NaN }, RangeError],
      [{ intervalMs: Infinity }, RangeError],
      [{ intervalMs: '100' }, TypeError],
      [{ stacks: 'yes' }, TypeError],
      [{ warnLeaks: 1 }, TypeError],
      [{ target: {} }, TypeError],
      [{ target: { postMessage: 1 } }, TypeError],
      [{ listen: {} }, TypeError],
      [42, TypeError],
      ['x', TypeError],
    ];
    for (const [opts, Err] of cases) {
      let thrown: unknown;
      try {
        if (typeof opts === 'object') enableDebug({ target, listen, ...(opts as object) });
        else enableDebug(opts as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(opts)).toBeInstanceOf(Err);
      expect(String((thrown as Error).message)).toContain('enableDebug');
    }
    // still the first session: channel still tracked, hello on the first listen still answered
    expect(row('kept')).toBeDefined();
    send(listen, HELLO);
    await until(() => snapshots().length >= 1);
    tracked.close();
  });

  it('a target whose postMessage throws on the announce makes enableDebug throw that error and changes nothing', () => {
    const err = new Error('no posting');
    const bad = {
      postMessage() {
        throw err;
      },
    };
    expect(() => enableDebug({ target: bad, listen: new EventTarget() })).toThrow(err);
    const ch = new Channel<number>(0, { name: 'after-failed-enable' });
    expect(snapshot().channels).toEqual([]);
    ch.close();
  });
});

describe('idle is not stuck (input)', () => {
  it('fromEvent, after and ticker channels are marked input, and so are their waits', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const et = new EventTarget();
    const ac = new AbortController();
    const ev = fromEvent(et, 'ping', { signal: ac.signal });
    const timer = afterMs(60_000, { signal: ac.signal });
    const tick = ticker(60_000, { signal: ac.signal });
    const pulls = [ev.pull(), timer.pull(), tick.pull()].map((p) => p.catch(() => {}));
    const snap = snapshot();
    const rows = snap.channels.filter((c) => c.input);
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(r.pullers.length).toBe(1);
      expect(r.pullers[0]?.input).toBe(true);
    }
    ac.abort();
    await Promise.all(pulls);
  });

  it('a select that includes an input channel waits for input on every case; a plain select does not', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const ac = new AbortController();
    const replies = new Channel<string>(0, { name: 'replies' });
    const other = new Channel<string>(0, { name: 'other' });
    const requests = new Channel<string>(0, { name: 'requests' });
    const timer = afterMs(60_000, { signal: ac.signal });
    const s1 = select([pull(replies), pull(timer)], { signal: ac.signal }).catch(() => {});
    const s2 = select([pull(other), push(requests, 'x')], { signal: ac.signal }).catch(() => {});
    const snap = snapshot();
    const r = snap.channels.find((c) => c.name === 'replies');
    const o = snap.channels.find((c) => c.name === 'other');
    const q = snap.channels.find((c) => c.name === 'requests');
    expect(r?.input).toBeFalsy();
    expect(r?.pullers[0]?.input).toBe(true);
    expect(r?.pullers[0]?.kind).toBe('select');
    // cases of one select share a select id
    const timerRow = snap.channels.find((c) => c.input && c.pullers.length === 1);
    expect(timerRow?.pullers[0]?.select).toBeDefined();
    expect(timerRow?.pullers[0]?.select).toBe(r?.pullers[0]?.select);
    // plain select: not input
    expect(o?.pullers[0]?.input).toBeFalsy();
    expect(q?.pushers[0]?.input).toBeFalsy();
    expect(q?.pushers[0]?.kind).toBe('select');
    expect(q?.pushers[0]?.select).toBeDefined();
    expect(q?.pushers[0]?.select).toBe(o?.pullers[0]?.select);
    expect(q?.pushers[0]?.select).not.toBe(r?.pullers[0]?.select);
    ac.abort();
    await Promise.all([s1, s2]);
  });

  it('an application declares a channel as fed by input with { input: true }; a non-boolean is a TypeError', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const clicks = new Channel<string>(1, { name: 'clicks', input: true } as never);
    const plain = new Channel<string>(1, { name: 'plain' });
    const p1 = clicks.pull().catch(() => {});
    const p2 = plain.pull().catch(() => {});
    expect(row('clicks')?.input).toBe(true);
    expect(row('clicks')?.pullers[0]?.input).toBe(true);
    expect(row('plain')?.input).toBeFalsy();
    expect(row('plain')?.pullers[0]?.input).toBeFalsy();
    expect(() => new Channel(1, { input: 'yes' } as never)).toThrow(TypeError);
    expect(() => new Channel(1, { input: 1 } as never)).toThrow(TypeError);
    clicks.close();
    plain.close();
    await Promise.all([p1, p2]);
  });

  it('a merge with an input channel among its inputs waits for input on all of them', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const ac = new AbortController();
    const et = new EventTarget();
    const cancel = new Channel<string>(0, { name: 'cancel' });
    const m = merge(fromEvent(et, 'click', { signal: ac.signal }), cancel);
    const p = m.pull().catch(() => {});
    await sleep(10);
    const c = row('cancel');
    expect(c?.pullers.length).toBe(1);
    expect(c?.pullers[0]?.input).toBe(true);
    ac.abort();
    cancel.close();
    await p;
  });

  it('ranking: channels with unexplained waits first (longest waiting first), then input waits, then idle', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const idle = new Channel<number>(1, { name: 'rank-idle' });
    const input = new Channel<number>(0, { name: 'rank-input', input: true } as never);
    const young = new Channel<number>(0, { name: 'rank-young' });
    const old = new Channel<number>(0, { name: 'rank-old' });
    const ps = [input.pull().catch(() => {})];
    ps.push(old.push(1).catch(() => {}));
    await sleep(60); // a later task: a later `since`
    ps.push(young.pull().catch(() => {}));
    const names = snapshot()
      .channels.map((c) => c.name)
      .filter((n) => n.startsWith('rank-'));
    expect(names).toEqual(['rank-old', 'rank-young', 'rank-input', 'rank-idle']);
    for (const ch of [idle, input, young, old]) ch.close();
    await Promise.all(ps);
  });
});

describe('input channels made by helpers', () => {
  it('Channel.from and the subscribers of a broadcast of an input channel are input channels', async () => {
    const { target } = fakeTarget();
    enableDebug({ target, listen: new EventTarget() });
    const ac = new AbortController();
    const src = Channel.from(
      (async function* () {
        await new Promise(() => {});
      })(),
      { signal: ac.signal },
    );
    const p = src.pull().catch(() => {});
    const et = new EventTarget();
    const hub = broadcast(fromEvent(et, 'x', { signal: ac.signal }));
    const sub = hub.subscribe();
    const q = sub.pull().catch(() => {});
    await sleep(10);
    const snap = snapshot();
    const fromRow = snap.channels.find((c) => c.name === 'from');
    expect(fromRow?.input).toBe(true);
    const subRows = snap.channels.filter((c) => c.input && c.name !== 'from' && !c.name.startsWith('fromEvent'));
    expect(subRows.length).toBeGreaterThanOrEqual(1);
    hub.close();
    ac.abort();
    await Promise.all([p, q]);
  });
});
