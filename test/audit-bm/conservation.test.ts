/**
 * Audit BM: a seeded random mix of the README's operations over two inputs and their merge —
 * push/pushAll/tryPush with and without aborts, pull/pullMany/tryPull/select (with an after()
 * case and a signal) on the inputs and on the merged channel — then close and drain. Every
 * value whose push committed must be received exactly once; no value that was not committed may
 * be received; nothing may stay parked.
 */
import { after as afterMs, broadcast, Channel, merge, pull, push, select } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { flush } from '../helpers/track.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Half the time no signal, else the signal of a new controller noted in `controllers`. */
function maybeSignal(random: () => number, controllers: AbortController[]): () => AbortSignal | undefined {
  return () => {
    if (random() < 0.5) return undefined;
    const controller = new AbortController();
    controllers.push(controller);
    return controller.signal;
  };
}

async function program(seed: number) {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const a = new Channel<number>(2, { name: 'a' });
  const b = new Channel<number>(0, { name: 'b' });
  const m = merge(a, b);
  const c = new Channel<number>(1, { name: 'c' });
  const inputs = [a, b, c] as const;
  const committed = new Set<number>();
  const attempted = new Set<number>();
  const received: number[] = [];
  const settling: Promise<unknown>[] = [];
  const controllers: AbortController[] = [];
  let next = 1;
  const signal = maybeSignal(random, controllers);
  for (let step = 0; step < 60; step++) {
    const op = Math.floor(random() * 9);
    const target = pick(inputs);
    if (op === 0) {
      const v = next++;
      attempted.add(v);
      settling.push(
        target.push(v, { signal: signal() }).then(
          () => committed.add(v),
          () => {},
        ),
      );
    } else if (op === 1) {
      const values = [next++, next++, next++];
      for (const v of values) attempted.add(v);
      settling.push(
        target.pushAll(values, { signal: signal() }).then(
          () => {
            for (const v of values) committed.add(v);
          },
          (error: { pushed?: number }) => {
            for (const v of values.slice(0, error?.pushed ?? 0)) committed.add(v);
          },
        ),
      );
    } else if (op === 2) {
      const v = next++;
      attempted.add(v);
      if (target.tryPush(v)) committed.add(v);
    } else if (op === 3) {
      const from = pick([m, a, c] as const);
      settling.push(
        from.pull({ signal: signal() }).then(
          (v) => received.push(v),
          () => {},
        ),
      );
    } else if (op === 4) {
      const from = pick([m, b, c] as const);
      settling.push(
        from.pullMany(1 + Math.floor(random() * 3), { signal: signal() }).then(
          (vs) => received.push(...vs),
          () => {},
        ),
      );
    } else if (op === 5) {
      const v = pick([m, a, b, c] as const).tryPull();
      if (v !== undefined) received.push(v);
    } else if (op === 6) {
      const timer = afterMs(random() < 0.5 ? 0 : 10_000);
      const v = next++;
      attempted.add(v);
      const sig = signal();
      settling.push(
        select([pull(m), pull(c), push(b, v), pull(timer)], { signal: sig }).then(
          (r) => {
            if (r.index === 2) committed.add(v);
            else if (r.index !== 3 && r.ok) received.push(r.value as number);
            timer.close();
          },
          () => timer.close(),
        ),
      );
    } else if (op === 7) {
      const live = controllers.filter((x) => !x.signal.aborted);
      if (live.length > 0) pick(live).abort(new Error('abort'));
    } else {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await flush(Math.floor(random() * 4));
  }
  for (const controller of controllers) controller.abort(new Error('end'));
  await flush(20);
  a.close();
  b.close();
  c.close();
  await Promise.allSettled(settling);
  await flush(20);
  for (const ch of [m, a, b, c]) {
    for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) received.push(v);
  }
  return { committed, attempted, received, stats: [m, a, b, c].map((ch) => ch.stats()) };
}

