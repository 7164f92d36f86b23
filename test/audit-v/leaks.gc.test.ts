/**
 * Audit V: leaked waiters (SPEC.md second map, "Leaked waiters"), as a user whose program
 * abandoned channels reads them: each reported once with kind, since, where parked and where the
 * channel was created, in snapshots and as one console.warn per leak (which can be turned off),
 * never for an operation that committed, was aborted or failed by close, and not hidden by a
 * long-lived signal. Runs in the `gc` project (--expose-gc).
 */
import { broadcast, Channel, from, merge, pull, push, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { collectAll, tick } from '../helpers/gc.js';

const quiet = () => ({ target: { postMessage() {} }, listen: new EventTarget() });
const hello = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

function silenceWarn() {
  return vi.spyOn(console, 'warn').mockImplementation(() => {});
}

/* Named functions, so that their frames can be found in the stacks. */
function makeReplyChannel(name: string): Channel<string> {
  return new Channel<string>(0, { name });
}
function strandPush(ch: Channel<string>): void {
  ch.push('never').catch(() => {});
}
function strandPull(ch: Channel<string>): void {
  ch.pull().catch(() => {});
}
function strandSelect(a: Channel<string>, b: Channel<string>): void {
  select([pull(a), push(b, 'x')]).catch(() => {});
}

describe('leaks are reported once each, with what a user needs', () => {
  test('a push, a pull and a select: kind, since, stack, createdAt; one warn each; later snapshots do not repeat them', async () => {
    const warn = silenceWarn();
    enableDebug({ ...quiet(), stacks: true });
    const before = Date.now();
    let hold: Channel<string>[] | undefined;
    const refs = (() => {
      const p = makeReplyChannel('leakPush');
      const q = makeReplyChannel('leakPull');
      const s1 = makeReplyChannel('leakSel1');
      const s2 = makeReplyChannel('leakSel2');
      strandPush(p);
      strandPull(q);
      strandSelect(s1, s2);
      hold = [p, q, s1, s2];
      return hold.map((c) => new WeakRef(c));
    })();
    await sleep(20);
    const live = snapshot();
    hold = undefined;
    const sinceOf = Object.fromEntries(
      live.channels.map((c) => [c.name, [...c.pushers, ...c.pullers][0]?.since] as const),
    );
    await collectAll(refs);
    const snap = snapshot();
    const leaked = snap.leaked ?? [];
    expect(leaked.map((l) => [l.kind, l.channel.name]).sort()).toEqual([
      ['pull', 'leakPull'],
      ['push', 'leakPush'],
      ['select', 'leakSel1'],
    ]);
    for (const leak of leaked) {
      expect(leak.since).toBeGreaterThanOrEqual(before);
      expect(leak.since).toBe(sinceOf[leak.channel.name]);
      expect(leak.detectedAt).toBeGreaterThanOrEqual(leak.since);
      expect(leak.channel.capacity).toBe(0);
      expect(leak.channel.createdAt).toMatch(/makeReplyChannel/);
      expect(leak.channel.createdAt).toMatch(/leaks\.gc\.test\.ts/);
      expect(leak.stack).toMatch(/leaks\.gc\.test\.ts/);
      expect(typeof leak.id).toBe('number');
    }
    expect(leaked.find((l) => l.kind === 'push')?.stack).toMatch(/strandPush/);
    expect(leaked.find((l) => l.kind === 'pull')?.stack).toMatch(/strandPull/);
    expect(leaked.find((l) => l.kind === 'select')?.stack).toMatch(/strandSelect/);
    expect(new Set(leaked.map((l) => l.id)).size).toBe(3);
    expect(snap.channels.map((c) => c.name)).not.toContain('leakPush');
    expect(warn).toHaveBeenCalledTimes(3);
    const texts = warn.mock.calls.map((call) => String(call[0]));
    expect(texts.some((t) => /leaked push/.test(t) && /"leakPush"/.test(t) && /strandPush/.test(t))).toBe(true);
    expect(texts.some((t) => /leaked pull/.test(t) && /"leakPull"/.test(t))).toBe(true);
    expect(texts.some((t) => /leaked select/.test(t) && /"leakSel1"/.test(t))).toBe(true);
    // structured-clone and JSON safe
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    // more collections and snapshots: no repeats
    await collectAll([]);
    expect(snapshot().leaked).toEqual(leaked);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  test('warnLeaks: false — no console.warn, the leak is still in the snapshot', async () => {
    const warn = silenceWarn();
    enableDebug({ ...quiet(), warnLeaks: false });
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'silent' });
      ch.pull().catch(() => {});
      return new WeakRef(ch);
    })();
    await collectAll([ref]);
    expect(snapshot().leaked?.map((l) => [l.kind, l.channel.name])).toEqual([['pull', 'silent']]);
    expect(snapshot().leaked?.[0]).not.toHaveProperty('stack'); // stacks: false
    expect(warn).not.toHaveBeenCalled();
  });

  test('an abandoned for-await loop is a leaked pull; a parked pushAll and a parked pullMany are one leak each', async () => {
    const warn = silenceWarn();
    enableDebug(quiet());
    let loopFinally = false;
    const refs = (() => {
      const events = new Channel<number>(0, { name: 'loop' });
      void (async () => {
        try {
          for await (const _ of events) {
            // never
          }
        } finally {
          loopFinally = true;
        }
      })();
      const batchIn = new Channel<number>(1, { name: 'batchIn' });
      batchIn.pushAll([1, 2, 3]).catch(() => {});
      const batchOut = new Channel<number>(0, { name: 'batchOut' });
      batchOut.pullMany(5).catch(() => {});
      return [events, batchIn, batchOut].map((c) => new WeakRef(c));
    })();
    await collectAll(refs);
    expect((snapshot().leaked ?? []).map((l) => [l.kind, l.channel.name]).sort()).toEqual([
      ['pull', 'batchOut'],
      ['pull', 'loop'],
      ['push', 'batchIn'],
    ]);
    expect(loopFinally).toBe(false);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  test('a long-lived signal does not keep an abandoned channel alive nor hide its leak', async () => {
    const warn = silenceWarn();
    enableDebug(quiet());
    const forever = new AbortController(); // the page's lifetime signal
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'withSignal' });
      ch.pull({ signal: forever.signal }).catch(() => {});
      select([pull(ch), pull(new Channel<number>(0, { name: 'other' }))], { signal: forever.signal }).catch(() => {});
      return new WeakRef(ch);
    })();
    await collectAll([ref]);
    const kinds = (snapshot().leaked ?? []).map((l) => l.kind).sort();
    expect(kinds).toEqual(['pull', 'select']);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(forever.signal.aborted).toBe(false);
  });

  test('a select on a channel made before enableDebug and a tracked one, both abandoned: one select leak named by the tracked channel', async () => {
    const warn = silenceWarn();
    const refs = (() => {
      const old = new Channel<number>(0, { name: 'old' });
      enableDebug(quiet());
      const fresh = new Channel<number>(0, { name: 'fresh' });
      select([pull(old), pull(fresh)]).catch(() => {});
      return [new WeakRef(old), new WeakRef(fresh)];
    })();
    await collectAll(refs);
    expect(snapshot().leaked?.map((l) => [l.kind, l.channel.name])).toEqual([['select', 'fresh']]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('120 leaks: 100 listed, truncated.leaks 20, 120 warnings; clearLeaks empties, and a later leak comes alone with a new id', async () => {
    const warn = silenceWarn();
    enableDebug(quiet());
    const refs = (() => {
      const list: WeakRef<object>[] = [];
      for (let i = 0; i < 120; i++) {
        const ch = new Channel<number>(0, { name: `many${i}` });
        ch.pull().catch(() => {});
        list.push(new WeakRef(ch));
      }
      return list;
    })();
    await collectAll(refs);
    const snap = snapshot();
    expect(snap.leaked).toHaveLength(100);
    expect(snap.truncated?.leaks).toBe(20);
    expect(warn).toHaveBeenCalledTimes(120);
    const maxId = Math.max(...(snap.leaked ?? []).map((l) => l.id));
    clearLeaks();
    expect(snapshot().leaked).toBeUndefined();
    expect(snapshot().truncated).toBeUndefined();
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'later' });
      ch.push(1).catch(() => {});
      return new WeakRef(ch);
    })();
    await collectAll([ref]);
    const later = snapshot().leaked ?? [];
    expect(later.map((l) => l.channel.name)).toEqual(['later']);
    expect(later[0]?.id).toBeGreaterThan(maxId);
  });

  test('a connected inspector gets a snapshot when only the leaks changed', async () => {
    silenceWarn();
    const posted: any[] = [];
    const listen = new EventTarget();
    enableDebug({ target: { postMessage: (m: unknown) => posted.push(m) }, listen, intervalMs: 10 });
    listen.dispatchEvent(new MessageEvent('message', { data: hello }));
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'gone' });
      ch.pull().catch(() => {});
      return new WeakRef(ch);
    })();
    await sleep(30);
    await collectAll([ref]);
    await sleep(30);
    const last = posted.at(-1);
    expect(last.type).toBe('snapshot');
    expect(last.channels).toEqual([]);
    expect(last.leaked.map((l: any) => [l.kind, l.channel.name])).toEqual([['pull', 'gone']]);
  });
});

