/**
 * Audit L: `fromEvent` channels composed with the core's features — merge, broadcast, select,
 * pullMany, close with a reason, abort, disposal — counting the target's listeners so that a
 * channel that is done leaves none behind.
 */
import { describe, expect, test } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  fromEvent,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

/** An EventTarget that counts its listeners. */
class Target extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[1]) this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[1]) this.listeners--;
    super.removeEventListener(...args);
  }
  fire(type: string, n: number): void {
    this.dispatchEvent(new CustomEvent(type, { detail: n }));
  }
}

const detail = (e: Event) => (e as CustomEvent<number>).detail;

describe('fromEvent composed', () => {
  test('merge of two blocking fromEvent channels delivers every event once, in order per target; closing the inputs removes both listeners and ends the merge', async () => {
    const t1 = new Target();
    const t2 = new Target();
    const e1 = fromEvent(t1, 'x', { capacity: 2, overflow: 'block' });
    const e2 = fromEvent(t2, 'y', { capacity: 2, overflow: 'block' });
    const merged = merge(e1, e2);
    for (let i = 0; i < 5; i++) {
      t1.fire('x', i);
      t2.fire('y', 100 + i);
    }
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(detail(await merged.pull()));
    expect(got.filter((v) => v < 100)).toEqual([0, 1, 2, 3, 4]);
    expect(got.filter((v) => v >= 100)).toEqual([100, 101, 102, 103, 104]);
    e1.close();
    e2.close();
    expect(t1.listeners).toBe(0);
    expect(t2.listeners).toBe(0);
    await flush();
    expect(merged.closed).toBe(true);
  });

  test('pullMany on a blocking fromEvent channel takes the buffered events and those waiting as parked pushes, in order, in one call', async () => {
    const t = new Target();
    const events = fromEvent(t, 'x', { capacity: 2, overflow: 'block' });
    for (let i = 0; i < 5; i++) t.fire('x', i);
    expect(events.stats().waitingPushers).toBe(3);
    expect((await events.pullMany(10)).map(detail)).toEqual([0, 1, 2, 3, 4]);
    expect(events.stats().waitingPushers).toBe(0);
    events.close();
    expect(t.listeners).toBe(0);
  });

  test('close(reason) on a fromEvent channel removes the listener; buffered events stay readable, then pulls reject with that cause', async () => {
    const t = new Target();
    const events = fromEvent(t, 'x', { capacity: 3 });
    t.fire('x', 1);
    t.fire('x', 2);
    const reason = new Error('done');
    events.close(reason);
    expect(t.listeners).toBe(0);
    t.fire('x', 3);
    expect((await events.pullMany(10)).map(detail)).toEqual([1, 2]);
    const error = (await events.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
  });

  test('aborting the fromEvent signal while a select is parked on it and on a plain channel ends the select with ok: false and removes the listener', async () => {
    const t = new Target();
    const controller = new AbortController();
    const events = fromEvent(t, 'x', { signal: controller.signal });
    const plain = new Channel<number>();
    const result = track(select([pull(events), pull(plain)]));
    await flush();
    controller.abort(new Error('stop'));
    await flush();
    expect(t.listeners).toBe(0);
    expect(result.current).toMatchObject({ status: 'fulfilled', value: { index: 0, ok: false } });
    expect(plain.stats().waitingPullers).toBe(0);
  });

  test('a pull with its own signal on a fromEvent channel, aborted, leaves the listener in place and loses no event', async () => {
    const t = new Target();
    const events = fromEvent(t, 'x', { capacity: 1, overflow: 'block' });
    const controller = new AbortController();
    const reason = new Error('gave up');
    const p = events.pull({ signal: controller.signal });
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(t.listeners).toBe(1);
    t.fire('x', 7);
    expect(detail(await events.pull())).toBe(7);
    events.close();
  });

  test('broadcast(fromEvent): every subscriber gets every event; closing the source removes the listener and ends the subscribers', async () => {
    const t = new Target();
    const events = fromEvent(t, 'x', { capacity: 4, overflow: 'block' });
    const hub = broadcast(events);
    const s1 = hub.subscribe({ capacity: 10 });
    const s2 = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 6; i++) t.fire('x', i);
    await flush();
    const reason = new Error('page gone');
    events.close(reason);
    expect(t.listeners).toBe(0);
    for (const s of [s1, s2]) {
      const got: number[] = [];
      let error: unknown;
      try {
        for await (const e of s) got.push(detail(e));
      } catch (e) {
        error = e;
      }
      expect(got).toEqual([0, 1, 2, 3, 4, 5]);
      expect(error).toBe(reason);
    }
  });

  test('selectNowait over two fromEvent channels (default: latest only) returns the latest event of either, then undefined', () => {
    const t1 = new Target();
    const t2 = new Target();
    const a = fromEvent(t1, 'x');
    const b = fromEvent(t2, 'y');
    t1.fire('x', 1);
    t1.fire('x', 2);
    t2.fire('y', 3);
    const seen = [selectNowait([pull(a), pull(b)]), selectNowait([pull(a), pull(b)])].map((r) =>
      detail(r?.value as Event),
    );
    expect(seen.sort()).toEqual([2, 3]);
    expect(selectNowait([pull(a), pull(b)])).toBeUndefined();
    a.close();
    b.close();
    expect(t1.listeners + t2.listeners).toBe(0);
  });

  test('await using a fromEvent channel removes its listener at the end of the block, even when a merge of it lives on', async () => {
    const t = new Target();
    let merged: Channel<Event> | undefined;
    {
      await using events = fromEvent(t, 'x');
      merged = merge(events);
      t.fire('x', 1);
      expect(detail(await merged.pull())).toBe(1);
      expect(t.listeners).toBe(1);
    }
    expect(t.listeners).toBe(0);
    await flush();
    expect(merged.closed).toBe(true);
  });

  test('listenerOptions once: merge(fromEvent once) delivers the one event then closes', async () => {
    const t = new Target();
    const once = fromEvent(t, 'x', { listenerOptions: { once: true } });
    const merged = merge(once);
    t.fire('x', 1);
    t.fire('x', 2);
    const got: number[] = [];
    for await (const e of merged) got.push(detail(e));
    expect(got).toEqual([1]);
    expect(t.listeners).toBeLessThanOrEqual(1);
  });

  test('toReadableStream(fromEvent) read then cancelled keeps the listener (the channel stays open); closing the channel removes it', async () => {
    const t = new Target();
    const events = fromEvent(t, 'x', { capacity: 2, overflow: 'block' });
    const reader = toReadableStream(events).getReader();
    t.fire('x', 1);
    expect(detail((await reader.read()).value as Event)).toBe(1);
    await reader.cancel();
    expect(events.closed).toBe(false);
    t.fire('x', 2);
    expect(detail(events.pullNowait())).toBe(2);
    events.close();
    expect(t.listeners).toBe(0);
  });
});
