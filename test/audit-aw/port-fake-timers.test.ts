/**
 * Auditor AW — port under vitest fake timers, as a user's app test would run it: an idle but
 * live stream while the test advances the clock with the async variant.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

const realTurn = () => new Promise<void>((r) => setImmediate(r));

describe('fake timers', () => {
  it('advanceTimersByTimeAsync(10 s) over an idle, live stream does not declare the peer gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const done = toPort(local, port1);
    local.pushNowait(1);
    for (let i = 0; i < 10; i++) await realTurn();
    expect(remote.tryPull()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    for (let i = 0; i < 10; i++) await realTurn();
    const closedEarly = remote.closed;
    local.pushNowait(2);
    for (let i = 0; i < 10; i++) await realTurn();
    const second = remote.tryPull();
    const state = { closedEarly, second, remoteClosed: remote.closed };
    console.log('fake timers, after advanceTimersByTimeAsync(10000):', state);
    local.close();
    remote.close();
    await vi.advanceTimersByTimeAsync(1000);
    vi.useRealTimers();
    await done;
    port1.close();
    port2.close();
    expect(state).toEqual({ closedEarly: false, second: 2, remoteClosed: false });
  });

  it('advanceTimersByTime(10 s) (sync) over an idle, live stream does not declare the peer gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const done = toPort(local, port1);
    local.pushNowait(1);
    for (let i = 0; i < 10; i++) await realTurn();
    expect(remote.tryPull()).toBe(1);
    vi.advanceTimersByTime(10_000);
    for (let i = 0; i < 10; i++) await realTurn();
    local.pushNowait(2);
    for (let i = 0; i < 10; i++) await realTurn();
    const state = { second: remote.tryPull(), remoteClosed: remote.closed };
    console.log('fake timers, after advanceTimersByTime(10000):', state);
    local.close();
    remote.close();
    vi.useRealTimers();
    await done;
    port1.close();
    port2.close();
    expect(state).toEqual({ second: 2, remoteClosed: false });
  });
});
