// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
// BS-debug audit: stuck / waiting-for-input / idle classification as snapshots carry it.
import { after, broadcast, Channel, from, merge, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeTarget, HELLO, say, settle, until } from './helpers.js';

beforeEach(() => {
  enableDebug({ target: fakeTarget().target, listen: new EventTarget() });
});
afterEach(() => {
  disableDebug();
});
const byName = () => Object.fromEntries(snapshot().channels.map((c) => [c.name, c]));
const quiet = (p: Promise<unknown>) => {
  p.catch(() => {});
  return p;
};
const nextTask = (ms = 15) => new Promise((r) => setTimeout(r, ms));

describe('ranking among maybe-stuck channels', () => {
  it('ranks by the oldest wait nothing explains, not by an older wait for input on the same channel', async () => {
    const mixed = new Channel<number>(0, { name: 'mixed' });
    const clicks = new Channel<number>(0, { name: 'clicks', input: true });
    const ac = new AbortController();
    quiet(select([pull(mixed), pull(clicks)], { signal: ac.signal })); // oldest: an input wait on mixed
    await nextTask();
    const medium = new Channel<number>(0, { name: 'medium' });
    quiet(medium.pull()); // unexplained, medium age
    await nextTask();
    quiet(mixed.pull()); // unexplained, newest
    const names = snapshot().channels.map((c) => c.name);
    expect(names.indexOf('medium')).toBeLessThan(names.indexOf('mixed'));
    expect(names.indexOf('mixed')).toBeLessThan(names.indexOf('clicks'));
    ac.abort();
    for (const c of [mixed, clicks, medium]) c.close();
  });

  it('idle channels keep creation order after the waiting ones', () => {
    const a = new Channel<number>(1, { name: 'idle-a' });
    const b = new Channel<number>(1, { name: 'idle-b' });
    const w = new Channel<number>(0, { name: 'waits' });
    quiet(w.pull());
    const c = new Channel<number>(1, { name: 'idle-c' });
    expect(snapshot().channels.map((x) => x.name)).toEqual(['waits', 'idle-a', 'idle-b', 'idle-c']);
    for (const x of [a, b, c, w]) x.close();
  });
});

describe('waiting for input', () => {
  it('from() channels are input channels', async () => {
    const src = from(
      (async function* () {
        await new Promise(() => {});
        yield 1;
      })(),
    );
    quiet(src.pull());
    await settle();
    const s = snapshot().channels.find((c) => c.input === true);
    expect(s).toBeDefined();
    src.close();
  });

  it("the subscribers of a broadcast of an input channel are input; an app channel's are not", async () => {
    const ev = new Channel<number>(0, { name: 'events', input: true });
    const hub = broadcast(ev);
    const sub = hub.subscribe();
    quiet(sub.pull());
    const app = new Channel<number>(0, { name: 'app' });
    const hub2 = broadcast(app);
    const sub2 = hub2.subscribe();
    quiet(sub2.pull());
    await settle();
    const chans = snapshot().channels;
    const subIdx = chans.findIndex(
      (c) => c.pullers.length && c !== undefined && c.input === true && c.name !== 'events',
    );
    expect(subIdx).toBeGreaterThanOrEqual(0);
    // The broadcast's own pull on 'events' waits for input; its pull on 'app' does not.
    const m = byName();
    expect(m.events!.pullers.every((w) => w.input === true)).toBe(true);
    expect(m.app!.pullers.some((w) => !w.input)).toBe(true);
    hub.close();
    hub2.close();
    ev.close();
    app.close();
  });

  it('once a merge loses its last input fed from outside (an after that fired), its other pulls are judged as any', async () => {
    const cancel = new Channel<number>(0, { name: 'cancel' });
    const m = merge(after(5), cancel);
    const first = await m.pull();
    expect(typeof first).toBe('number');
    await until(() => {
      const c = byName().cancel;
      return c !== undefined && c.pullers.length >= 1 && c.pullers.every((w) => !w.input);
    }, 'the merge pull on cancel to lose input');
    m.close();
    cancel.close();
  });

  it("a connected inspector sees the merge's pull on an app channel lose its input marking once the after fired", async () => {
    disableDebug();
    const t = fakeTarget();
    const listen = new EventTarget();
    enableDebug({ target: t.target, listen, intervalMs: 10 });
    const cancel = new Channel<number>(0, { name: 'cancel2' });
    const m = merge(after(40), cancel);
    await settle();
    say(listen, HELLO);
    await until(() => t.snapshots().length >= 1, 'first');
    expect(t.snapshots()[0].channels.find((x: any) => x.name === 'cancel2').pullers[0].input).toBe(true);
    expect(typeof (await m.pull())).toBe('number'); // the after fired: the merge has room again
    await until(() => {
      const c = t
        .snapshots()
        .at(-1)
        .channels.find((x: any) => x.name === 'cancel2');
      return c !== undefined && c.pullers.length >= 1 && c.pullers.every((w: any) => !w.input);
    }, 'a posted snapshot where cancel2 is no longer waiting for input');
    m.close();
    cancel.close();
  });
});
