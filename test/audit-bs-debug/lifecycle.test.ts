// BS-debug audit: enabling/disabling debug mode, the postMessage transport and option checks.
import { getEventListeners } from 'node:events';
import { Channel } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { BYE, fakeTarget, HELLO, say, settle, until } from './helpers.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

afterEach(() => {
  disableDebug();
});

describe('announce and handshake', () => {
  it('enableDebug posts exactly the announce message, with one argument to a non-window target', () => {
    const t = fakeTarget();
    enableDebug({ target: t.target, listen: new EventTarget() });
    expect(t.posted).toHaveLength(1);
    expect(t.posted[0]!.message).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
    expect(t.posted[0]!.args).toHaveLength(1);
  });

  it('posts no snapshot before hello, even when channels change', async () => {
    const t = fakeTarget();
    enableDebug({ target: t.target, listen: new EventTarget(), intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'x' });
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(t.snapshots()).toHaveLength(0);
    c.close();
  });

  it('hello gets a snapshot at once; it carries source, version, type, time, seq, channels', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 20 });
    const c = new Channel<number>(2, { name: 'hello-ch' });
    say(listen, HELLO);
    await until(() => t.snapshots().length >= 1, 'first snapshot');
    const s = t.snapshots()[0];
    expect(s.source).toBe('chanasync');
    expect(s.version).toBe(1);
    expect(s.type).toBe('snapshot');
    expect(typeof s.time).toBe('number');
    expect(typeof s.seq).toBe('number');
    expect(s.channels.map((x: any) => x.name)).toContain('hello-ch');
    c.close();
  });

  it('posts again only when something changed, at most once per intervalMs, and seq increases', async () => {
    const t = fakeTarget();
    const stamps: number[] = [];
    const target = {
      postMessage(m: any) {
        if (m?.type === 'snapshot') stamps.push(Date.now());
        t.target.postMessage(m);
      },
    };
    const listen = new EventTarget();
    const intervalMs = 40;
    enableDebug({ target, listen, intervalMs });
    const c = new Channel<number>(10, { name: 'busy' });
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'first snapshot');
    // Many changes in quick succession: coalesced.
    for (let i = 0; i < 5; i++) {
      c.pushNowait(i);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => t.snapshots().at(-1)?.channels[0]?.size === 5, 'size 5 posted');
    const count = t.snapshots().length;
    // No change: nothing more is posted over several intervals.
    await new Promise((r) => setTimeout(r, intervalMs * 4));
    expect(t.snapshots().length).toBe(count);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! - stamps[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 2);
    const seqs = t.snapshots().map((s) => s.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
    c.close();
  });

  it('bye stops the posting; a new hello starts it again', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const c = new Channel<number>(10, { name: 'b' });
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'first snapshot');
    say(listen, BYE);
    const n = t.snapshots().length;
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(t.snapshots().length).toBe(n);
    say(listen, HELLO);
    await until(() => t.snapshots().length > n, 'snapshot after second hello');
    expect(t.snapshots().at(-1).channels[0].size).toBe(1);
    c.close();
  });

  it.each([
    ['another source', { ...HELLO, source: 'chanasync' }],
    ['another version', { ...HELLO, version: 2 }],
    ['version as string', { ...HELLO, version: '1' }],
    ['type in upper case', { ...HELLO, type: 'HELLO' }],
    ['missing version', { source: 'chanasync-inspector', type: 'hello' }],
    ['null', null],
    ['a string', 'hello'],
    ['a number', 1],
    ['an array carrying the fields', Object.assign([], HELLO)],
    ['inherited fields', Object.create(HELLO)],
    [
      'fields that throw',
      new Proxy(
        {},
        {
          get() {
            throw new Error('boom');
          },
          has() {
            throw new Error('boom');
          },
          getOwnPropertyDescriptor() {
            throw new Error('boom');
          },
        },
      ),
    ],
  ])('ignores a message that is not of the exact shape: %s', async (_what, data) => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'ignored' });
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      expect(() => say(listen, data)).not.toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(t.snapshots()).toHaveLength(0);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      c.close();
    }
  });

  it('extra fields on hello are allowed', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    say(listen, { ...HELLO, extra: { anything: true } });
    await until(() => t.snapshots().length === 1, 'snapshot');
  });
});

