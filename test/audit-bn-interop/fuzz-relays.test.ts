/**
 * Seeded random programs: producers push into plain channels, which flow through random chains
 * of relays (merge, from(channel), from(toReadableStream(...)), a broadcast with one 'block'
 * subscriber) into one output read by a consumer that mixes pull with aborts, select against a
 * timeout, tryPull and pullMany. Every input closes normally, so every value pushed must come
 * out exactly once, in its producer's order, and the output must close.
 */

import { after, broadcast, Channel, ChannelClosedError, from, merge, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom as rng } from '../helpers/random.js';

const pause = (r: () => number) => {
  const x = r();
  if (x < 0.4) return undefined;
  if (x < 0.8) return Promise.resolve();
  return new Promise<void>((res) => setTimeout(res, 0));
};

async function runProgram(seed: number, log: string[]) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const nBases = 2 + int(2);
  const perBase = 12;
  const bases = Array.from({ length: nBases }, () => new Channel<number>(int(3)));
  let pool: Channel<number>[] = [...bases];
  const relays = 1 + int(3);
  for (let k = 0; k < relays; k++) {
    const op = int(4);
    const i = int(pool.length);
    const node = pool[i] as Channel<number>;
    if (op === 0 && pool.length > 1) {
      let j = int(pool.length - 1);
      if (j >= i) j++;
      const other = pool[j] as Channel<number>;
      pool = pool.filter((c) => c !== node && c !== other);
      pool.push(merge(node, other));
      log.push(`merge(${i},${j})`);
    } else if (op === 1) {
      const capacity = int(3);
      pool[i] = from(node, { capacity });
      log.push(`from(ch ${i}, cap ${capacity})`);
    } else if (op === 2) {
      const hwm = int(3);
      const capacity = int(3);
      pool[i] = from(toReadableStream(node, { highWaterMark: hwm }), { capacity });
      log.push(`from(stream ${i} hwm ${hwm}, cap ${capacity})`);
    } else {
      const capacity = int(3);
      pool[i] = broadcast(node).subscribe({ capacity });
      log.push(`broadcast(${i}).subscribe(cap ${capacity})`);
    }
  }
  const out = pool.length === 1 ? (pool[0] as Channel<number>) : merge(...pool);
  const producers = bases.map(async (base, b) => {
    for (let j = 0; j < perBase; j++) {
      const v = b * 1000 + j;
      const how = r();
      if (how < 0.7) await base.push(v);
      else while (!base.tryPush(v)) await new Promise<void>((res) => setTimeout(res, 0));
      await pause(r);
    }
    base.close();
  });
  const got: number[] = [];
  const consume = async () => {
    for (;;) {
      await pause(r);
      const how = r();
      try {
        if (how < 0.3) {
          const ac = new AbortController();
          const p = out.pull({ signal: ac.signal });
          const when = r();
          if (when < 0.3) ac.abort();
          else if (when < 0.6) queueMicrotask(() => ac.abort());
          else if (when < 0.7) setTimeout(() => ac.abort(), 0);
          got.push(await p);
        } else if (how < 0.55) {
          const res = await select([pull(out), pull(after(0))]);
          if (res.index === 0) {
            if (!res.ok) return;
            got.push(res.value as number);
          }
        } else if (how < 0.7) {
          const v = out.tryPull();
          if (v !== undefined) got.push(v);
          else if (out.closed) return;
          else await new Promise<void>((res) => setTimeout(res, 0));
        } else if (how < 0.85) {
          got.push(...(await out.pullMany(1 + int(3))));
        } else {
          got.push(await out.pull());
        }
      } catch (error) {
        if (error instanceof ChannelClosedError) return;
        if ((error as Error)?.name === 'AbortError') continue;
        throw error;
      }
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((res) => {
    timer = setTimeout(() => res('hang'), 3000);
  });
  const outcome = await Promise.race([
    Promise.all([producers[0], ...producers.slice(1), consume()]).then(() => 'done' as const),
    hang,
  ]);
  clearTimeout(timer);
  return { outcome, got, nBases, perBase, out };
}

describe('random chains of relays deliver every value once, in order, and close', () => {
  const seeds = Number(process.env.BN_SEEDS ?? 150);
  it(`every value pushed into the inputs comes out of the chain exactly once and in each producer's order (${seeds} seeds)`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const log: string[] = [];
      const { outcome, got, nBases, perBase, out } = await runProgram(seed, log);
      const expected = Array.from({ length: nBases }, (_, b) =>
        Array.from({ length: perBase }, (_, j) => b * 1000 + j),
      ).flat();
      const sorted = [...got].sort((x, y) => x - y);
      let ok = outcome === 'done' && JSON.stringify(sorted) === JSON.stringify(expected);
      for (let b = 0; b < nBases && ok; b++) {
        const mine = got.filter((v) => Math.floor(v / 1000) === b);
        ok = mine.every((v, i) => i === 0 || v > (mine[i - 1] as number));
      }
      if (!ok) {
        failures.push(
          `seed ${seed} [${log.join(' ; ')}] ${outcome}: got ${got.length}/${expected.length}, missing ${expected.filter((v) => !got.includes(v)).join(',')}, dup ${got.filter((v, i) => got.indexOf(v) !== i).join(',')}, out ${JSON.stringify(out.stats())}`,
        );
        if (failures.length > 5) break;
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
