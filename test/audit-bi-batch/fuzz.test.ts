/**
 * Audit BI-batch: seeded random programs mixing push, pushAll, tryPush with pull, pullMany,
 * tryPull, aborts and a close, checked for conservation — every committed value (a resolved push,
 * `pushed` values of a pushAll, a true tryPush) is received exactly once, no refused value is
 * ever received, and each producer's values arrive in its order.
 */
import { broadcast, Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

interface Outcome {
  committed: string[];
  refused: string[];
  received: string[];
  /** What each consumer (and the final drain) received, in the order it received it. */
  streams: string[][];
  problems: string[];
}

async function program(seed: number): Promise<Outcome> {
  const r = seededRandom(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const capacity = pick(4);
  const ch = new Channel<string>(capacity);
  const committed: string[] = [];
  const refused: string[] = [];
  const all: string[] = [];
  const problems: string[] = [];
  const controllers: AbortController[] = [];
  const signal = () => {
    if (r() < 0.5) return undefined;
    const ac = new AbortController();
    controllers.push(ac);
    return ac.signal;
  };
  let closing = false;

  const producer = async (id: number) => {
    let seq = 0;
    const next = () => `${id}:${seq++}`;
    for (let step = 0; step < 12 && !closing; step++) {
      const kind = pick(3);
      if (kind === 0) {
        const v = next();
        try {
          await ch.push(v, { signal: signal() });
          committed.push(v);
        } catch {
          refused.push(v);
        }
      } else if (kind === 1) {
        const vs = Array.from({ length: 1 + pick(4) }, next);
        try {
          await ch.pushAll(vs, { signal: signal() });
          committed.push(...vs);
        } catch (error) {
          const pushed = (error as { pushed?: unknown })?.pushed;
          if (typeof pushed !== 'number') {
            problems.push(`pushAll rejected without pushed: ${String(error)}`);
            continue;
          }
          committed.push(...vs.slice(0, pushed));
          refused.push(...vs.slice(pushed));
        }
      } else {
        const v = next();
        if (ch.tryPush(v)) committed.push(v);
        else refused.push(v);
        await ticks(1);
      }
    }
  };

  const streams: string[][] = [];
  const consumer = async () => {
    const mine: string[] = [];
    streams.push(mine);
    const received = {
      push: (...vs: string[]) => {
        mine.push(...vs);
        all.push(...vs);
      },
    };
    for (let step = 0; step < 20; step++) {
      const kind = pick(3);
      try {
        if (kind === 0) received.push(await ch.pull({ signal: signal() }));
        else if (kind === 1) {
          const max = 1 + pick(5);
          const batch = await ch.pullMany(max, { signal: signal() });
          if (batch.length < 1 || batch.length > max) problems.push(`pullMany(${max}) gave ${batch.length}`);
          received.push(...batch);
        } else {
          const v = ch.tryPull();
          if (v !== undefined) received.push(v);
          await ticks(1);
        }
      } catch (error) {
        if (error instanceof ChannelClosedError) return;
      }
    }
  };

  const chaos = async () => {
    for (let step = 0; step < 40; step++) {
      await ticks(1 + pick(3));
      if (controllers.length && r() < 0.3) controllers[pick(controllers.length)]!.abort(new Error('x'));
    }
    closing = true;
    ch.close();
  };

  await Promise.all([producer(1), producer(2), producer(3), consumer(), consumer(), chaos()]);
  const rest: string[] = [];
  for (;;) {
    try {
      rest.push(ch.pullNowait());
    } catch {
      break;
    }
  }
  streams.push(rest);
  all.push(...rest);
  return { committed, refused, received: all, streams, problems };
}

describe('conservation under random programs', () => {
  it('(holds) push/pushAll/tryPush against pull/pullMany/tryPull with random aborts and a close: nothing lost, duplicated, reordered or delivered after refusal', async () => {
    const failures: string[] = [];
    let total = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { committed, refused, received, streams, problems } = await program(seed);
      total += committed.length;
      const sorted = (xs: string[]) => [...xs].sort();
      if (problems.length) failures.push(`seed ${seed}: ${problems.join('; ')}`);
      if (JSON.stringify(sorted(committed)) !== JSON.stringify(sorted(received))) {
        const lost = committed.filter((v) => !received.includes(v));
        const extra = received.filter((v) => !committed.includes(v));
        failures.push(`seed ${seed}: lost ${lost.join(',')} extra ${extra.join(',')}`);
      }
      for (const v of refused) if (received.includes(v)) failures.push(`seed ${seed}: refused ${v} was received`);
      for (const stream of streams) {
        for (const id of [1, 2, 3]) {
          const seqs = stream.filter((v) => v.startsWith(`${id}:`)).map((v) => Number(v.split(':')[1]));
          if (seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)) {
            failures.push(`seed ${seed}: producer ${id} out of order for one consumer: ${seqs}`);
          }
        }
      }
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
    // the programs do commit values (the check is not vacuous)
    expect(total).toBeGreaterThan(3000);
  });
});

describe('broadcast conservation under random joins, leaves and aborts', () => {
  it('(holds) each block subscriber receives a gap-free, in-order run of what the broadcast took; drop-mode ones an ordered subsequence; nothing taken is missing from a subscriber present throughout', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = seededRandom(seed * 7919);
      const pick = (n: number) => Math.floor(r() * n);
      const source = new Channel<number>(pick(3));
      const hub = broadcast(source);
      interface Sub {
        ch: Channel<number>;
        mode: 'block' | 'drop-oldest' | 'drop-newest';
        got: number[];
        ac: AbortController;
        /** Subscribed at the start and never made to leave: must receive every committed value. */
        throughout: boolean;
      }
      const subs: Sub[] = [];
      let started = false;
      const join = () => {
        const mode = (['block', 'block', 'drop-oldest', 'drop-newest'] as const)[pick(4)]!;
        const capacity = mode === 'block' ? pick(3) : 1 + pick(2);
        const ac = new AbortController();
        const ch = hub.subscribe({ capacity, overflow: mode, signal: ac.signal });
        const sub: Sub = { ch, mode, got: [], ac, throughout: !started };
        subs.push(sub);
        void (async () => {
          for (;;) {
            try {
              if (r() < 0.5) sub.got.push(await sub.ch.pull());
              else sub.got.push(...(await sub.ch.pullMany(1 + pick(3))));
            } catch {
              return;
            }
            await ticks(pick(3));
          }
        })();
      };
      join();
      join();
      started = true;
      let n = 0;
      const committed: number[] = [];
      const producer = (async () => {
        while (n < 40) {
          try {
            if (r() < 0.5) {
              await source.push(n);
              committed.push(n++);
            } else {
              const vs = [n, n + 1, n + 2];
              n += 3;
              await source.pushAll(vs).then(
                () => committed.push(...vs),
                (error: { pushed: number }) => {
                  committed.push(...vs.slice(0, error.pushed));
                  throw error;
                },
              );
            }
          } catch {
            return;
          }
        }
      })();
      for (let step = 0; step < 60; step++) {
        await ticks(1 + pick(4));
        const x = r();
        if (x < 0.08) join();
        else if (x < 0.12 && subs.length) {
          const sub = subs[pick(subs.length)]!;
          sub.throughout = false;
          sub.ac.abort();
        } else if (x < 0.15 && subs.length) {
          const sub = subs[pick(subs.length)]!;
          sub.throughout = false;
          sub.ch.close();
        }
      }
      source.close();
      await ticks(50);
      await producer;
      for (const sub of subs) {
        for (let v = sub.ch.tryPull(); v !== undefined; v = sub.ch.tryPull()) sub.got.push(v);
        const g = sub.got;
        if (g.some((v, i) => i > 0 && v <= g[i - 1]!)) failures.push(`seed ${seed}: ${sub.mode} out of order ${g}`);
        if (sub.mode === 'block' && g.some((v, i) => i > 0 && v !== g[i - 1]! + 1)) {
          failures.push(`seed ${seed}: block subscriber has a gap ${g}`);
        }
        if (sub.throughout && sub.mode === 'block') checked += committed.length;
        if (sub.throughout && sub.mode === 'block' && JSON.stringify(g) !== JSON.stringify(committed)) {
          failures.push(`seed ${seed}: a block subscriber present throughout got ${g}, committed ${committed}`);
        }
        if (sub.throughout && !sub.ch.closed)
          failures.push(`seed ${seed}: subscriber not closed after the source ended`);
      }
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(2000);
  });
});
