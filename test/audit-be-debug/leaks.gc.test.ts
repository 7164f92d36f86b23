// Leaked waiters (SPEC second map, "Leaked waiters"): an operation parked on a tracked channel that
// became unreachable is reported as leaked — kind, since, where it parked, where the channel was
// created — in snapshots (optional field, version stays 1) and as one console.warn per leak
// (on by default, can be turned off). No false positive for committed, aborted or closed
// operations. A long-lived signal must not keep an abandoned channel alive.
// Runs with --expose-gc (project gc).
import { Channel, pull, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, type LeakSnapshot, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { useQuietDebug } from '../helpers/quiet-debug.js';
import { collect, fakeTarget, HELLO, quiet, say, sleep, waitFor } from './helpers.js';

const _gc = (globalThis as { gc?: () => void }).gc!;

const warn = useQuietDebug(disableDebug);

/** Forces collections until `done()` holds (finalizers run in later tasks). */

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];

/** Parks operations on a fresh channel in a function of its own and returns only a WeakRef to it. */
function abandon(
  name: string,
  park: (ch: Channel<number>) => void,
  capacity = 0,
): { ref: WeakRef<Channel<number>>; id: unknown } {
  const ch = new Channel<number>(capacity, { name });
  park(ch);
  const id = snapshot().channels.find((c) => c.name === name)?.id;
  return { ref: new WeakRef(ch), id };
}

