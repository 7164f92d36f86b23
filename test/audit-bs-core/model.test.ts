// Model-based property test: random programs over two channels, run against chanasync and
// against a plain-array model written from SPEC.md / README "Semantic details".
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelFullError,
  pull,
  push,
  select,
  selectNowait,
} from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Overflow = 'block' | 'drop-oldest' | 'drop-newest';
type Conf = { capacity: number; overflow: Overflow };
type CaseSpec = { c: number; kind: 'pull' | 'push' } | null;
type Cmd =
  | { t: 'push'; c: number; sig: number | null }
  | { t: 'pull'; c: number; sig: number | null }
  | { t: 'pushNowait' | 'pullNowait' | 'tryPush' | 'tryPull'; c: number }
  | { t: 'pullMany'; c: number; max: number; sig: number | null }
  | { t: 'pushAll'; c: number; n: number; sig: number | null }
  | { t: 'close'; c: number; withReason: boolean }
  | { t: 'abort'; k: number }
  | { t: 'select'; cases: CaseSpec[]; sig: number | null }
  | { t: 'selectNowait'; cases: CaseSpec[] }
  | { t: 'next' | 'return'; c: number; it: number };

// ---------------------------------------------------------------- expected outcomes
type Expected =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: unknown }
  | { state: 'closed'; op: string; chan: number; cause: unknown; pushed?: number }
  | { state: 'reason'; reason: unknown; pushed?: number };

type OpKind = 'push' | 'pull' | 'pullMany' | 'pushAll' | 'select' | 'next' | 'return';
interface Op {
  id: number;
  kind: OpKind;
  sig: number | null;
  exp: Expected;
  iter?: number; // next: which iterator (c * NIT + it)
  // pushAll
  values?: number[];
  idx?: number;
  chan?: number;
}
interface Entry {
  op: Op;
  value?: number; // push entries
  caseIndex?: number; // select entries
  max?: number; // pullMany
}
interface MChan {
  conf: Conf;
  buffer: number[];
  closed: boolean;
  reason: unknown;
  pushers: Entry[];
  pullers: Entry[];
}