describe('disable', () => {
  it('a connected inspector gets one last empty snapshot, then nothing', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const c = new Channel<number>(3, { name: 'd' });
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'first');
    const before = t.snapshots().length;
    disableDebug();
    const after = t.snapshots().slice(before);
    expect(after).toHaveLength(1);
    expect(after[0].channels).toEqual([]);
    const total = t.posted.length;
    c.pushNowait(1);
    const d = new Channel<number>(0, { name: 'after-disable' });
    d.pull().catch(() => {});
    say(listen, HELLO);
    await new Promise((r) => setTimeout(r, 80));
    expect(t.posted.length).toBe(total);
    expect(snapshot().channels).toEqual([]);
    c.close();
    d.close();
  });

  it('removes its message listener and leaves no timer behind', async () => {
    const listen = new EventTarget();
    const t = fakeTarget();
    const timersBefore = timers();
    enableDebug({ target: t.target, listen, intervalMs: 15 });
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    const c = new Channel<number>(5, { name: 'timers' });
    say(listen, HELLO);
    c.pushNowait(1);
    const p = new Channel<number>(0);
    p.pull().catch(() => {});
    await until(() => t.snapshots().length >= 1, 'snapshot');
    c.pushNowait(2); // schedules a throttled post
    disableDebug();
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
    await settle();
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    c.close();
    p.close();
  });

  it('disableDebug when off does nothing and never throws; twice is fine', () => {
    expect(() => disableDebug()).not.toThrow();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    disableDebug();
    expect(() => disableDebug()).not.toThrow();
    expect(() => clearLeaks()).not.toThrow();
  });

  it('snapshot() with debug off has the SPEC shape and no channels', () => {
    const s = snapshot();
    expect(s).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot', channels: [] });
    expect(typeof s.time).toBe('number');
  });

  it('forgets the tracked channels: a later enable does not list them', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const c = new Channel<number>(1, { name: 'old' });
    disableDebug();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    expect(snapshot().channels.map((x) => x.name)).not.toContain('old');
    c.close();
  });
});

describe('enabling twice', () => {
  it('starts over: one listener, the old target gets nothing more, new options apply', async () => {
    const listen = new EventTarget();
    const a = fakeTarget();
    const b = fakeTarget();
    enableDebug({ target: a.target, listen, intervalMs: 10 });
    say(listen, HELLO);
    const c = new Channel<number>(3, { name: 'twice' });
    await until(() => a.snapshots().length >= 1, 'a snapshot');
    enableDebug({ target: b.target, listen, intervalMs: 10 });
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    expect(b.ofType('announce')).toHaveLength(1);
    const aCount = a.posted.length;
    say(listen, HELLO);
    const d = new Channel<number>(3, { name: 'after-second' });
    await until(() => b.snapshots().some((s) => s.channels.some((x: any) => x.name === 'after-second')), 'b lists d');
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.posted.length).toBe(aCount);
    c.close();
    d.close();
  });

  it('the replaced session, if connected, posts its last empty snapshot to its own target', async () => {
    const listen = new EventTarget();
    const a = fakeTarget();
    enableDebug({ target: a.target, listen, intervalMs: 10 });
    const c = new Channel<number>(3, { name: 'r' });
    say(listen, HELLO);
    await until(() => a.snapshots().length >= 1, 'a snapshot');
    enableDebug({ target: fakeTarget().target, listen, intervalMs: 10 });
    expect(a.snapshots().at(-1).channels).toEqual([]);
    c.close();
  });

  it('enable, disable, enable: leaves exactly one listener and works', async () => {
    const listen = new EventTarget();
    const t = fakeTarget();
    enableDebug({ target: t.target, listen });
    disableDebug();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'snapshot');
  });
});

