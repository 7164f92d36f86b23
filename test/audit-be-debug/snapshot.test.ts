// What a snapshot contains: SPEC "Debug mode (`chanasync/debug`)" — the snapshot, channel and
// waiter shapes — written from the contract, as a developer debugging a stuck app would read it.
import { Channel, pull, push, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, fakeTarget, find, quiet, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
});

const on = (stacks = false) => enableDebug({ target: fakeTarget(), stacks });

describe('snapshot() envelope', () => {
  it('returns { source: "chanasync", version: 1, type: "snapshot", time, channels }', () => {
    on();
    const before = Date.now();
    const snap = snapshot();
    const after = Date.now();
    expect(snap.source).toBe('chanasync');
    expect(snap.version).toBe(1);
    expect(snap.type).toBe('snapshot');
    expect(typeof snap.time).toBe('number');
    expect(snap.time).toBeGreaterThanOrEqual(before);
    expect(snap.time).toBeLessThanOrEqual(after);
    expect(Array.isArray(snap.channels)).toBe(true);
  });

  it('survives structuredClone and JSON round trips unchanged', async () => {
    on(true);
    const a = new Channel<() => void>(Infinity, { name: 'fns' });
    a.pushNowait(() => {}); // a function: not cloneable, must not be in the snapshot
    const b = new Channel<number>(0, { name: 'rendezvous' });
    quiet(b.push(1));
    quiet(select([pull(b), push(new Channel<number>(0, { name: 'sel' }), 2)]));
    const snap = snapshot();
    expect(() => structuredClone(snap)).not.toThrow();
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    a.close();
    b.close();
  });
});

describe('ChannelSnapshot fields', () => {
  it('lists a channel with id, name, capacity, size, closed, overflow, pushers and pullers', () => {
    on();
    const ch = new Channel<number>(4, { name: 'jobs' });
    ch.pushNowait(1);
    ch.pushNowait(2);
    const c = find(snapshot(), 'jobs');
    expect(c).toBeDefined();
    expect(c).toMatchObject({ name: 'jobs', capacity: 4, size: 2, closed: false, overflow: 'block' });
    expect(c!.id === undefined || c!.id === null).toBe(false);
    expect(c!.pushers).toEqual([]);
    expect(c!.pullers).toEqual([]);
  });

  it('gives each tracked channel a distinct id that is stable across snapshots', () => {
    on();
    const a = new Channel(0, { name: 'a' });
    const b = new Channel(0, { name: 'b' });
    const first = byName(snapshot());
    const second = byName(snapshot());
    expect(first.a!.id).not.toEqual(first.b!.id);
    expect(second.a!.id).toEqual(first.a!.id);
    expect(second.b!.id).toEqual(first.b!.id);
    void a;
    void b;
  });

  it('reports capacity 0 for unbuffered, the number for buffered and null for Infinity', () => {
    on();
    new Channel(0, { name: 'unbuffered' });
    new Channel(7, { name: 'buffered' });
    new Channel(Infinity, { name: 'unbounded' });
    const snap = byName(snapshot());
    expect(snap.unbuffered!.capacity).toBe(0);
    expect(snap.buffered!.capacity).toBe(7);
    expect(snap.unbounded!.capacity).toBeNull();
    expect(JSON.stringify(snapshot())).not.toContain('Infinity');
  });

  it('reports the overflow policy of each channel', () => {
    on();
    new Channel(2, { name: 'old', overflow: 'drop-oldest' });
    new Channel(2, { name: 'new', overflow: 'drop-newest' });
    new Channel(2, { name: 'blk' });
    const snap = byName(snapshot());
    expect(snap.old!.overflow).toBe('drop-oldest');
    expect(snap.new!.overflow).toBe('drop-newest');
    expect(snap.blk!.overflow).toBe('block');
  });

  it('tracks buffer occupancy as it changes (size), including drop-mode channels at capacity', () => {
    on();
    const ch = new Channel<number>(3, { name: 'occ' });
    const sliding = new Channel<number>(2, { name: 'sliding', overflow: 'drop-oldest' });
    expect(find(snapshot(), 'occ')!.size).toBe(0);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    for (let i = 0; i < 5; i++) sliding.pushNowait(i);
    expect(find(snapshot(), 'occ')!.size).toBe(3);
    expect(find(snapshot(), 'sliding')!.size).toBe(2);
    ch.pullNowait();
    expect(find(snapshot(), 'occ')!.size).toBe(2);
  });

  it('an unnamed channel is listed with name "" (README decision)', () => {
    on();
    const ch = new Channel<number>(1);
    const snap = snapshot();
    expect(snap.channels).toHaveLength(1);
    expect(snap.channels[0]!.name).toBe('');
    void ch;
  });

  it('never includes buffered values, only counts', () => {
    on(true);
    const secret = 'tok_5ecret_VALUE_do_not_leak';
    const ch = new Channel<unknown>(Infinity, { name: 'secrets' });
    ch.pushNowait(secret);
    ch.pushNowait({ password: secret });
    const rendezvous = new Channel<string>(0, { name: 'rv' });
    quiet(rendezvous.push(secret)); // a parked pusher's value is not shown either
    const snap = snapshot();
    const text = JSON.stringify(snap);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('password');
    expect(find(snap, 'secrets')!.size).toBe(2);
    expect(Object.keys(find(snap, 'secrets')!)).not.toContain('values');
    rendezvous.close();
  });

  it('shows closed: true once close() is called, and the closed channel stays listed while reachable', () => {
    on();
    const ch = new Channel<number>(2, { name: 'c' });
    ch.pushNowait(1);
    expect(find(snapshot(), 'c')!.closed).toBe(false);
    ch.close();
    const c = find(snapshot(), 'c');
    expect(c).toBeDefined();
    expect(c!.closed).toBe(true);
    expect(c!.size).toBe(1); // buffered values stay readable after close
  });
});