class Model {
  chans: MChan[];
  aborted: (unknown | undefined)[] = [];
  abortedFlag: boolean[] = [];
  resume: Op[] = [];
  constructor(confs: Conf[], nsig: number) {
    this.chans = confs.map((conf) => ({
      conf,
      buffer: [],
      closed: false,
      reason: undefined,
      pushers: [],
      pullers: [],
    }));
    for (let i = 0; i < nsig; i++) this.abortedFlag.push(false);
  }
  live(q: Entry[]): Entry | undefined {
    while (q.length > 0 && q[0]!.op.exp.state !== 'pending') q.shift();
    return q[0];
  }
  count(q: Entry[]): number {
    return q.filter((e) => e.op.exp.state === 'pending').length;
  }
  /** Deliver value to a parked puller entry. */
  deliver(e: Entry, value: number): void {
    const op = e.op;
    if (op.kind === 'pull') op.exp = { state: 'fulfilled', value };
    else if (op.kind === 'next') op.exp = { state: 'fulfilled', value: { done: false, value } };
    else if (op.kind === 'pullMany') op.exp = { state: 'fulfilled', value: [value] };
    else op.exp = { state: 'fulfilled', value: { index: e.caseIndex, value, ok: true, chan: op.chan } };
  }
  /** A parked pusher entry's value was committed. */
  pusherCommitted(e: Entry): void {
    const op = e.op;
    if (op.kind === 'push') op.exp = { state: 'fulfilled', value: undefined };
    else if (op.kind === 'select')
      op.exp = { state: 'fulfilled', value: { index: e.caseIndex, value: undefined, ok: true, chan: op.chan } };
    else {
      // pushAll: the value is committed; it continues after this turn (its last value: it resolves)
      op.idx! += 1;
      op.exp = op.idx === op.values!.length ? { state: 'fulfilled', value: undefined } : { state: 'pending' };
      op.values!.length; // keep
      this.resume.push(op);
      (op as Op & { parked?: boolean }).parked = false;
    }
  }
  canPush(ch: MChan): boolean {
    return this.live(ch.pullers) !== undefined || ch.buffer.length < ch.conf.capacity || ch.conf.overflow !== 'block';
  }
  commitPush(ch: MChan, value: number): void {
    const p = this.live(ch.pullers);
    if (p) {
      ch.pullers.shift();
      this.finishOthers(p.op);
      this.deliver(p, value);
      return;
    }
    if (ch.buffer.length < ch.conf.capacity) ch.buffer.push(value);
    else if (ch.conf.overflow === 'drop-oldest') {
      ch.buffer.shift();
      ch.buffer.push(value);
    } else if (ch.conf.overflow === 'drop-newest') {
      /* dropped */
    } else throw new Error('model: commitPush on a full channel');
  }
  canPull(ch: MChan): boolean {
    return ch.buffer.length > 0 || this.live(ch.pushers) !== undefined;
  }
  commitPull(ch: MChan): number {
    if (ch.buffer.length > 0) {
      const v = ch.buffer.shift()!;
      const p = this.live(ch.pushers);
      if (p && ch.buffer.length < ch.conf.capacity) {
        ch.pushers.shift();
        ch.buffer.push(p.value!);
        this.finishOthers(p.op);
        this.pusherCommitted(p);
      }
      return v;
    }
    const p = this.live(ch.pushers)!;
    ch.pushers.shift();
    this.finishOthers(p.op);
    this.pusherCommitted(p);
    return p.value!;
  }
  /** For a select, its other entries are withdrawn (they are filtered as the op settles). */
  finishOthers(_op: Op): void {}
  sigAborted(sig: number | null): boolean {
    return sig !== null && this.abortedFlag[sig]!;
  }
  reasonOf(sig: number): unknown {
    return this.aborted[sig];
  }
  runPushAll(op: Op): void {
    const ch = this.chans[op.chan!]!;
    while (op.idx! < op.values!.length) {
      if (this.sigAborted(op.sig)) {
        op.exp = { state: 'reason', reason: this.reasonOf(op.sig!), pushed: op.idx! };
        return;
      }
      if (ch.closed) {
        op.exp = { state: 'closed', op: 'pushAll', chan: op.chan!, cause: ch.reason, pushed: op.idx! };
        return;
      }
      if (!this.canPush(ch)) {
        ch.pushers.push({ op, value: op.values![op.idx!]! });
        op.exp = { state: 'pending' };
        return;
      }
      this.commitPush(ch, op.values![op.idx!]!);
      op.idx! += 1;
    }
    op.exp = { state: 'fulfilled', value: undefined };
  }
  drainResume(): void {
    while (this.resume.length > 0) {
      const op = this.resume.shift()!;
      if (op.exp.state === 'pending') this.runPushAll(op);
    }
  }
  close(c: number, reason: unknown): void {
    const ch = this.chans[c]!;
    if (ch.closed) return;
    ch.closed = true;
    ch.reason = reason;
    for (const e of ch.pushers) {
      if (e.op.exp.state !== 'pending') continue;
      const op = e.op;
      if (op.kind === 'pushAll') op.exp = { state: 'closed', op: 'pushAll', chan: c, cause: reason, pushed: op.idx! };
      else if (op.kind === 'select') op.exp = { state: 'closed', op: 'select push', chan: c, cause: reason };
      else op.exp = { state: 'closed', op: 'push', chan: c, cause: reason };
    }
    ch.pushers = [];
    for (const e of ch.pullers) {
      if (e.op.exp.state !== 'pending') continue;
      const op = e.op;
      if (op.kind === 'select')
        op.exp = { state: 'fulfilled', value: { index: e.caseIndex, value: undefined, ok: false, chan: c } };
      else if (op.kind === 'next')
        op.exp =
          reason === undefined
            ? { state: 'fulfilled', value: { done: true, value: undefined } }
            : { state: 'reason', reason };
      else op.exp = { state: 'closed', op: op.kind, chan: c, cause: reason };
    }
    ch.pullers = [];
  }
  abort(k: number, reason: unknown, ops: Op[]): void {
    if (this.abortedFlag[k]) return;
    this.abortedFlag[k] = true;
    this.aborted[k] = reason;
    for (const op of ops) {
      if (op.sig !== k || op.exp.state !== 'pending') continue;
      op.exp = op.kind === 'pushAll' ? { state: 'reason', reason, pushed: op.idx! } : { state: 'reason', reason };
    }
  }
}

