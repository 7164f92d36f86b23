/**
 * Audit T: random schedules of a broadcast — producers, subscribers reading in every way
 * (pull, tryPull, pullMany, select, iteration), joining and leaving (close, signal), the source
 * closing with or without a reason, the broadcast closing. Whatever the schedule:
 * - a 'block' subscriber receives a gapless, ordered run of the source's values (every value
 *   pulled while it was subscribed); a drop-mode one an ordered subsequence;
 * - every value committed into the source reaches every 'block' subscriber that stayed to the
 *   end, when the broadcast ends because the source ended;
 * - nothing stays parked on the source or on a subscriber once everything ended.
 */
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, type Overflow, pull, push, select } from '../../src/index.js';
import { seededRandom } from '../helpers/random.js';
import { settle } from './helpers.js';

interface Sub {
  ch: Channel<number>;
  overflow: Overflow;
  /** What each operation issued on it got, in issue order (parked pulls are served FIFO). */
  slots: number[][];
  got: number[];
  ac: AbortController | undefined;
  left: boolean;
  /** Values pulled from it by pending operations are pushed into got when they settle. */
  pending: number;
}

async function scenario(seed: number) {
  // (seed is also used in messages)
  const random = seededRandom(seed);
  const sourceCapacity = [0, 1, 3][Math.floor(random() * 3)] as number;
  const source = new Channel<number>(sourceCapacity);
  const hub = broadcast(source);
  const subs: Sub[] = [];
  let next = 0;
  const committed: number[] = [];
  const pushes: Promise<void>[] = [];
  let sourceClosedWith: unknown = 'open';
  let hubClosed = false;
  const log: string[] = [];

  const subscribe = () => {
    const r = random();
    const overflow: Overflow = r < 0.7 ? 'block' : r < 0.85 ? 'drop-oldest' : 'drop-newest';
    const capacity = overflow === 'block' ? Math.floor(random() * 3) : 1 + Math.floor(random() * 2);
    const ac = random() < 0.3 ? new AbortController() : undefined;
    const ch = hub.subscribe({ capacity, overflow, signal: ac?.signal });
    subs.push({ ch, overflow, slots: [], got: [], ac, left: false, pending: 0 });
    log.push(`subscribe(${capacity},${overflow})#${subs.length - 1}`);
  };
  const record = (sub: Sub, promise: Promise<number | number[] | { value: unknown; ok: boolean }>) => {
    sub.pending++;
    const slot: number[] = [];
    sub.slots.push(slot);
    promise.then(
      (v) => {
        sub.pending--;
        if (Array.isArray(v)) slot.push(...v);
        else if (typeof v === 'number') slot.push(v);
      },
      (e) => {
        sub.pending--;
        if (!(e instanceof ChannelClosedError) && !(typeof e === 'string' && e.startsWith('abort'))) throw e;
      },
    );
  };

  subscribe();
  subscribe();
  for (let step = 0; step < 150; step++) {
    const r = random();
    const open = subs.filter((s) => !s.left);
    const sub = open[Math.floor(random() * open.length)];
    if (r < 0.25) {
      if (sourceClosedWith !== 'open') continue;
      const v = next;
      const kind = random();
      if (kind < 0.2 && sub) {
        // A select that pushes into the source or pulls from a subscriber: whichever commits.
        next++;
        log.push(`select[push(${v}),pull#${subs.indexOf(sub)}]`);
        sub.pending++;
        const slot: number[] = [];
        sub.slots.push(slot);
        pushes.push(
          select([push(source, v), pull(sub.ch)]).then(
            (res) => {
              sub.pending--;
              if (res.index === 0) committed.push(v);
              else if (res.ok) slot.push(res.value as number);
            },
            () => {
              sub.pending--;
            },
          ),
        );
      } else if (kind < 0.5) {
        next++;
        log.push(`push(${v})`);
        pushes.push(
          source.push(v).then(
            () => {
              committed.push(v);
            },
            () => {},
          ),
        );
      } else if (source.tryPush(v)) {
        next++;
        log.push(`tryPush(${v})`);
        committed.push(v);
      }
    } else if (r < 0.55 && sub) {
      const kind = random();
      if (kind < 0.3) {
        log.push(`pull#${subs.indexOf(sub)}`);
        record(sub, sub.ch.pull());
      } else if (kind < 0.55) {
        const v = sub.ch.tryPull();
        log.push(`tryPull#${subs.indexOf(sub)}=${v}`);
        if (v !== undefined) sub.slots.push([v]);
      } else if (kind < 0.8) {
        log.push(`pullMany#${subs.indexOf(sub)}`);
        record(sub, sub.ch.pullMany(1 + Math.floor(random() * 4)));
      } else {
        // A select over two subscribers: the value it takes belongs to the chosen one.
        const other = open[Math.floor(random() * open.length)] as Sub;
        log.push(`select#${subs.indexOf(sub)},${subs.indexOf(other)}`);
        sub.pending++;
        other.pending++;
        const slots: [number[], number[]] = [[], []];
        sub.slots.push(slots[0]);
        other.slots.push(slots[1]);
        select([pull(sub.ch), pull(other.ch)]).then(
          (res) => {
            sub.pending--;
            other.pending--;
            if (res.ok) slots[res.index].push(res.value as number);
          },
          () => {
            sub.pending--;
            other.pending--;
          },
        );
      }
    } else if (r < 0.62 && subs.length < 8 && !hubClosed) {
      subscribe();
    } else if (r < 0.67 && sub) {
      log.push(`leave#${subs.indexOf(sub)}`);
      sub.left = true;
      if (sub.ac && random() < 0.5) sub.ac.abort('abort-leave');
      else sub.ch.close();
    } else if (r < 0.69 && sourceClosedWith === 'open') {
      sourceClosedWith = random() < 0.5 ? undefined : 'reason';
      log.push(`source.close(${String(sourceClosedWith)})`);
      source.close(sourceClosedWith);
    } else if (r < 0.695 && !hubClosed && random() < 0.3) {
      log.push('hub.close');
      hubClosed = true;
      hub.close();
    } else {
      await settle(1 + Math.floor(random() * 4));
    }
  }
  // The end: close the source, let every subscriber drain.
  if (sourceClosedWith === 'open') {
    sourceClosedWith = undefined;
    source.close();
  }
  await settle(30);
  // Every subscriber reads to its end at once (the slowest sets the pace, so all must read).
  const drained = Promise.all(
    subs.map(async (sub) => {
      const slot: number[] = [];
      sub.slots.push(slot);
      try {
        for await (const v of sub.ch) slot.push(v);
      } catch (error) {
        if (error !== 'reason') throw error;
      }
    }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 2000);
  });
  const outcome = await Promise.race([drained.then(() => 'done' as const), hung]);
  clearTimeout(timer);
  expect(outcome, `seed ${seed}: ${log.join(' ')}`).toBe('done');
  await settle(10);
  await Promise.all(pushes);
  for (const sub of subs) sub.got = sub.slots.flat();
  return { source, subs, committed, hubClosed, log };
}