describe('option checks', () => {
  const good = () => ({ target: fakeTarget().target, listen: new EventTarget() });
  it.each([
    ['options a number', 5, TypeError],
    ['options a string', 'x', TypeError],
    ['options an AbortSignal', new AbortController().signal, TypeError],
    ['target without postMessage', { target: {} }, TypeError],
    ['target a string', { target: 'window' }, TypeError],
    ['target postMessage not a function', { target: { postMessage: 1 } }, TypeError],
    ['listen not an EventTarget', { listen: {} }, TypeError],
    ['intervalMs a string', { intervalMs: '10' }, TypeError],
    ['intervalMs zero', { intervalMs: 0 }, RangeError],
    ['intervalMs negative', { intervalMs: -5 }, RangeError],
    ['intervalMs NaN', { intervalMs: Number.NaN }, RangeError],
    ['intervalMs Infinity', { intervalMs: Number.POSITIVE_INFINITY }, RangeError],
    ['stacks a string', { stacks: 'yes' }, TypeError],
    ['stacks 1', { stacks: 1 }, TypeError],
    ['warnLeaks a string', { warnLeaks: 'no' }, TypeError],
  ])('%s is refused with an error naming enableDebug', (_what, options, type) => {
    const opts =
      typeof options === 'object' && options !== null && !(options instanceof AbortSignal)
        ? { ...good(), ...options }
        : options;
    let error: unknown;
    try {
      enableDebug(opts as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(/enableDebug/);
    expect(snapshot().channels).toEqual([]);
  });

  it('a call that throws changes nothing: the running session stays, with its listener', async () => {
    const listen = new EventTarget();
    const t = fakeTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'kept' });
    expect(() => enableDebug({ target: fakeTarget().target, listen, intervalMs: -1 })).toThrow(RangeError);
    expect(() => enableDebug({ listen: {} as never })).toThrow(TypeError);
    expect(getEventListeners(listen, 'message')).toHaveLength(1);
    expect(t.ofType('announce')).toHaveLength(1);
    expect(snapshot().channels.map((x) => x.name)).toEqual(['kept']);
    say(listen, HELLO);
    await until(() => t.snapshots().length === 1, 'snapshot from the kept session');
    c.close();
  });

  it('a failed enableDebug while off leaves debug mode off (channels not tracked)', () => {
    expect(() => enableDebug({ stacks: 'x' } as never)).toThrow(TypeError);
    const c = new Channel<number>(1, { name: 'untracked' });
    expect(snapshot().channels).toEqual([]);
    c.close();
  });

  it('a target whose postMessage throws on the announce makes enableDebug throw that error and leaves no listener', () => {
    const listen = new EventTarget();
    const boom = new Error('nope');
    expect(() =>
      enableDebug({
        target: {
          postMessage() {
            throw boom;
          },
        },
        listen,
      }),
    ).toThrow(boom);
    expect(getEventListeners(listen, 'message')).toHaveLength(0);
    const c = new Channel<number>(1, { name: 'x' });
    expect(snapshot().channels).toEqual([]);
    c.close();
  });

  it('undefined options and an empty object are accepted (Node has no postMessage global)', () => {
    expect(() => enableDebug()).not.toThrow();
    expect(() => enableDebug({})).not.toThrow();
    expect(() => enableDebug({ target: undefined, listen: undefined, intervalMs: undefined })).not.toThrow();
    const c = new Channel<number>(1, { name: 'node' });
    expect(snapshot().channels.map((x) => x.name)).toEqual(['node']);
    c.close();
  });

  it('unknown option names are ignored', () => {
    expect(() => enableDebug({ ...good(), bogus: 1 } as never)).not.toThrow();
  });
});

describe('channels created before enabling', () => {
  it('are not tracked, and their operations are unaffected', async () => {
    const early = new Channel<number>(0, { name: 'early' });
    const p = early.pull();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const late = new Channel<number>(0, { name: 'late' });
    const q = late.pull();
    expect(snapshot().channels.map((x) => x.name)).toEqual(['late']);
    await early.push(1);
    await late.push(2);
    expect(await p).toBe(1);
    expect(await q).toBe(2);
    early.close();
    late.close();
  });
});