describe('parked waiters', () => {
  it('lists a parked pull with kind "pull" and since (ms epoch) of when it parked', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'replies' });
    await sleep(5); // a fresh task, so its clock is read now
    const t0 = Date.now();
    const p = quiet(ch.pull());
    const t1 = Date.now();
    const c = find(snapshot(), 'replies')!;
    expect(c.pushers).toEqual([]);
    expect(c.pullers).toHaveLength(1);
    expect(c.pullers[0]!.kind).toBe('pull');
    expect(c.pullers[0]!.since).toBeGreaterThanOrEqual(t0);
    expect(c.pullers[0]!.since).toBeLessThanOrEqual(t1);
    ch.close();
    await expect(p).rejects.toThrow();
  });

  it('lists a parked push with kind "push" (unbuffered and full-buffer cases)', () => {
    on();
    const rv = new Channel<number>(0, { name: 'rv' });
    const full = new Channel<number>(1, { name: 'full' });
    full.pushNowait(0);
    quiet(rv.push(1));
    quiet(full.push(2));
    quiet(full.push(3));
    const snap = byName(snapshot());
    expect(snap.rv!.pushers.map((w) => w.kind)).toEqual(['push']);
    expect(snap.rv!.pullers).toEqual([]);
    expect(snap.full!.pushers.map((w) => w.kind)).toEqual(['push', 'push']);
    expect(snap.full!.size).toBe(1);
    rv.close();
    full.close();
  });

  it('lists each parked operation once, in the queue it waits in, with as many entries as waiters', () => {
    on();
    const ch = new Channel<number>(0, { name: 'many' });
    for (let i = 0; i < 5; i++) quiet(ch.pull());
    const c = find(snapshot(), 'many')!;
    expect(c.pullers).toHaveLength(5);
    expect(c.pullers.every((w) => w.kind === 'pull')).toBe(true);
    ch.close();
  });

  it('shows how long a waiter has waited: snapshot time minus since grows while it waits', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'slow' });
    quiet(ch.pull());
    await sleep(80);
    const snap = snapshot();
    const waiter = find(snap, 'slow')!.pullers[0]!;
    expect(snap.time - waiter.since).toBeGreaterThanOrEqual(60);
    ch.close();
  });

  it('orders a queue oldest first (FIFO): the earliest since comes first', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'fifo' });
    quiet(ch.push(1));
    await sleep(30);
    quiet(ch.push(2));
    const [first, second] = find(snapshot(), 'fifo')!.pushers;
    expect(first!.since).toBeLessThan(second!.since);
    ch.close();
  });

  it('lists a select case as kind "select" on every channel it waits on (pull and push cases)', () => {
    on();
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    quiet(select([pull(a), push(b, 42)]));
    const snap = byName(snapshot());
    expect(snap.a!.pullers.map((w) => w.kind)).toEqual(['select']);
    expect(snap.a!.pushers).toEqual([]);
    expect(snap.b!.pushers.map((w) => w.kind)).toEqual(['select']);
    expect(snap.b!.pullers).toEqual([]);
    a.close();
    b.close();
  });

  it('removes every case of a select from every channel once one case commits', async () => {
    on();
    const a = new Channel<number>(0, { name: 'a' });
    const b = new Channel<number>(0, { name: 'b' });
    const c = new Channel<number>(0, { name: 'c' });
    const sel = select([pull(a), pull(b), push(c, 1)]);
    expect(snapshot().channels.reduce((n, ch) => n + ch.pushers.length + ch.pullers.length, 0)).toBe(3);
    b.pushNowait(9);
    const result = await sel;
    expect(result.index).toBe(1);
    expect(result.value).toBe(9);
    for (const ch of snapshot().channels) {
      expect(ch.pushers).toEqual([]);
      expect(ch.pullers).toEqual([]);
    }
  });

  it('a committed waiter leaves the snapshot', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'x' });
    const p = ch.pull();
    expect(find(snapshot(), 'x')!.pullers).toHaveLength(1);
    ch.pushNowait(5);
    expect(find(snapshot(), 'x')!.pullers).toHaveLength(0);
    await expect(p).resolves.toBe(5);
  });

  it('an aborted waiter leaves the snapshot', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'x' });
    const ac = new AbortController();
    const p = quiet(ch.push(1, { signal: ac.signal }));
    expect(find(snapshot(), 'x')!.pushers).toHaveLength(1);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(find(snapshot(), 'x')!.pushers).toHaveLength(0);
  });

  it('closing a channel removes its parked waiters (they were failed by close)', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'x' });
    const ps = [quiet(ch.pull()), quiet(ch.pull())];
    expect(find(snapshot(), 'x')!.pullers).toHaveLength(2);
    ch.close();
    const c = find(snapshot(), 'x')!;
    expect(c.closed).toBe(true);
    expect(c.pullers).toEqual([]);
    for (const p of ps) await expect(p).rejects.toThrow();
  });

  it('a parked for-await iteration shows as a parked pull', async () => {
    on();
    const ch = new Channel<number>(0, { name: 'iter' });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of ch) seen.push(v);
    })();
    await sleep(0);
    expect(find(snapshot(), 'iter')!.pullers.map((w) => w.kind)).toEqual(['pull']);
    await ch.push(1);
    ch.close();
    await loop;
    expect(seen).toEqual([1]);
    expect(find(snapshot(), 'iter')!.pullers).toEqual([]);
  });
});