// ---------------------------------------------------------------- generators
const confArb: fc.Arbitrary<Conf> = fc.oneof(
  fc.record({ capacity: fc.constantFrom(0, 1, 2, 3), overflow: fc.constant<Overflow>('block') }),
  fc.record({ capacity: fc.constantFrom(1, 2), overflow: fc.constantFrom<Overflow>('drop-oldest', 'drop-newest') }),
  fc.constant<Conf>({ capacity: Number.POSITIVE_INFINITY, overflow: 'block' }),
);
const NCH = 2;
const NSIG = 3;
const chanArb = fc.integer({ min: 0, max: NCH - 1 });
const sigArb = fc.option(fc.integer({ min: 0, max: NSIG - 1 }), { nil: null, freq: 2 });
const casesArb: fc.Arbitrary<CaseSpec[]> = fc
  .array(
    fc.option(fc.record({ c: chanArb, kind: fc.constantFrom<'pull' | 'push'>('pull', 'push') }), {
      nil: null,
      freq: 5,
    }),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .filter((cases) => {
    // at most one pull and one push case per channel (two push cases on one channel are
    // queued in a random order: tested elsewhere)
    const seen = new Set<string>();
    for (const c of cases) {
      if (!c) continue;
      const k = `${c.c}${c.kind}`;
      if (seen.has(k)) return false;
      seen.add(k);
    }
    return cases.some((c) => c !== null);
  });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('push' as const), c: chanArb, sig: sigArb }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('pull' as const), c: chanArb, sig: sigArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constantFrom('pushNowait' as const, 'pullNowait' as const, 'tryPush' as const, 'tryPull' as const),
      c: chanArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('pullMany' as const),
      c: chanArb,
      max: fc.integer({ min: 1, max: 4 }),
      sig: sigArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('pushAll' as const),
      c: chanArb,
      n: fc.integer({ min: 1, max: 4 }),
      sig: sigArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), c: chanArb, withReason: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('abort' as const), k: fc.integer({ min: 0, max: NSIG - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('select' as const), cases: casesArb, sig: sigArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('selectNowait' as const), cases: casesArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('next' as const), c: chanArb, it: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('return' as const), c: chanArb, it: fc.integer({ min: 0, max: 1 }) }),
  },
);

// ---------------------------------------------------------------- runner
type Real = { state: 'pending' } | { state: 'fulfilled'; value: unknown } | { state: 'rejected'; reason: unknown };
const tick = () => new Promise<void>((r) => setImmediate(r));

