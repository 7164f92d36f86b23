// SPEC "Debug mode" and second map "Idle is not stuck": what snapshots list for each kind of
// operation, waiting for input through fromPort, ranking of channels whose waits nothing
// explains, and disable/enable again.
import { after, broadcast, Channel, from, fromEvent, merge, pull, push, select, toReadableStream } from 'chanasync';
import { type ChannelSnapshot, disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { fromPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, quiet, sleep } from './helpers.js';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  disableDebug();
  for (const thing of open.splice(0)) thing.close();
});

/** Each listed channel's waits as `pu:kind` / `pl:kind`, by channel name. */
function kinds(channels: readonly ChannelSnapshot[]): Record<string, string> {
  return Object.fromEntries(
    channels.map((channel) => [
      channel.name,
      [...channel.pushers.map((w) => `pu:${w.kind}`), ...channel.pullers.map((w) => `pl:${w.kind}`)].join(','),
    ]),
  );
}

describe('every kind of parked operation is listed with its kind, with or without stacks', () => {
  it('push, pull, pullMany, pushAll, select cases, one-case selects, iteration, a stream read, merge, broadcast and from(channel) relays', async () => {
    const seen: Record<string, string>[] = [];
    for (const stacks of [false, true]) {
      enableDebug({ target: { postMessage() {} }, stacks });
      const keep: Channel<number>[] = [];
      const mk = (name: string, capacity = 0) => {
        const channel = new Channel<number>(capacity, { name });
        keep.push(channel);
        return channel;
      };
      quiet(mk('push').push(1));
      quiet(mk('pull').pull());
      quiet(mk('pullMany').pullMany(2));
      quiet(mk('pushAll').pushAll([1, 2]));
      quiet(select([pull(mk('sel-a')), push(mk('sel-b'), 1)]));
      quiet(select([pull(mk('lone-pull'))]));
      quiet(select([push(mk('lone-push'), 1)]));
      quiet(mk('iter')[Symbol.asyncIterator]().next());
      quiet(toReadableStream(mk('stream')).getReader().read());
      const merged = merge(mk('merge-in-1'), mk('merge-in-2'));
      quiet(merged.pull());
      const hub = broadcast(mk('bsrc'));
      quiet(hub.subscribe().pull());
      const fromChannel = from(mk('from-src'));
      quiet(fromChannel.pull());
      await sleep(10);
      seen.push(kinds(snapshot().channels));
      for (const channel of [...keep, merged, fromChannel]) channel.close();
      hub.close();
      disableDebug();
    }
    const expected = {
      push: 'pu:push',
      pull: 'pl:pull',
      pullMany: 'pl:pull',
      pushAll: 'pu:push',
      'sel-a': 'pl:select',
      'sel-b': 'pu:select',
      'lone-pull': 'pl:select',
      'lone-push': 'pu:select',
      iter: 'pl:pull',
      stream: 'pl:pull',
      'merge-in-1': 'pl:pull',
      'merge-in-2': 'pl:pull',
      merge: 'pl:pull',
      bsrc: 'pl:pull',
      subscriber: 'pl:pull',
      'from-src': 'pl:pull',
      from: 'pl:pull',
    };
    expect(seen[0]).toEqual(expected);
    expect(seen[1]).toEqual(expected);
  });
});

