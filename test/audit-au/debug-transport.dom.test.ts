// @vitest-environment happy-dom

import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, expect, it } from 'vitest';

afterEach(() => disableDebug());

it('an explicit window target receives postMessage(message, "*")', () => {
  const calls: unknown[][] = [];
  const orig = window.postMessage.bind(window);
  (window as any).postMessage = (...a: unknown[]) => {
    calls.push(a);
    return (orig as any)(...a);
  };
  try {
    enableDebug({ target: window });
    expect(calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
  } finally {
    delete (window as any).postMessage;
  }
});

it('another window (window-like: its .window is itself) receives postMessage(message, "*")', () => {
  const calls: unknown[][] = [];
  const w: any = { postMessage: (...a: unknown[]) => calls.push(a) };
  w.window = w;
  enableDebug({ target: w });
  expect(calls[0]?.[1]).toBe('*');
});

it('a MessagePort target receives postMessage(message) with one argument', async () => {
  const { port1, port2 } = new MessageChannel();
  const got: unknown[] = [];
  port2.onmessage = (e) => got.push(e.data);
  const orig = port1.postMessage.bind(port1);
  const calls: unknown[][] = [];
  (port1 as any).postMessage = (...a: unknown[]) => {
    calls.push(a);
    return (orig as any)(...a);
  };
  enableDebug({ target: port1 });
  expect(calls[0]?.length).toBe(1);
  await new Promise((r) => setTimeout(r, 20));
  expect(got[0]).toEqual({ source: 'chanasync', version: 1, type: 'announce' });
  port1.close();
});

it('an inspector that reconnects (bye, then hello) gets a snapshot without waiting for a change', async () => {
  const { Channel } = await import('chanasync');
  const listen = new EventTarget();
  const posted: any[] = [];
  enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
  const say = (type: string) =>
    listen.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type } }));
  const ch = new Channel<number>(2, { name: 'rc' });
  say('hello');
  await new Promise((r) => setTimeout(r, 40));
  expect(posted.filter((m) => m.type === 'snapshot').length).toBeGreaterThan(0);
  say('bye');
  await new Promise((r) => setTimeout(r, 30));
  const n = posted.filter((m) => m.type === 'snapshot').length;
  say('hello');
  await new Promise((r) => setTimeout(r, 40));
  expect(posted.filter((m) => m.type === 'snapshot').length).toBeGreaterThan(n);
  ch.close();
});

it('a second hello while connected does not break the stream of snapshots', async () => {
  const { Channel } = await import('chanasync');
  const listen = new EventTarget();
  const posted: any[] = [];
  enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
  const say = (type: string) =>
    listen.dispatchEvent(new MessageEvent('message', { data: { source: 'chanasync-inspector', version: 1, type } }));
  const ch = new Channel<number>(Infinity, { name: 'h2' });
  say('hello');
  say('hello');
  await new Promise((r) => setTimeout(r, 30));
  const n = posted.filter((m) => m.type === 'snapshot').length;
  ch.pushNowait(1);
  await new Promise((r) => setTimeout(r, 30));
  expect(posted.filter((m) => m.type === 'snapshot').length).toBeGreaterThan(n);
  say('bye');
  await new Promise((r) => setTimeout(r, 20));
  const k = posted.filter((m) => m.type === 'snapshot').length;
  ch.pushNowait(2);
  await new Promise((r) => setTimeout(r, 30));
  expect(posted.filter((m) => m.type === 'snapshot').length).toBe(k);
});
