/**
 * Audit BO-programs: chains of relays — `from(channel, { capacity, signal })`, single-input
 * `merge`, `broadcast` with one subscriber — between a producer (`pushAll`) and a consumer
 * (`for await`, `pullMany`, `toReadableStream`). One link is stopped mid-stream (its signal
 * aborted, the merge or the hub closed, the subscriber closed). The consumer then reads to the
 * end; what it got, followed by everything still upstream of the stopped link, must be every
 * value the producer offered, exactly once and in order. Nothing parked, no listener left.
 */
import { getEventListeners } from 'node:events';
import { type Broadcast, broadcast, Channel, from, merge, pull, selectNowait, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { range, tick } from './helpers.js';

type Kind = 'from' | 'merge' | 'broadcast';
interface Link {
  kind: Kind;
  out: Channel<number>;
  stop: () => void;
  signal?: AbortSignal;
  hub?: Broadcast<number>;
}

function build(rnd: () => number, head: Channel<number>, depth: number): Link[] {
  const links: Link[] = [];
  let prev = head;
  for (let d = 0; d < depth; d++) {
    const kind = (['from', 'merge', 'broadcast'] as const)[Math.floor(rnd() * 3)] as Kind;
    if (kind === 'from') {
      const ac = new AbortController();
      const out = from(prev, { capacity: Math.floor(rnd() * 3), signal: ac.signal });
      links.push({ kind, out, stop: () => ac.abort(), signal: ac.signal });
    } else if (kind === 'merge') {
      const out = merge(prev);
      links.push({ kind, out, stop: () => out.close() });
    } else {
      const hub = broadcast(prev);
      const out = hub.subscribe({ capacity: Math.floor(rnd() * 3) });
      const stopByHub = rnd() < 0.5;
      links.push({ kind, out, hub, stop: stopByHub ? () => hub.close() : () => out.close() });
    }
    prev = links.at(-1)?.out as Channel<number>;
  }
  return links;
}

async function consume(rnd: () => number, tail: Channel<number>, onValue: (n: number) => void): Promise<number[]> {
  const got: number[] = [];
  const mode = Math.floor(rnd() * 3);
  if (mode === 0) {
    for await (const v of tail) {
      got.push(v);
      onValue(got.length);
      if (rnd() < 0.2) await tick();
    }
  } else if (mode === 1) {
    for (;;) {
      let batch: number[];
      try {
        batch = await tail.pullMany(1 + Math.floor(rnd() * 4));
      } catch {
        break;
      }
      for (const v of batch) {
        got.push(v);
        onValue(got.length);
      }
      if (rnd() < 0.2) await tick();
    }
  } else {
    const reader = toReadableStream(tail).getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got.push(r.value);
      onValue(got.length);
      if (rnd() < 0.2) await tick();
    }
  }
  return got;
}

