/**
 * Audit T: a differential test of one channel against a plain reference model. Every operation
 * commits synchronously, so the model can say, after each call, exactly what is buffered, who
 * is parked and which value each operation gets; the channel must agree on all of it — sizes,
 * stats, the values returned, and (once the microtasks ran) every promise's outcome.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, type Overflow } from '../../src/index.js';
import { seededRandom } from '../helpers/random.js';
import { settle } from './helpers.js';

type Outcome = { kind: 'value'; value: unknown } | { kind: 'closed' } | { kind: 'aborted'; reason: unknown };

interface ParkedPush {
  id: number;
  value: number;
  ac: AbortController | undefined;
}
interface ParkedPull {
  id: number;
  many: number; // 0: pull; n: pullMany(n)
  ac: AbortController | undefined;
}

class Model {
  buffer: number[] = [];
  pushers: ParkedPush[] = [];
  pullers: ParkedPull[] = [];
  closed = false;
  expected = new Map<number, Outcome>();

  constructor(
    readonly capacity: number,
    readonly overflow: Overflow,
  ) {}

  /** Commit a push now if possible: returns false when it would park. */
  commitPush(value: number): boolean {
    const puller = this.pullers.shift();
    if (puller) {
      this.expected.set(puller.id, { kind: 'value', value: puller.many ? [value] : value });
      return true;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return true;
    }
    if (this.overflow === 'block') return false;
    if (this.overflow === 'drop-oldest') {
      this.buffer.shift();
      this.buffer.push(value);
    }
    return true;
  }

  /** Take one value now if possible. */
  commitPull(): { ok: true; value: number } | { ok: false } {
    if (this.buffer.length) {
      const value = this.buffer.shift() as number;
      const pusher = this.pushers.shift();
      if (pusher) {
        this.buffer.push(pusher.value);
        this.expected.set(pusher.id, { kind: 'value', value: undefined });
      }
      return { ok: true, value };
    }
    const pusher = this.pushers.shift();
    if (pusher) {
      this.expected.set(pusher.id, { kind: 'value', value: undefined });
      return { ok: true, value: pusher.value };
    }
    return { ok: false };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pushers) this.expected.set(p.id, { kind: 'closed' });
    for (const p of this.pullers) this.expected.set(p.id, { kind: 'closed' });
    this.pushers = [];
    this.pullers = [];
  }

  abort(id: number, reason: unknown): void {
    const pi = this.pushers.findIndex((p) => p.id === id);
    if (pi >= 0) {
      this.pushers.splice(pi, 1);
      this.expected.set(id, { kind: 'aborted', reason });
    }
    const li = this.pullers.findIndex((p) => p.id === id);
    if (li >= 0) {
      this.pullers.splice(li, 1);
      this.expected.set(id, { kind: 'aborted', reason });
    }
  }
}

