// Debug mode must not change what a program does: a seeded random program of pushes, pulls,
// selects, nowait and batch calls, aborts and closes gives the same trace with debug mode off,
// on, on with stacks, and on with a connected inspector.
// select's tie-break is a module-level generator seeded once from Math.random: each run gets
// fresh module instances (vi.resetModules) and a seeded Math.random, so that its draws replay.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { HELLO, recorder } from './helpers.js';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}:${error.message}` : `thrown:${String(error)}`;
}

type Core = typeof import('chanasync');
type Debug = typeof import('chanasync/debug');

/** Fresh instances of the package's modules. */
async function fresh(): Promise<{ core: Core; debug: Debug }> {
  vi.resetModules();
  const core = await import('chanasync');
  const debug = await import('chanasync/debug');
  return { core, debug };
}

let current: Debug | undefined;

/** Runs the program of `seed`; Math.random (select's tie-break) is seeded from it too. */
async function run(core: Core, seed: number): Promise<string[]> {
  const { Channel, pull, push, select, selectNowait } = core;
  type Channel<T> = InstanceType<typeof core.Channel<T>>;
  const rand = seededRandom(seed);
  const choice = seededRandom(seed ^ 0x5bd1e995);
  const spy = vi.spyOn(Math, 'random').mockImplementation(choice);
  const trace: string[] = [];
  try {
    const int = (n: number) => Math.floor(rand() * n);
    const channels: Channel<number>[] = [];
    for (let i = 0; i < 5; i++) {
      const kind = int(5);
      const capacity = kind === 0 ? 0 : kind === 4 ? 2 : 1 + int(3);
      const overflow = kind === 4 ? (int(2) === 0 ? 'drop-oldest' : 'drop-newest') : 'block';
      channels.push(new Channel<number>(capacity, { name: `c${i}`, overflow }));
    }
    const controllers: AbortController[] = [];
    let nextValue = 0;
    const workers: Promise<void>[] = [];
    for (let w = 0; w < 6; w++) {
      const steps = Array.from({ length: 25 }, () => ({
        op: int(10),
        a: int(5),
        b: int(5),
        abort: int(6) === 0,
        sleep: int(4) === 0,
      }));
      workers.push(
        (async () => {
          for (const [s, step] of steps.entries()) {
            const tag = `w${w}.${s}`;
            const ch = channels[step.a]!;
            const other = channels[step.b]!;
            const ac = new AbortController();
            if (step.abort) controllers.push(ac);
            const signal = step.abort ? ac.signal : undefined;
            try {
              switch (step.op) {
                case 0:
                case 1: {
                  const v = nextValue++;
                  await ch.push(v, { signal });
                  trace.push(`${tag} push ${ch.name} ${v}`);
                  break;
                }
                case 2:
                case 3:
                  trace.push(`${tag} pull ${ch.name} ${await ch.pull({ signal })}`);
                  break;
                case 4: {
                  const v = nextValue++;
                  const r = await select([pull(ch), push(other, v)], { signal });
                  trace.push(`${tag} select ${r.index} ${r.channel.name} ${r.value} ${r.ok}`);
                  break;
                }
                case 5:
                  trace.push(`${tag} tryPush ${ch.name} ${ch.tryPush(nextValue++)}`);
                  break;
                case 6:
                  trace.push(`${tag} tryPull ${ch.name} ${ch.tryPull()}`);
                  break;
                case 7:
                  trace.push(`${tag} pullMany ${ch.name} ${(await ch.pullMany(3, { signal })).join(',')}`);
                  break;
                case 8: {
                  const values = [nextValue++, nextValue++];
                  await ch.pushAll(values, { signal });
                  trace.push(`${tag} pushAll ${ch.name} ${values.join(',')}`);
                  break;
                }
                case 9: {
                  const r = selectNowait([pull(ch), pull(other)]);
                  trace.push(`${tag} selectNowait ${r ? `${r.index} ${r.value} ${r.ok}` : 'none'}`);
                  break;
                }
              }
            } catch (error) {
              const pushed = (error as { pushed?: number }).pushed;
              trace.push(`${tag} error ${describeError(error)}${pushed === undefined ? '' : ` pushed=${pushed}`}`);
            }
            if (step.sleep) await macrotask();
          }
          trace.push(`w${w} done`);
        })(),
      );
    }
    // The driver: aborts and closes at fixed macrotask counts, then closes everything.
    for (let turn = 0; turn < 30; turn++) {
      await macrotask();
      const r = int(10);
      if (r === 0 && controllers.length > 0) controllers.shift()!.abort(new Error(`abort@${turn}`));
      if (r === 1) channels[int(5)]!.close(int(2) === 0 ? undefined : new Error(`close@${turn}`));
      trace.push(`turn ${turn} sizes ${channels.map((c) => `${c.size}${c.closed ? 'x' : ''}`).join(' ')}`);
    }
    for (const ac of controllers) ac.abort(new Error('final abort'));
    for (const c of channels) c.close();
    await Promise.all(workers);
    for (const c of channels) {
      const rest: number[] = [];
      for (;;) {
        try {
          rest.push(c.pullNowait());
        } catch {
          break;
        }
      }
      trace.push(`${c.name} rest ${rest.join(',')}`);
    }
  } finally {
    spy.mockRestore();
  }
  return trace;
}

afterEach(() => current?.disableDebug());

describe('debug mode does not change channel semantics', () => {
  for (const seed of [1, 7, 42, 2026, 31337]) {
    it(`seed ${seed}: same trace off / on / on with stacks / on with an inspector connected`, async () => {
      let m = await fresh();
      const off = await run(m.core, seed);
      expect(off.length).toBeGreaterThan(100);
      // A varied program: values moved, selects fired, closes and aborts failed operations.
      expect(off.some((line) => / select \d /.test(line))).toBe(true);
      expect(off.some((line) => / pull c\d \d+$/.test(line))).toBe(true);
      expect(off.some((line) => / error /.test(line))).toBe(true);

      m = await fresh();
      current = m.debug;
      m.debug.enableDebug({ target: { postMessage() {} } });
      const on = await run(m.core, seed);
      m.debug.disableDebug();

      m = await fresh();
      current = m.debug;
      m.debug.enableDebug({ target: { postMessage() {} }, stacks: true });
      const withStacks = await run(m.core, seed);
      m.debug.disableDebug();

      m = await fresh();
      current = m.debug;
      const rec = recorder();
      m.debug.enableDebug({ target: rec.target, listen: rec.listen, intervalMs: 1, stacks: true });
      rec.say(HELLO); // posts at once (and draws the instance id before Math.random is seeded)
      const connected = await run(m.core, seed);
      m.debug.disableDebug();
      expect(rec.snapshots().length).toBeGreaterThan(1);
      // The debug mode of that module instance did follow the program's channels.
      expect(
        rec
          .snapshots()
          .some((snap) => snap.channels.some((c) => c.name === 'c0' && c.pushers.length + c.pullers.length > 0)),
      ).toBe(true);

      m = await fresh();
      const offAgain = await run(m.core, seed);
      expect(offAgain).toEqual(off);
      expect(on).toEqual(off);
      expect(withStacks).toEqual(off);
      expect(connected).toEqual(off);
    });
  }
});
