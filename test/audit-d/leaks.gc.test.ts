/**
 * Audit D: leak detection (SPEC.md second map, "Leaked waiters": no false positive — an operation
 * that committed, was aborted or failed by close is never reported) in combinations the other
 * suites do not reach: an iterator's next() withdrawn by return(), a batch partly committed,
 * close with a reason, a select whose winner was another case or that was aborted, a timeout
 * that fired, a select held by a channel made before debug mode. Runs in the `gc` project.
 */
import { after, Channel, pull, push, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test, vi } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc!;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
async function collect(...refs: WeakRef<object>[]): Promise<void> {
  for (let round = 0; round < 40 && refs.some((r) => r.deref() !== undefined); round++) {
    await tick();
    gc();
  }
  expect(refs.every((r) => r.deref() === undefined)).toBe(true);
  for (let round = 0; round < 5; round++) {
    await tick();
    gc();
  }
}
const quiet = () => ({ target: { postMessage() {} }, listen: new EventTarget() });
afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

describe('leaks: none but the real ones', () => {
  test('an iterator next() withdrawn by return() is no leak once its channel is collected', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quiet());
    const ref = await (async () => {
      const ch = new Channel<number>(0, { name: 'it' });
      const it = ch[Symbol.asyncIterator]();
      const next = it.next();
      await it.return?.();
      await next;
      return new WeakRef(ch);
    })();
    await collect(ref);
    expect(snapshot().leaked).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  test('a pushAll committed in parts, and a pull, push and pushAll failed by close(reason), are no leaks', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quiet());
    const refs = await (async () => {
      const a = new Channel<number>(1, { name: 'a' });
      const p = a.pushAll([1, 2, 3]);
      await tick();
      const got = await a.pullMany(3);
      await tick();
      while (got.length < 3) got.push(await a.pull());
      expect(got).toEqual([1, 2, 3]);
      await p;
      const b = new Channel<number>(0, { name: 'b' });
      const q = b.pullMany(2).catch((e) => e);
      const r = b.push(1).catch((e) => e);
      const s = b.pushAll([5, 6]).catch((e) => e);
      await tick();
      b.close(new Error('why'));
      await Promise.all([q, r, s]);
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await collect(...refs);
    expect(snapshot().leaked).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  test('a select won by one case, and a select aborted by its signal, are no leaks', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quiet());
    const refs = await (async () => {
      const a = new Channel<number>(0, { name: 'a' });
      const b = new Channel<number>(0, { name: 'b' });
      const s = select([pull(a), pull(b), push(b, 9)]);
      await tick();
      await a.push(1);
      await s;
      const c = new Channel<number>(0, { name: 'c' });
      const d = new Channel<number>(0, { name: 'd' });
      const ac = new AbortController();
      const t = select([pull(c), push(d, 1)], { signal: ac.signal }).catch(() => {});
      await tick();
      ac.abort();
      await t;
      return [new WeakRef(a), new WeakRef(b), new WeakRef(c), new WeakRef(d)];
    })();
    await collect(...refs);
    expect(snapshot().leaked).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  test('a select whose after() timeout fired is no leak; a parked pushAll whose channel is dropped is one push leak', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug(quiet());
    const refs = await (async () => {
      const reply = new Channel<string>(0, { name: 'reply' });
      const r = await select([pull(reply), pull(after(5))]);
      expect(r.index).toBe(1);
      const stranded = new Channel<number>(0, { name: 'stranded' });
      void stranded.pushAll([1, 2, 3]).catch(() => {});
      await tick();
      return [new WeakRef(reply), new WeakRef(stranded)];
    })();
    await collect(...refs);
    expect(snapshot().leaked?.map((l) => [l.kind, l.channel.name])).toEqual([['push', 'stranded']]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('a select with a case on a live channel made before enableDebug keeps its tracked channel, listed and not leaked', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const old = new Channel<number>(0, { name: 'old' });
    enableDebug(quiet());
    const ref = await (async () => {
      const fresh = new Channel<number>(0, { name: 'fresh' });
      void select([pull(fresh), pull(old)]).catch(() => {});
      await tick();
      return new WeakRef(fresh);
    })();
    for (let i = 0; i < 10; i++) {
      await tick();
      gc();
    }
    // the untracked `old` holds the select (its case waiter), which holds `fresh`: not collected, no leak
    expect(ref.deref()).toBeDefined();
    expect(snapshot().leaked).toBeUndefined();
    const s = snapshot().channels.find((c) => c.name === 'fresh');
    expect(s?.pullers).toHaveLength(1);
    expect(s?.pullers[0]?.kind).toBe('select');
    old.close();
  });
});