const SEEDS = Number(process.env.AUDIT_T_SEEDS ?? 300);

describe('random broadcast schedules', () => {
  test(`no loss, no duplicate, no reordering, nothing left parked (${SEEDS} seeds)`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { source, subs, committed, hubClosed, log } = await scenario(seed);
      const where = `seed ${seed}: ${log.join(' ')}`;
      expect(source.stats().waitingPullers, where).toBe(0);
      expect(source.stats().waitingPushers, where).toBe(0);
      // Each committed value's rank: values committed into the source, in increasing order.
      const order = new Map([...committed].sort((a, b) => a - b).map((v, i) => [v, i] as const));
      for (const [index, sub] of subs.entries()) {
        const got = sub.got;
        for (const v of got) expect(order.has(v), `${where} sub#${index} got ${v}, never committed`).toBe(true);
        for (let i = 1; i < got.length; i++) {
          expect(got[i] as number, `${where} sub#${index} got ${got}`).toBeGreaterThan(got[i - 1] as number);
          // Gapless in the sequence of values committed into the source (FIFO: in push order).
          if (sub.overflow === 'block') {
            expect(order.get(got[i] as number), `${where} sub#${index} got ${got}`).toBe(
              (order.get(got[i - 1] as number) as number) + 1,
            );
          }
        }
        expect(sub.ch.closed, `${where} sub#${index}`).toBe(true);
        expect(sub.ch.stats().waitingPullers, `${where} sub#${index}`).toBe(0);
        expect(sub.pending, `${where} sub#${index}`).toBe(0);
      }
      // The source drained into the broadcast unless the broadcast was closed (then values stay).
      if (!hubClosed && subs.some((s) => !s.left)) {
        expect(source.size, where).toBe(0);
        const last = committed.length ? Math.max(...committed) : -1;
        for (const [index, sub] of subs.entries()) {
          if (sub.left || sub.overflow !== 'block' || !sub.got.length) continue;
          expect(sub.got.at(-1), `${where} sub#${index} got ${sub.got}`).toBe(last);
        }
      }
    }
  });
});