test('leak ids and channel ids never repeat across enableDebug calls', async () => {
  silenceWarn();
  const seen: { leak: number; channel: number }[] = [];
  for (let session = 0; session < 3; session++) {
    enableDebug(quiet());
    const ref = (() => {
      const ch = new Channel<number>(0, { name: `s${session}` });
      ch.push(session).catch(() => {});
      return new WeakRef(ch);
    })();
    await collectAll([ref]);
    const [leak] = snapshot().leaked ?? [];
    expect(leak?.channel.name).toBe(`s${session}`);
    seen.push({ leak: leak?.id ?? -1, channel: leak?.channel.id ?? -1 });
    disableDebug();
  }
  expect(new Set(seen.map((s) => s.leak)).size).toBe(3);
  expect(new Set(seen.map((s) => s.channel)).size).toBe(3);
});

describe('no false positives', () => {
  for (const stacks of [false, true]) {
    test(`operations recorded in an earlier task, then committed, aborted or failed by close, are never leaks (stacks: ${stacks})`, async () => {
      const warn = silenceWarn();
      enableDebug({ ...quiet(), stacks });
      const refs: WeakRef<object>[] = [];
      await (async () => {
        const committedPush = new Channel<number>(0, { name: 'committedPush' });
        const committedPull = new Channel<number>(0, { name: 'committedPull' });
        const aborted = new Channel<number>(0, { name: 'aborted' });
        const closed = new Channel<number>(0, { name: 'closed' });
        const closedPush = new Channel<number>(0, { name: 'closedPush' });
        const selA = new Channel<number>(0, { name: 'selA' });
        const selB = new Channel<number>(0, { name: 'selB' });
        const selAborted = new Channel<number>(0, { name: 'selAborted' });
        const batch = new Channel<number>(1, { name: 'batch' });
        const controller = new AbortController();
        const ops = [
          committedPush.push(1),
          committedPull.pull(),
          aborted.pull({ signal: controller.signal }).catch(() => 'aborted'),
          closed.pull().catch(() => 'closed'),
          closedPush.push(1).catch(() => 'closedPush'),
          select([pull(selA), pull(selB)]),
          select([pull(selAborted), push(selAborted, 3)], { signal: controller.signal }).catch(() => 'selAborted'),
          batch.pushAll([1, 2, 3]),
        ];
        await sleep(10); // recorded: the end of the task has passed
        const listed = snapshot();
        expect(listed.channels.filter((c) => c.pushers.length + c.pullers.length > 0)).toHaveLength(9);
        await committedPush.pull();
        await committedPull.push(2);
        controller.abort();
        closed.close();
        closedPush.close(new Error('reason'));
        await selB.push(5);
        const got: number[] = [];
        while (got.length < 3) got.push(...(await batch.pullMany(3)));
        expect(got).toEqual([1, 2, 3]);
        expect((await Promise.all(ops)).slice(2, 5)).toEqual(['aborted', 'closed', 'closedPush']);
        for (const c of [committedPush, committedPull, aborted, closed, closedPush, selA, selB, selAborted, batch]) {
          refs.push(new WeakRef(c));
        }
      })();
      await collectAll(refs);
      expect(snapshot().leaked).toBeUndefined();
      expect(warn).not.toHaveBeenCalled();
    });
  }

  for (const stacks of [false, true]) {
    test(`internal feeders withdrawn (stream cancel, merge/broadcast/from closed, toPort aborted) leave no leak (stacks: ${stacks})`, async () => {
      const warn = silenceWarn();
      enableDebug({ ...quiet(), stacks });
      const refs: WeakRef<object>[] = [];
      await (async () => {
        const streamed = new Channel<number>(0, { name: 'streamed' });
        const reader = streamed.toReadableStream().getReader();
        const read = reader.read();
        const m1 = new Channel<number>(0, { name: 'm1' });
        const m2 = new Channel<number>(0, { name: 'm2' });
        const merged = merge(m1, m2);
        const mergedPull = merged.pull().catch(() => 'closed');
        const source = new Channel<number>(0, { name: 'source' });
        const hub = broadcast(source);
        const sub = hub.subscribe();
        const subPull = sub.pull().catch(() => 'closed');
        const inner = new Channel<number>(0, { name: 'inner' });
        const outer = from(inner, { name: 'outer' });
        const outerPull = outer.pull().catch(() => 'closed');
        const local = new Channel<number>(0, { name: 'local' });
        const { port1, port2 } = new MessageChannel();
        const controller = new AbortController();
        const remote = fromPort<number>(port2 as never, { name: 'p' });
        const remotePull = remote.pull().catch(() => 'closed');
        const sending = toPort(local, port1 as never, { name: 'p', signal: controller.signal }).catch(() => 'stopped');
        // every wait parked (toPort's pull on `local` once the receiver's credit arrived) and recorded
        const expected = ['streamed', 'm1', 'm2', 'source', 'inner', 'local'];
        const waitingNow = () =>
          snapshot()
            .channels.filter((c) => c.pushers.length + c.pullers.length > 0)
            .map((c) => c.name);
        for (let i = 0; i < 200 && !expected.every((name) => waitingNow().includes(name)); i++) await sleep(10);
        await sleep(10);
        expect(waitingNow()).toEqual(expect.arrayContaining(expected));
        await reader.cancel();
        merged.close();
        hub.close();
        outer.close();
        controller.abort();
        remote.close();
        await Promise.all([read, mergedPull, subPull, outerPull, remotePull, sending]);
        for (let i = 0; i < 200 && waitingNow().length > 0; i++) await sleep(10);
        expect(waitingNow()).toEqual([]);
        port1.close();
        port2.close();
        for (const c of [streamed, m1, m2, merged, source, sub, inner, outer, local, remote]) refs.push(new WeakRef(c));
      })();
      await collectAll(refs);
      expect(snapshot().leaked).toBeUndefined();
      expect(warn).not.toHaveBeenCalled();
    });
  }

  test('stacks: an Error.prepareStackTrace that closes, commits or aborts the operation being parked leaves no leak', async () => {
    const warn = silenceWarn();
    enableDebug({ ...quiet(), stacks: true });
    const previous = Error.prepareStackTrace;
    const results: unknown[] = [];
    const refs: WeakRef<object>[] = [];
    try {
      await (async () => {
        const closing = new Channel<number>(0, { name: 'closing' });
        const committing = new Channel<number>(1, { name: 'committing' });
        const aborting = new Channel<number>(0, { name: 'aborting' });
        const controller = new AbortController();
        let action: (() => void) | undefined;
        // Application code that the stack capture of the park runs (source-map support, a logger…)
        Error.prepareStackTrace = (error, frames) => {
          const run = action;
          action = undefined;
          run?.();
          return `${error}\n${frames.map((frame) => `    at ${frame}`).join('\n')}`;
        };
        action = () => closing.close();
        results.push(await closing.pull().then(String, (e: unknown) => (e as Error).name));
        action = () => committing.pushNowait(7);
        results.push(await committing.pull());
        action = () => controller.abort(new Error('stop'));
        results.push(
          await aborting.pull({ signal: controller.signal }).then(String, (e: unknown) => (e as Error).message),
        );
        Error.prepareStackTrace = previous;
        expect(snapshot().channels.filter((c) => c.pushers.length + c.pullers.length > 0)).toEqual([]);
        for (const c of [closing, committing, aborting]) refs.push(new WeakRef(c));
      })();
    } finally {
      Error.prepareStackTrace = previous;
    }
    expect(results).toEqual(['ChannelClosedError', 7, 'stop']);
    await collectAll(refs);
    expect(snapshot().leaked).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  test('leaks found after disableDebug, or after a restart for channels of the old session, are not reported', async () => {
    const warn = silenceWarn();
    enableDebug(quiet());
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'oldSession' });
      ch.pull().catch(() => {});
      return new WeakRef(ch);
    })();
    await tick();
    enableDebug(quiet()); // a restart
    await collectAll([ref]);
    expect(snapshot().leaked).toBeUndefined();
    const ref2 = (() => {
      const ch = new Channel<number>(0, { name: 'afterDisable' });
      ch.pull().catch(() => {});
      return new WeakRef(ch);
    })();
    await tick();
    disableDebug();
    await collectAll([ref2]);
    expect(warn).not.toHaveBeenCalled();
    enableDebug(quiet());
    expect(snapshot().leaked).toBeUndefined();
  });
});
