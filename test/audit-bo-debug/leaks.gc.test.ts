// Stuck programs that are abandoned: leaks reported where they should be, and nowhere else.
import { Channel, pull, push, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { firstFrame, nextLine, quiet, sleep } from './helpers.js';

const FILE = 'leaks.gc.test.ts';
const gc = (globalThis as { gc?: () => void }).gc!;

/** Collects until every ref is cleared, then lets finalizer callbacks run; fails otherwise. */
async function collect(refs: WeakRef<object>[]): Promise<void> {
  for (let round = 0; round < 40 && refs.some((ref) => ref.deref() !== undefined); round++) {
    await sleep(0);
    gc();
    await sleep(1);
  }
  expect(refs.every((ref) => ref.deref() === undefined)).toBe(true);
  for (let round = 0; round < 4; round++) {
    await sleep(0);
    gc();
  }
  await sleep(5);
}

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  disableDebug();
  warn.mockRestore();
});

for (const stacks of [false, true]) {
  describe(`stacks: ${stacks}`, () => {
    beforeEach(() => enableDebug({ target: { postMessage() {} }, stacks }));

    it('an abandoned deadlocked pipeline: one leaked push per stage, named by channel, at the stage line', async () => {
      const lines = { produce: 0, parse: 0, store: 0, created: 0 };
      const refs = await (async () => {
        lines.created = nextLine();
        const raw = new Channel<number>(1, { name: 'raw' });
        const parsed = new Channel<number>(1, { name: 'parsed' });
        const out = new Channel<number>(0, { name: 'out' });
        void (async () => {
          for (let i = 0; i < 10; i++) {
            lines.produce = nextLine();
            await raw.push(i);
          }
        })();
        void (async () => {
          for await (const v of raw) {
            lines.parse = nextLine();
            await parsed.push(v);
          }
        })();
        void (async () => {
          for await (const v of parsed) {
            lines.store = nextLine();
            await out.push(v);
          }
        })();
        await sleep(5);
        return [new WeakRef(raw), new WeakRef(parsed), new WeakRef(out)];
      })();
      await collect(refs);
      const leaked = snapshot().leaked ?? [];
      expect(leaked.map((l) => `${l.kind} ${l.channel.name}`).sort()).toEqual(['push out', 'push parsed', 'push raw']);
      expect(warn).toHaveBeenCalledTimes(3);
      for (const leak of leaked) {
        expect(leak.detectedAt).toBeGreaterThanOrEqual(leak.since);
        expect(leak.channel.capacity).toBe(leak.channel.name === 'out' ? 0 : 1);
      }
      if (stacks) {
        const at = Object.fromEntries(leaked.map((l) => [l.channel.name, l]));
        expect(firstFrame(at.raw!.stack)).toContain(`${FILE}:${lines.produce}:`);
        expect(firstFrame(at.parsed!.stack)).toContain(`${FILE}:${lines.parse}:`);
        expect(firstFrame(at.out!.stack)).toContain(`${FILE}:${lines.store}:`);
        expect(firstFrame(at.raw!.channel.createdAt)).toContain(`${FILE}:${lines.created}:`);
      } else {
        for (const leak of leaked) expect(leak.stack).toBeUndefined();
      }
    });

    it('a pipeline that ran to completion and was dropped: no leak', async () => {
      const refs = await (async () => {
        const raw = new Channel<number>(1, { name: 'raw' });
        const out = new Channel<number>(0, { name: 'out' });
        const producer = (async () => {
          for (let i = 0; i < 20; i++) await raw.push(i);
          raw.close();
        })();
        const stage = (async () => {
          for await (const v of raw) await out.push(v);
          out.close();
        })();
        const got: number[] = [];
        for await (const v of out) got.push(v);
        await Promise.all([producer, stage]);
        expect(got).toHaveLength(20);
        return [new WeakRef(raw), new WeakRef(out)];
      })();
      await collect(refs);
      expect(snapshot().leaked).toBeUndefined();
      expect(warn).not.toHaveBeenCalled();
    });

    it('values flowed through operations that had parked (recorded) and then committed: no leak', async () => {
      const refs = await (async () => {
        const ch = new Channel<number>(0, { name: 'flowed' });
        const pulls = [ch.pull(), ch.pull()];
        const sel = select([pull(ch), push(new Channel<number>(0, { name: 'side' }), 1)]);
        await sleep(5); // recorded at the end of the task
        ch.pushNowait(1);
        ch.pushNowait(2);
        ch.pushNowait(3);
        await Promise.all([...pulls, sel]);
        const pushes = [ch.push(4), ch.push(5)];
        await sleep(5);
        expect(await ch.pull()).toBe(4);
        expect(await ch.pull()).toBe(5);
        await Promise.all(pushes);
        return [new WeakRef(ch)];
      })();
      await collect(refs);
      expect(snapshot().leaked).toBeUndefined();
    });

    it('merely idle channels (values buffered, never closed, nothing parked) are not leaks', async () => {
      const refs = await (async () => {
        const out: WeakRef<object>[] = [];
        for (let i = 0; i < 20; i++) {
          const ch = new Channel<number>(4, { name: `idle-${i}` });
          ch.pushNowait(i);
          out.push(new WeakRef(ch));
        }
        await sleep(5);
        return out;
      })();
      await collect(refs);
      expect(snapshot().leaked).toBeUndefined();
      expect(warn).not.toHaveBeenCalled();
    });

    it('a pull with a signal that never aborts, on an abandoned channel: leaked (documented), the signal kept alive', async () => {
      const never = new AbortController();
      let line = 0;
      const refs = await (async () => {
        const ch = new Channel<string>(0, { name: 'signal-reply' });
        line = nextLine();
        quiet(ch.pull({ signal: never.signal }));
        await sleep(5);
        return [new WeakRef(ch)];
      })();
      await collect(refs);
      const leaked = snapshot().leaked ?? [];
      expect(leaked).toHaveLength(1);
      expect(leaked[0]).toMatchObject({ kind: 'pull', channel: { name: 'signal-reply' } });
      if (stacks) expect(firstFrame(leaked[0]!.stack)).toContain(`${FILE}:${line}:`);
      expect(never.signal.aborted).toBe(false);
    });

    it('a select parked on channels nobody serves, abandoned: one select leak', async () => {
      const refs = await (async () => {
        const a = new Channel<number>(0, { name: 'sel-a' });
        const b = new Channel<number>(0, { name: 'sel-b' });
        quiet(select([pull(a), pull(b)]));
        await sleep(5);
        return [new WeakRef(a), new WeakRef(b)];
      })();
      await collect(refs);
      const leaked = snapshot().leaked ?? [];
      expect(leaked).toHaveLength(1);
      expect(leaked[0]).toMatchObject({ kind: 'select', channel: { name: 'sel-a' } });
      clearLeaks();
      expect(snapshot().leaked).toBeUndefined();
    });

    it('a producer blocked on a full channel, then drained by a consumer, then dropped: no leak', async () => {
      const refs = await (async () => {
        const ch = new Channel<number>(2, { name: 'full-then-drained' });
        const producer = (async () => {
          for (let i = 0; i < 6; i++) await ch.push(i);
          ch.close();
        })();
        await sleep(10); // blocked, recorded
        const got: number[] = [];
        for await (const v of ch) got.push(v);
        await producer;
        expect(got).toEqual([0, 1, 2, 3, 4, 5]);
        return [new WeakRef(ch)];
      })();
      await collect(refs);
      expect(snapshot().leaked).toBeUndefined();
    });
  });
}

