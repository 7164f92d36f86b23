// Snapshots posted over postMessage: SPEC "Debug mode" — Transport paragraph (announce, hello,
// bye, throttle, change-only, message shape), with a fake target and with a real MessageChannel.
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isPageToInspectorMessage } from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { BYE, fakeTarget, find, HELLO, quiet, say, sleep, waitFor } from './helpers.js';

afterEach(() => {
  disableDebug();
});

function session(intervalMs?: number) {
  const target = fakeTarget();
  const listen = new EventTarget();
  enableDebug(intervalMs === undefined ? { target, listen } : { target, listen, intervalMs });
  return { target, listen };
}

describe('announce and connection', () => {
  it('posts nothing but the announce until an inspector says hello, whatever the channels do', async () => {
    const { target } = session(10);
    const ch = new Channel<number>(0, { name: 'busy' });
    quiet(ch.pull());
    await sleep(30);
    ch.pushNowait(1);
    new Channel<number>(3, { name: 'more' }).pushNowait(1);
    await sleep(60);
    expect(target.messages).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
  });

  it('after hello, posts a snapshot of the current state promptly, without waiting a full interval', async () => {
    const { target, listen } = session(5000);
    const ch = new Channel<number>(0, { name: 'stuck-reply' });
    quiet(ch.pull());
    say(listen, HELLO);
    expect(await waitFor(() => target.snapshots.length > 0, 1000)).toBe(true);
    const snap = target.snapshots[0]!;
    expect(snap).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(find(snap, 'stuck-reply')!.pullers.map((w) => w.kind)).toEqual(['pull']);
    ch.close();
  });

  it('posts to a non-window target with postMessage(message): one argument, no origin', async () => {
    const { target, listen } = session(10);
    say(listen, HELLO);
    new Channel<number>(1, { name: 'x' }).pushNowait(1);
    await waitFor(() => target.snapshots.length > 0, 1000);
    expect(target.calls.length).toBeGreaterThanOrEqual(2);
    for (const call of target.calls) expect(call).toHaveLength(1);
  });

  it('every posted message carries source "chanasync" and version 1 and passes the protocol guard', async () => {
    const { target, listen } = session(10);
    say(listen, HELLO);
    const ch = new Channel<number>(0, { name: 'x' });
    quiet(ch.pull());
    await waitFor(() => target.snapshots.length > 0, 1000);
    await sleep(30);
    ch.close();
    await sleep(30);
    for (const message of target.messages) {
      expect(message.source).toBe('chanasync');
      expect(message.version).toBe(1);
      expect(isPageToInspectorMessage(message)).toBe(true);
    }
  });

  it('a posted snapshot describes the same channels as snapshot() (the same shape)', async () => {
    const { target, listen } = session(5000);
    const ch = new Channel<number>(2, { name: 'same' });
    ch.pushNowait(1);
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    const posted = target.snapshots[0]!;
    const direct = snapshot();
    expect(posted.channels).toEqual(direct.channels);
  });

  it('bye stops the posting; a later hello starts it again with the current state', async () => {
    const { target, listen } = session(10);
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    say(listen, BYE);
    const count = target.calls.length;
    const ch = new Channel<number>(0, { name: 'after-bye' });
    quiet(ch.push(1));
    await sleep(80);
    expect(target.calls.length).toBe(count);
    say(listen, HELLO);
    expect(await waitFor(() => target.snapshots.some((s) => find(s, 'after-bye')), 1000)).toBe(true);
    const last = target.snapshots.at(-1)!;
    expect(find(last, 'after-bye')!.pushers).toHaveLength(1);
    ch.close();
  });

  it('a hello with extra fields still counts (README: other fields are allowed)', async () => {
    const { target, listen } = session(10);
    say(listen, { ...HELLO, tabId: 7, extra: { nested: true } });
    expect(await waitFor(() => target.snapshots.length > 0, 1000)).toBe(true);
  });
});

