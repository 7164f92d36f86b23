/**
 * Audit BH-gc: the defects found. Each test named BH-G… failed on the code audited (1384f0f,
 * see FINDINGS.md) and passes since the fix; the "(holds)" tests beside them are their controls.
 */
import { broadcast, Channel, from, fromEvent, merge, pull, push, select, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { collectAll } from '../helpers/gc.js';
import { collect, handled, outcome } from './util.js';

describe('BH-G1: a push waiting on a channel its signal closes is held, so the abort ends it', () => {
  it('(holds) control, no collection: the abort closes the channel, and each parked push rejects closed', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const events = fromEvent(new EventTarget(), 'x', { signal, overflow: 'block', capacity: 1 });
    events.tryPush(new Event('queued'));
    const mine = broadcast(new Channel<number>()).subscribe({ signal, capacity: 1 });
    mine.tryPush(0);
    const rendezvous = fromEvent(new EventTarget(), 'x', { signal, overflow: 'block', capacity: 0 });
    const waits = [
      events.push(new Event('mine')),
      mine.pushAll([1, 2, 3]),
      select([push(rendezvous, new Event('mine')), pull(new Channel<number>())]),
    ];
    controller.abort();
    for (const wait of waits) expect(await outcome(wait)).toMatch(/^rejected ChannelClosedError/);
  });

  it('BH-G1a: a push parked on a full block-mode fromEvent channel, target dropped, collected: the abort must reject it closed', async () => {
    const controller = new AbortController();
    let finallyRan = false;
    const ended = (async () => {
      const events = fromEvent(new EventTarget(), 'x', { signal: controller.signal, overflow: 'block', capacity: 1 });
      events.tryPush(new Event('queued'));
      try {
        await events.push(new Event('mine'));
        return 'pushed';
      } finally {
        finallyRan = true;
      }
    })();
    await collect();
    controller.abort();
    expect(await outcome(ended, 1000)).toMatch(/^rejected ChannelClosedError/);
    expect(finallyRan).toBe(true);
  });

  it('BH-G1b: a pushAll parked on a full broadcast subscriber, broadcast dropped, collected: its AbortSignal.timeout must reject it closed', async () => {
    const ended = handled(
      (async () => {
        const mine = broadcast(new Channel<number>()).subscribe({ signal: AbortSignal.timeout(100), capacity: 1 });
        await mine.pushAll([1, 2, 3]);
        return 'pushed';
      })(),
    );
    await collect();
    expect(await outcome(ended, 1000)).toMatch(/^rejected ChannelClosedError/);
  });

  it('BH-G1c: a select without a signal, push case on a capacity-0 fromEvent channel, collected: the abort must reject it closed', async () => {
    const controller = new AbortController();
    const ended = (async () => {
      const events = fromEvent(new EventTarget(), 'x', { signal: controller.signal, overflow: 'block', capacity: 0 });
      await select([push(events, new Event('mine')), pull(new Channel<number>())]);
      return 'selected';
    })();
    await collect();
    controller.abort();
    // SPEC: a push case whose channel is closed while the select waits makes it reject closed.
    expect(await outcome(ended, 1000)).toMatch(/^rejected ChannelClosedError/);
  });
});

/** Relays that read ahead: each parks a pull on its fromEvent input though nobody reads the relay. */
const readAhead: Record<string, (events: Channel<Event>) => object> = {
  'merge(events, other)': (events) => merge(events, new Channel<Event>()),
  'from(events, { capacity: 1 })': (events) => from(events, { capacity: 1 }),
  'broadcast(events).subscribe()': (events) => broadcast(events).subscribe(),
  'toReadableStream(events, { highWaterMark: 1 })': (events) => toReadableStream(events, { highWaterMark: 1 }),
};

describe('BH-G2: an abandoned read-ahead relay over fromEvent is not kept by a long-lived signal, nor its input and the target', () => {
  for (const [name, relay] of Object.entries(readAhead)) {
    it(`BH-G2: ${name}, nobody reading it, target dropped, long-lived signal: must be collected`, async () => {
      const { signal } = new AbortController();
      const refs: WeakRef<object>[] = [];
      (() => {
        const target = new EventTarget();
        const events = fromEvent(target, 'x', { signal });
        refs.push(new WeakRef(target), new WeakRef(events), new WeakRef(relay(events)));
      })();
      await collectAll(refs);
    });
  }

  it('(holds) control: the same fromEvent channel with nothing reading ahead is collected though its signal lives', async () => {
    const { signal } = new AbortController();
    const refs: WeakRef<object>[] = [];
    (() => {
      const target = new EventTarget();
      const events = fromEvent(target, 'x', { signal });
      refs.push(
        new WeakRef(target),
        new WeakRef(events),
        new WeakRef(from(events)),
        new WeakRef(toReadableStream(events)),
      );
    })();
    await collectAll(refs);
  });

  it('(holds) control: the abandoned relays go once their signal aborts', async () => {
    const controller = new AbortController();
    const refs: WeakRef<object>[] = [];
    (() => {
      for (const relay of Object.values(readAhead)) {
        const target = new EventTarget();
        const events = fromEvent(target, 'x', { signal: controller.signal });
        refs.push(new WeakRef(target), new WeakRef(relay(events)));
      }
    })();
    await collect(2);
    controller.abort();
    await collectAll(refs);
  });
});
