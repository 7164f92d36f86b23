/**
 * Audit BH-gc: `chanasync/port` streams with a signal over a `MessageChannel` whose ports, the
 * local channel and the receiving channel are held by nothing but the suspended code: the abort
 * (or timeout) after collections still settles `toPort` and ends the receiving loop.
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, outcome } from './util.js';

/** Weak handles on the ports of each test, closed afterwards if still alive (an open port keeps Node running). */
const portRefs: WeakRef<MessagePort>[] = [];
afterEach(() => {
  for (const ref of portRefs.splice(0)) ref.deref()?.close();
});

/** A `MessageChannel` whose ports only the caller holds. */
function pair(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel();
  portRefs.push(new WeakRef(port1), new WeakRef(port2));
  return [port1, port2];
}

/** Counts a `for await` to its end; an error ends it as `error <name>: <message>`. */
async function count(source: AsyncIterable<unknown>): Promise<string> {
  let n = 0;
  try {
    for await (const _ of source) n++;
    return `ended after ${n}`;
  } catch (error) {
    return `threw ${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('streams across a dropped MessageChannel end at their signal', () => {
  it('(holds) toPort(dropped channel, port1, { signal }) and a loop over fromPort(port2): the abort resolves toPort and ends the loop with the reason', async () => {
    const controller = new AbortController();
    const [sent, received] = (() => {
      const [a, b] = pair();
      return [toPort(new Channel<number>(), a, { signal: controller.signal }), count(fromPort<number>(b))];
    })();
    await collect();
    controller.abort(new Error('sender stops'));
    expect(await outcome(sent, 3000)).toBe('resolved {"sent":0,"undelivered":[]}');
    expect(await outcome(received, 3000)).toBe('resolved "threw Error: sender stops"');
  });

  it('(holds) a loop over fromPort(port2, { signal: timeout }) fed by toPort(dropped channel): the timeout ends the loop, toPort resolves', async () => {
    const [sent, received] = (() => {
      const [a, b] = pair();
      return [toPort(new Channel<number>(), a), count(fromPort<number>(b, { signal: AbortSignal.timeout(150) }))];
    })();
    await collect();
    expect(await outcome(received, 3000)).toBe('resolved "ended after 0"');
    expect(await outcome(sent, 3000)).toBe('resolved {"sent":0,"undelivered":[]}');
  });

  it('(holds) a toPort that never pairs (its peer port closed) with a timeout resolves after collections', async () => {
    const sent = (() => {
      const [a, b] = pair();
      b.close();
      return toPort(new Channel<number>(), a, { signal: AbortSignal.timeout(150) });
    })();
    await collect();
    expect(await outcome(sent, 3000)).toBe('resolved {"sent":0,"undelivered":[]}');
  });

  it('(holds) a loop over a fromPort that never pairs (no sender), with a timeout, ends after collections', async () => {
    const received = (() => {
      const [, b] = pair();
      return count(fromPort<number>(b, { signal: AbortSignal.timeout(150) }));
    })();
    await collect();
    expect(await outcome(received, 3000)).toBe('resolved "ended after 0"');
  });

  it('(holds) a sender stopped by its timeout after collections counts what the receiver committed, loses nothing', async () => {
    const got: number[] = [];
    const sent = (() => {
      const [a, b] = pair();
      const local = new Channel<number>(8);
      for (let i = 0; i < 5; i++) local.tryPush(i);
      void (async () => {
        for await (const value of fromPort<number>(b, { capacity: 2 })) {
          got.push(value);
          if (got.length === 2) await new Promise(() => {}); // stops reading, for ever
        }
      })();
      return toPort(local, a, { signal: AbortSignal.timeout(200) });
    })();
    await collect();
    const result = await Promise.race([sent, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 8000))]);
    expect(result).not.toBe('pending');
    // Two read, two in the receiver's buffer (capacity 2): committed remotely, so sent; the fifth
    // was never pulled (no credit). Nothing undelivered, nothing lost.
    expect(result).toEqual({ sent: 4, undelivered: [] });
    expect(got).toEqual([0, 1]);
  }, 12_000);
});
