// A busy program is not stuck: waits that are served regularly must show a recent `since`
// (their latest park), whatever parks them — a for-await loop, a merge, a broadcast, a
// from(channel) relay, a pushAll producer, a pullMany consumer.
import { broadcast, Channel, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const T0 = Date.UTC(2030, 0, 1);
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  enableDebug({ target: { postMessage() {} } });
});
afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

/** The age of every listed wait in a snapshot. */
function ages(): number[] {
  const snap = snapshot();
  return snap.channels.flatMap((c) => [...c.pushers, ...c.pullers].map((w) => snap.time - w.since));
}

/** Feeds `ch` one value per second for `seconds` seconds, then checks ages stay under a second. */
async function feedAndCheck(feed: (i: number) => void | Promise<void>, seconds = 10): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    await vi.advanceTimersByTimeAsync(1000);
    await feed(i);
    await vi.advanceTimersByTimeAsync(0);
  }
  await vi.advanceTimersByTimeAsync(500);
  const found = ages();
  expect(found.length).toBeGreaterThan(0);
  for (const age of found) expect(age).toBeLessThanOrEqual(500);
}

describe('served waits look young', () => {
  it('a for-await consumer fed once a second', async () => {
    const ch = new Channel<number>(0, { name: 'fed' });
    const got: number[] = [];
    void (async () => {
      for await (const v of ch) got.push(v);
    })();
    await feedAndCheck((i) => ch.push(i));
    expect(got).toHaveLength(10);
    ch.close();
  });

  it('a merge of two inputs, one of them fed once a second', async () => {
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const m = merge(a, b);
    const got: number[] = [];
    void (async () => {
      for await (const v of m) got.push(v);
    })();
    await feedAndCheck((i) => a.push(i));
    expect(got).toHaveLength(10);
    a.close();
    b.close();
  });

  it('a broadcast with two readers, its source fed once a second', async () => {
    const source = new Channel<number>(0, { name: 'source' });
    const hub = broadcast(source);
    const subs = [hub.subscribe(), hub.subscribe()];
    const got: number[] = [];
    for (const sub of subs)
      void (async () => {
        for await (const v of sub) got.push(v);
      })();
    await feedAndCheck((i) => source.push(i));
    expect(got).toHaveLength(20);
    hub.close();
    source.close();
  });

  it('a from(channel, { capacity: 2 }) relay fed once a second', async () => {
    const inner = new Channel<number>(0, { name: 'inner' });
    const outer = Channel.from(inner, { capacity: 2 });
    const got: number[] = [];
    void (async () => {
      for await (const v of outer) got.push(v);
    })();
    await feedAndCheck((i) => inner.push(i));
    expect(got).toHaveLength(10);
    inner.close();
  });

  it('a pushAll producer into a full channel drained once a second by pullMany', async () => {
    const ch = new Channel<number>(2, { name: 'batched' });
    const values = Array.from({ length: 40 }, (_, i) => i);
    const producing = ch.pushAll(values);
    let taken = 0;
    await feedAndCheck(async () => {
      taken += (await ch.pullMany(2)).length;
    });
    expect(taken).toBe(20);
    ch.close();
    await producing.catch(() => {});
  });
});

describe('a wait that is not served keeps its age beside served ones', () => {
  it('a merge whose second input is fed: the consumer is young; a separate stuck pull is old', async () => {
    const stuck = new Channel<number>(0, { name: 'stuck' });
    void stuck.pull().catch(() => {});
    const ch = new Channel<number>(0, { name: 'fed' });
    void (async () => {
      for await (const _ of ch);
    })();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      await ch.push(i);
    }
    const snap = snapshot();
    const row = snap.channels.find((c) => c.name === 'stuck')!;
    expect(snap.time - row.pullers[0]!.since).toBe(5000);
    expect(snap.channels[0]!.name).toBe('stuck');
    stuck.close();
    ch.close();
  });
});
