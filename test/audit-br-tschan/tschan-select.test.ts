// Audit BR-peers-b: the behaviour that ts-chan's own test/select.test.ts and
// test/select-factory.test.ts check (joeycumines/ts-chan), ported onto chanasync's select.
// Each test names the ts-chan test it comes from. ts-chan's Select is an object reused with
// `wait()`/`poll()`/`recv(case)`; chanasync's select is a function over an array of immutable case
// descriptors (SPEC "select": "one array of cases may be passed to many selects").
import { Channel, ChannelClosedError, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const stop = Symbol('timeToStop');
const catchStop = (e: unknown) => {
  if (e !== stop) throw e;
};

describe('ts-chan Select', () => {
  // ts-chan: "should fairly select both send and recv" (4 always-ready cases, 2 recv and 2 send)
  it('is fair between two ready pull cases and two ready push cases', async () => {
    const iterations = 500;
    const r1 = new Channel<number>(1);
    const r2 = new Channel<number>(1);
    const s1 = new Channel<number>(1);
    const s2 = new Channel<number>(1);
    const ac = new AbortController();
    const workers = Promise.all([
      (async () => {
        for (;;) await r1.push(1, { signal: ac.signal });
      })().catch(catchStop),
      (async () => {
        for (;;) await r2.push(1, { signal: ac.signal });
      })().catch(catchStop),
      (async () => {
        for (;;) await s1.pull({ signal: ac.signal });
      })().catch(catchStop),
      (async () => {
        for (;;) await s2.pull({ signal: ac.signal });
      })().catch(catchStop),
    ]);
    const cases = [pull(r1), push(s1, 1), pull(r2), push(s2, 1)] as const;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4 * iterations; i++) {
      const { index } = await select(cases, { signal: ac.signal });
      counts[index] = (counts[index] ?? 0) + 1;
    }
    ac.abort(stop);
    await workers;
    // Generous bound (about 9 standard deviations): fairness, not a timing assertion.
    for (const c of counts) expect(Math.abs(c - iterations) / iterations).toBeLessThan(0.25);
  });

  // ts-chan: "examples > documented example on Select.cases - Accessing a (typed) received value"
  it('a select loop gets every value of a closing channel in order and a prefix of an endless one', async () => {
    const ch1Values = [4.6, 8.2, 104.523, -451.2, 2.01, 24.88, 99];
    const run = async (cap1: number, cap2: number, yieldEvery: number) => {
      const ac = new AbortController();
      const ch1 = new Channel<number>(cap1);
      const ch2 = new Channel<string>(cap2);
      const log: [string, unknown][] = [];
      const bg = Promise.all([
        (async () => {
          for (const [k, v] of ch1Values.entries()) {
            if (yieldEvery && k % yieldEvery === 0) await tick();
            await ch1.push(v, { signal: ac.signal });
          }
          ch1.close();
        })(),
        (async () => {
          for (let i = 0; ; i++) {
            if (yieldEvery && i % yieldEvery === 0) await tick();
            await ch2.push(`ch2:${i}`, { signal: ac.signal });
          }
        })().catch(catchStop),
      ]);
      const cases = [pull(ch1), pull(ch2)] as const;
      for (let running = true; running; ) {
        const r = await select(cases);
        if (r.index === 0) {
          if (!r.ok) {
            running = false;
            break;
          }
          log.push(['ch1', Math.round(r.value as number)]);
        } else {
          if (!r.ok) throw new Error('ch2 unexpectedly closed');
          log.push(['ch2', (r.value as string).toUpperCase()]);
        }
      }
      const result = log.slice();
      ac.abort(stop);
      await bg;
      expect(log).toEqual(result);
      return result;
    };
    const runs: Promise<[string, unknown][]>[] = [];
    for (const cap1 of [0, 1, 3])
      for (const cap2 of [0, 1, 3]) for (const yieldEvery of [0, 1, 3]) runs.push(run(cap1, cap2, yieldEvery));
    for (const result of await Promise.all(runs)) {
      expect(result.filter((r) => r[0] === 'ch1')).toEqual(ch1Values.map((v) => ['ch1', Math.round(v)]));
      const ch2 = result.filter((r) => r[0] === 'ch2');
      expect(ch2).toEqual(ch2.map((_, i) => ['ch2', `CH2:${i}`]));
    }
  });

  // ts-chan: "examples > send example - handle input and output with abort support" (9 concurrent runs)
  it('a select loop with a pull case on input and a push case on output, stopped by abort', async () => {
    const runTest = async () => {
      const ac = new AbortController();
      const input = new Channel<string>();
      const output = new Channel<number>();
      const inputValues: string[] = [];
      const outputValues: number[] = [];
      let outputCount = 0;
      const reason = Symbol('some abort reason');
      const loop = (async () => {
        let next = 0;
        for (;;) {
          const r = await select([pull(input), push(output, next)], { signal: ac.signal });
          if (r.index === 0) {
            if (!r.ok) throw new Error('unexpected close');
            inputValues.push(r.value as string);
          } else {
            outputCount++;
            next++;
          }
        }
      })();
      await Promise.all([
        expect(loop).rejects.toBe(reason),
        (async () => {
          for (const v of ['a', 'b', 'c']) {
            await input.push(v);
            outputValues.push(await output.pull());
          }
          ac.abort(reason);
        })(),
      ]);
      expect(outputCount).toBe(3);
      expect(inputValues).toEqual(['a', 'b', 'c']);
      expect(outputValues).toEqual([0, 1, 2]);
      expect(input.stats().waitingPullers + output.stats().waitingPushers).toBe(0);
    };
    await Promise.all(Array.from({ length: 9 }, runTest));
  });

  // ts-chan: "recv > should facilitate handling multiple return types" (poll() before anything is
  // ready is undefined, then the ready case's typed value)
  it('selectNowait is undefined while nothing is ready, then gives the ready case with its value', () => {
    const n = new Channel<number>(1);
    const s = new Channel<string>(1);
    const cases = [pull(n), pull(s)] as const;
    expect(selectNowait(cases)).toBeUndefined();
    n.pushNowait(1235);
    const r = selectNowait(cases);
    expect(r).toEqual({ index: 0, channel: n, value: 1235, ok: true });
    expect(selectNowait(cases)).toBeUndefined();
  });

  // ts-chan: "wait > comparison to Promise.race > Select used as Promise.race" — the first operation
  // to settle wins. Ported with channels: a select parked on N channels is won by the first push,
  // and the other cases are gone (their channels accept no rendezvous afterwards).
  it('fuzz: a parked select over N unbuffered channels is won by whichever channel is pushed first', async () => {
    for (let run = 0; run < 100; run++) {
      const n = 1 + Math.floor(Math.random() * 10);
      const chans = Array.from({ length: n }, () => new Channel<string>());
      const p = select(chans.map((c) => pull(c)));
      const order = chans.map((_, i) => i).sort(() => Math.random() - 0.5);
      const first = order[0] as number;
      chans[first]?.pushNowait(`v${first}`);
      for (const i of order.slice(1)) expect(chans[i]?.tryPush(`v${i}`)).toBe(false);
      const r = await p;
      expect(r.index).toBe(first);
      expect(r.value).toBe(`v${first}`);
      for (const c of chans) expect(c.stats().waitingPullers).toBe(0);
    }
  });

  // ts-chan: "pending > using pending to facilitate cleanup" — many cases, consumed one at a time
  // until a known number remain, each exactly once. Ported: 300 buffered channels each with one
  // value; a select loop that sets fired cases to null (Go's nil-channel idiom, SPEC).
  it('many cases: each of 300 ready channels fires exactly once, with null entries skipped', async () => {
    const chans = Array.from({ length: 300 }, (_, i) => {
      const c = new Channel<number>(1);
      c.pushNowait(i);
      return c;
    });
    const cases: (ReturnType<typeof pull<number>> | null)[] = chans.map((c) => pull(c));
    const seen = new Set<number>();
    while (seen.size < 277) {
      const r = await select(cases);
      expect(r.ok).toBe(true);
      expect(r.value).toBe(r.index);
      expect(seen.has(r.index)).toBe(false);
      seen.add(r.index);
      cases[r.index] = null;
    }
    const pending = cases.filter((c) => c !== null).length;
    expect(pending).toBe(23);
    const left = chans.filter((c) => c.size === 1).length;
    expect(left).toBe(23);
  });

  // ts-chan: "support for value undefined"
  it('undefined travels as a value through a push case and a pull case', async () => {
    const ch = new Channel<undefined>(1);
    const r1 = await select([push(ch, undefined)]);
    expect(r1).toEqual({ index: 0, channel: ch, value: undefined, ok: true });
    expect(ch.size).toBe(1);
    const r2 = await select([pull(ch)]);
    expect(r2).toEqual({ index: 0, channel: ch, value: undefined, ok: true });
  });

  // ts-chan: "promise cases built using the wait function" / "Select.promises" — chanasync has no
  // promise cases: a case not built by pull()/push() is a TypeError (README "Select").
  it('a promise is not a select case: TypeError, and nothing else in the list is committed', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    await expect(select([pull(ch), Promise.resolve(1) as never])).rejects.toBeInstanceOf(TypeError);
    expect(ch.size).toBe(1);
  });

  // ts-chan: select-factory "send with stable targets" — the same case list reused for 10 selects,
  // a push case that wins delivers exactly its value, the pull cases never fire.
  it('a reused case list: the push case wins every time and its value arrives; idle pull cases leave nothing', async () => {
    const ch1 = new Channel<4 | 5>(1);
    const ch2 = new Channel<'A' | 'B'>(1);
    const ch3 = new Channel<'hello'>();
    for (let i = 0; i < 10; i++) {
      const value = i % 2 === 0 ? 'A' : 'B';
      const r = await select([pull(ch1), push(ch2, value), pull(ch3)]);
      expect(r.index).toBe(1);
      expect(ch2.tryPull()).toBe(value);
      expect(ch1.stats().waitingPullers + ch3.stats().waitingPullers).toBe(0);
    }
  });

  // ts-chan: "types stop you mutating the cases" — chanasync's case descriptors are readonly in the
  // types and never written by select (README "Select": not frozen, but never mutated).
  it('select never mutates the case descriptors', async () => {
    const ch = new Channel<number>(1);
    const c = push(ch, 1);
    const snapshot = { ...c };
    await select([c]);
    expect({ ...c }).toEqual(snapshot);
  });
});

