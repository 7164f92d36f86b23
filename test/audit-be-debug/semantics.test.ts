// Enabling debug mode must not change what channels do: the same program gives the same values,
// order, errors and stats with debug mode off, on, and on with stacks (SPEC: debug mode only
// observes; "Off by default and free when off").
import { after, Channel, ChannelClosedError, merge, pull, push, select, selectNowait } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, HELLO, say, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
});

const describeError = (e: unknown) =>
  e instanceof Error
    ? {
        name: e.name,
        message: e.message,
        closed: e instanceof ChannelClosedError,
        cause: (e as { cause?: unknown }).cause instanceof Error ? String((e as any).cause) : (e as any).cause,
      }
    : { thrown: e };

async function settle<T>(p: Promise<T>): Promise<unknown> {
  try {
    return { ok: await p };
  } catch (e) {
    return { err: describeError(e) };
  }
}

function sync(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: describeError(e) };
  }
}

/** A program touching every behaviour debug mode hooks into: creation, parking, leaving queues. */
async function program(): Promise<unknown[]> {
  const trace: unknown[] = [];
  // Buffered FIFO, parked pushers moving into the buffer in order.
  const buf = new Channel<number>(2, { name: 'buf' });
  const pushes = [buf.push(1), buf.push(2), buf.push(3), buf.push(4)];
  trace.push(buf.stats());
  trace.push(await Promise.all([buf.pull(), buf.pull(), buf.pull(), buf.pull()]));
  trace.push(await Promise.all(pushes.map(settle)));
  // Rendezvous, parked pullers in FIFO order.
  const rv = new Channel<string>(0, { name: 'rv' });
  const pulls = [rv.pull(), rv.pull(), rv.pull()];
  trace.push(rv.stats());
  await rv.push('a');
  await rv.push('b');
  trace.push(sync(() => rv.pushNowait('c')));
  trace.push(await Promise.all(pulls.slice(0, 3).map(settle)));
  trace.push(sync(() => rv.pullNowait()));
  // Close with a reason: parked pullers and pushers fail, the buffer drains first.
  const closing = new Channel<number>(1, { name: 'closing' });
  closing.pushNowait(10);
  const blocked = closing.push(11);
  closing.close(new Error('shutdown'));
  trace.push(await settle(blocked));
  trace.push(await settle(closing.pull()));
  trace.push(await settle(closing.pull()));
  trace.push(sync(() => closing.pushNowait(1)));
  const waiting = new Channel<number>(0, { name: 'waiting' });
  const parked = [settle(waiting.pull()), settle(waiting.push(1))];
  waiting.close();
  trace.push(await Promise.all(parked));
  // Abort: the reason, no trace left.
  const ab = new Channel<number>(0, { name: 'ab' });
  const ac = new AbortController();
  const aborted = settle(ab.pull({ signal: ac.signal }));
  ac.abort('cancelled');
  trace.push(await aborted);
  trace.push(ab.stats());
  trace.push(await settle(ab.push(1, { signal: AbortSignal.abort('already') })));
  // Select: deterministic cases only.
  const a = new Channel<number>(0, { name: 'a' });
  const b = new Channel<number>(1, { name: 'b' });
  const sel = select([pull(a), push(b, 5), null]);
  const r = await sel;
  trace.push({ index: r.index, value: r.value, ok: r.ok, sameChannel: r.channel === b });
  trace.push(b.stats(), a.stats());
  const sel2 = select([pull(a), pull(new Channel<number>(0))]);
  await a.push(77);
  const r2 = await sel2;
  trace.push({ index: r2.index, value: r2.value, ok: r2.ok });
  a.close();
  const r3 = await select([pull(a)]);
  trace.push({ index: r3.index, value: r3.value, ok: r3.ok });
  trace.push(sync(() => selectNowait([pull(new Channel<number>(0))])));
  trace.push(await settle(select([push(a, 1)])));
  trace.push(await settle(select([])));
  // Iteration with two consumers, each value exactly once, and merge keeps per-input order.
  const it = new Channel<number>(0, { name: 'it' });
  const got: number[][] = [[], []];
  const consumers = [0, 1].map(async (i) => {
    for await (const v of it) got[i]!.push(v);
  });
  for (let i = 0; i < 10; i++) await it.push(i);
  it.close();
  await Promise.all(consumers);
  trace.push([...got[0]!, ...got[1]!].sort((x, y) => x - y));
  const m1 = new Channel<number>(Infinity);
  const m2 = new Channel<number>(Infinity);
  for (let i = 0; i < 5; i++) {
    m1.pushNowait(i);
    m2.pushNowait(100 + i);
  }
  m1.close();
  m2.close();
  const merged: number[] = [];
  for await (const v of merge(m1, m2)) merged.push(v);
  trace.push(
    merged.filter((v) => v < 100),
    merged.filter((v) => v >= 100),
  );
  // Iteration ending with a close reason.
  const failing = new Channel<number>(1);
  failing.pushNowait(1);
  failing.close(new Error('reason'));
  const seen: number[] = [];
  trace.push(
    await settle(
      (async () => {
        for await (const v of failing) seen.push(v);
      })(),
    ),
  );
  trace.push(seen);
  // Drop modes.
  const sliding = new Channel<number>(2, { overflow: 'drop-oldest' });
  const dropping = new Channel<number>(2, { overflow: 'drop-newest' });
  for (let i = 0; i < 5; i++) {
    await sliding.push(i);
    dropping.pushNowait(i);
  }
  trace.push([sliding.pullNowait(), sliding.pullNowait()], [dropping.pullNowait(), dropping.pullNowait()]);
  // after(): one value, then closed.
  const t = after(1);
  const v = await t.pull();
  trace.push(typeof v, await settle(t.pull()));
  // Getters.
  const g = new Channel<number>(3, { name: 'getters' });
  g.pushNowait(1);
  trace.push({ cap: g.capacity, size: g.size, closed: g.closed, full: g.full, empty: g.empty, name: g.name });
  return trace;
}

