/**
 * merge(...) under random commands: inputs of capacity 0/1/2/Infinity fed by push/pushAll/
 * tryPush (signals from two shared controllers), inputs closed with and without reasons, the
 * merged channel read by pull/pullMany/tryPull/next and by selects (also with a push case into an
 * input), aborts, and several commands in one turn. Checked at every quiescence against the
 * SPEC/README rules for merge, and at the end: conservation and per-input FIFO.
 */
import fc from 'fast-check';
import { test } from 'vitest';
import { Channel, ChannelClosedError, merge, pull, push, select } from '../../src/index.js';

type Cmd =
  | { t: 'push' | 'pushAll' | 'tryPush'; i: number; n: number; sig: number }
  | { t: 'close'; i: number; reason: boolean }
  | { t: 'pull' | 'pullMany' | 'tryPull' | 'next' | 'selectPull' | 'selectPush'; n: number; sig: number; i: number }
  | { t: 'abort'; k: number }
  | { t: 'turn'; cmds: Cmd[] };

const sig = fc.constantFrom(-1, 0, 1);
const base: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constantFrom('push', 'pushAll', 'tryPush' as const),
      i: fc.nat(2),
      n: fc.nat(3),
      sig,
    }) as fc.Arbitrary<Cmd>,
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('close' as const), i: fc.nat(2), reason: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constantFrom('pull', 'pullMany', 'tryPull', 'next', 'selectPull', 'selectPush' as const),
      n: fc.integer({ min: 1, max: 4 }),
      sig,
      i: fc.nat(2),
    }) as fc.Arbitrary<Cmd>,
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('abort' as const), k: fc.nat(1) }) },
);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: base },
  {
    weight: 2,
    arbitrary: fc.array(base, { minLength: 2, maxLength: 3 }).map((cmds) => ({ t: 'turn' as const, cmds })),
  },
);

const tick = () => new Promise<void>((r) => setImmediate(r));

