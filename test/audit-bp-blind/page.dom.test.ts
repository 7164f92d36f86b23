// @vitest-environment happy-dom
// Blind pass, page side: debug mode's window transport and fromEvent on DOM elements.
import { Channel, fromEvent, merge, toReadableStream } from 'chanasync';
import { type DebugSnapshot, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';

const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const bye = { source: 'chanasync-inspector', version: 1, type: 'bye' } as const;

async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Records the calls to `window.postMessage` (without delivering them). */
function spyWindow() {
  const calls: unknown[][] = [];
  vi.spyOn(window, 'postMessage').mockImplementation(((...args: unknown[]) => {
    calls.push(args);
  }) as typeof window.postMessage);
  const snapshots = () =>
    calls.map((args) => args[0] as DebugSnapshot).filter((m) => (m as { type?: string }).type === 'snapshot');
  return { calls, snapshots };
}

/** A `message` event on the window as the inspector's content script posts it (same window). */
function inspectorSays(data: unknown): void {
  window.dispatchEvent(new MessageEvent('message', { data, source: window as unknown as MessageEventSource }));
}

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('debug mode in a window', () => {
  it('enableDebug() posts announce to the window with targetOrigin "*"', () => {
    const { calls } = spyWindow();
    enableDebug();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
  });

  it('an explicit window target is also told "*"', () => {
    const { calls } = spyWindow();
    enableDebug({ target: window, listen: new EventTarget() });
    expect(calls[0]?.[1]).toBe('*');
  });

  it('another window as target (not the global one) is also told "*"', async () => {
    spyWindow();
    const { Window } = await import('happy-dom');
    const other = new Window();
    const calls: unknown[][] = [];
    (other as unknown as { postMessage: (...args: unknown[]) => void }).postMessage = (...args: unknown[]) => {
      calls.push(args);
    };
    enableDebug({ target: other as unknown as Window & typeof globalThis, listen: new EventTarget() });
    expect(calls[0]).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }, '*']);
    await other.happyDOM.close();
  });

  it('a worker-like target (not a window) gets postMessage(message) with no origin argument', () => {
    spyWindow();
    const calls: unknown[][] = [];
    enableDebug({
      target: {
        postMessage(...args: unknown[]) {
          calls.push(args);
        },
      },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(1);
  });

  it('a hello as a message event on the window starts the snapshots', async () => {
    const spy = spyWindow();
    enableDebug({ intervalMs: 50 });
    const channel = new Channel<number>(0, { name: 'page-channel' });
    const parked = channel.pull().catch(() => {});
    inspectorSays(hello);
    await settle(2);
    const snaps = spy.snapshots();
    expect(snaps.length).toBeGreaterThanOrEqual(1);
    const entry = snaps[0]?.channels.find((c) => c.name === 'page-channel');
    expect(entry?.pullers[0]?.kind).toBe('pull');
    const snapshotCall = spy.calls.find((args) => (args[0] as { type?: string }).type === 'snapshot');
    expect(snapshotCall?.[1]).toBe('*');
    channel.close();
    await parked;
  });

  it('with listen given, a hello on the window itself is not heard', async () => {
    const spy = spyWindow();
    const listen = new EventTarget();
    enableDebug({ intervalMs: 20, listen });
    inspectorSays(hello);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(spy.snapshots()).toHaveLength(0);
    listen.dispatchEvent(new MessageEvent('message', { data: hello }));
    await settle(2);
    expect(spy.snapshots().length).toBeGreaterThanOrEqual(1);
  });

  it('bye on the window stops the snapshots', async () => {
    const spy = spyWindow();
    enableDebug({ intervalMs: 20 });
    const channel = new Channel<number>(100, { name: 'stopped' });
    inspectorSays(hello);
    await settle(2);
    inspectorSays(bye);
    const count = spy.snapshots().length;
    for (let i = 0; i < 5; i++) {
      channel.pushNowait(i);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(spy.snapshots()).toHaveLength(count);
    channel.close();
  });

  it('foreign window messages are ignored without error', async () => {
    const spy = spyWindow();
    enableDebug({ intervalMs: 20 });
    for (const data of [
      undefined,
      null,
      'hello',
      { source: 'chanasync-inspector', version: 1 },
      { ...hello, version: 0 },
    ]) {
      expect(() => inspectorSays(data)).not.toThrow();
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(spy.snapshots()).toHaveLength(0);
  });

  it('snapshot() in a page carries the SPEC fields and is cloneable', () => {
    spyWindow();
    enableDebug();
    const channel = new Channel<HTMLElement>(2, { name: 'elements' });
    channel.pushNowait(document.createElement('div'));
    const snap = snapshot();
    expect(snap).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(() => structuredClone(snap)).not.toThrow();
    expect(snap.channels.find((c) => c.name === 'elements')?.size).toBe(1);
    channel.close();
  });
});

describe('fromEvent on DOM elements', () => {
  it('collects clicks on a button (latest only by default)', async () => {
    const button = document.createElement('button');
    document.body.append(button);
    const clicks = fromEvent(button, 'click');
    button.click();
    button.click();
    expect(clicks.size).toBe(1);
    const event = await clicks.pull();
    expect(event.type).toBe('click');
    clicks.close();
  });

  it('bubbling events from a child reach a fromEvent on the parent', async () => {
    const parent = document.createElement('div');
    const child = document.createElement('span');
    parent.append(child);
    document.body.append(parent);
    const events = fromEvent(parent, 'ping', { capacity: 4, overflow: 'block' });
    child.dispatchEvent(new Event('ping', { bubbles: true }));
    expect((await events.pull()).target).toBe(child);
    events.close();
  });

  it('aborting the signal removes the listener from the element', () => {
    const input = document.createElement('input');
    const controller = new AbortController();
    const events = fromEvent(input, 'input', { capacity: 8, overflow: 'block', signal: controller.signal });
    input.dispatchEvent(new Event('input'));
    controller.abort();
    input.dispatchEvent(new Event('input'));
    expect(events.closed).toBe(true);
    expect(events.size).toBe(1);
  });

  it('a fromEvent on the window receives window events', async () => {
    const events = fromEvent(window, 'resize');
    window.dispatchEvent(new Event('resize'));
    expect((await events.pull()).type).toBe('resize');
    events.close();
  });

  it('merge of two element event channels keeps each one in order', async () => {
    const a = document.createElement('button');
    const b = document.createElement('button');
    const controller = new AbortController();
    const options = { capacity: 10, overflow: 'block' as const, signal: controller.signal };
    const merged = merge(fromEvent(a, 'click', options), fromEvent(b, 'click', options));
    a.click();
    b.click();
    a.click();
    await settle();
    const targets: EventTarget[] = [];
    for (let i = 0; i < 3; i++) targets.push((await merged.pull()).target as EventTarget);
    expect(targets.filter((t) => t === a)).toHaveLength(2);
    expect(targets.filter((t) => t === b)).toHaveLength(1);
    controller.abort();
    await settle();
    expect(merged.closed).toBe(true);
  });

  it('a fromEvent channel as a readable stream delivers events to a reader', async () => {
    const button = document.createElement('button');
    const clicks = fromEvent(button, 'click');
    const reader = toReadableStream(clicks).getReader();
    const read = reader.read();
    await settle(1);
    button.click();
    const result = await read;
    expect(result.done).toBe(false);
    expect(result.value?.type).toBe('click');
    await reader.cancel();
    expect(clicks.closed).toBe(false);
    clicks.close();
  });

  it('a pull on a fromEvent(element) channel is waiting for input in a snapshot', async () => {
    spyWindow();
    enableDebug();
    const button = document.createElement('button');
    const clicks = fromEvent(button, 'click');
    const parked = clicks.pull().catch(() => {});
    const entry = snapshot().channels.find((c) => c.name === 'fromEvent(click)');
    expect(entry?.input).toBe(true);
    expect(entry?.pullers[0]?.input).toBe(true);
    clicks.close();
    await parked;
  });
});
