// Audit BR-peers-c: tokio's tests check that wakers are released (sync_mpsc.rs
// release_waker_on_rx_drop, sync_broadcast.rs send_in_waker_drop / drop of receivers). The JS
// analogue of a leaked waker is an abort listener left on a signal: checked with Node's
// getEventListeners after each operation settles.
import { getEventListeners } from 'node:events';
import { broadcast, Channel, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('no listener left behind (tokio release_waker_on_rx_drop)', () => {
  it('pull committed after parking removes its abort listener', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    expect(listeners(ac.signal)).toBe(1);
    ch.pushNowait(1);
    expect(await p).toBe(1);
    expect(listeners(ac.signal)).toBe(0);
  });

  it('push parked then failed by close removes its listener', async () => {
    const ch = new Channel<number>(0);
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    ch.close();
    await p.catch(() => {});
    expect(listeners(ac.signal)).toBe(0);
  });

  it('pullMany and pushAll release their listeners', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const many = ch.pullMany(4, { signal: ac.signal });
    const all = ch.pushAll([1, 2, 3], { signal: ac.signal });
    expect(await many).toEqual([1]);
    // buffer first, then the parked pushAll's next value (SPEC pullMany)
    expect(await ch.pullMany(4)).toEqual([2, 3]);
    await all;
    expect(listeners(ac.signal)).toBe(0);
  });

  it('select released on commit from every channel and the signal', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    const ac = new AbortController();
    const p = select([pull(a), pull(b)], { signal: ac.signal });
    a.pushNowait(1);
    const r = await p;
    expect(r.index).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
    expect(listeners(ac.signal)).toBe(0);
  });

  // sync_broadcast.rs: dropping a receiver releases it; here a subscriber's signal
  it('broadcast subscriber signal released when the subscriber is closed', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    const rx = hub.subscribe({ signal: ac.signal });
    expect(listeners(ac.signal)).toBe(1);
    rx.close();
    await tick();
    expect(listeners(ac.signal)).toBe(0);
    hub.close();
  });

  it('broadcast subscriber signal released when the source ends', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    const rx = hub.subscribe({ signal: ac.signal });
    src.close();
    await tick();
    expect(rx.closed).toBe(true);
    expect(listeners(ac.signal)).toBe(0);
  });

  it('broadcast subscriber signal released by hub.close', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    hub.subscribe({ signal: ac.signal });
    hub.subscribe({ signal: ac.signal });
    hub.close();
    await tick();
    expect(listeners(ac.signal)).toBe(0);
  });
});