describe('relay chains stopped mid-stream lose and duplicate nothing', () => {
  for (const seed of Array.from({ length: 60 }, (_, i) => 9000 + i)) {
    it(`seed ${seed}`, async () => {
      const rnd = seededRandom(seed);
      const N = 60 + Math.floor(rnd() * 60);
      const head = new Channel<number>(Math.floor(rnd() * 4), { name: 'head' });
      const depth = 1 + Math.floor(rnd() * 4);
      const links = build(rnd, head, depth);
      const chain = [head, ...links.map((l) => l.out)];
      const stopAt = Math.floor(rnd() * depth);
      const stopAfter = 5 + Math.floor(rnd() * 40);
      const producer = head.pushAll(range(N));
      const tail = chain.at(-1) as Channel<number>;
      const describeChain = links.map((l, i) => `${l.kind}(${l.out.capacity})${i === stopAt ? '*' : ''}`).join(' → ');
      const got = await consume(rnd, tail, (n) => {
        if (n === stopAfter) links[stopAt]?.stop();
      });
      // Everything upstream of the stopped link: read from the channel just before it, which the
      // links above it keep feeding.
      const upstream = chain[stopAt] as Channel<number>;
      const rest: number[] = [];
      while (got.length + rest.length < N) {
        const batch = await Promise.race([upstream.pullMany(N), tick(500).then(() => null)]);
        if (batch === null) break;
        rest.push(...batch);
      }
      await Promise.race([producer, tick(500)]);
      expect([...got, ...rest], describeChain).toEqual(range(N));
      for (const ch of chain) {
        const s = ch.stats();
        expect([s.name, s.waitingPushers], describeChain).toEqual([s.name, 0]);
      }
      // A `from` link still open upstream of the stopped link keeps its signal watched (it is
      // open); once the head is closed and everything drained, every link closes and leaves it.
      head.close();
      for (let round = 0; round < 3; round++) {
        for (const ch of chain) while (ch.tryPull() !== undefined);
        await tick();
      }
      for (const l of links) l.hub?.close();
      // A capacity-0 `from(channel)` learns that its source ended only when a pull asks
      // (FINDING BO-programs-1, tested on its own below): ask, from head to tail.
      for (const l of links) if (l.kind === 'from' && !l.out.closed) await l.out.pull().catch(() => {});
      for (const l of links) {
        if (l.kind === 'from') expect(l.out.closed, describeChain).toBe(true);
        if (l.signal) expect(getEventListeners(l.signal, 'abort').length, describeChain).toBe(0);
      }
      for (const ch of chain) {
        const s = ch.stats();
        expect([s.name, s.waitingPushers, s.waitingPullers], describeChain).toEqual([s.name, 0, 0]);
      }
    });
  }
});

describe('from(channel) learns of its source’s end', () => {
  // BO-programs-1, documented (README Semantic details, `from`): a capacity-0 `from(channel)`
  // reads its source only for a pull that waits on it, to find the source's end too. Until one
  // waits, it reports open and empty; the first pull then ends at once.
  it('capacity 0: open and empty after the source channel is closed and drained, until a pull waits; that pull ends it', async () => {
    const src = new Channel<number>(0, { name: 'src' });
    const f = from(src);
    const reason = new Error('upstream done');
    src.close(reason);
    await tick();
    expect(f.closed).toBe(false);
    expect(f.stats()).toMatchObject({ closed: false, size: 0, waitingPullers: 0 });
    expect(() => f.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelEmptyError' }));
    expect(f.tryPull()).toBeUndefined();
    expect(selectNowait([pull(f)])).toBeUndefined();
    expect(src.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    const error = await f.pull().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ChannelClosedError', cause: reason });
    expect(f.closed).toBe(true);
    expect(() => f.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelClosedError' }));
    expect(selectNowait([pull(f)])).toMatchObject({ index: 0, ok: false });
  });

  it('capacity 0, after values went through: polling never sees the end; a for await ends at once', async () => {
    const src = new Channel<number>(4, { name: 'src' });
    const f = from(src);
    await src.pushAll([1, 2]);
    const got = [await f.pull(), await f.pull()];
    src.close();
    for (let polls = 0; polls < 5; polls++) {
      expect(f.tryPull()).toBeUndefined();
      expect(f.closed).toBe(false);
      await tick();
    }
    for await (const value of f) got.push(value);
    expect(got).toEqual([1, 2]);
    expect(f.closed).toBe(true);
  });

  for (const capacity of [1, 3]) {
    it(`capacity ${capacity}: the from channel, which reads ahead, closes as soon as its source channel is closed and drained`, async () => {
      const src = new Channel<number>(0, { name: 'src' });
      const f = from(src, { capacity });
      src.close();
      await tick();
      expect(f.closed).toBe(true);
      expect(() => f.pullNowait()).toThrow(expect.objectContaining({ name: 'ChannelClosedError' }));
    });
  }

  it('merge of the same source does bring closed up to date (README: "closed on a merged channel is brought up to date when read")', async () => {
    const src = new Channel<number>(0, { name: 'src' });
    const m = merge(src);
    src.close();
    await tick();
    expect(m.closed).toBe(true);
  });
});
