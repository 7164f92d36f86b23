// Blind conformance pass (audit BO-spec): seeded random operations against a plain-array model
// written from SPEC.md's sentences (commit rules, FIFO, close, abort, overflow, batch ops).

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, type Overflow } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/random.js';
import { tick } from './helpers.js';

type Expect =
  | { status: 'pending' }
  | { status: 'resolved'; value: unknown }
  | { status: 'rejected'; error: 'closed' | { abort: unknown } };

interface ParkedPush {
  id: number;
  value: number;
  ac?: AbortController;
}
interface ParkedPull {
  id: number;
  many?: number;
  ac?: AbortController;
}

class Model {
  buf: number[] = [];
  pushers: ParkedPush[] = [];
  pullers: ParkedPull[] = [];
  closed = false;
  reason: unknown = undefined;
  expected = new Map<number, Expect>();
  constructor(
    readonly cap: number,
    readonly overflow: Overflow,
  ) {}

  /** 'commit' | 'park' | 'closed' */
  push(value: number): { kind: 'commit' } | { kind: 'park' } | { kind: 'closed' } {
    if (this.closed) return { kind: 'closed' };
    const puller = this.pullers.shift();
    if (puller) {
      this.expected.set(puller.id, { status: 'resolved', value: puller.many ? [value] : value });
      return { kind: 'commit' };
    }
    if (this.buf.length < this.cap) {
      this.buf.push(value);
      return { kind: 'commit' };
    }
    if (this.overflow === 'drop-oldest') {
      this.buf.shift();
      this.buf.push(value);
      return { kind: 'commit' };
    }
    if (this.overflow === 'drop-newest') return { kind: 'commit' };
    return { kind: 'park' };
  }

  takeOne(): { ok: true; value: number } | { ok: false } {
    if (this.buf.length > 0) {
      const v = this.buf.shift()!;
      const p = this.pushers.shift();
      if (p) {
        this.buf.push(p.value);
        this.expected.set(p.id, { status: 'resolved', value: undefined });
      }
      return { ok: true, value: v };
    }
    const p = this.pushers.shift();
    if (p) {
      this.expected.set(p.id, { status: 'resolved', value: undefined });
      return { ok: true, value: p.value };
    }
    return { ok: false };
  }

  close(reason: unknown) {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    for (const p of this.pushers) this.expected.set(p.id, { status: 'rejected', error: 'closed' });
    for (const p of this.pullers) this.expected.set(p.id, { status: 'rejected', error: 'closed' });
    this.pushers = [];
    this.pullers = [];
  }
}

type Actual = { status: 'pending' | 'resolved' | 'rejected'; value?: unknown; error?: unknown };