describe('conservation across merge, select, batches and aborts', () => {
  test('60 seeded programs: every committed value is received exactly once, nothing else, nothing parked', async () => {
    let total = 0;
    for (let seed = 1; seed <= Number(process.env.BM_SEEDS ?? 60); seed++) {
      const { committed, received, stats } = await program(seed);
      total += committed.size;
      const sortedReceived = [...received].sort((x, y) => x - y);
      const sortedCommitted = [...committed].sort((x, y) => x - y);
      expect({ seed, received: sortedReceived }).toEqual({ seed, received: sortedCommitted });
      for (const s of stats) {
        expect({ seed, name: s.name, pushers: s.waitingPushers, pullers: s.waitingPullers, closed: s.closed }).toEqual({
          seed,
          name: s.name,
          pushers: 0,
          pullers: 0,
          closed: true,
        });
      }
    }
    expect(total).toBeGreaterThan(100); // the programs do move values
  }, 60_000);
});

async function broadcastProgram(seed: number) {
  const random = rng(seed * 7919);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const source = new Channel<number>(2, { name: 'source' });
  const hub = broadcast(source);
  const x = hub.subscribe({ capacity: 1 });
  const y = hub.subscribe({ capacity: 2 });
  const subs = [x, y] as const;
  const committed = new Set<number>();
  const got = new Map<Channel<number>, number[]>([
    [x, []],
    [y, []],
  ]);
  const settling: Promise<unknown>[] = [];
  const controllers: AbortController[] = [];
  let next = 1;
  const signal = maybeSignal(random, controllers);
  for (let step = 0; step < 50; step++) {
    const op = Math.floor(random() * 7);
    if (op === 0) {
      const v = next++;
      settling.push(
        source.push(v, { signal: signal() }).then(
          () => committed.add(v),
          () => {},
        ),
      );
    } else if (op === 1) {
      const v = next++;
      if (source.tryPush(v)) committed.add(v);
    } else if (op === 2) {
      const sub = pick(subs);
      settling.push(
        sub.pull({ signal: signal() }).then(
          (v) => got.get(sub)?.push(v),
          () => {},
        ),
      );
    } else if (op === 3) {
      settling.push(
        select([pull(x), pull(y)], { signal: signal() }).then(
          (r) => {
            if (r.ok) got.get(r.channel as Channel<number>)?.push(r.value as number);
          },
          () => {},
        ),
      );
    } else if (op === 4) {
      const sub = pick(subs);
      const v = sub.tryPull();
      if (v !== undefined) got.get(sub)?.push(v);
    } else if (op === 5) {
      const live = controllers.filter((c) => !c.signal.aborted);
      if (live.length > 0) pick(live).abort(new Error('abort'));
    } else {
      const sub = pick(subs);
      settling.push(
        sub.pullMany(2, { signal: signal() }).then(
          (vs) => got.get(sub)?.push(...vs),
          () => {},
        ),
      );
    }
    await flush(Math.floor(random() * 4));
  }
  for (const controller of controllers) controller.abort(new Error('end'));
  await flush(20);
  // drain: keep pulling from both subscribers until the source is empty, then close it
  for (let round = 0; round < 200 && (source.size > 0 || x.size > 0 || y.size > 0); round++) {
    for (const sub of subs) {
      const v = sub.tryPull();
      if (v !== undefined) got.get(sub)?.push(v);
    }
    await flush(5);
  }
  source.close();
  for (const sub of subs) {
    for await (const v of sub) got.get(sub)?.push(v);
  }
  await Promise.allSettled(settling);
  return { committed, x: got.get(x) ?? [], y: got.get(y) ?? [], source: source.stats() };
}

describe('conservation through a broadcast', () => {
  test('seeded programs: both block subscribers receive every committed value exactly once', async () => {
    let total = 0;
    for (let seed = 1; seed <= Number(process.env.BM_SEEDS ?? 60); seed++) {
      const { committed, x, y, source } = await broadcastProgram(seed);
      const want = [...committed].sort((a, b) => a - b);
      expect({ seed, x: [...x].sort((a, b) => a - b) }).toEqual({ seed, x: want });
      expect({ seed, y: [...y].sort((a, b) => a - b) }).toEqual({ seed, y: want });
      expect({ seed, pushers: source.waitingPushers, size: source.size }).toEqual({ seed, pushers: 0, size: 0 });
      total += committed.size;
    }
    expect(total).toBeGreaterThan(100); // the programs do move values
  }, 60_000);
});
