/**
 * Random relay networks — from(channel) relays with random capacities, chained and merged —
 * with producers, a consumer, and relays closed (by hand or by their signal) at random
 * moments: every value whose push resolved is consumed or still readable somewhere, exactly
 * once; every value whose push rejected is nowhere.
 */
import { expect, test } from 'vitest';
import { Channel, from, merge } from '../../src/index.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/*
 * Only the test's own suspended async functions hold a seed's channels while it runs. Before the
 * signal watch kept the way out of operations it holds weakly (see `src/signals.ts`), a
 * collection at the wrong moment took the whole seed — the producers' pushes parked behind
 * `AbortSignal.timeout`, and the test's promise with them — and the test hung (one run in six
 * with two test files at a time; every run with a collection forced every 2 ms). The seed is
 * left that way on purpose: core-signals.gc.test.ts pins the fix, this test meets it by chance.
 */

function drain(channels: Channel<number>[]): number[] {
  const rest: number[] = [];
  for (const channel of channels) for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) rest.push(v);
  return rest;
}

test('random from/merge relay networks closed at random moments, with pulls that give up, lose and duplicate nothing', async () => {
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed);
    const int = (n: number) => Math.floor(random() * n);
    const inputs = [new Channel<number>(int(3)), new Channel<number>(int(3))];
    const all: Channel<number>[] = [...inputs];
    const controllers: AbortController[] = [];
    const relay = (source: Channel<number>) => {
      const controller = new AbortController();
      controllers.push(controller);
      const r = from(source, { capacity: int(3), signal: controller.signal });
      all.push(r);
      return r;
    };
    let a = relay(inputs[0] as Channel<number>);
    let b = relay(inputs[1] as Channel<number>);
    if (random() < 0.5) a = relay(a);
    if (random() < 0.5) b = relay(b);
    const m = merge(a, b);
    all.push(m);
    const outer = relay(m);
    const committed: number[] = [];
    const producers = inputs.map(async (input, p) => {
      for (let i = 0; i < 10; i++) {
        const v = p * 100 + i;
        try {
          await input.push(v, { signal: AbortSignal.timeout(15) });
          committed.push(v);
        } catch {}
        if (random() < 0.3) await null;
      }
    });
    const consumed: number[] = [];
    const consumer = (async () => {
      for (;;) {
        try {
          // sometimes a pull that gives up (a timeout) and tries again
          let options: { signal: AbortSignal } | undefined;
          if (random() < 0.3) {
            const giveUp = new AbortController();
            options = { signal: giveUp.signal };
            void (async () => {
              for (let t = int(6); t > 0; t--) await null;
              giveUp.abort();
            })();
          }
          consumed.push(await outer.pull(options));
        } catch (error) {
          if ((error as Error).name === 'AbortError') continue;
          return;
        }
        if (random() < 0.3) await null;
      }
    })();
    // stop a random relay (or the outer one) after a random number of microtasks
    const stops = 1 + int(2);
    for (let s = 0; s < stops; s++) {
      for (let t = int(40); t > 0; t--) await null;
      const k = int(controllers.length);
      if (random() < 0.5) controllers[k]?.abort();
      else (all[2 + k] as Channel<number>).close();
    }
    controllers.at(-1)?.abort(); // the consumer stops at the latest now
    await Promise.all([...producers, consumer]);
    await new Promise((r) => setTimeout(r, 1));
    const seen = [...consumed, ...drain(all)].sort((x, y) => x - y);
    expect({ seed, seen }).toEqual({ seed, seen: [...committed].sort((x, y) => x - y) });
  }
});