function run(seed: number, capacity: number, overflow: Overflow, steps: number) {
  const random = seededRandom(seed);
  const ch = new Channel<number>(capacity, { overflow });
  const model = new Model(capacity, overflow);
  const actual = new Map<number, Outcome>();
  const controllers = new Map<number, AbortController>();
  let nextValue = 0;
  let nextId = 0;
  const log: string[] = [];

  const observe = (id: number, promise: Promise<unknown>) => {
    promise.then(
      (value) => actual.set(id, { kind: 'value', value }),
      (reason) =>
        actual.set(id, reason instanceof ChannelClosedError ? { kind: 'closed' } : { kind: 'aborted', reason }),
    );
  };

  for (let step = 0; step < steps; step++) {
    const r = random();
    const withSignal = random() < 0.3;
    const ac = withSignal ? new AbortController() : undefined;
    const options = ac ? { signal: ac.signal } : undefined;
    if (r < 0.22) {
      const value = nextValue++;
      const id = nextId++;
      log.push(`push(${value})#${id}`);
      const promise = ch.push(value, options);
      observe(id, promise);
      if (model.closed) model.expected.set(id, { kind: 'closed' });
      else if (model.commitPush(value)) model.expected.set(id, { kind: 'value', value: undefined });
      else {
        model.pushers.push({ id, value, ac });
        if (ac) controllers.set(id, ac);
      }
    } else if (r < 0.4) {
      const id = nextId++;
      log.push(`pull#${id}`);
      observe(id, ch.pull(options));
      const got = model.commitPull();
      if (got.ok) model.expected.set(id, { kind: 'value', value: got.value });
      else if (model.closed) model.expected.set(id, { kind: 'closed' });
      else {
        model.pullers.push({ id, many: 0, ac });
        if (ac) controllers.set(id, ac);
      }
    } else if (r < 0.5) {
      const max = 1 + Math.floor(random() * 4);
      const id = nextId++;
      log.push(`pullMany(${max})#${id}`);
      observe(id, ch.pullMany(max, options));
      const values: number[] = [];
      for (let got = model.commitPull(); got.ok; got = values.length < max ? model.commitPull() : { ok: false }) {
        values.push(got.value);
      }
      if (values.length) model.expected.set(id, { kind: 'value', value: values });
      else if (model.closed) model.expected.set(id, { kind: 'closed' });
      else {
        model.pullers.push({ id, many: max, ac });
        if (ac) controllers.set(id, ac);
      }
    } else if (r < 0.62) {
      const value = nextValue++;
      log.push(`tryPush(${value})`);
      const ok = ch.tryPush(value);
      const expected = !model.closed && model.commitPush(value);
      expect(ok, log.slice(-30).join(' ')).toBe(expected);
    } else if (r < 0.74) {
      log.push('tryPull');
      const value = ch.tryPull();
      const got = model.commitPull();
      expect(value, log.slice(-30).join(' ')).toBe(got.ok ? got.value : undefined);
    } else if (r < 0.8) {
      const value = nextValue++;
      log.push(`pushNowait(${value})`);
      let outcome: string;
      try {
        ch.pushNowait(value);
        outcome = 'ok';
      } catch (error) {
        outcome = error instanceof ChannelClosedError ? 'closed' : error instanceof ChannelFullError ? 'full' : 'other';
      }
      const expected = model.closed ? 'closed' : model.commitPush(value) ? 'ok' : 'full';
      expect(outcome, log.slice(-30).join(' ')).toBe(expected);
    } else if (r < 0.86) {
      log.push('pullNowait');
      let outcome: unknown;
      try {
        outcome = ch.pullNowait();
      } catch (error) {
        outcome =
          error instanceof ChannelClosedError ? 'closed' : error instanceof ChannelEmptyError ? 'empty' : 'other';
      }
      const got = model.commitPull();
      expect(outcome, log.slice(-30).join(' ')).toBe(got.ok ? got.value : model.closed ? 'closed' : 'empty');
    } else if (r < 0.985) {
      const ids = [...controllers.keys()];
      if (ids.length) {
        const id = ids[Math.floor(random() * ids.length)] as number;
        const reason = `abort#${id}`;
        log.push(`abort#${id}`);
        (controllers.get(id) as AbortController).abort(reason);
        controllers.delete(id);
        model.abort(id, reason);
      }
    } else {
      log.push('close');
      ch.close();
      model.close();
    }
    const stats = ch.stats();
    expect(
      { size: stats.size, pushers: stats.waitingPushers, pullers: stats.waitingPullers, closed: stats.closed },
      log.slice(-30).join(' '),
    ).toEqual({
      size: model.buffer.length,
      pushers: model.pushers.length,
      pullers: model.pullers.length,
      closed: model.closed,
    });
  }
  // Drain: close and let everything settle.
  ch.close();
  model.close();
  return { ch, model, actual, log };
}

describe('one channel against a reference model', () => {
  const configs: [number, Overflow][] = [
    [0, 'block'],
    [1, 'block'],
    [3, 'block'],
    [Infinity, 'block'],
    [1, 'drop-oldest'],
    [2, 'drop-oldest'],
    [1, 'drop-newest'],
    [3, 'drop-newest'],
  ];
  for (const [capacity, overflow] of configs) {
    test(`capacity ${capacity}, ${overflow}: every outcome and every intermediate state agrees`, async () => {
      for (let seed = 1; seed <= 30; seed++) {
        const { model, actual, ch } = run(seed * 7919 + capacity, capacity, overflow, 400);
        await settle(10);
        expect(actual.size).toBe(model.expected.size);
        for (const [id, outcome] of model.expected) expect(actual.get(id), `op #${id}, seed ${seed}`).toEqual(outcome);
        const rest: number[] = [];
        for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) rest.push(v);
        expect(rest).toEqual(model.buffer);
      }
    });
  }
});

describe('the ring buffer across growth and shrinking', () => {
  test('bursts past 1024 slots and drains keep FIFO order exactly (push/pull/tryPush/tryPull/pullMany mix)', async () => {
    const random = seededRandom(42);
    const ch = new Channel<number>(Infinity);
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      const burst = Math.floor(random() * 9000);
      for (let i = 0; i < burst; i++) {
        const v = next++;
        if (random() < 0.5) ch.tryPush(v);
        else ch.pushNowait(v);
        model.push(v);
      }
      const drain = Math.floor(random() * model.length);
      let taken = 0;
      while (taken < drain) {
        const k = random();
        if (k < 0.3) {
          const max = 1 + Math.floor(random() * 500);
          const got = await ch.pullMany(max);
          const want = model.splice(0, got.length);
          expect(got).toEqual(want);
          expect(got.length).toBe(Math.min(max, want.length + model.length + 0));
          taken += got.length;
        } else if (k < 0.6) {
          expect(ch.tryPull()).toBe(model.shift());
          taken++;
        } else {
          expect(ch.pullNowait()).toBe(model.shift());
          taken++;
        }
      }
      expect(ch.size).toBe(model.length);
    }
    const rest = model.length ? await ch.pullMany(model.length) : [];
    expect(rest).toEqual(model);
  });

  test('a bounded channel of capacity 5000 cycling between full and empty keeps order', async () => {
    const ch = new Channel<number>(5000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 6; round++) {
      while (ch.tryPush(next)) next++;
      expect(ch.size).toBe(5000);
      while (ch.size > round * 10) expect(ch.tryPull()).toBe(expected++);
    }
    while (ch.size) expect(ch.tryPull()).toBe(expected++);
    expect(expected).toBe(next);
  });
});
