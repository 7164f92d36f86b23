/**
 * Audit BF-web: seeded random programs over a pipeline a page builds — several response-like
 * streams, each `from()`-ed, `merge`d, `broadcast` to subscribers that are read through
 * `toReadableStream` readers, plain pulls with signals that abort, and `tryPull` — checked for
 * what the SPEC promises: every subscriber receives the same sequence (each value taken by the
 * broadcast goes to every subscriber present), and that sequence plus what is left in the merge
 * holds every chunk of every stream exactly once, each stream's order kept.
 */
import { describe, expect, it } from 'vitest';
import { broadcast, type Channel, from, merge, toReadableStream } from '../../dist/index.js';

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

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function stream(values: number[], slow: boolean): ReadableStream<number> {
  let i = 0;
  return new ReadableStream<number>(
    {
      pull(c) {
        const step = () => {
          if (i < values.length) c.enqueue(values[i++]!);
          else c.close();
        };
        if (!slow) return step();
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            step();
            resolve();
          }),
        );
      },
    },
    { highWaterMark: 0 },
  );
}

interface Sub {
  ch: Channel<number>;
  stream: ReadableStream<number>;
  reader: ReadableStreamDefaultReader<number> | undefined;
  pendingRead: boolean;
  cancelled: boolean;
  aborts: AbortController[];
  got: number[];
}

async function run(seed: number): Promise<string | undefined> {
  const rnd = prng(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const nStreams = 2 + pick(2);
  const values = Array.from({ length: nStreams }, (_, s) => Array.from({ length: 12 }, (_, j) => s * 100 + j));
  const inputs = values.map((v) => from(stream(v, rnd() < 0.5), { capacity: pick(3) }));
  const merged = merge(...inputs);
  const hub = broadcast(merged);
  const subs: Sub[] = Array.from({ length: 2 + pick(2) }, () => {
    const ch = hub.subscribe({ capacity: pick(3) });
    return {
      ch,
      stream: toReadableStream(ch),
      reader: undefined,
      pendingRead: false,
      cancelled: false,
      aborts: [],
      got: [],
    };
  });
  const pending: Promise<unknown>[] = [];
  for (let step = 0; step < 80; step++) {
    const sub = subs[pick(subs.length)]!;
    switch (pick(6)) {
      case 0:
      case 1:
        if (!sub.cancelled && !sub.pendingRead) {
          sub.reader ??= sub.stream.getReader();
          sub.pendingRead = true;
          pending.push(
            sub.reader.read().then((r) => {
              sub.pendingRead = false;
              if (!r.done) sub.got.push(r.value);
            }),
          );
        }
        break;
      case 2: {
        if (sub.pendingRead) break; // keep one consumer at a time per subscriber: order is then checkable
        const v = sub.ch.tryPull();
        if (v !== undefined) sub.got.push(v);
        break;
      }
      case 3: {
        if (sub.pendingRead) break;
        const controller = new AbortController();
        sub.aborts.push(controller);
        sub.pendingRead = true;
        pending.push(
          sub.ch.pull({ signal: controller.signal }).then(
            (v) => {
              sub.pendingRead = false;
              sub.got.push(v);
            },
            () => {
              sub.pendingRead = false;
            },
          ),
        );
        break;
      }
      case 4:
        for (const c of sub.aborts.splice(0)) c.abort();
        break;
      case 5:
        if (!sub.cancelled && !sub.pendingRead) {
          sub.cancelled = true;
          pending.push(sub.reader ? sub.reader.cancel() : sub.stream.cancel());
        }
        break;
    }
    await tick();
  }
  for (const sub of subs) for (const c of sub.aborts.splice(0)) c.abort();
  hub.close();
  await Promise.all(pending);
  for (const sub of subs) for (let v = sub.ch.tryPull(); v !== undefined; v = sub.ch.tryPull()) sub.got.push(v);
  const rest: number[] = [];
  for await (const v of merged) rest.push(v);
  const first = JSON.stringify(subs[0]!.got);
  for (const sub of subs) {
    if (JSON.stringify(sub.got) !== first)
      return `subscribers differ: ${subs.map((s) => JSON.stringify(s.got)).join(' ')}`;
  }
  const all = [...subs[0]!.got, ...rest];
  for (let s = 0; s < nStreams; s++) {
    const mine = all.filter((v) => Math.floor(v / 100) === s);
    if (JSON.stringify(mine) !== JSON.stringify(values[s])) return `stream ${s}: ${JSON.stringify(mine)}`;
  }
  if (all.length !== nStreams * 12) return `count ${all.length}`;
  return undefined;
}

describe('random pipelines stream → from → merge → broadcast → toReadableStream conserve every chunk', () => {
  it('300 seeds', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const failure = await run(seed);
      if (failure) failures.push(`seed ${seed}: ${failure}`);
    }
    expect(failures).toEqual([]);
  });
});
