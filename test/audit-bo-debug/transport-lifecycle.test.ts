// The postMessage channel a stuck program's snapshots travel on, and the lifecycle a developer
// goes through: enable (twice, late), disable, re-enable; ports.
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
import { isPageToInspectorMessage } from 'chanasync/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BYE, counts, HELLO, quiet, recorder, row, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
  vi.useRealTimers();
});

describe('the postMessage channel, with a stuck program', () => {
  it('announce first (one argument to a non-window target), nothing else until hello', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    quiet(stuck.pull());
    await vi.advanceTimersByTimeAsync(2000);
    expect(rec.calls).toEqual([[{ source: 'chanasync', version: 1, type: 'announce' }]]);
    stuck.close();
  });

  it('hello: the stuck channel at once; throttled; only on change; its clearing posted; nothing after bye', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen, intervalMs: 250 });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    const pending = stuck.pull();
    await vi.advanceTimersByTimeAsync(1000);
    rec.say(HELLO);
    let snaps = rec.snapshots();
    expect(snaps).toHaveLength(1);
    const first = snaps[0]!;
    expect(isPageToInspectorMessage(first)).toBe(true);
    expect(first).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    expect(typeof first.seq).toBe('number');
    expect(typeof first.instance).toBe('string');
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(structuredClone(first)).toEqual(first);
    expect(row(first, 'stuck').pullers).toHaveLength(1);
    for (const call of rec.calls) expect(call).toHaveLength(1);

    // Nothing changes for a while: nothing is posted (the stuck wait only ages).
    await vi.advanceTimersByTimeAsync(2000);
    expect(rec.snapshots()).toHaveLength(1);

    // Several changes inside one interval: one snapshot at the end of it, with the latest state.
    const more = new Channel<number>(2, { name: 'more' });
    more.pushNowait(1);
    await vi.advanceTimersByTimeAsync(10);
    more.pushNowait(2);
    await vi.advanceTimersByTimeAsync(300);
    snaps = rec.snapshots();
    expect(snaps).toHaveLength(2);
    expect(counts(row(snaps[1]!, 'more'))).toMatchObject({ size: 2, capacity: 2 });
    expect(snaps[1]!.seq!).toBeGreaterThan(snaps[0]!.seq!);

    // The program proceeds: the clearing reaches the inspector.
    stuck.pushNowait(42);
    expect(await pending).toBe(42);
    await vi.advanceTimersByTimeAsync(300);
    snaps = rec.snapshots();
    expect(snaps).toHaveLength(3);
    expect(row(snaps[2]!, 'stuck').pullers).toHaveLength(0);

    // Bye: nothing more, whatever happens.
    rec.say(BYE);
    quiet(stuck.pull());
    await vi.advanceTimersByTimeAsync(2000);
    expect(rec.snapshots()).toHaveLength(3);
    stuck.close();
  });

  it('at most one snapshot per intervalMs while a program churns', async () => {
    vi.useFakeTimers();
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen, intervalMs: 100 });
    const ch = new Channel<number>(10, { name: 'churn' });
    rec.say(HELLO);
    for (let i = 0; i < 100; i++) {
      ch.tryPush(i);
      if (i % 3 === 0) ch.tryPull();
      await vi.advanceTimersByTimeAsync(10);
    }
    // 1000 ms of changes every 10 ms: the one at hello plus at most one per 100 ms.
    expect(rec.snapshots().length).toBeLessThanOrEqual(1 + 10 + 1);
    expect(rec.snapshots().length).toBeGreaterThanOrEqual(5);
    ch.close();
  });

  it('malformed inspector messages neither connect nor throw', async () => {
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen });
    for (const data of [
      null,
      42,
      'hello',
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 1, type: 'HELLO' },
    ]) {
      expect(() => rec.say(data)).not.toThrow();
    }
    expect(rec.snapshots()).toHaveLength(0);
  });

  it('disableDebug while connected posts a last snapshot with no channels', () => {
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    quiet(stuck.pull());
    rec.say(HELLO);
    disableDebug();
    const snaps = rec.snapshots();
    expect(snaps.at(-1)!.channels).toEqual([]);
    stuck.close();
  });
});