describe('waiting for input through fromPort', () => {
  it('a select with a case on a fromPort channel waits for input as a whole, its case on an application channel too', async () => {
    enableDebug({ target: { postMessage() {} } });
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const remote = fromPort<number>(port2, { name: 'remote' });
    const replies = new Channel<number>(0, { name: 'replies' });
    const next = quiet(select([pull(replies), pull(remote)]));
    await sleep(5);
    const rows = byName(snapshot());
    expect(rows.remote?.input).toBe(true);
    expect(rows.replies?.input).toBeUndefined();
    expect(rows.replies?.pullers).toHaveLength(1);
    expect(rows.replies?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    expect(rows.remote?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    expect(rows.replies?.pullers[0]?.select).toBe(rows.remote?.pullers[0]?.select);
    replies.close();
    await next.catch(() => {});
  });

  it('a merge of a fromPort channel and an application channel waits for input on both', async () => {
    enableDebug({ target: { postMessage() {} } });
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const remote = fromPort<number>(port2, { name: 'remote-merged' });
    const cancel = new Channel<number>(0, { name: 'cancel' });
    const merged = merge(remote, cancel);
    quiet(merged.pull());
    await sleep(5);
    const rows = byName(snapshot());
    expect(rows.merge?.input).toBe(true);
    expect(rows.merge?.pullers[0]?.input).toBe(true);
    expect(rows.cancel?.pullers[0]?.input).toBe(true);
    merged.close();
  });

  it('a select with a case on a fromPort channel created before enableDebug waits for input (the untracked channel is not listed)', async () => {
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const remote = fromPort<number>(port2, { name: 'remote-early' });
    enableDebug({ target: { postMessage() {} } });
    const replies = new Channel<number>(0, { name: 'replies-late' });
    quiet(select([pull(remote), pull(replies)]));
    await sleep(5);
    const rows = byName(snapshot());
    expect(rows['remote-early']).toBeUndefined();
    expect(rows['replies-late']?.pullers[0]).toMatchObject({ kind: 'select', input: true });
    replies.close();
  });
});

describe('ranking of channels whose waits nothing explains', () => {
  it('a channel ranks by its oldest wait that nothing explains, not by an older wait for input on it', async () => {
    enableDebug({ target: { postMessage() {} } });
    const clicks = new Channel<number>(1, { name: 'clicks', input: true });
    const shared = new Channel<number>(0, { name: 'shared' });
    const stuck = new Channel<number>(0, { name: 'stuck' });
    // t0: a select waits on clicks or shared: explained by input.
    quiet(select([pull(clicks), pull(shared)]));
    await sleep(30);
    // t1: a plain pull on `stuck`, nothing explains it.
    quiet(stuck.pull());
    await sleep(30);
    // t2: a plain pull on `shared`, nothing explains it either; younger than the one on `stuck`.
    quiet(shared.pull());
    await sleep(5);
    const snap = snapshot();
    const rows = byName(snap);
    const unexplained = (name: string) =>
      Math.min(...[...rows[name]!.pushers, ...rows[name]!.pullers].filter((w) => !w.input).map((w) => w.since));
    expect(unexplained('stuck')).toBeLessThan(unexplained('shared'));
    const order = snap.channels.map((channel) => channel.name);
    // README: "snapshot() lists channels whose waits nothing explains first … within each group
    // the longest-waiting first": `stuck` has waited longest without explanation.
    expect(order.indexOf('stuck')).toBeLessThan(order.indexOf('shared'));
  });

  it('a channel with a wait nothing explains behind 100 older waits for input still ranks with the unexplained ones', async () => {
    enableDebug({ target: { postMessage() {} } });
    const idleInput = new Channel<number>(0, { name: 'idle-input', input: true });
    quiet(idleInput.pull()); // the oldest wait of all, explained by input
    await sleep(5);
    const clicks = new Channel<number>(1, { name: 'clicks-many', input: true });
    const shutdown = new Channel<number>(0, { name: 'shutdown' });
    // 100 components wait for a click or the shutdown: explained by input.
    for (let i = 0; i < 100; i++) quiet(select([pull(clicks), pull(shutdown)]));
    await sleep(5);
    // One more wait on `shutdown` that nothing explains.
    quiet(shutdown.pull());
    await sleep(5);
    const snap = snapshot();
    const rows = byName(snap);
    expect(rows.shutdown?.waiting).toEqual({ pushers: 0, pullers: 101 });
    const order = snap.channels.map((channel) => channel.name);
    // `shutdown` has a wait nothing explains: it belongs with the channels listed first, before a
    // channel whose only wait is explained by input (README "Ranking").
    expect(order.indexOf('shutdown')).toBeLessThan(order.indexOf('idle-input'));
  });

  it('past the snapshot-wide waiter budget, a channel cut to its oldest waits keeps its oldest wait nothing explains, and stays first', async () => {
    enableDebug({ target: { postMessage() {} } });
    const clicks = new Channel<number>(1, { name: 'clicks', input: true });
    open.push(clicks);
    // 120 busy channels of 100 plain pulls each (12 000 waits: past the 10 000 listed in all),
    // each older than the waits below, so they keep their lists and the budget runs out first.
    for (let i = 0; i < 120; i++) {
      const busy = new Channel<number>(0, { name: `busy-${i}` });
      open.push(busy);
      for (let j = 0; j < 100; j++) quiet(busy.pull());
    }
    await sleep(5);
    // `late`: 3 waits for input (a select with the clicks), then one nothing explains.
    const late = new Channel<number>(0, { name: 'late' });
    open.push(late);
    for (let i = 0; i < 3; i++) quiet(select([pull(clicks), pull(late)]));
    await sleep(5);
    quiet(late.pull());
    await sleep(5);
    const snap = snapshot();
    const row = byName(snap).late;
    expect(row, 'late is listed').toBeDefined();
    expect(row?.waiting).toEqual({ pushers: 0, pullers: 4 });
    // Its oldest wait, and the one that makes it maybe stuck.
    expect(row?.pullers.map((waiter) => waiter.input === true)).toEqual([true, false]);
    // 12 000 busy, 4 on late, 3 select cases on clicks: 10 000 listed in all.
    const listed = snap.channels.reduce((sum, channel) => sum + channel.pushers.length + channel.pullers.length, 0);
    expect(listed).toBe(10_000);
    expect(snap.truncated?.waiters).toBe(12_007 - 10_000);
    // It ranks with the channels whose waits nothing explains, by that wait: after the busy ones.
    const order = snap.channels.map((channel) => channel.name);
    expect(order.indexOf('late')).toBe(120);
    expect(order.indexOf('clicks')).toBeGreaterThan(120);
  });

  it('a channel with only waits for input ranks after every channel with a wait nothing explains, however old its waits', async () => {
    enableDebug({ target: { postMessage() {} } });
    const events = new EventTarget();
    const input = fromEvent(events, 'tick');
    open.push(input);
    quiet(input.pull());
    const timer = after(60_000);
    open.push(timer);
    quiet(timer.pull());
    await sleep(20);
    const young = new Channel<number>(0, { name: 'young-stuck' });
    quiet(young.push(1));
    await sleep(5);
    const order = snapshot().channels.map((channel) => channel.name);
    expect(order[0]).toBe('young-stuck');
    young.close();
  });
});

describe('waits on an input channel', () => {
  it('(documented) pushes parked on a full block-mode fromEvent channel are listed as waiting for input', async () => {
    enableDebug({ target: { postMessage() {} } });
    const target = new EventTarget();
    const events = fromEvent(target, 'job', { overflow: 'block', capacity: 1 });
    open.push(events);
    for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('job'));
    await sleep(5);
    const [row] = snapshot().channels.filter((channel) => channel.name === 'fromEvent(job)');
    expect(row?.size).toBe(1);
    expect(row?.pushers.map((w) => [w.kind, w.input])).toEqual([
      ['push', true],
      ['push', true],
    ]);
  });
});

describe('disable and enable again', () => {
  it('a new session lists only its own channels; a select spanning an old and a new channel is listed on the new one only', async () => {
    enableDebug({ target: { postMessage() {} } });
    const old = new Channel<number>(0, { name: 'old' });
    quiet(old.pull());
    await sleep(5);
    expect(byName(snapshot()).old?.pullers).toHaveLength(1);
    disableDebug();
    expect(snapshot().channels).toEqual([]);
    const between = new Channel<number>(0, { name: 'between' });
    quiet(between.pull());
    enableDebug({ target: { postMessage() {} } });
    const fresh = new Channel<number>(0, { name: 'fresh' });
    const start = Date.now();
    const result = select([pull(old), pull(fresh)]);
    await sleep(5);
    const rows = byName(snapshot());
    expect(Object.keys(rows)).toEqual(['fresh']);
    expect(rows.fresh?.pullers).toHaveLength(1);
    expect(rows.fresh?.pullers[0]).toMatchObject({ kind: 'select' });
    expect(rows.fresh?.pullers[0]?.since).toBeGreaterThanOrEqual(start - 1);
    // The old channel still works as before.
    old.pushNowait(2); // to the plain pull parked first, in the earlier session
    old.pushNowait(3);
    expect(await result).toMatchObject({ index: 0, value: 3 });
    await sleep(0);
    expect(byName(snapshot()).fresh?.pullers).toEqual([]);
    for (const channel of [old, between, fresh]) channel.close();
  });
});