describe('debug mode does not change semantics', () => {
  it('the same program gives the same trace with debug off, on, on with stacks, and connected to an inspector', async () => {
    const off = await program();
    enableDebug({ target: fakeTarget() });
    const on = await program();
    expect(snapshot().channels.length).toBeGreaterThan(0); // it really was tracking
    disableDebug();
    enableDebug({ target: fakeTarget(), stacks: true });
    const withStacks = await program();
    disableDebug();
    const listen = new EventTarget();
    enableDebug({ target: fakeTarget(), listen, intervalMs: 1 });
    say(listen, HELLO);
    const connected = await program();
    disableDebug();
    const offAgain = await program();
    expect(on).toEqual(off);
    expect(withStacks).toEqual(off);
    expect(connected).toEqual(off);
    expect(offAgain).toEqual(off);
  });

  it('errors keep their class, name and message (naming the channel) with debug mode on', async () => {
    enableDebug({ target: fakeTarget(), stacks: true });
    const ch = new Channel<number>(0, { name: 'named-in-error' });
    ch.close();
    let error: unknown;
    try {
      await ch.pull();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).name).toBe('ChannelClosedError');
    expect((error as Error).message).toContain('named-in-error');
    expect((error as ChannelClosedError).channel).toBe(ch);
  });

  it('a subclass of Channel works and is listed under its constructor name (README: own fields)', async () => {
    enableDebug({ target: fakeTarget() });
    class Jobs extends Channel<number> {
      #label = 'jobs-private';
      label() {
        return this.#label;
      }
    }
    const jobs = new Jobs(1, { name: 'sub' });
    await jobs.push(3);
    expect(await jobs.pull()).toBe(3);
    expect(jobs.label()).toBe('jobs-private');
    expect(snapshot().channels.map((c) => c.name)).toContain('sub');
  });

  it('a busy pipeline yields identical output with debug mode on (1000 values, 3 stages)', async () => {
    async function pipeline() {
      const a = new Channel<number>(0);
      const b = new Channel<number>(4);
      const out: number[] = [];
      const stage1 = (async () => {
        for (let i = 0; i < 1000; i++) await a.push(i);
        a.close();
      })();
      const stage2 = (async () => {
        for await (const v of a) await b.push(v * 2);
        b.close();
      })();
      for await (const v of b) out.push(v);
      await Promise.all([stage1, stage2]);
      return out;
    }
    const off = await pipeline();
    enableDebug({ target: fakeTarget(), stacks: true });
    const on = await pipeline();
    expect(on).toEqual(off);
    expect(on).toHaveLength(1000);
    await sleep(0);
  });
});