describe('ts-chan Go semantics beyond the peer file (close/abort while blocked)', () => {
  // ts-chan chan.test "close > should close the channel and notify receivers", through a select.
  it('closing a channel under a parked select fires its pull case with ok:false, the other cases leave', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(a), pull(b)]);
    b.close();
    const r = await p;
    expect(r).toEqual({ index: 1, channel: b, value: undefined, ok: false });
    expect(a.stats().waitingPullers).toBe(0);
  });

  // ts-chan chan.test "close > should close the channel and notify senders", through a select.
  it('closing a channel under a parked select with a push case rejects it with ChannelClosedError', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(a), push(b, 1)]);
    b.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(a.stats().waitingPullers).toBe(0);
    expect(a.tryPush(3)).toBe(false);
  });

  // ts-chan chan.test "bulk receives abort signal", through selects: one signal, many parked selects.
  it('one abort fails 20 parked selects over shared channels and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const ac = new AbortController();
    const ps = Array.from({ length: 20 }, () => select([pull(a), push(b, 1)], { signal: ac.signal }).catch((e) => e));
    expect(a.stats().waitingPullers).toBe(20);
    expect(b.stats().waitingPushers).toBe(20);
    a.pushNowait(7);
    expect(b.pullNowait()).toBe(1);
    ac.abort('stop');
    const results = await Promise.all(ps);
    expect(results.filter((r) => r === 'stop').length).toBe(18);
    expect(a.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(b.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  // Go semantics the ts-chan suite relies on: a select never meets itself on one unbuffered
  // channel, but two selects do meet (SPEC "select").
  it('a select with a push and a pull case on one unbuffered channel waits; a second such select meets it', async () => {
    const c = new Channel<string>();
    let settled = false;
    const first = select([push(c, 'A'), pull(c)]).then((r) => {
      settled = true;
      return r;
    });
    await tick();
    expect(settled).toBe(false);
    const second = await select([push(c, 'B'), pull(c)]);
    const r1 = await first;
    // one pushed, the other pulled what it pushed
    expect(new Set([r1.index, second.index])).toEqual(new Set([0, 1]));
    const pulled = r1.index === 1 ? r1.value : second.value;
    expect(pulled).toBe(r1.index === 1 ? 'B' : 'A');
    expect(c.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  // Go semantics: buffered channel where a push case and a pull case are both ready: random choice.
  it('both cases ready on one buffered channel: each is chosen sometimes', async () => {
    const c = new Channel<number>(2);
    c.pushNowait(0);
    const seen = [0, 0];
    for (let i = 0; i < 200; i++) {
      const r = selectNowait([push(c, 1), pull(c)]);
      if (!r) throw new Error('one case was ready');
      seen[r.index] = (seen[r.index] ?? 0) + 1;
      // keep exactly one value buffered
      if (r.index === 0) c.pullNowait();
      else c.pushNowait(0);
    }
    expect(seen[0]).toBeGreaterThan(40);
    expect(seen[1]).toBeGreaterThan(40);
  });
});