describe('stacks', () => {
  it('without stacks: true, channels carry no createdAt and waiters no stack', () => {
    on(false);
    const ch = new Channel<number>(0, { name: 'plain' });
    quiet(ch.pull());
    const c = find(snapshot(), 'plain')!;
    expect(c.createdAt).toBeUndefined();
    expect(c.pullers[0]!.stack).toBeUndefined();
    expect('createdAt' in c && c.createdAt !== undefined).toBe(false);
    ch.close();
  });

  it('with stacks: true, createdAt and each waiter stack are stack-trace strings naming the user code', () => {
    on(true);
    function makeTheChannelHere(): Channel<number> {
      return new Channel<number>(0, { name: 'stacked' });
    }
    function parkThePullHere(ch: Channel<number>): void {
      quiet(ch.pull());
    }
    const ch = makeTheChannelHere();
    parkThePullHere(ch);
    const c = find(snapshot(), 'stacked')!;
    expect(typeof c.createdAt).toBe('string');
    expect(c.createdAt).toContain('makeTheChannelHere');
    expect(typeof c.pullers[0]!.stack).toBe('string');
    expect(c.pullers[0]!.stack).toContain('parkThePullHere');
    expect(c.pullers[0]!.stack).toContain('snapshot.test.ts');
    ch.close();
  });

  it('with stacks: true, a select case records where the select parked', () => {
    on(true);
    const a = new Channel<number>(0, { name: 'sa' });
    const b = new Channel<number>(0, { name: 'sb' });
    function selectParksHere() {
      quiet(select([pull(a), pull(b)]));
    }
    selectParksHere();
    const snap = byName(snapshot());
    expect(snap.sa!.pullers[0]!.stack).toContain('selectParksHere');
    expect(snap.sb!.pullers[0]!.stack).toContain('selectParksHere');
    a.close();
    b.close();
  });
});