async function runOne(caps: number[], cmds: Cmd[]) {
  const inputs = caps.map((c, i) => new Channel<number>(c, { name: `in${i}` }));
  const m = merge(...inputs);
  const other = new Channel<number>(0, { name: 'other' });
  const ctrls = [new AbortController(), new AbortController()];
  const s = (k: number) => (k < 0 ? undefined : ctrls[k]!.signal);
  let nextValue = 1;
  const valueInput = new Map<number, number>(); // value -> input index
  const valueProducer = new Map<number, number>();
  let producer = 0;
  const committed = new Set<number>();
  const received: number[] = [];
  const syncOrder: number[] = []; // values taken synchronously (tryPull), in commit order
  const batches: number[][] = [];
  const pending = new Set<Promise<unknown>>();
  const reasons: unknown[] = caps.map(() => undefined);
  const closedWith: { i: number; reason: unknown }[] = [];
  const log: string[] = [];
  const problems: string[] = [];
  const track = (p: Promise<unknown>, onOk: (v: unknown) => void, onErr?: (e: unknown) => void) => {
    const q = p.then(onOk, (e) => onErr?.(e));
    pending.add(q);
    q.finally(() => pending.delete(q));
  };
  const receive = (v: number, from: string) => {
    if (!valueInput.has(v)) problems.push(`${from} received unknown value ${v}`);
    received.push(v);
  };
  const mergedErr = (e: unknown, from: string) => {
    if (e instanceof ChannelClosedError) {
      if (!m.closed) problems.push(`${from}: ChannelClosedError but merged not closed`);
      return;
    }
    if (e instanceof Error && e.message.startsWith('abort')) return;
    if (reasons.includes(e) && e !== undefined) return; // next() throws the reason
    problems.push(`${from}: unexpected error ${String(e)}`);
  };
  const run = (cmd: Cmd) => {
    log.push(JSON.stringify(cmd));
    switch (cmd.t) {
      case 'turn':
        for (const c of cmd.cmds) run(c);
        return;
      case 'push':
      case 'tryPush':
      case 'pushAll': {
        const ch = inputs[cmd.i % inputs.length]!;
        const idx = cmd.i % inputs.length;
        const vs = Array.from({ length: cmd.t === 'pushAll' ? cmd.n : 1 }, () => nextValue++);
        producer++;
        for (const v of vs) {
          valueInput.set(v, idx);
          valueProducer.set(v, producer);
        }
        if (cmd.t === 'tryPush') {
          if (ch.tryPush(vs[0]!)) committed.add(vs[0]!);
        } else if (cmd.t === 'push') {
          track(ch.push(vs[0]!, { signal: s(cmd.sig) }), () => committed.add(vs[0]!));
        } else {
          track(
            ch.pushAll(vs, { signal: s(cmd.sig) }),
            () => {
              for (const v of vs) committed.add(v);
            },
            (e) => {
              const n = (e as { pushed?: number }).pushed;
              if (typeof n !== 'number') problems.push(`pushAll error without pushed: ${String(e)}`);
              for (const v of vs.slice(0, n ?? 0)) committed.add(v);
            },
          );
        }
        return;
      }
      case 'close': {
        const idx = cmd.i % inputs.length;
        const ch = inputs[idx]!;
        if (ch.closed) return;
        const reason = cmd.reason ? { reason: `in${idx}` } : undefined;
        reasons[idx] = reason;
        closedWith.push({ i: idx, reason });
        ch.close(reason);
        return;
      }
      case 'abort': {
        ctrls[cmd.k]!.abort(new Error(`abort ${cmd.k}`));
        ctrls[cmd.k] = new AbortController();
        return;
      }
      case 'pull':
        track(
          m.pull({ signal: s(cmd.sig) }),
          (v) => receive(v as number, 'pull'),
          (e) => mergedErr(e, 'pull'),
        );
        return;
      case 'pullMany':
        track(
          m.pullMany(cmd.n, { signal: s(cmd.sig) }),
          (vs) => {
            if ((vs as number[]).length > cmd.n) problems.push('pullMany took more than max');
            for (const v of vs as number[]) receive(v, 'pullMany');
            batches.push(vs as number[]);
          },
          (e) => mergedErr(e, 'pullMany'),
        );
        return;
      case 'tryPull': {
        const v = m.tryPull();
        // Recorded through a microtask, in line with the reactions of promises resolved earlier.
        if (v !== undefined) {
          receive(v, 'tryPull');
          syncOrder.push(v);
        }
        return;
      }
      case 'next':
        track(
          m[Symbol.asyncIterator]().next(),
          (r) => {
            const res = r as IteratorResult<number>;
            if (!res.done) receive(res.value, 'next');
            else if (m.closed && reasons.some((x) => x !== undefined) && closedWith.length < inputs.length) {
              // normal end while an input closed with a reason: only legit if merged reason undefined
            }
          },
          (e) => mergedErr(e, 'next'),
        );
        return;
      case 'selectPull':
        track(
          select([pull(m), pull(other)], { signal: s(cmd.sig) }),
          (r) => {
            const res = r as { index: number; value: number; ok: boolean };
            if (res.index === 0 && res.ok) receive(res.value, 'select');
          },
          (e) => mergedErr(e, 'select'),
        );
        return;
      case 'selectPush': {
        const idx = cmd.i % inputs.length;
        const v = nextValue++;
        valueInput.set(v, idx);
        track(
          select([pull(m), push(inputs[idx]!, v)], { signal: s(cmd.sig) }),
          (r) => {
            const res = r as { index: number; value: number; ok: boolean };
            if (res.index === 0 && res.ok) {
              if (res.value === v) problems.push(`select matched its own push ${v} through the merge`);
              receive(res.value, 'selectPush');
            }
            if (res.index === 1) committed.add(v);
          },
          (e) => {
            if (e instanceof ChannelClosedError && inputs[idx]!.closed) return;
            mergedErr(e, 'selectPush');
          },
        );
        return;
      }
    }
  };
  const check = (where: string) => {
    const ms = m.stats();
    if (ms.size > 1) problems.push(`${where}: merged size ${ms.size}`);
    const avail = inputs.map((c) => c.size > 0 || c.stats().waitingPushers > 0);
    const drained = inputs.map((c) => c.closed && !(c.size > 0 || c.stats().waitingPushers > 0));
    if (!m.closed && ms.size === 0 && avail.some(Boolean) && ms.waitingPullers > 0)
      problems.push(`${where}: merged has parked pulls and room but input ${avail.indexOf(true)} has a value`);
    if (!m.closed && ms.size === 0 && avail.some(Boolean))
      problems.push(`${where}: merged has room but input ${avail.indexOf(true)} still holds a value`);
    const reasonDrained = inputs.some((_, i) => drained[i] && reasons[i] !== undefined);
    if (drained.every(Boolean) && ms.size === 0 && !m.closed)
      problems.push(`${where}: all inputs drained but merged open`);
    if (reasonDrained && !m.closed) problems.push(`${where}: an input closed with a reason and drained, merged open`);
    if (m.closed && !drained.every(Boolean) && !reasonDrained) problems.push(`${where}: merged closed early`);
  };
  for (const cmd of cmds) {
    run(cmd);
    await tick();
    check(`after ${JSON.stringify(cmd)}`);
    if (problems.length) break;
  }
  // End: merged reason, then close everything and account.
  let mergedReason: unknown = 'open';
  if (m.closed && m.size === 0) {
    try {
      await m.pull();
    } catch (e) {
      mergedReason = (e as ChannelClosedError).cause;
    }
  }
  if (mergedReason !== 'open') {
    const withReason = closedWith.filter((c) => c.reason !== undefined).map((c) => c.reason);
    if (withReason.length === 0 && mergedReason !== undefined)
      problems.push(`merged reason ${String(mergedReason)} but no input had one`);
    if (withReason.length > 0 && !withReason.includes(mergedReason))
      problems.push(
        `merged closed with ${JSON.stringify(mergedReason)}; inputs closed with ${JSON.stringify(withReason)}`,
      );
  }
  for (const c of inputs) c.close();
  other.close();
  for (const k of [0, 1]) ctrls[k]!.abort(new Error('abort end'));
  await tick();
  for (let v = m.tryPull(); v !== undefined; v = m.tryPull()) {
    received.push(v);
    syncOrder.push(v);
  }
  const left = inputs.map((c) => {
    const out: number[] = [];
    for (let v = c.tryPull(); v !== undefined; v = c.tryPull()) out.push(v);
    return out;
  });
  await tick();
  await tick();
  if (pending.size) problems.push(`${pending.size} operations never settled`);
  const all = [...received, ...left.flat()];
  const seen = new Set<number>();
  for (const v of all) {
    if (seen.has(v)) problems.push(`value ${v} twice`);
    seen.add(v);
    if (!committed.has(v)) problems.push(`value ${v} came out but its push was not committed`);
  }
  for (const v of committed) if (!seen.has(v)) problems.push(`value ${v} committed but lost`);
  for (const [i] of inputs.entries()) {
    const order = [...syncOrder.filter((v) => valueInput.get(v) === i), ...left[i]!];
    for (const b of batches) {
      const mine = b.filter((v) => valueInput.get(v) === i);
      for (const p of new Set(mine.map((v) => valueProducer.get(v)))) {
        const seq = mine.filter((v) => valueProducer.get(v) === p);
        if (JSON.stringify(seq) !== JSON.stringify([...seq].sort((x, y) => x - y)))
          problems.push(`pullMany batch out of order: ${b}`);
      }
    }
    for (const p of new Set(order.map((v) => valueProducer.get(v)))) {
      if (p === undefined) continue;
      const mine = order.filter((v) => valueProducer.get(v) === p);
      const sorted = [...mine].sort((a, b) => a - b);
      if (JSON.stringify(mine) !== JSON.stringify(sorted))
        problems.push(`input ${i} producer ${p} out of order: ${mine}`);
    }
  }
  if (problems.length) throw new Error(`${problems.join('\n')}\n--- caps ${caps}\n${log.join('\n')}`);
}

test('merge keeps its contract under random commands', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(0, 0, 1, 2, Number.POSITIVE_INFINITY), { minLength: 1, maxLength: 3 }),
      fc.array(cmdArb, { minLength: 1, maxLength: 30 }),
      async (caps, cmds) => runOne(caps, cmds),
    ),
    { numRuns: Number(process.env.AT_RUNS) || 500 },
  );
}, 300_000);