describe('lifecycle: enabling late, twice, disabling', () => {
  it('a channel created before enableDebug is not listed, and its operations are unaffected', async () => {
    const early = new Channel<number>(0, { name: 'early' });
    const earlyPull = early.pull();
    enableDebug({ target: { postMessage() {} } });
    const late = new Channel<number>(0, { name: 'late' });
    quiet(late.pull());
    const names = snapshot().channels.map((c) => c.name);
    expect(names).toEqual(['late']);
    early.pushNowait(1);
    expect(await earlyPull).toBe(1);
    late.close();
  });

  it('a select over an early and a late channel is listed on the late one, as a select', async () => {
    const early = new Channel<number>(0, { name: 'early' });
    enableDebug({ target: { postMessage() {} } });
    const late = new Channel<number>(0, { name: 'late' });
    const pending = select([pull(early), pull(late)]);
    await sleep(0);
    expect(row(snapshot(), 'late').pullers).toEqual([expect.objectContaining({ kind: 'select' })]);
    early.pushNowait(3);
    expect((await pending).value).toBe(3);
    expect(row(snapshot(), 'late').pullers).toHaveLength(0);
  });

  it('enabling twice starts over (documented): channels of the first session are no longer listed', () => {
    enableDebug({ target: { postMessage() {} } });
    const first = new Channel<number>(0, { name: 'first' });
    quiet(first.pull());
    enableDebug({ target: { postMessage() {} }, stacks: true });
    const second = new Channel<number>(0, { name: 'second' });
    quiet(second.pull());
    const snap = snapshot();
    expect(snap.channels.map((c) => c.name)).toEqual(['second']);
    expect(snap.channels[0]!.createdAt).toBeTypeOf('string');
    first.close();
    second.close();
  });

  it('enableDebug twice with the same listen leaves one listener: one snapshot per hello', () => {
    const rec = recorder();
    enableDebug({ target: rec.target, listen: rec.listen });
    enableDebug({ target: rec.target, listen: rec.listen });
    new Channel<number>(1, { name: 'x' });
    rec.say(HELLO);
    expect(rec.snapshots()).toHaveLength(1);
    expect(rec.messages().filter((m) => m.type === 'announce')).toHaveLength(2);
  });

  it('disableDebug: snapshot() is empty, channels keep working, a later enable sees only new channels', async () => {
    enableDebug({ target: { postMessage() {} } });
    const ch = new Channel<number>(0, { name: 'tracked' });
    const pending = ch.pull();
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    expect(snapshot()).toMatchObject({ source: 'chanasync', version: 1, type: 'snapshot' });
    ch.pushNowait(9);
    expect(await pending).toBe(9);
    disableDebug(); // twice: harmless
    enableDebug({ target: { postMessage() {} } });
    const again = new Channel<number>(0, { name: 'again' });
    quiet(again.pull());
    expect(snapshot().channels.map((c) => c.name)).toEqual(['again']);
    again.close();
  });

  it('ids never repeat across sessions', () => {
    enableDebug({ target: { postMessage() {} } });
    new Channel(0, { name: 'a' });
    const idA = row(snapshot(), 'a').id;
    enableDebug({ target: { postMessage() {} } });
    new Channel(0, { name: 'b' });
    expect(row(snapshot(), 'b').id).toBeGreaterThan(idA);
  });
});

describe('port receivers', () => {
  it('a reader of fromPort waits for input; values from toPort clear it; close ends both', async () => {
    enableDebug({ target: { postMessage() {} } });
    const { port1, port2 } = new MessageChannel();
    try {
      const local = new Channel<number>(0, { name: 'local' });
      const remote = fromPort<number>(port2, { name: 'jobs', capacity: 1 });
      const sending = toPort(local, port1, { name: 'jobs' });
      const pending = quiet(remote.pull());
      // Messages cross the port in macrotasks: wait (up to 5 s) for the credit to reach toPort.
      await vi.waitFor(() => expect(row(snapshot(), 'local').pullers).toHaveLength(1), { timeout: 5000 });
      let snap = snapshot();
      const reader = snap.channels.find((c) => c.pullers.length > 0 && c.name !== 'local');
      expect(reader).toBeDefined();
      expect(reader!.input).toBe(true);
      expect(reader!.pullers[0]).toMatchObject({ kind: 'pull', input: true });
      await local.push(5);
      expect(await pending).toBe(5);
      local.close();
      const result = await sending;
      expect(result.undelivered).toEqual([]);
      await expect(remote.pull()).rejects.toThrow();
      await vi.waitFor(
        () => {
          snap = snapshot();
          for (const c of snap.channels) expect(counts(c)).toMatchObject({ pushers: 0, pullers: 0 });
        },
        { timeout: 5000 },
      );
    } finally {
      port1.close();
      port2.close();
    }
  });
});
