/**
 * Audit BE, port: a context that dies without a `close` event (a terminated Worker) is found by
 * the heartbeat within a bounded time (SPEC "A context that dies"; README: ping after 1 s, gone
 * after 5 s, detection 5 to 5.5 s). Fake timers stand for the clock; the ports are hand-made
 * `PortLike`s whose far side can be "killed" (it stops receiving and posting, as a dead context).
 */
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Two ports delivering structured clones in a microtask; `kill(side)` silences that side for good. */
function killablePair() {
  const targets = [new EventTarget(), new EventTarget()] as const;
  const dead = [false, false];
  const port = (me: 0 | 1): PortLike => {
    const peer = (1 - me) as 0 | 1;
    return {
      postMessage(message: unknown) {
        if (dead[me] || dead[peer]) return;
        const data = structuredClone(message);
        queueMicrotask(() => {
          if (!dead[peer] && !dead[me]) targets[peer].dispatchEvent(new MessageEvent('message', { data }));
        });
      },
      addEventListener: targets[me].addEventListener.bind(targets[me]),
      removeEventListener: targets[me].removeEventListener.bind(targets[me]),
    } as unknown as PortLike;
  };
  return { ports: [port(0), port(1)] as const, kill: (side: 0 | 1) => (dead[side] = true) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function advance(ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) await vi.advanceTimersByTimeAsync(step);
}

describe('a context that dies without a word', () => {
  it('the receiving channel closes with a ChannelError saying the other side is gone when the sender dies', async () => {
    const { ports, kill } = killablePair();
    const local = new Channel<number>(4);
    await local.pushAll([1, 2]);
    const remote = fromPort<number>(ports[1], { capacity: 4 });
    const sending = toPort(local, ports[0]);
    await advance(300);
    expect(remote.size).toBe(2);
    let result: { sent: number; undelivered: number[] } | undefined;
    sending.then((r) => {
      result = r;
    });
    kill(0); // the sending context dies
    await advance(3000);
    expect(remote.closed).toBe(false); // not given up before the documented 5 s of silence
    await advance(4000);
    expect(remote.closed).toBe(true);
    expect(remote.pullNowait()).toBe(1);
    expect(remote.pullNowait()).toBe(2);
    let error: unknown;
    try {
      remote.pullNowait();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelClosedError);
    const cause = (error as ChannelClosedError).cause;
    expect(cause).toBeInstanceOf(ChannelError);
    expect((cause as Error).message).toMatch(/gone/i);
    // seen from the "dead" sender, the receiver went silent too: its toPort settles as well
    expect(result).toBeDefined();
    expect(result!.sent + result!.undelivered.length).toBe(2);
    local.close();
  });

  it('toPort resolves with the values not acknowledged when the receiving context dies', async () => {
    const { ports, kill } = killablePair();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(ports[1], { capacity: 3 });
    const sending = toPort(local, ports[0]);
    let result: { sent: number; undelivered: number[] } | undefined;
    sending.then((r) => {
      result = r;
    });
    await advance(300);
    expect(remote.size).toBe(3);
    kill(1); // the receiving context dies
    await advance(7000);
    expect(result).toBeDefined();
    expect(result!.sent + result!.undelivered.length + local.size).toBe(10);
    expect(local.size).toBe(7);
    local.close();
    remote.close();
  });

  it('an idle stream whose peers both live is never given up (heartbeats answer)', async () => {
    const { ports } = killablePair();
    const local = new Channel<number>();
    const remote = fromPort<number>(ports[1], { capacity: 2 });
    const sending = toPort(local, ports[0]);
    let settled = false;
    sending.then(() => {
      settled = true;
    });
    await advance(20_000, 250);
    expect(settled).toBe(false);
    expect(remote.closed).toBe(false);
    await local.push(42);
    await advance(200);
    expect(remote.pullNowait()).toBe(42);
    local.close();
    await advance(1000);
    expect(settled).toBe(true);
    await expect(sending).resolves.toEqual({ sent: 1, undelivered: [] });
  });
});