async function runModel(seed: number, cap: number, overflow: Overflow, steps: number) {
  const rnd = seededRandom(seed);
  const ch = new Channel<number>(cap, { overflow, name: `model-${seed}` });
  const m = new Model(cap, overflow);
  const actual = new Map<number, Actual>();
  const abortReasons = new Map<number, unknown>();
  let nextId = 0;
  let nextValue = 0;
  const log: string[] = [];

  const trackOp = (id: number, p: Promise<unknown>) => {
    const a: Actual = { status: 'pending' };
    actual.set(id, a);
    p.then(
      (v) => {
        a.status = 'resolved';
        a.value = v;
      },
      (e) => {
        a.status = 'rejected';
        a.error = e;
      },
    );
  };
  const maybeSignal = (id: number): AbortController | undefined => {
    if (rnd() < 0.5) return undefined;
    const ac = new AbortController();
    abortReasons.set(id, { abortOf: id });
    return ac;
  };

  for (let step = 0; step < steps; step++) {
    const r = rnd();
    const id = nextId++;
    if (r < 0.2) {
      // push
      const v = nextValue++;
      const ac = maybeSignal(id);
      log.push(`${id}: push(${v})${ac ? ' +signal' : ''}`);
      trackOp(id, ch.push(v, ac ? { signal: ac.signal } : undefined));
      const res = m.push(v);
      if (res.kind === 'commit') m.expected.set(id, { status: 'resolved', value: undefined });
      else if (res.kind === 'closed') m.expected.set(id, { status: 'rejected', error: 'closed' });
      else {
        m.pushers.push({ id, value: v, ...(ac ? { ac } : {}) });
        m.expected.set(id, { status: 'pending' });
      }
    } else if (r < 0.28) {
      // pushNowait
      const v = nextValue++;
      log.push(`${id}: pushNowait(${v})`);
      let thrown: unknown;
      try {
        ch.pushNowait(v);
      } catch (e) {
        thrown = e;
      }
      const res = m.push(v);
      if (res.kind === 'commit') expect(thrown, log.join('\n')).toBeUndefined();
      else if (res.kind === 'closed') expect(thrown, log.join('\n')).toBeInstanceOf(ChannelClosedError);
      else expect(thrown, log.join('\n')).toBeInstanceOf(ChannelFullError);
    } else if (r < 0.36) {
      // tryPush
      const v = nextValue++;
      log.push(`${id}: tryPush(${v})`);
      const got = ch.tryPush(v);
      const res = m.push(v);
      expect(got, log.join('\n')).toBe(res.kind === 'commit');
    } else if (r < 0.5) {
      // pull
      const ac = maybeSignal(id);
      log.push(`${id}: pull()${ac ? ' +signal' : ''}`);
      trackOp(id, ch.pull(ac ? { signal: ac.signal } : undefined));
      const t = m.takeOne();
      if (t.ok) m.expected.set(id, { status: 'resolved', value: t.value });
      else if (m.closed) m.expected.set(id, { status: 'rejected', error: 'closed' });
      else {
        m.pullers.push({ id, ...(ac ? { ac } : {}) });
        m.expected.set(id, { status: 'pending' });
      }
    } else if (r < 0.57) {
      // pullNowait
      log.push(`${id}: pullNowait()`);
      let got: unknown;
      let thrown: unknown;
      try {
        got = ch.pullNowait();
      } catch (e) {
        thrown = e;
      }
      const t = m.takeOne();
      if (t.ok) expect(got, log.join('\n')).toBe(t.value);
      else if (m.closed) expect(thrown, log.join('\n')).toBeInstanceOf(ChannelClosedError);
      else expect(thrown, log.join('\n')).toBeInstanceOf(ChannelEmptyError);
    } else if (r < 0.64) {
      // tryPull
      log.push(`${id}: tryPull()`);
      const got = ch.tryPull();
      const t = m.takeOne();
      expect(got, log.join('\n')).toBe(t.ok ? t.value : undefined);
    } else if (r < 0.74) {
      // pullMany
      const max = 1 + Math.floor(rnd() * 4);
      const ac = maybeSignal(id);
      log.push(`${id}: pullMany(${max})${ac ? ' +signal' : ''}`);
      trackOp(id, ch.pullMany(max, ac ? { signal: ac.signal } : undefined));
      const taken: number[] = [];
      while (taken.length < max) {
        const t = m.takeOne();
        if (!t.ok) break;
        taken.push(t.value);
      }
      if (taken.length > 0) m.expected.set(id, { status: 'resolved', value: taken });
      else if (m.closed) m.expected.set(id, { status: 'rejected', error: 'closed' });
      else {
        m.pullers.push({ id, many: max, ...(ac ? { ac } : {}) });
        m.expected.set(id, { status: 'pending' });
      }
    } else if (r < 0.88) {
      // abort a random parked operation that has a signal
      const candidates = [...m.pushers, ...m.pullers].filter((w) => w.ac);
      if (candidates.length > 0) {
        const w = candidates[Math.floor(rnd() * candidates.length)]!;
        log.push(`abort(${w.id})`);
        m.pushers = m.pushers.filter((p) => p !== w);
        m.pullers = m.pullers.filter((p) => p !== w);
        m.expected.set(w.id, { status: 'rejected', error: { abort: abortReasons.get(w.id) } });
        w.ac!.abort(abortReasons.get(w.id));
      }
    } else if (r < 0.9) {
      // already aborted operation: rejects with its reason, changes nothing
      const reason = { pre: id };
      const which = rnd();
      const signal = AbortSignal.abort(reason);
      log.push(`${id}: pre-aborted ${which < 0.33 ? 'push' : which < 0.66 ? 'pull' : 'pullMany'}`);
      trackOp(
        id,
        which < 0.33
          ? ch.push(nextValue++, { signal })
          : which < 0.66
            ? ch.pull({ signal })
            : ch.pullMany(2, { signal }),
      );
      m.expected.set(id, { status: 'rejected', error: { abort: reason } });
    } else if (r < 0.905) {
      const reason = rnd() < 0.5 ? undefined : { closeReason: id };
      log.push(`close(${reason === undefined ? '' : 'reason'})`);
      ch.close(reason);
      m.close(reason);
    } else {
      log.push('tick');
    }

    await tick();
    const where = `seed ${seed} cap ${cap} ${overflow}, step ${step}\n${log.slice(-15).join('\n')}`;
    expect(ch.size, where).toBe(m.buf.length);
    expect(ch.closed, where).toBe(m.closed);
    const s = ch.stats();
    expect([s.waitingPushers, s.waitingPullers], where).toEqual([m.pushers.length, m.pullers.length]);
    for (const [opId, exp] of m.expected) {
      const a = actual.get(opId);
      if (!a) continue;
      expect(a.status, `${where}\nop ${opId}`).toBe(exp.status);
      if (exp.status === 'resolved') expect(a.value, `${where}\nop ${opId}`).toEqual(exp.value);
      if (exp.status === 'rejected') {
        if (exp.error === 'closed') {
          expect(a.error, `${where}\nop ${opId}`).toBeInstanceOf(ChannelClosedError);
          expect((a.error as Error).cause, `${where}\nop ${opId}`).toBe(m.reason);
        } else expect(a.error, `${where}\nop ${opId}`).toBe(exp.error.abort);
      }
      if (exp.status !== 'pending') m.expected.delete(opId);
    }
  }
  // Final: close, drain and compare what is left.
  const reason = m.closed ? m.reason : undefined;
  ch.close();
  m.close(undefined);
  const rest: number[] = [];
  for (;;) {
    const v = ch.tryPull();
    if (v === undefined) break;
    rest.push(v);
  }
  expect(rest).toEqual(m.buf);
  void reason;
}

describe('model: seeded random operations against a plain-array model', () => {
  const configs: [number, Overflow][] = [
    [0, 'block'],
    [1, 'block'],
    [3, 'block'],
    [Infinity, 'block'],
    [1, 'drop-oldest'],
    [3, 'drop-oldest'],
    [1, 'drop-newest'],
    [3, 'drop-newest'],
  ];
  for (const [cap, overflow] of configs) {
    it(`capacity ${cap}, ${overflow}`, async () => {
      for (let seed = 1; seed <= 6; seed++) await runModel(seed * 7919 + cap * 13, cap, overflow, 250);
    });
  }
});