describe('throttle and change detection', () => {
  it('posts only when something changed: an idle app gets no repeated snapshots', async () => {
    const { target, listen } = session(15);
    const ch = new Channel<number>(0, { name: 'idle-wait' });
    quiet(ch.pull());
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    await sleep(60); // let any trailing post settle
    const count = target.snapshots.length;
    await sleep(150); // ten intervals, nothing changes
    expect(target.snapshots.length).toBe(count);
    ch.close(); // a change: one more snapshot comes
    expect(await waitFor(() => target.snapshots.length > count, 1000)).toBe(true);
    expect(find(target.snapshots.at(-1)!, 'idle-wait')!.closed).toBe(true);
  });

  it('posts at most one snapshot per intervalMs while channels change continuously', async () => {
    const intervalMs = 40;
    const { target, listen } = session(intervalMs);
    const ch = new Channel<number>(Infinity, { name: 'churn' });
    say(listen, HELLO);
    const end = Date.now() + 400;
    while (Date.now() < end) {
      ch.pushNowait(1); // size changes every few ms
      await sleep(3);
    }
    const times = target.calls
      .map((call, i) => [call[0] as any, target.times[i]!] as const)
      .filter(([m]) => m.type === 'snapshot')
      .map(([, t]) => t);
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 5);
  });

  it('coalesces a burst within one interval and still posts the final state afterwards', async () => {
    const { target, listen } = session(50);
    const ch = new Channel<number>(Infinity, { name: 'burst' });
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    const count = target.snapshots.length;
    for (let i = 0; i < 100; i++) {
      ch.pushNowait(i);
      if (i % 10 === 0) await sleep(1);
    }
    ch.close();
    expect(await waitFor(() => find(target.snapshots.at(-1)!, 'burst')?.closed === true, 2000)).toBe(true);
    const last = find(target.snapshots.at(-1)!, 'burst')!;
    expect(last.size).toBe(100);
    expect(target.snapshots.length - count).toBeLessThan(20);
  });

  it('defaults intervalMs to 250: a change right after the hello snapshot is posted no sooner than ~250 ms later', async () => {
    const { target, listen } = session();
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    const firstIndex = target.calls.findIndex((call) => (call[0] as any).type === 'snapshot');
    const firstAt = target.times[firstIndex]!;
    const ch = new Channel<number>(0, { name: 'late-change' });
    quiet(ch.pull());
    expect(await waitFor(() => target.snapshots.some((s) => find(s, 'late-change')), 3000)).toBe(true);
    const index = target.calls.findIndex((call) => {
      const m = call[0] as any;
      return m.type === 'snapshot' && m.channels.some((c: any) => c.name === 'late-change');
    });
    expect(target.times[index]! - firstAt).toBeGreaterThanOrEqual(240);
    ch.close();
  });
});

describe('messages that are not the inspector protocol', () => {
  const junk: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a string', 'hello'],
    ['a number', 1],
    ['an array', [HELLO]],
    ['another source', { ...HELLO, source: 'someone-else' }],
    ['the page source', { ...HELLO, source: 'chanasync' }],
    ['version 2', { ...HELLO, version: 2 }],
    ['version "1"', { ...HELLO, version: '1' }],
    ['no version', { source: 'chanasync-inspector', type: 'hello' }],
    ['no type', { source: 'chanasync-inspector', version: 1 }],
    ['type HELLO', { ...HELLO, type: 'HELLO' }],
    ['an unknown type', { ...HELLO, type: 'snapshot' }],
    ['an inherited hello', Object.create(HELLO)],
    [
      'an object whose fields throw',
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          has() {
            throw new Error('trap');
          },
          getOwnPropertyDescriptor() {
            throw new Error('trap');
          },
          ownKeys() {
            throw new Error('trap');
          },
        },
      ),
    ],
  ];

  it('ignores each without error and without starting the posting', async () => {
    const { target, listen } = session(10);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      for (const [, data] of junk) expect(() => say(listen, data)).not.toThrow();
      new Channel<number>(1, { name: 'x' }).pushNowait(1);
      await sleep(60);
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
    expect(target.messages.map((m) => m.type)).toEqual(['announce']);
  });

  it('a bye-like message of the wrong shape does not stop a connected session', async () => {
    const { target, listen } = session(10);
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    say(listen, { ...BYE, version: 2 });
    say(listen, { ...BYE, source: 'x' });
    say(listen, Object.create(BYE));
    const ch = new Channel<number>(0, { name: 'still-connected' });
    quiet(ch.pull());
    expect(await waitFor(() => target.snapshots.some((s) => find(s, 'still-connected')), 1000)).toBe(true);
    ch.close();
  });

  it('a non-message event type on listen is ignored', async () => {
    const { target, listen } = session(10);
    listen.dispatchEvent(new MessageEvent('other', { data: HELLO }));
    await sleep(40);
    expect(target.snapshots).toEqual([]);
  });
});

describe('over a real MessageChannel', () => {
  it('announces over the port, answers a hello from the other end with structured-cloned snapshots', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: any[] = [];
    port2.onmessage = (event) => received.push(event.data);
    try {
      enableDebug({ target: port1, listen: port1, intervalMs: 10 });
      const ch = new Channel<() => void>(2, { name: 'over-port' });
      ch.pushNowait(() => {}); // not cloneable: fine, values are never sent
      quiet(new Channel<number>(0, { name: 'parked-over-port' }).pull());
      expect(await waitFor(() => received.some((m) => m.type === 'announce'), 1000)).toBe(true);
      port2.postMessage(HELLO);
      expect(await waitFor(() => received.some((m) => m.type === 'snapshot'), 1000)).toBe(true);
      const snap = received.find((m) => m.type === 'snapshot');
      expect(snap.version).toBe(1);
      expect(find(snap, 'over-port')).toMatchObject({ capacity: 2, size: 1, closed: false });
      expect(find(snap, 'parked-over-port')!.pullers.map((w) => w.kind)).toEqual(['pull']);
      port2.postMessage(BYE);
      await sleep(30);
      const count = received.length;
      ch.close();
      await sleep(60);
      expect(received.length).toBe(count);
    } finally {
      disableDebug();
      port1.close();
      port2.close();
    }
  });
});
