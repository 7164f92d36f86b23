// "Idle is not stuck" (SPEC second map): waits on channels fed by the outside world — fromEvent,
// after, ticker, fromPort — or a select including such a case are waiting for input and never
// marked stuck; an application can declare any channel's waits as expected (README: the
// `input: true` channel option). Snapshot ranking (README "Ranking"): maybe-stuck channels first,
// then waiting for input, then idle; within each group the longest waiting first.
import { after as afterMs, broadcast, Channel, fromEvent, merge, pull, push, select, ticker } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, fakeTarget, find, quiet, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
});

const on = () => enableDebug({ target: fakeTarget() });
const isInput = (w: { input?: boolean }) => w.input === true;

describe('waiting for input is not stuck', () => {
  it('a plain pull on an application channel is not marked as waiting for input (it may be stuck)', () => {
    on();
    const ch = new Channel<number>(0, { name: 'replies' });
    quiet(ch.pull());
    const c = find(snapshot(), 'replies')!;
    expect(c.input === true).toBe(false);
    expect(isInput(c.pullers[0]!)).toBe(false);
    ch.close();
  });

  it('a pull on a fromEvent channel is waiting for input', () => {
    on();
    const target = new EventTarget();
    const ac = new AbortController();
    const clicks = fromEvent(target, 'click', { signal: ac.signal });
    quiet(clicks.pull());
    const snap = snapshot();
    expect(snap.channels).toHaveLength(1);
    const c = snap.channels[0]!;
    expect(c.input).toBe(true);
    expect(c.pullers).toHaveLength(1);
    expect(isInput(c.pullers[0]!)).toBe(true);
    ac.abort();
  });

  it('a pull on an after() channel is waiting for input', () => {
    on();
    const ac = new AbortController();
    const t = afterMs(60_000, { signal: ac.signal });
    quiet(t.pull());
    const c = snapshot().channels.find((ch) => ch.pullers.length > 0)!;
    expect(c).toBeDefined();
    expect(isInput(c.pullers[0]!)).toBe(true);
    ac.abort();
  });

  it('a pull on a ticker() channel is waiting for input', () => {
    on();
    const tick = ticker(60_000);
    quiet(tick.pull());
    const c = snapshot().channels.find((ch) => ch.pullers.length > 0)!;
    expect(c).toBeDefined();
    expect(isInput(c.pullers[0]!)).toBe(true);
    tick.close();
  });

  it('a pull on a fromPort() channel is waiting for input', () => {
    on();
    const { port1, port2 } = new MessageChannel();
    try {
      const incoming = fromPort<number>(port1, { name: 'in' });
      quiet(incoming.pull());
      const c = snapshot().channels.find((ch) => ch.pullers.length > 0)!;
      expect(c).toBeDefined();
      expect(isInput(c.pullers[0]!)).toBe(true);
      incoming.close();
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('a pull on a Channel.from() channel is waiting for input (README)', async () => {
    on();
    const source = (async function* () {
      await new Promise(() => {}); // never yields
      yield 1;
    })();
    const fed = Channel.from(source);
    quiet(fed.pull());
    await sleep(0);
    const c = snapshot().channels.find((ch) => ch.pullers.length > 0)!;
    expect(c).toBeDefined();
    expect(isInput(c.pullers[0]!)).toBe(true);
    fed.close();
  });

  it('a pull on a broadcast subscriber of an input channel is waiting for input (README)', async () => {
    on();
    const target = new EventTarget();
    const ac = new AbortController();
    const hub = broadcast(fromEvent(target, 'click', { signal: ac.signal }));
    const sub = hub.subscribe();
    quiet(sub.pull());
    await sleep(0);
    const subRow = snapshot().channels.find((ch) =>
      ch.pullers.some((w) => w.kind === 'pull' && ch.capacity === 1 && ch.overflow === 'block'),
    );
    expect(subRow).toBeDefined();
    expect(subRow!.pullers.every(isInput)).toBe(true);
    hub.close();
    ac.abort();
  });

  it('every case of a select with a case on an input channel is waiting for input', () => {
    on();
    const target = new EventTarget();
    const clicks = fromEvent(target, 'click');
    const replies = new Channel<string>(0, { name: 'replies' });
    const out = new Channel<string>(0, { name: 'out' });
    quiet(select([pull(clicks), pull(replies), push(out, 'x')]));
    const snap = byName(snapshot());
    expect(isInput(snap.replies!.pullers[0]!)).toBe(true);
    expect(isInput(snap.out!.pushers[0]!)).toBe(true);
    expect(snap.replies!.pullers[0]!.kind).toBe('select');
    clicks.close();
    replies.close();
    out.close();
  });

  it('a select of application channels only is not waiting for input', () => {
    on();
    const a = new Channel<string>(0, { name: 'a' });
    const b = new Channel<string>(0, { name: 'b' });
    quiet(select([pull(a), pull(b)]));
    const snap = byName(snapshot());
    expect(isInput(snap.a!.pullers[0]!)).toBe(false);
    expect(isInput(snap.b!.pullers[0]!)).toBe(false);
    a.close();
    b.close();
  });

  it('the cases of one select share a select id; two selects have different ids (README)', () => {
    on();
    const a = new Channel<string>(0, { name: 'a' });
    const b = new Channel<string>(0, { name: 'b' });
    quiet(select([pull(a), pull(b)]));
    quiet(select([pull(a), pull(b)]));
    const snap = byName(snapshot());
    const [a1, a2] = snap.a!.pullers;
    const [b1, b2] = snap.b!.pullers;
    expect(a1!.select).toBeDefined();
    expect(a1!.select).toEqual(b1!.select);
    expect(a2!.select).toEqual(b2!.select);
    expect(a1!.select).not.toEqual(a2!.select);
    a.close();
    b.close();
  });

  it('an application declares a channel as fed from outside with { input: true }', () => {
    on();
    const sockets = new Channel<string>(4, { name: 'socket-messages', input: true });
    quiet(sockets.pull());
    const c = find(snapshot(), 'socket-messages')!;
    expect(c.input).toBe(true);
    expect(isInput(c.pullers[0]!)).toBe(true);
    sockets.close();
  });

  it('input must be a boolean (README: anything else is a TypeError)', () => {
    expect(() => new Channel<number>(0, { input: 'yes' as any })).toThrow(TypeError);
  });

  it('a merge with an input channel among its inputs waits for input on all of them (README)', async () => {
    on();
    const target = new EventTarget();
    const ac = new AbortController();
    const clicks = fromEvent(target, 'click', { signal: ac.signal });
    const cancel = new Channel<string>(0, { name: 'cancel' });
    const m = merge(clicks, cancel);
    quiet(m.pull());
    await sleep(0);
    const c = find(snapshot(), 'cancel')!;
    expect(c.pullers.length).toBeGreaterThan(0);
    expect(c.pullers.every(isInput)).toBe(true);
    ac.abort();
    cancel.close();
  });

  it('once the merge input fed from outside has ended, waits on the merge are judged as any (README)', async () => {
    on();
    const timer = afterMs(5);
    const app = new Channel<string>(0, { name: 'app-input' });
    const m = merge(timer, app);
    expect(await m.pull()).toEqual(expect.any(Number));
    await sleep(20); // after() has closed
    quiet(m.pull());
    await sleep(0);
    const snap = snapshot();
    const appRow = find(snap, 'app-input')!;
    expect(appRow.pullers.length).toBeGreaterThan(0);
    expect(appRow.pullers.some(isInput)).toBe(false);
    const mergeRow = snap.channels.find((c) => c.name === 'merge')!;
    expect(mergeRow.pullers.some(isInput)).toBe(false);
    app.close();
  });
});

describe('snapshot ranking', () => {
  it('lists channels with unexplained waits first, then channels waiting for input, then idle ones', async () => {
    on();
    const idle = new Channel<number>(1, { name: 'idle' });
    const waitsForInput = new Channel<number>(0, { name: 'input-wait', input: true });
    quiet(waitsForInput.pull());
    await sleep(10);
    const maybeStuck = new Channel<number>(0, { name: 'maybe-stuck' });
    quiet(maybeStuck.push(1));
    expect(snapshot().channels.map((c) => c.name)).toEqual(['maybe-stuck', 'input-wait', 'idle']);
    waitsForInput.close();
    maybeStuck.close();
    void idle;
  });

  it('among channels with unexplained waits, the longest-waiting comes first', async () => {
    on();
    const newer = new Channel<number>(0, { name: 'newer-channel' });
    const older = new Channel<number>(0, { name: 'older-wait' });
    quiet(older.pull());
    await sleep(25);
    quiet(newer.push(1));
    await sleep(25);
    const third = new Channel<number>(0, { name: 'third' });
    quiet(third.pull());
    expect(snapshot().channels.map((c) => c.name)).toEqual(['older-wait', 'newer-channel', 'third']);
    newer.close();
    older.close();
    third.close();
  });
});
