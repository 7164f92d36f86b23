/**
 * Audit BF-web: a seeded random program of what a page does to channel-backed streams — reads,
 * releaseLock() with a read pending, new readers, cancel(), a stream signal aborting, pushes —
 * checked for conservation: every value pushed is read exactly once (by a read, by the final
 * drain of a stream, or left in the channel), and each stream sees values in FIFO order.
 * Cancels are only done where the README says nothing is lost (highWaterMark 0, no value parked
 * for a released reader); everything else is drained at the end.
 */
import { describe, expect, it } from 'vitest';
import { Channel, toReadableStream } from '../../dist/index.js';

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

interface S {
  stream: ReadableStream<number>;
  hwm: number;
  controller: AbortController;
  reader: ReadableStreamDefaultReader<number> | undefined;
  pending: number;
  released: boolean; // a reader was released with a read pending: a value may wait in the stream
  cancelled: boolean;
  got: number[];
}

async function run(seed: number): Promise<{ pushed: number[]; seen: number[]; perStream: number[][] }> {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const ch = new Channel<number>([0, 1, 2, Infinity][pick(4)]!);
  const streams: S[] = [];
  const pushed: number[] = [];
  const seen: number[] = [];
  let next = 0;
  const pushes: Promise<unknown>[] = [];
  const reads: Promise<unknown>[] = [];
  const addStream = () => {
    const hwm = [0, 0, 1, 2][pick(4)]!;
    const controller = new AbortController();
    streams.push({
      stream: toReadableStream(ch, { highWaterMark: hwm, signal: controller.signal }),
      hwm,
      controller,
      reader: undefined,
      pending: 0,
      released: false,
      cancelled: false,
      got: [],
    });
  };
  addStream();
  for (let step = 0; step < 60; step++) {
    const s = streams[pick(streams.length)]!;
    switch (pick(8)) {
      case 0:
      case 1: {
        const v = next++;
        pushed.push(v);
        pushes.push(ch.push(v).catch(() => pushed.splice(pushed.indexOf(v), 1)));
        break;
      }
      case 2:
      case 3: {
        if (s.cancelled) break;
        s.reader ??= s.stream.getReader();
        s.pending++;
        const r = s.reader;
        reads.push(
          r.read().then(
            (result) => {
              s.pending--;
              if (!result.done) {
                s.got.push(result.value);
                seen.push(result.value);
              }
            },
            () => {
              s.pending--;
            },
          ),
        );
        break;
      }
      case 4:
        if (s.reader) {
          if (s.pending > 0) s.released = true;
          s.reader.releaseLock();
          s.reader = undefined;
        }
        break;
      case 5:
        if (!s.cancelled && s.hwm === 0 && !s.released) {
          s.cancelled = true;
          const done = s.reader ? s.reader.cancel('bye') : s.stream.cancel('bye');
          reads.push(done);
        }
        break;
      case 6:
        if (streams.length < 4) addStream();
        break;
      case 7:
        s.controller.abort();
        break;
    }
    if (rnd() < 0.5) await new Promise<void>((resolve) => setImmediate(resolve));
    else await Promise.resolve();
  }
  ch.close();
  await Promise.all(pushes);
  await Promise.all(reads);
  for (const s of streams) {
    if (s.cancelled) continue;
    const reader = s.reader ?? s.stream.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      s.got.push(r.value);
      seen.push(r.value);
    }
  }
  for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) seen.push(v);
  return { pushed, seen, perStream: streams.map((s) => s.got) };
}

describe('random programs over channel-backed streams conserve every value', () => {
  it('200 seeds: no value lost or duplicated, each stream in FIFO order', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const { pushed, seen, perStream } = await run(seed);
      const a = [...pushed].sort((x, y) => x - y);
      const b = [...seen].sort((x, y) => x - y);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        failures.push(`seed ${seed}: pushed ${JSON.stringify(a)} seen ${JSON.stringify(b)}`);
        continue;
      }
      for (const got of perStream) {
        if (got.some((v, i) => i > 0 && v < got[i - 1]!)) failures.push(`seed ${seed}: out of order ${got}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