describe('relays abandoned with a read pending', () => {
  beforeEach(() => enableDebug({ target: { postMessage() {} }, stacks: true }));

  // BO-debug-1 in the leak report (fixed 2026-12-06): the leaked relay pull said nothing of where
  // it was made; it now names the from() line.
  it('from(channel) with a pending read, abandoned: the relay pull on the source is reported as a leaked pull that names the from() or the read line', async () => {
    let readLine = 0;
    let fromLine = 0;
    const refs = await (async () => {
      const inner = new Channel<number>(0, { name: 'inner' });
      fromLine = nextLine();
      const outer = Channel.from(inner);
      readLine = nextLine();
      quiet(outer.pull());
      await sleep(5);
      return [new WeakRef(inner), new WeakRef(outer)];
    })();
    await collect(refs);
    const relay = (snapshot().leaked ?? []).find((l) => l.channel.name === 'inner');
    expect(relay?.kind).toBe('pull');
    expect(relay!.stack).toMatch(new RegExp(`${FILE}:(${fromLine}|${readLine}):`));
  });
});

describe('leaks on the wire and past their budget', () => {
  it('a connected inspector gets the leaks of an abandoned pipeline in a well-formed snapshot', async () => {
    const { isPageToInspectorMessage } = await import('chanasync/protocol');
    const { recorder, HELLO } = await import('./helpers.js');
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen, intervalMs: 20, stacks: true });
    rec.say(HELLO);
    const refs = await (async () => {
      const a = new Channel<number>(0, { name: 'wire-a' });
      const b = new Channel<number>(0, { name: 'wire-b' });
      void (async () => {
        for await (const v of a) await b.push(v);
      })();
      void a.push(1);
      await sleep(5);
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await collect(refs);
    await sleep(60);
    const last = rec.snapshots().at(-1)!;
    expect(isPageToInspectorMessage(last)).toBe(true);
    expect(last.leaked?.map((l) => `${l.kind} ${l.channel.name}`)).toEqual(['push wire-b']);
    expect(last.channels.some((c) => c.name.startsWith('wire-'))).toBe(false);
    expect(JSON.parse(JSON.stringify(last))).toEqual(last);
  });

  it('120 leaks: 100 listed oldest first, 20 counted in truncated.leaks, 120 warnings', async () => {
    enableDebug({ target: { postMessage() {} } });
    const refs = await (async () => {
      const out: WeakRef<object>[] = [];
      for (let i = 0; i < 120; i++) {
        const ch = new Channel<number>(0, { name: `lost-${i}` });
        quiet(ch.pull());
        out.push(new WeakRef(ch));
        if (i % 40 === 39) await sleep(2);
      }
      await sleep(5);
      return out;
    })();
    await collect(refs);
    const snap = snapshot();
    expect(snap.leaked).toHaveLength(100);
    expect(snap.truncated?.leaks).toBe(20);
    const since = snap.leaked!.map((l) => l.since);
    expect(since).toEqual([...since].sort((x, y) => x - y));
    expect(warn).toHaveBeenCalledTimes(120);
  });
});
