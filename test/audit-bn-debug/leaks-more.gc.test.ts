// SPEC second map, "Leaked waiters": one report (and one console.warn) per leaked operation,
// long-lived signals must not keep an abandoned channel alive, leaks posted to a connected
// inspector. Cases earlier audits did not cover: a pushAll parked again and again, a signal
// shared with an operation on an untracked channel, a one-case select, clearLeaks seen by a
// connected inspector, and channels created before enableDebug sharing a select.
import { Channel, pull, push, select } from 'chanasync';
import { clearLeaks, disableDebug, enableDebug, type LeakSnapshot, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectUntil, HELLO, quiet, recorder, settleFinalizers, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.restoreAllMocks();
});

const leaks = (): readonly LeakSnapshot[] => snapshot().leaked ?? [];
const named = (name: string) => leaks().filter((leak) => leak.channel.name === name);

describe.each([false, true])('a pushAll parked again after each partial commit (stacks: %s)', (stacks) => {
  it.each(['pull', 'pullMany', 'tryPull'] as const)(
    'is one leaked push and one warning once abandoned, after %s took part of it',
    async (how) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      enableDebug({ target: { postMessage() {} }, stacks });
      await (async () => {
        const ch = new Channel<number>(0, { name: `re-parked-${how}` });
        quiet(ch.pushAll([1, 2, 3, 4, 5, 6]));
        await sleep(5);
        for (let i = 0; i < 2; i++) {
          if (how === 'pull') expect(await ch.pull()).toBe(i + 1);
          else if (how === 'pullMany') expect(await ch.pullMany(1)).toEqual([i + 1]);
          else expect(ch.tryPull()).toBe(i + 1);
          await sleep(5);
        }
        const [row] = snapshot().channels.filter((channel) => channel.name === `re-parked-${how}`);
        expect(row?.pushers.map((waiter) => waiter.kind)).toEqual(['push']);
      })();
      expect(await collectUntil(() => named(`re-parked-${how}`).length > 0)).toBe(true);
      await settleFinalizers();
      expect(named(`re-parked-${how}`).map((leak) => leak.kind)).toEqual(['push']);
      expect(warn.mock.calls.filter((call) => String(call[0]).includes(`re-parked-${how}`))).toHaveLength(1);
    },
  );
});

describe('long-lived signals', () => {
  it('a signal that also guards an operation on a channel created before enableDebug does not keep an abandoned tracked channel alive', async () => {
    const early = new Channel<number>(0, { name: 'early' }); // untracked: its operation keeps its way out
    const controller = new AbortController();
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    const earlyPull = quiet(early.pull({ signal: controller.signal }));
    const ref = (() => {
      const abandoned = new Channel<number>(0, { name: 'abandoned-with-shared-signal' });
      quiet(abandoned.pull({ signal: controller.signal }));
      return new WeakRef(abandoned);
    })();
    await sleep(5);
    expect(
      await collectUntil(() => ref.deref() === undefined && named('abandoned-with-shared-signal').length > 0),
    ).toBe(true);
    expect(named('abandoned-with-shared-signal').map((leak) => leak.kind)).toEqual(['pull']);
    // The operation on the untracked channel still has its way out.
    controller.abort(new Error('stop'));
    await expect(earlyPull).rejects.toThrow('stop');
    expect(leaks().some((leak) => leak.channel.name === 'early')).toBe(false);
  });

  it('a select parked with a long-lived signal on a tracked channel and a live channel created before enableDebug is not reported (it can still complete)', async () => {
    const early = new Channel<number>(0, { name: 'early-live' });
    const controller = new AbortController();
    enableDebug({ target: { postMessage() {} }, warnLeaks: false });
    const result = (() => {
      const tracked = new Channel<number>(0, { name: 'select-with-early' });
      return select([pull(tracked), pull(early)], { signal: controller.signal });
    })();
    (() => {
      const marker = new Channel<number>(0, { name: 'marker' });
      quiet(marker.pull());
    })();
    await sleep(5);
    expect(await collectUntil(() => named('marker').length > 0)).toBe(true);
    await settleFinalizers();
    expect(named('select-with-early')).toEqual([]);
    early.pushNowait(5);
    expect(await result).toMatchObject({ index: 1, value: 5 });
  });
});

describe('one-case select', () => {
  it('a one-case select abandoned with its channel is one leak of kind select (without stacks too)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    enableDebug({ target: { postMessage() {} } });
    (() => {
      const a = new Channel<number>(0, { name: 'lone-push' });
      quiet(select([push(a, 1)]));
      const b = new Channel<number>(0, { name: 'lone-pull' });
      quiet(select([null, pull(b), undefined]));
    })();
    await sleep(5);
    expect(await collectUntil(() => named('lone-push').length > 0 && named('lone-pull').length > 0)).toBe(true);
    await settleFinalizers();
    expect(named('lone-push').map((leak) => leak.kind)).toEqual(['select']);
    expect(named('lone-pull').map((leak) => leak.kind)).toEqual(['select']);
    expect(warn.mock.calls.filter((call) => /leaked select/.test(String(call[0])))).toHaveLength(2);
  });
});

describe('leaks and a connected inspector', () => {
  it('after clearLeaks the connected inspector gets a snapshot without the cleared leaks at the next interval', async () => {
    const { target, listen, say, snapshots } = recorder();
    enableDebug({ target, listen, intervalMs: 20, warnLeaks: false });
    say(HELLO);
    (() => {
      const lost = new Channel<number>(0, { name: 'cleared-while-connected' });
      quiet(lost.pull());
    })();
    await sleep(5);
    expect(
      await collectUntil(() =>
        snapshots().some((snap) => snap.leaked?.some((leak) => leak.channel.name === 'cleared-while-connected')),
      ),
    ).toBe(true);
    const before = snapshots().length;
    clearLeaks();
    await sleep(60);
    const later = snapshots().slice(before);
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.at(-1)?.leaked).toBeUndefined();
  });

  it('a leak is posted once: later snapshots carry the same leak id, not a new record', async () => {
    const { target, listen, say, snapshots } = recorder();
    enableDebug({ target, listen, intervalMs: 10, warnLeaks: false });
    say(HELLO);
    const keep = new Channel<number>(0, { name: 'kept-busy' });
    (() => {
      const lost = new Channel<number>(0, { name: 'posted-once' });
      quiet(lost.push(1));
    })();
    await sleep(5);
    expect(await collectUntil(() => snapshots().some((snap) => snap.leaked?.length))).toBe(true);
    quiet(keep.pull()); // a change, so that another snapshot is posted
    await sleep(40);
    const ids = new Set(
      snapshots().flatMap((snap) =>
        (snap.leaked ?? []).filter((leak) => leak.channel.name === 'posted-once').map((leak) => leak.id),
      ),
    );
    expect(ids.size).toBe(1);
    expect(
      snapshots()
        .at(-1)
        ?.leaked?.filter((leak) => leak.channel.name === 'posted-once'),
    ).toHaveLength(1);
    keep.close();
  });
});
