/**
 * Audit BJ — backpressure across a port: the receiver's capacity bounds what is in flight plus
 * what is buffered remotely, and `toPort` never pulls ahead of its credit. Over fake ports whose
 * posts are recorded, so "posted" is what the sender really put on the wire.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { type FakePort, fakePorts } from '../helpers/fake-ports.js';
import { seededRandom } from '../helpers/random.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Values the sender side put in `values` messages so far. */
function postedValues(port: FakePort): unknown[] {
  return port.sent('values').flatMap((message) => message.values as unknown[]);
}

describe('credit: never more in flight than the receiver allows', () => {
  for (const capacity of [1, 2, 5, 16]) {
    it(`capacity ${capacity}: posted minus consumed never exceeds the capacity, with a slow mixed consumer`, async () => {
      const { a, b } = fakePorts();
      const total = 60;
      const local = new Channel<number>(total);
      await local.pushAll(Array.from({ length: total }, (_, i) => i));
      local.close();
      const remote = fromPort<number>(b, { capacity });
      const sending = toPort(local, a);
      const got: number[] = [];
      const random = seededRandom(capacity * 7919);
      let worst = 0;
      const check = (): void => {
        const inFlightOrBuffered = postedValues(a).length - got.length;
        worst = Math.max(worst, inFlightOrBuffered);
        // toPort pulled = total - local.size; pulled and not consumed must fit the credit too
        const pulledNotConsumed = total - local.size - got.length;
        expect(inFlightOrBuffered).toBeLessThanOrEqual(capacity);
        expect(pulledNotConsumed).toBeLessThanOrEqual(capacity);
      };
      for (;;) {
        check();
        await sleep(random() < 0.5 ? 0 : 2);
        check();
        const r = random();
        try {
          if (r < 0.4) got.push(await remote.pull());
          else if (r < 0.7) got.push(...(await remote.pullMany(1 + Math.floor(random() * capacity))));
          else {
            const value = remote.tryPull();
            if (value !== undefined) got.push(value);
            else if (remote.closed && remote.size === 0) break;
          }
        } catch (error) {
          if (error instanceof ChannelClosedError) break;
          throw error;
        }
      }
      check();
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(await sending).toEqual({ sent: total, undelivered: [] });
      expect(worst).toBeGreaterThan(0);
    });
  }

  it('capacity 0: at most one value in flight per parked remote pull, and none without a pull', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(b);
    const sending = toPort(local, a);
    await sleep(30);
    // nobody pulls remotely: nothing may be pulled from the local channel nor posted
    expect(local.size).toBe(10);
    expect(postedValues(a)).toEqual([]);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      got.push(await remote.pull());
      await sleep(5);
      expect(postedValues(a).length - got.length).toBeLessThanOrEqual(1);
      expect(10 - local.size - got.length).toBeLessThanOrEqual(1);
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    local.close();
    remote.close();
    await sending;
  });

  it('values pushed into the fromPort channel by the receiving side itself still count against the capacity', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>(20);
    await local.pushAll(Array.from({ length: 20 }, (_, i) => 100 + i));
    const remote = fromPort<number>(b, { capacity: 4 });
    // the receiving side fills two slots itself
    remote.tryPush(1);
    remote.tryPush(2);
    const sending = toPort(local, a);
    const bound = (got: number[]): void => {
      // posted (or pulled by toPort) and not yet consumed, plus the two own values still buffered
      const ownLeft = Math.max(0, 2 - got.length);
      const fromSenderConsumed = Math.max(0, got.length - 2);
      expect(postedValues(a).length - fromSenderConsumed + ownLeft).toBeLessThanOrEqual(4);
      expect(20 - local.size - fromSenderConsumed + ownLeft).toBeLessThanOrEqual(4);
    };
    await sleep(40);
    const got: number[] = [];
    bound(got);
    for (let i = 0; i < 22; i++) {
      got.push(await remote.pull());
      bound(got);
      await sleep(1);
      bound(got);
    }
    expect(got).toEqual([1, 2, ...Array.from({ length: 20 }, (_, i) => 100 + i)]);
    local.close();
    expect(await sending).toEqual({ sent: 20, undelivered: [] });
  });

  it('a producer awaiting push into an unbuffered local channel is held to the remote capacity', async () => {
    const { a, b } = fakePorts();
    const local = new Channel<number>();
    const remote = fromPort<number>(b, { capacity: 3 });
    const sending = toPort(local, a);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 12; i++) {
        await local.push(i);
        pushed++;
      }
      local.close();
    })();
    await sleep(50);
    // nobody consumed remotely: at most 3 went across
    expect(pushed).toBeLessThanOrEqual(3);
    expect(postedValues(a).length).toBeLessThanOrEqual(3);
    const got: number[] = [];
    for await (const value of remote) {
      got.push(value);
      expect(pushed - got.length).toBeLessThanOrEqual(3);
    }
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await sending).toEqual({ sent: 12, undelivered: [] });
  });
});