describe('leaked operations are reported', () => {
  it('a pull parked on a channel that nothing references any more is reported as a leaked pull', async () => {
    enableDebug({ target: fakeTarget() });
    await sleep(5);
    const before = Date.now();
    const { ref, id } = abandon('reply', (ch) => {
      quiet(ch.pull());
    });
    const afterPark = Date.now();
    expect(id).toBeDefined();
    await sleep(0); // end of the task in which it parked
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    const snap = snapshot();
    expect(snap.version).toBe(1);
    expect(snap.leaked).toHaveLength(1);
    const leak = snap.leaked![0]!;
    expect(leak.kind).toBe('pull');
    expect(leak.since).toBeGreaterThanOrEqual(before - 1);
    expect(leak.since).toBeLessThanOrEqual(afterPark);
    expect(leak.detectedAt).toBeGreaterThanOrEqual(leak.since);
    expect(leak.channel).toMatchObject({ id, name: 'reply', capacity: 0 });
    // The collected channel has left the channel list.
    expect(snap.channels.find((c) => c.name === 'reply')).toBeUndefined();
  });

  it('each parked push on a dropped full channel is its own leak, in the order they parked', async () => {
    enableDebug({ target: fakeTarget() });
    const { ref } = abandon(
      'full',
      (ch) => {
        ch.pushNowait(0);
        quiet(ch.push(1));
      },
      1,
    );
    await sleep(20);
    const second = abandon('full2', (ch) => {
      quiet(ch.push(2));
    });
    void second;
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length >= 2)).toBe(true);
    const list = leaks();
    expect(list.map((l) => l.kind)).toEqual(['push', 'push']);
    expect(list.map((l) => l.channel.name)).toEqual(['full', 'full2']);
    expect(list[0]!.since).toBeLessThanOrEqual(list[1]!.since);
    expect(list[0]!.channel.capacity).toBe(1);
  });

  it('three pulls parked on one dropped channel are three leaks and three console.warn calls', async () => {
    enableDebug({ target: fakeTarget() });
    const { ref } = abandon('triple', (ch) => {
      for (let i = 0; i < 3; i++) quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length >= 3)).toBe(true);
    await sleep(5);
    expect(leaks()).toHaveLength(3);
    const leakWarnings = warn().mock.calls.filter((call) => String(call[0]).includes('triple'));
    expect(leakWarnings).toHaveLength(3);
    expect(String(leakWarnings[0]![0])).toMatch(/leak/i);
    expect(String(leakWarnings[0]![0])).toMatch(/pull/);
  });

  it('a select parked on channels that are all dropped is one leak of kind "select"', async () => {
    enableDebug({ target: fakeTarget() });
    const refs = (() => {
      const a = new Channel<number>(0, { name: 'sel-a' });
      const b = new Channel<number>(0, { name: 'sel-b' });
      quiet(select([pull(a), pull(b)]));
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await sleep(0);
    expect(await collect(() => refs.every((r) => r.deref() === undefined) && leaks().length > 0)).toBe(true);
    await collect(() => false, 3); // any second report would show up by now
    const list = leaks();
    expect(list).toHaveLength(1);
    expect(list[0]!.kind).toBe('select');
    expect(['sel-a', 'sel-b']).toContain(list[0]!.channel.name);
  });

  it('a for-await loop stranded on a dropped channel is a leaked pull', async () => {
    enableDebug({ target: fakeTarget() });
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'loop' });
      void (async () => {
        for await (const _ of ch) {
          // never runs
        }
      })();
      return new WeakRef(ch);
    })();
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => [l.kind, l.channel.name])).toEqual([['pull', 'loop']]);
  });

  it('with stacks: true a leak says where it parked and where its channel was created', async () => {
    enableDebug({ target: fakeTarget(), stacks: true });
    function createTheLeakyChannel() {
      return new Channel<number>(0, { name: 'stacky' });
    }
    function parkTheLeakyPush(ch: Channel<number>) {
      quiet(ch.push(1));
    }
    const ref = (() => {
      const ch = createTheLeakyChannel();
      parkTheLeakyPush(ch);
      return new WeakRef(ch);
    })();
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    const [leak] = leaks();
    expect(leak!.kind).toBe('push');
    expect(leak!.stack).toContain('parkTheLeakyPush');
    expect(leak!.channel.createdAt).toContain('createTheLeakyChannel');
    const message = warn()
      .mock.calls.map((call) => call.map(String).join(' '))
      .find((text) => text.includes('stacky'));
    expect(message).toBeDefined();
    expect(message).toContain('parkTheLeakyPush');
    expect(message).toContain('createTheLeakyChannel');
  });

  it('warnLeaks: false turns the console.warn off; the snapshot still reports the leak', async () => {
    enableDebug({ target: fakeTarget(), warnLeaks: false });
    const { ref } = abandon('silent', (ch) => {
      quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    await sleep(5);
    expect(leaks()).toHaveLength(1);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('leaks stay in later snapshots until clearLeaks(); afterwards only new ones are listed', async () => {
    enableDebug({ target: fakeTarget() });
    const first = abandon('first-leak', (ch) => {
      quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => first.ref.deref() === undefined && leaks().length > 0)).toBe(true);
    await sleep(20);
    expect(leaks().map((l) => l.channel.name)).toEqual(['first-leak']);
    expect(leaks().map((l) => l.channel.name)).toEqual(['first-leak']);
    clearLeaks();
    expect(leaks()).toEqual([]);
    const second = abandon('second-leak', (ch) => {
      quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => second.ref.deref() === undefined && leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => l.channel.name)).toEqual(['second-leak']);
  });

  it('leaks are posted to a connected inspector (a new snapshot carrying them, version 1)', async () => {
    const target = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target, listen, intervalMs: 10 });
    say(listen, HELLO);
    await waitFor(() => target.snapshots.length > 0, 1000);
    const { ref } = abandon('posted-leak', (ch) => {
      quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    expect(
      await waitFor(() => target.snapshots.some((s) => s.leaked?.some((l) => l.channel.name === 'posted-leak')), 1000),
    ).toBe(true);
    const posted = target.snapshots.find((s) => s.leaked?.length)!;
    expect(posted.version).toBe(1);
    expect(posted.leaked![0]!.kind).toBe('pull');
  });
});

describe('no false positives', () => {
  it('operations that committed, were aborted or were failed by close are never reported', async () => {
    enableDebug({ target: fakeTarget() });
    const refs: WeakRef<Channel<number>>[] = [];
    const committed = (async () => {
      const ch = new Channel<number>(0, { name: 'committed' });
      refs.push(new WeakRef(ch));
      const p = ch.pull();
      await sleep(0);
      await ch.push(1);
      await p;
    })();
    const aborted = (async () => {
      const ch = new Channel<number>(0, { name: 'aborted' });
      refs.push(new WeakRef(ch));
      const ac = new AbortController();
      const p = ch.pull({ signal: ac.signal });
      await sleep(0);
      ac.abort(new Error('done'));
      await p.catch(() => {});
    })();
    const closed = (async () => {
      const ch = new Channel<number>(0, { name: 'closed' });
      refs.push(new WeakRef(ch));
      const p = ch.push(1);
      await sleep(0);
      ch.close();
      await p.catch(() => {});
    })();
    const selected = (async () => {
      const a = new Channel<number>(0, { name: 'sel-won' });
      const b = new Channel<number>(0, { name: 'sel-lost' });
      refs.push(new WeakRef(a), new WeakRef(b));
      const s = select([pull(a), pull(b)]);
      await sleep(0);
      await a.push(1);
      await s;
    })();
    const idle = (() => {
      const ch = new Channel<number>(2, { name: 'never-parked' });
      ch.pushNowait(1);
      refs.push(new WeakRef(ch));
    })();
    void idle;
    await Promise.all([committed, aborted, closed, selected]);
    expect(await collect(() => refs.every((r) => r.deref() === undefined))).toBe(true);
    await collect(() => false, 3);
    expect(leaks()).toEqual([]);
    expect(warn()).not.toHaveBeenCalled();
  });

  it('a channel kept reachable is not reported, however long its operation waits', async () => {
    enableDebug({ target: fakeTarget() });
    const kept = new Channel<number>(0, { name: 'kept' });
    quiet(kept.pull());
    await collect(() => false, 5);
    expect(leaks()).toEqual([]);
    kept.close();
  });
});

describe('a long-lived signal does not keep an abandoned channel alive', () => {
  it('a pull parked with an application-lifetime signal is still collected and reported as leaked', async () => {
    enableDebug({ target: fakeTarget() });
    const appLifetime = new AbortController(); // stays reachable for the whole test
    const { ref } = abandon('with-signal', (ch) => {
      quiet(ch.pull({ signal: appLifetime.signal }));
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => [l.kind, l.channel.name])).toEqual([['pull', 'with-signal']]);
    expect(appLifetime.signal.aborted).toBe(false);
  });

  it('a select parked with a long-lived signal is still collected and reported', async () => {
    enableDebug({ target: fakeTarget() });
    const appLifetime = new AbortController();
    const refs = (() => {
      const a = new Channel<number>(0, { name: 'sig-a' });
      const b = new Channel<number>(0, { name: 'sig-b' });
      quiet(select([pull(a), pull(b)], { signal: appLifetime.signal }));
      return [new WeakRef(a), new WeakRef(b)];
    })();
    await sleep(0);
    expect(await collect(() => refs.every((r) => r.deref() === undefined) && leaks().length > 0)).toBe(true);
    expect(leaks().map((l) => l.kind)).toEqual(['select']);
  });
});

describe('lifecycle of leak records', () => {
  it('disableDebug forgets the leaks (README): a new session starts with none', async () => {
    enableDebug({ target: fakeTarget() });
    const { ref } = abandon('forgotten', (ch) => {
      quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length > 0)).toBe(true);
    disableDebug();
    expect(snapshot().leaked ?? []).toEqual([]);
    enableDebug({ target: fakeTarget() });
    expect(leaks()).toEqual([]);
  });

  it('an operation on a channel created before enableDebug is never reported (untracked, README)', async () => {
    const ref = (() => {
      const ch = new Channel<number>(0, { name: 'pre-debug' });
      quiet(ch.pull());
      return new WeakRef(ch);
    })();
    enableDebug({ target: fakeTarget() });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined)).toBe(true);
    await collect(() => false, 3);
    expect(leaks()).toEqual([]);
  });

  it('leak ids are unique', async () => {
    enableDebug({ target: fakeTarget(), warnLeaks: false });
    const { ref } = abandon('ids', (ch) => {
      for (let i = 0; i < 4; i++) quiet(ch.pull());
    });
    await sleep(0);
    expect(await collect(() => ref.deref() === undefined && leaks().length >= 4)).toBe(true);
    const ids = leaks().map((l) => l.id);
    expect(new Set(ids).size).toBe(4);
  });
});
