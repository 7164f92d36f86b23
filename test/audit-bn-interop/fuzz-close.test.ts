/**
 * Seeded random programs as in fuzz-relays, where a relay in the middle of the chain is closed
 * while values flow (a merged channel, a `from(channel)`, a broadcast subscriber, or the
 * broadcast itself): the README says none of these loses a value — what a relay took stays
 * readable in it, and what it did not take stays in its input. At the end every committed push
 * must be found exactly once: received by the consumer, or still readable in some channel.
 */

import { after, broadcast, Channel, ChannelClosedError, from, merge, pull, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom as rng } from '../helpers/random.js';

const macrotask = () => new Promise<void>((res) => setTimeout(res, 0));
const pause = (r: () => number) => {
  const x = r();
  if (x < 0.4) return undefined;
  if (x < 0.8) return Promise.resolve();
  return macrotask();
};

async function runProgram(seed: number, log: string[]) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const nBases = 2 + int(2);
  const perBase = 12;
  const bases = Array.from({ length: nBases }, () => new Channel<number>(int(3)));
  /** Every channel of the graph, upstream first. */
  const all: Channel<number>[] = [...bases];
  /** Relays that may be closed: [name, close]. */
  const closable: [string, () => void][] = [];
  let pool: Channel<number>[] = [...bases];
  const relays = 1 + int(3);
  for (let k = 0; k < relays; k++) {
    const op = int(4);
    const i = int(pool.length);
    const node = pool[i] as Channel<number>;
    let made: Channel<number>;
    if (op === 0 && pool.length > 1) {
      let j = int(pool.length - 1);
      if (j >= i) j++;
      const other = pool[j] as Channel<number>;
      pool = pool.filter((c) => c !== node && c !== other);
      made = merge(node, other);
      pool.push(made);
      closable.push([`merge#${k}`, () => made.close()]);
      log.push(`#${k} merge(${i},${j})`);
    } else if (op === 1) {
      const capacity = int(3);
      made = pool[i] = from(node, { capacity });
      closable.push([`from#${k}`, () => made.close()]);
      log.push(`#${k} from(ch ${i}, cap ${capacity})`);
    } else if (op === 2) {
      const hwm = int(2);
      const capacity = int(3);
      made = pool[i] = from(toReadableStream(node, { highWaterMark: hwm }), { capacity });
      log.push(`#${k} from(stream ${i} hwm ${hwm}, cap ${capacity})`);
    } else {
      const capacity = int(3);
      const hub = broadcast(node);
      made = pool[i] = hub.subscribe({ capacity });
      closable.push([`subscriber#${k}`, () => made.close()]);
      closable.push([`hub#${k}`, () => hub.close()]);
      log.push(`#${k} broadcast(${i}).subscribe(cap ${capacity})`);
    }
    all.push(made);
  }
  const out = pool.length === 1 ? (pool[0] as Channel<number>) : merge(...pool);
  if (pool.length > 1) {
    all.push(out);
    closable.push(['out-merge', () => out.close()]);
  }
  const committed: number[] = [];
  const producers = bases.map(async (base, b) => {
    try {
      for (let j = 0; j < perBase; j++) {
        const v = b * 1000 + j;
        await base.push(v);
        committed.push(v);
        await pause(r);
      }
    } catch (error) {
      if (!(error instanceof ChannelClosedError)) throw error;
    }
  });
  const got: number[] = [];
  const closeAfter = int(nBases * perBase);
  const victim = closable.length ? closable[int(closable.length)] : undefined;
  let closedVictim = false;
  const deadline = Date.now() + 300;
  const consume = async () => {
    while (Date.now() < deadline) {
      if (!closedVictim && got.length >= closeAfter && victim) {
        closedVictim = true;
        log.push(`close ${victim[0]} after ${got.length}`);
        victim[1]();
      }
      await pause(r);
      const how = r();
      try {
        if (how < 0.3) {
          const ac = new AbortController();
          const p = out.pull({ signal: ac.signal });
          const when = r();
          if (when < 0.3) ac.abort();
          else if (when < 0.6) queueMicrotask(() => ac.abort());
          else setTimeout(() => ac.abort(), 3);
          got.push(await p);
        } else if (how < 0.55) {
          const res = await select([pull(out), pull(after(1))]);
          if (res.index === 0) {
            if (!res.ok) return;
            got.push(res.value as number);
          }
        } else if (how < 0.7) {
          const v = out.tryPull();
          if (v !== undefined) got.push(v);
          else if (out.closed) return;
          else await macrotask();
        } else {
          const res = await select([pull(out), pull(after(2))]);
          if (res.index === 0) {
            if (!res.ok) return;
            got.push(res.value as number);
          }
        }
      } catch (error) {
        if (error instanceof ChannelClosedError) return;
        if ((error as Error)?.name === 'AbortError') continue;
        throw error;
      }
    }
  };
  await consume();
  log.push(`consumer stopped after ${got.length}`);
  // Everything upstream ends: pending pushes fail (not committed), then drain downstream first.
  for (const base of bases) base.close();
  await Promise.all(producers);
  const left: number[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const ch = all[i] as Channel<number>;
    const drain = (async () => {
      try {
        for await (const v of ch) left.push(v);
      } catch {}
    })();
    const res = await Promise.race([drain.then(() => 'ok'), new Promise((res) => setTimeout(() => res('hang'), 500))]);
    if (res === 'hang') {
      log.push(`drain of node ${i} hung: ${JSON.stringify(ch.stats())}`);
      ch.close();
    }
  }
  return { got, left, committed };
}

describe('closing a relay in the middle of a chain loses nothing', () => {
  const seeds = Number(process.env.BN_SEEDS ?? 60);
  it(`every committed value is received once or still readable after a merge, from(channel), subscriber or broadcast in the chain is closed (${seeds} seeds)`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const log: string[] = [];
      const { got, left, committed } = await runProgram(seed, log);
      const seen = [...got, ...left];
      const missing = committed.filter((v) => !seen.includes(v));
      const dups = seen.filter((v, i) => seen.indexOf(v) !== i);
      const extra = seen.filter((v) => !committed.includes(v));
      if (missing.length || dups.length || extra.length || log.some((l) => l.includes('hung'))) {
        failures.push(`seed ${seed} [${log.join(' ; ')}] missing ${missing} dup ${dups} extra ${extra}`);
        if (failures.length > 5) break;
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
