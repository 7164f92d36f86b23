// SPEC second map, "Leaked waiters": "No false positive: an operation that committed, was aborted
// or failed by close is never reported." Earlier audits checked the plain push/pull/select paths,
// mostly with the commit in the task of the park. Here every operation is parked, left parked
// past the end of its task (so debug mode has recorded it), then completed through one of the
// less common commit paths; then its channels are dropped and collected. A marker leak proves
// that collection and leak reporting ran.
import { broadcast, Channel, merge, pull, push, select, selectNowait, toReadableStream } from 'chanasync';
import { disableDebug, enableDebug, type LeakSnapshot, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectUntil, quiet, settleFinalizers, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

type Scenario = (refs: WeakRef<object>[]) => Promise<void>;

/** A channel whose WeakRef goes into `refs`. */
function make<T>(refs: WeakRef<object>[], name: string, capacity = 0): Channel<T> {
  const channel = new Channel<T>(capacity, { name });
  refs.push(new WeakRef(channel));
  return channel;
}

/** The name (or message, for a plain Error) of what `promise` rejects with; keeps no reference to it. */
async function failure(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: Error) => (error.name === 'Error' ? error.message : error.name),
  );
}

const tick = () => sleep(5); // past the end of the task in which the operation parked

const scenarios: Record<string, Scenario> = {
  'a parked pull committed by tryPush': async (refs) => {
    const ch = make<number>(refs, 'fp-trypush');
    const p = ch.pull();
    await tick();
    expect(ch.tryPush(1)).toBe(true);
    expect(await p).toBe(1);
  },
  'a parked push committed by tryPull': async (refs) => {
    const ch = make<number>(refs, 'fp-trypull');
    const p = ch.push(1);
    await tick();
    expect(ch.tryPull()).toBe(1);
    await p;
  },
  'a parked pull committed by pushNowait and a parked push by pullNowait': async (refs) => {
    const ch = make<number>(refs, 'fp-nowait');
    const p = ch.pull();
    await tick();
    ch.pushNowait(1);
    expect(await p).toBe(1);
    const q = ch.push(2);
    await tick();
    expect(ch.pullNowait()).toBe(2);
    await q;
  },
  'a parked pull committed by selectNowait with a push case': async (refs) => {
    const ch = make<number>(refs, 'fp-selectnowait');
    const p = ch.pull();
    await tick();
    expect(selectNowait([push(ch, 7)])?.index).toBe(0);
    expect(await p).toBe(7);
  },
  'parked pushes taken by one pullMany': async (refs) => {
    const ch = make<number>(refs, 'fp-pullmany');
    const pushes = [ch.push(1), ch.push(2), ch.push(3)];
    await tick();
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
    await Promise.all(pushes);
  },
  'parked pulls fed by one pushAll': async (refs) => {
    const ch = make<number>(refs, 'fp-pushall');
    const pulls = [ch.pull(), ch.pull(), ch.pull()];
    await tick();
    await ch.pushAll([1, 2, 3]);
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
  },
  'a pushAll that parked twice, then was drained completely': async (refs) => {
    const ch = make<number>(refs, 'fp-pushall-drained', 1);
    const all = ch.pushAll([1, 2, 3, 4]);
    await tick();
    expect(await ch.pull()).toBe(1);
    await tick(); // parks again with the rest
    const rest: number[] = [];
    while (rest.length < 3) rest.push(...(await ch.pullMany(10)));
    expect(rest).toEqual([2, 3, 4]);
    await all;
  },
  'a pushAll aborted part-way, after it had been recorded': async (refs) => {
    const ch = make<number>(refs, 'fp-pushall-aborted');
    const ac = new AbortController();
    const all = quiet(ch.pushAll([1, 2, 3], { signal: ac.signal }));
    await tick();
    expect(await ch.pull()).toBe(1);
    await tick();
    ac.abort(new Error('stop'));
    expect(
      await all.then(
        () => -1,
        (error: { pushed?: number }) => error.pushed,
      ),
    ).toBe(1);
  },
  'a select whose other cases lost, recorded before it committed': async (refs) => {
    const a = make<number>(refs, 'fp-select-a');
    const b = make<number>(refs, 'fp-select-b');
    const c = make<number>(refs, 'fp-select-c');
    const s = select([pull(a), pull(b), push(c, 9)]);
    await tick();
    await b.push(2);
    expect((await s).index).toBe(1);
  },
  'a select failed because its push case’s channel closed': async (refs) => {
    const a = make<number>(refs, 'fp-select-closed-a');
    const b = make<number>(refs, 'fp-select-closed-b');
    const s = quiet(select([pull(a), push(b, 1)]));
    await tick();
    b.close();
    expect(await failure(s)).toBe('ChannelClosedError');
  },
  'a select aborted by its signal': async (refs) => {
    const a = make<number>(refs, 'fp-select-abort-a');
    const b = make<number>(refs, 'fp-select-abort-b');
    const ac = new AbortController();
    const s = quiet(select([pull(a), pull(b)], { signal: ac.signal }));
    await tick();
    ac.abort(new Error('stop'));
    expect(await failure(s)).toBe('stop');
  },
  'a pending for-await next ended by the iterator’s return()': async (refs) => {
    const ch = make<number>(refs, 'fp-iterator-return');
    const iterator = ch[Symbol.asyncIterator]();
    const next = iterator.next();
    await tick();
    await iterator.return?.();
    await Promise.race([next.catch(() => {}), sleep(50)]);
  },
  'several pending for-await nexts of one iterator ended by its return()': async (refs) => {
    const ch = make<number>(refs, 'fp-iterator-return-many');
    const iterator = ch[Symbol.asyncIterator]();
    const nexts = [iterator.next(), iterator.next(), iterator.next()];
    await tick();
    await iterator.return?.();
    await Promise.race([Promise.allSettled(nexts), sleep(50)]);
  },
  'a pending read of toReadableStream ended by cancel()': async (refs) => {
    const ch = make<number>(refs, 'fp-stream-cancel');
    const reader = toReadableStream(ch).getReader();
    const read = reader.read();
    await tick();
    await reader.cancel();
    expect((await read).done).toBe(true);
  },
  'a broadcast closed while it waited on its source': async (refs) => {
    const source = make<number>(refs, 'fp-broadcast-source');
    const hub = broadcast(source);
    const subscriber = hub.subscribe();
    refs.push(new WeakRef(subscriber));
    const p = quiet(subscriber.pull());
    await tick();
    hub.close();
    expect(await failure(p)).toBe('ChannelClosedError');
  },
  'a merge closed while it waited on its inputs': async (refs) => {
    const a = make<number>(refs, 'fp-merge-a');
    const b = make<number>(refs, 'fp-merge-b');
    const merged = merge(a, b);
    refs.push(new WeakRef(merged));
    const p = quiet(merged.pull());
    await tick();
    merged.close();
    expect(await failure(p)).toBe('ChannelClosedError');
  },
  'a merge whose inputs were all closed while it waited': async (refs) => {
    const a = make<number>(refs, 'fp-merge-ended-a');
    const b = make<number>(refs, 'fp-merge-ended-b');
    const merged = merge(a, b);
    refs.push(new WeakRef(merged));
    const p = quiet(merged.pull());
    await tick();
    a.close();
    b.close();
    expect(await failure(p)).toBe('ChannelClosedError');
  },
  'a subscriber’s consumer failed by the subscriber’s own close': async (refs) => {
    const source = make<number>(refs, 'fp-sub-source');
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 0 });
    refs.push(new WeakRef(subscriber));
    const p = quiet(subscriber.pull());
    await tick();
    subscriber.close();
    expect(await failure(p)).toBe('ChannelClosedError');
    hub.close();
  },
};

describe.each([false, true])('no false positive for recorded operations (stacks: %s)', (stacks) => {
  it.each(Object.entries(scenarios))(
    '%s is never reported as leaked once its channels are collected',
    async (_, scenario) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      enableDebug({ target: { postMessage() {} }, stacks });
      const refs: WeakRef<object>[] = [];
      await scenario(refs);
      // A marker leak, so that the wait below ends only once collection and reporting ran.
      (() => {
        const marker = new Channel<number>(0, { name: 'marker' });
        quiet(marker.pull());
      })();
      await sleep(5);
      const collected = await collectUntil(
        () => refs.every((ref) => ref.deref() === undefined) && leaks().some((leak) => leak.channel.name === 'marker'),
      );
      if (!collected)
        console.log(
          refs.map((r) => (r.deref() as any)?.name ?? 'gone'),
          leaks(),
        );
      expect(collected).toBe(true);
      await settleFinalizers();
      expect(leaks().map((leak) => `${leak.kind} on ${leak.channel.name}`)).toEqual(['pull on marker']);
      expect(warn.mock.calls.filter((call) => !String(call[0]).includes('"marker"'))).toEqual([]);
    },
  );
});
