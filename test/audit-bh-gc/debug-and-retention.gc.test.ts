/**
 * Audit BH-gc: the converse promises. What nobody waits on is still collectable though a
 * long-lived signal watches it, and debug mode still reports as leaked the waits the signal
 * must not hide ("A signal is no way out", "A loop on a removed element leaks", "Internal
 * feeders leak too"), while what has a way out keeps it.
 */
import { after, broadcast, Channel, fromEvent, merge, pull, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { collectAll, tick } from '../helpers/gc.js';
import { collect, outcome } from './util.js';

/** Counts a `for await` to its end. */
async function count(source: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of source) n++;
  return n;
}

/** The leaks of the current snapshot, as `kind channel-name`, sorted. */
const leaks = (): string[] => (snapshot().leaked ?? []).map((leak) => `${leak.kind} ${leak.channel.name}`).sort();

describe('a long-lived signal lets go of what nobody waits on any more (debug mode off)', () => {
  it('(holds) a loop over fromEvent that broke out after one event: channel and target collected, signal alive', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      refs.push(new WeakRef(target), new WeakRef(events));
      const loop = (async () => {
        for await (const _ of events) break;
      })();
      await tick();
      target.dispatchEvent(new Event('x'));
      await loop;
    })();
    await collectAll(refs);
  });

  it('(holds) an abandoned subscriber with a long-lived signal, nobody reading it: collected with its broadcast', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    (() => {
      const source = new Channel<number>();
      const hub = broadcast(source);
      refs.push(new WeakRef(source), new WeakRef(hub), new WeakRef(hub.subscribe({ signal })));
    })();
    await collectAll(refs);
  });

  it('(holds) a pull parked with the fromEvent channel’s own signal, target dropped and collected: the abort rejects it with the reason', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    const pulled = (() => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal: controller.signal });
      refs.push(new WeakRef(target), new WeakRef(events));
      return events.pull({ signal: controller.signal });
    })();
    await collectAll(refs);
    controller.abort(new Error('both'));
    expect(await outcome(pulled)).toBe('rejected Error: both');
  });
});

describe('debug mode', () => {
  afterEach(() => disableDebug());

  it('(holds) a loop over an abandoned subscriber whose signal never aborts is reported as a leaked pull', async () => {
    enableDebug({ warnLeaks: false });
    const { signal } = new AbortController();
    void (async () => {
      for await (const _ of broadcast(new Channel<number>()).subscribe({ signal })) console.log('never');
    })();
    await tick();
    await collect(8);
    expect(leaks()).toContain('pull subscriber');
  });

  it('(holds) a loop over merge(fromEvent(removed element, …, { signal })) is reported: the merge’s pull and the loop’s', async () => {
    enableDebug({ warnLeaks: false });
    const { signal } = new AbortController();
    (() => {
      const element = new EventTarget();
      void (async () => {
        for await (const _ of merge(fromEvent(element, 'click', { signal }))) console.log('never');
      })();
    })();
    await tick();
    await collect(8);
    expect(leaks()).toEqual(['pull fromEvent(click)', 'pull merge']);
  });

  it('(holds) an abandoned pull with AbortSignal.timeout on a tracked channel is reported, and the timeout does not reach it (documented)', async () => {
    enableDebug({ warnLeaks: false });
    let settled = false;
    void (async () => {
      try {
        await new Channel<number>(0, { name: 'abandoned' }).pull({ signal: AbortSignal.timeout(60) });
      } finally {
        settled = true;
      }
    })();
    await tick();
    await collect(8);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(leaks()).toEqual(['pull abandoned']);
    expect(settled).toBe(false);
  });

  it('(holds) a fromEvent channel created before enableDebug keeps its hold: the abort after collections ends the loop, nothing reported', async () => {
    const controller = new AbortController();
    const ended = (() => {
      const events = fromEvent(new EventTarget(), 'x', { signal: controller.signal });
      enableDebug({ warnLeaks: false });
      return count(events);
    })();
    await collect(8);
    controller.abort();
    expect(await outcome(ended)).toBe('resolved 0');
    expect(leaks()).toEqual([]);
  });

  it('(holds) loops over after and ticker channels with a signal are not leaks (their timers hold them): the abort ends them', async () => {
    enableDebug({ warnLeaks: false });
    const controller = new AbortController();
    const ended = (() => {
      const { signal } = controller;
      return Promise.all([
        count(ticker(10_000_000, { signal })),
        select([pull(new Channel<number>()), pull(after(10_000_000, { signal }))]).then((r) => [r.index, r.ok]),
      ]);
    })();
    await tick();
    await collect(8);
    controller.abort();
    expect(await outcome(ended)).toBe('resolved [0,[1,false]]');
    expect(leaks()).toEqual([]);
  });

  it('(holds) a select without a signal parked on a tracked fromEvent channel gets its hold back at disableDebug', async () => {
    enableDebug({ warnLeaks: false });
    const controller = new AbortController();
    const ended = (async () => {
      const events = fromEvent(new EventTarget(), 'x', { signal: controller.signal });
      const result = await select([pull(events), pull(new Channel<number>())]);
      return [result.index, result.ok];
    })();
    await tick();
    disableDebug();
    await collect(8);
    controller.abort();
    expect(await outcome(ended)).toBe('resolved [0,false]');
  });
});