async function runProgram(confs: Conf[], cmds: Cmd[], batch: boolean[] = []): Promise<void> {
  const chans = confs.map((c, i) => new Channel<number>(c.capacity, { name: `ch${i}`, overflow: c.overflow }));
  const ctrls = Array.from({ length: NSIG }, () => new AbortController());
  const iters = chans.flatMap((ch) => [ch[Symbol.asyncIterator](), ch[Symbol.asyncIterator]()]);
  const model = new Model(confs, NSIG);
  const ops: Op[] = [];
  const reals: Real[] = [];
  let nextValue = 1;
  let step = 0;
  const where = () => `step ${step} ${JSON.stringify(cmds[step])}`;
  const sig = (k: number | null) => (k === null ? undefined : { signal: ctrls[k]!.signal });
  const trackOp = (op: Op, p: Promise<unknown>) => {
    ops.push(op);
    const slot = reals.length;
    reals.push({ state: 'pending' });
    p.then(
      (value) => {
        reals[slot] = { state: 'fulfilled', value };
      },
      (reason: unknown) => {
        reals[slot] = { state: 'rejected', reason };
      },
    );
    return slot;
  };
  const checkError = (e: unknown, exp: Expected & { state: 'closed' | 'reason' }, ctx: string) => {
    if (exp.state === 'reason') {
      if (exp.pushed !== undefined) {
        const err = e as { cause?: unknown; pushed?: number };
        expect(e === exp.reason || err.cause === exp.reason, ctx).toBe(true);
        expect(err.pushed, ctx).toBe(exp.pushed);
      } else expect(e, ctx).toBe(exp.reason);
      return;
    }
    expect(e, ctx).toBeInstanceOf(ChannelClosedError);
    const err = e as ChannelClosedError;
    expect(err.channel, ctx).toBe(chans[exp.chan]);
    expect(err.cause, ctx).toBe(exp.cause);
    expect(err.message.startsWith(`${exp.op}: `), `${ctx}: message ${err.message} should start with ${exp.op}`).toBe(
      true,
    );
    expect(err.message, ctx).toContain(`"ch${exp.chan}"`);
    if (exp.pushed !== undefined) expect(err.pushed, ctx).toBe(exp.pushed);
  };
  const compareAll = () => {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const real = reals[i]!;
      const ctx = `${where()} op#${op.id} ${op.kind}`;
      const exp = op.exp;
      if (exp.state === 'pending') {
        expect(real.state, ctx).toBe('pending');
      } else if (exp.state === 'fulfilled') {
        expect(real.state, `${ctx} ${JSON.stringify(real.state === 'rejected' ? String(real.reason) : '')}`).toBe(
          'fulfilled',
        );
        const v = (real as { value: unknown }).value;
        if (op.kind === 'select') {
          const ev = exp.value as { index: number; value: unknown; ok: boolean; chan: number };
          expect(v, ctx).toEqual({ index: ev.index, value: ev.value, ok: ev.ok, channel: chans[ev.chan] });
        } else expect(v, ctx).toEqual(exp.value);
      } else {
        expect(real.state, ctx).toBe('rejected');
        checkError((real as { reason: unknown }).reason, exp, ctx);
      }
    }
    for (let c = 0; c < chans.length; c++) {
      const m = model.chans[c]!;
      expect(chans[c]!.stats(), `${where()} stats ch${c}`).toEqual({
        name: `ch${c}`,
        capacity: m.conf.capacity,
        size: m.buffer.length,
        closed: m.closed,
        overflow: m.conf.overflow,
        waitingPushers: model.count(m.pushers),
        waitingPullers: model.count(m.pullers),
      });
      expect(chans[c]!.full, where()).toBe(m.buffer.length >= m.conf.capacity);
      expect(chans[c]!.empty, where()).toBe(m.buffer.length === 0);
    }
  };
  let opId = 0;
  const newOp = (kind: OpKind, s: number | null, chan?: number): Op => ({
    id: opId++,
    kind,
    sig: s,
    exp: { state: 'pending' },
    ...(chan !== undefined ? { chan } : {}),
  });

  // select modelling helpers
  const readyCases = (cases: CaseSpec[]): number[] => {
    const ready: number[] = [];
    cases.forEach((cs, i) => {
      if (!cs) return;
      const ch = model.chans[cs.c]!;
      if (cs.kind === 'pull' ? model.canPull(ch) || ch.closed : model.canPush(ch)) ready.push(i);
    });
    return ready;
  };
  const closedPush = (cases: CaseSpec[]): number | undefined => {
    for (const cs of cases) if (cs && cs.kind === 'push' && model.chans[cs.c]!.closed) return cs.c;
    return undefined;
  };
  const applyCase = (cs: { c: number; kind: 'pull' | 'push' }, value: number): { value: unknown; ok: boolean } => {
    const ch = model.chans[cs.c]!;
    if (cs.kind === 'push') {
      model.commitPush(ch, value);
      return { value: undefined, ok: true };
    }
    if (model.canPull(ch)) return { value: model.commitPull(ch), ok: true };
    return { value: undefined, ok: false };
  };

  for (step = 0; step < cmds.length; step++) {
    const cmd = cmds[step]!;
    switch (cmd.t) {
      case 'push': {
        const v = nextValue++;
        const op = newOp('push', cmd.sig, cmd.c);
        trackOp(op, chans[cmd.c]!.push(v, sig(cmd.sig)));
        const ch = model.chans[cmd.c]!;
        if (model.sigAborted(cmd.sig)) op.exp = { state: 'reason', reason: model.reasonOf(cmd.sig!) };
        else if (ch.closed) op.exp = { state: 'closed', op: 'push', chan: cmd.c, cause: ch.reason };
        else if (model.canPush(ch)) {
          model.commitPush(ch, v);
          op.exp = { state: 'fulfilled', value: undefined };
        } else ch.pushers.push({ op, value: v });
        break;
      }
      case 'pull':
      case 'pullMany': {
        const op = newOp(cmd.t, cmd.sig, cmd.c);
        const max = cmd.t === 'pullMany' ? cmd.max : 1;
        trackOp(op, cmd.t === 'pull' ? chans[cmd.c]!.pull(sig(cmd.sig)) : chans[cmd.c]!.pullMany(max, sig(cmd.sig)));
        const ch = model.chans[cmd.c]!;
        if (model.sigAborted(cmd.sig)) op.exp = { state: 'reason', reason: model.reasonOf(cmd.sig!) };
        else if (model.canPull(ch)) {
          if (cmd.t === 'pull') op.exp = { state: 'fulfilled', value: model.commitPull(ch) };
          else {
            const got: number[] = [];
            while (got.length < max && model.canPull(ch)) got.push(model.commitPull(ch));
            op.exp = { state: 'fulfilled', value: got };
          }
        } else if (ch.closed) op.exp = { state: 'closed', op: cmd.t, chan: cmd.c, cause: ch.reason };
        else ch.pullers.push({ op, max });
        break;
      }
      case 'pushNowait':
      case 'tryPush': {
        const v = nextValue++;
        const ch = model.chans[cmd.c]!;
        let real: { ok: true } | { err: unknown };
        try {
          if (cmd.t === 'pushNowait') {
            chans[cmd.c]!.pushNowait(v);
            real = { ok: true };
          } else real = chans[cmd.c]!.tryPush(v) ? { ok: true } : { err: false };
        } catch (e) {
          real = { err: e };
        }
        if (ch.closed) {
          if (cmd.t === 'tryPush') expect(real, where()).toEqual({ err: false });
          else {
            expect((real as { err: unknown }).err, where()).toBeInstanceOf(ChannelClosedError);
            expect(((real as { err: Error }).err as Error).message.startsWith('pushNowait: '), where()).toBe(true);
          }
        } else if (model.canPush(ch)) {
          expect(real, where()).toEqual({ ok: true });
          model.commitPush(ch, v);
        } else if (cmd.t === 'tryPush') expect(real, where()).toEqual({ err: false });
        else expect((real as { err: unknown }).err, where()).toBeInstanceOf(ChannelFullError);
        break;
      }
      case 'pullNowait':
      case 'tryPull': {
        const ch = model.chans[cmd.c]!;
        let real: { value: unknown } | { err: unknown };
        try {
          real = { value: cmd.t === 'pullNowait' ? chans[cmd.c]!.pullNowait() : chans[cmd.c]!.tryPull() };
        } catch (e) {
          real = { err: e };
        }
        if (model.canPull(ch)) expect(real, where()).toEqual({ value: model.commitPull(ch) });
        else if (cmd.t === 'tryPull') expect(real, where()).toEqual({ value: undefined });
        else if (ch.closed) {
          const err = (real as { err: ChannelClosedError }).err;
          expect(err, where()).toBeInstanceOf(ChannelClosedError);
          expect(err.cause, where()).toBe(ch.reason);
        } else expect((real as { err: unknown }).err, where()).toBeInstanceOf(ChannelEmptyError);
        break;
      }
      case 'pushAll': {
        const values = Array.from({ length: cmd.n }, () => nextValue++);
        const op = newOp('pushAll', cmd.sig, cmd.c);
        op.values = values;
        op.idx = 0;
        trackOp(op, chans[cmd.c]!.pushAll(values, sig(cmd.sig)));
        model.runPushAll(op);
        break;
      }
      case 'next': {
        const op = newOp('next', null, cmd.c);
        op.iter = cmd.c * 2 + cmd.it;
        trackOp(op, iters[op.iter]!.next());
        const ch = model.chans[cmd.c]!;
        if (model.canPull(ch)) op.exp = { state: 'fulfilled', value: { done: false, value: model.commitPull(ch) } };
        else if (ch.closed)
          op.exp =
            ch.reason === undefined
              ? { state: 'fulfilled', value: { done: true, value: undefined } }
              : { state: 'reason', reason: ch.reason };
        else ch.pullers.push({ op });
        break;
      }
      case 'return': {
        const op = newOp('return', null, cmd.c);
        const iter = cmd.c * 2 + cmd.it;
        trackOp(op, iters[iter]!.return!());
        for (const other of ops)
          if (other.kind === 'next' && other.iter === iter && other.exp.state === 'pending')
            other.exp = { state: 'fulfilled', value: { done: true, value: undefined } };
        op.exp = { state: 'fulfilled', value: { done: true, value: undefined } };
        break;
      }
      case 'close': {
        const reason = cmd.withReason ? new Error(`close ${step}`) : undefined;
        chans[cmd.c]!.close(reason);
        model.close(cmd.c, reason);
        break;
      }
      case 'abort': {
        const reason = new Error(`abort ${step}`);
        if (!ctrls[cmd.k]!.signal.aborted) {
          ctrls[cmd.k]!.abort(reason);
          model.abort(cmd.k, reason, ops);
        }
        break;
      }
      case 'select':
      case 'selectNowait': {
        const s = cmd.t === 'select' ? cmd.sig : null;
        const values = cmd.cases.map((cs) => (cs && cs.kind === 'push' ? nextValue++ : 0));
        const built = cmd.cases.map((cs, i) =>
          cs === null ? null : cs.kind === 'pull' ? pull(chans[cs.c]!) : push(chans[cs.c]!, values[i]!),
        );
        const ready = readyCases(cmd.cases);
        const cp = closedPush(cmd.cases);
        if (cmd.t === 'selectNowait') {
          let real: { r: unknown } | { err: unknown };
          try {
            real = { r: selectNowait(built) };
          } catch (e) {
            real = { err: e };
          }
          if (cp !== undefined) {
            const err = (real as { err: ChannelClosedError }).err;
            expect(err, where()).toBeInstanceOf(ChannelClosedError);
            expect(err.message.startsWith('selectNowait push: '), `${where()} ${err.message}`).toBe(true);
          } else if (ready.length === 0) expect(real, where()).toEqual({ r: undefined });
          else {
            const r = (real as { r: { index: number; value: unknown; ok: boolean; channel: unknown } }).r;
            expect(ready, where()).toContain(r.index);
            const cs = cmd.cases[r.index]!;
            const res = applyCase(cs, values[r.index]!);
            expect(r, where()).toEqual({ index: r.index, channel: chans[cs.c], ...res });
          }
          break;
        }
        const op = newOp('select', s);
        const slot = trackOp(op, select(built, sig(s)));
        if (model.sigAborted(s)) op.exp = { state: 'reason', reason: model.reasonOf(s!) };
        else if (cp !== undefined)
          op.exp = { state: 'closed', op: 'select push', chan: cp, cause: model.chans[cp]!.reason };
        else if (ready.length > 0) {
          await tick();
          const real = reals[slot]!;
          expect(real.state, where()).toBe('fulfilled');
          const r = (real as { value: { index: number } }).value;
          expect(ready, where()).toContain(r.index);
          const cs = cmd.cases[r.index]!;
          const res = applyCase(cs, values[r.index]!);
          op.exp = { state: 'fulfilled', value: { index: r.index, ...res, chan: cs.c } };
        } else {
          cmd.cases.forEach((cs, i) => {
            if (!cs) return;
            const ch = model.chans[cs.c]!;
            if (cs.kind === 'pull') ch.pullers.push({ op, caseIndex: i });
            else ch.pushers.push({ op, caseIndex: i, value: values[i]! });
          });
          (op as Op & { cases?: CaseSpec[] }).cases = cmd.cases;
        }
        break;
      }
    }
    // a select's chan (for result.channel) is fixed by the case that fired
    for (const op of ops) {
      if (op.kind === 'select' && op.exp.state === 'fulfilled') {
        const ev = op.exp.value as { index: number; chan?: number };
        const cases = (op as Op & { cases?: CaseSpec[] }).cases;
        if (cases) ev.chan = cases[ev.index]!.c;
      }
    }
    // a batched command is followed by the next one in the same synchronous run
    if (batch[step] && cmd.t !== 'select' && step < cmds.length - 1) continue;
    await tick();
    model.drainResume();
    await tick();
    compareAll();
  }
  // cleanup: close everything, abort all
  for (const c of chans) c.close();
  for (const a of ctrls) a.abort();
  await tick();
  for (const c of chans) expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  for (const r of reals) expect(r.state).not.toBe('pending');
}

describe('model-based: Channel and select against a plain-array model', () => {
  it('random programs agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(confArb, { minLength: NCH, maxLength: NCH }),
        fc.array(fc.tuple(cmdArb, fc.boolean()), {
          minLength: 1,
          maxLength: Number(process.env.BS_LEN ?? 40),
          size: 'max',
        }),
        async (confs, prog) => {
          await runProgram(
            confs,
            prog.map(([c]) => c),
            prog.map(([, b]) => b),
          );
        },
      ),
      {
        numRuns: Number(process.env.BS_RUNS ?? 150),
        ...(process.env.BS_SEED === 'random' ? {} : { seed: Number(process.env.BS_SEED ?? 20261206) }),
      },
    );
  }, 180_000);
});
