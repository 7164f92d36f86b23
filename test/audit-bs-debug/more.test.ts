// BS-debug audit: further edges — long intervals, sessions, relayDebug argument checks, stacks on selects.
import { getEventListeners } from 'node:events';
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, HELLO, say, until } from './helpers.js';

afterEach(() => {
  disableDebug();
});
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sessions', () => {
  it('calling enableDebug again forgets the channels of the session it replaces', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const a = new Channel<number>(1, { name: 'first-session' });
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const b = new Channel<number>(1, { name: 'second-session' });
    expect(snapshot().channels.map((c) => c.name)).toEqual(['second-session']);
    a.close();
    b.close();
  });

  it('a fractional intervalMs is accepted', () => {
    expect(() =>
      enableDebug({ target: fakeTarget().target, listen: new EventTarget(), intervalMs: 0.5 }),
    ).not.toThrow();
  });

  it('an intervalMs beyond the timer limit does not fire at once, and disable clears its timer', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    const before = timers();
    enableDebug({ target: t.target, listen, intervalMs: 2 ** 31 + 1000 });
    const c = new Channel<number>(3, { name: 'slow' });
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(1);
    c.pushNowait(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.snapshots()).toHaveLength(1);
    disableDebug();
    await new Promise((r) => setTimeout(r, 10));
    expect(timers()).toBeLessThanOrEqual(before);
    c.close();
  });

  it('the connected session removes its listener from the old listen target when replaced with another one', () => {
    const l1 = new EventTarget();
    const l2 = new EventTarget();
    enableDebug({ target: fakeTarget().target, listen: l1 });
    enableDebug({ target: fakeTarget().target, listen: l2 });
    expect(getEventListeners(l1, 'message')).toHaveLength(0);
    expect(getEventListeners(l2, 'message')).toHaveLength(1);
  });
});

describe('stacks on selects and batches', () => {
  it('each case of a parked select carries a stack naming this file', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
    const a = new Channel<number>(0, { name: 'sa' });
    const b = new Channel<number>(0, { name: 'sb' });
    const ac = new AbortController();
    select([pull(a), pull(b)], { signal: ac.signal }).catch(() => {});
    for (const c of snapshot().channels) {
      expect(c.pullers[0]!.stack).toMatch(/more\.test\.ts/);
      expect(c.createdAt).toMatch(/more\.test\.ts/);
    }
    ac.abort();
    a.close();
    b.close();
  });

  it('stacks trimmed to user frames: they do not start with chanasync frames', () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
    const c = new Channel<number>(0, { name: 'trim' });
    c.pull().catch(() => {});
    const s = snapshot().channels[0]!;
    const first = s.pullers[0]!.stack!.split('\n').find((l) => l.trim().length > 0)!;
    expect(first).toMatch(/more\.test\.ts/);
    const created = s.createdAt!.split('\n').find((l) => l.trim().length > 0)!;
    expect(created).toMatch(/more\.test\.ts/);
    c.close();
  });
});

describe('relayDebug argument checks', () => {
  it.each([
    ['no worker', undefined],
    ['a number', 5],
    ['an object without postMessage', {}],
  ])('%s is a TypeError naming relayDebug', (_w, worker) => {
    let error: unknown;
    try {
      relayDebug(worker as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/relayDebug/);
  });

  it('an AbortSignal in place of the options is a TypeError that says to pass { signal }', () => {
    const { port1, port2 } = new MessageChannel();
    let error: unknown;
    try {
      relayDebug(port1 as never, new AbortController().signal as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/relayDebug/);
    expect((error as Error).message).toMatch(/signal/);
    port1.close();
    port2.close();
  });
});

describe('relayDebug over a MessagePort, end to end', () => {
  it("re-posts the other side's snapshots tagged as a worker, and forwards hello", async () => {
    // "Worker" side: debug mode posting to port2 and listening on it.
    const { port1, port2 } = new MessageChannel();
    const page = fakeTarget();
    const pageListen = new EventTarget();
    const stop = relayDebug(port1 as never, {
      url: 'https://example.test/w.js',
      target: page.target,
      listen: pageListen,
    });
    enableDebug({ target: port2, listen: port2 as unknown as EventTarget, intervalMs: 10 });
    const c = new Channel<number>(1, { name: 'in-worker' });
    say(pageListen, HELLO);
    await until(
      () => page.snapshots().some((s) => s.channels.some((x: any) => x.name === 'in-worker')),
      'a relayed snapshot',
    );
    const s = page.snapshots().find((x) => x.channels.length);
    expect(s.context).toMatchObject({ kind: 'worker', url: 'https://example.test/w.js' });
    stop();
    disableDebug();
    c.close();
    port1.close();
    port2.close();
  });
});

describe('timers and odd events', () => {
  it('while enabled but not connected, parking and committing leave no timer running (a Node script can exit)', async () => {
    const before = timers();
    enableDebug({ target: fakeTarget().target, listen: new EventTarget(), intervalMs: 10 });
    const c = new Channel<number>(0, { name: 'busy' });
    const p = c.pull();
    await c.push(1);
    await p;
    const q = c.pull().catch(() => {});
    await until(() => timers() <= before, 'debug timers to end', 5000);
    c.close();
    await q;
  });

  it('a plain Event (no data) or a MessageEvent without data on listen is ignored', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    expect(() => listen.dispatchEvent(new Event('message'))).not.toThrow();
    expect(() => listen.dispatchEvent(new MessageEvent('message'))).not.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    expect(t.snapshots()).toHaveLength(0);
  });

  it('a push into a full drop-oldest channel does not park: no pushers listed', async () => {
    enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
    const c = new Channel<number>(1, { name: 'dropper', overflow: 'drop-oldest' });
    await c.push(1);
    await c.push(2);
    const s = snapshot().channels[0]!;
    expect(s).toMatchObject({ size: 1, pushers: [], overflow: 'drop-oldest' });
    c.close();
  });
});

describe('last empty snapshot and never in the way', () => {
  it('disable posts no extra empty snapshot when the last one posted already had no channels', async () => {
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    say(listen, HELLO);
    expect(t.snapshots()).toHaveLength(1);
    expect(t.snapshots()[0].channels).toEqual([]);
    disableDebug();
    expect(t.snapshots()).toHaveLength(1);
  });

  it('an Error.prepareStackTrace that throws does not break operations with stacks on', async () => {
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = () => {
      throw new Error('user hook broke');
    };
    try {
      enableDebug({ target: fakeTarget().target, listen: new EventTarget(), stacks: true });
      const c = new Channel<number>(0, { name: 'hooked' });
      const p = c.pull();
      const s = snapshot();
      expect(s.channels[0]!.pullers).toHaveLength(1);
      await c.push(3);
      expect(await p).toBe(3);
      c.close();
    } finally {
      Error.prepareStackTrace = saved;
    }
  });
});
