/**
 * Auditor AW — port: listeners left behind on the port after streams end (normal end, receiver
 * close, abort, peer gone), several names multiplexed on one port.
 */
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function counting(port: MessagePort) {
  const live = new Set<string>();
  let seq = 0;
  const ids = new Map<any, string>();
  const like = {
    postMessage: (m: any, t?: any) => (port.postMessage as any)(m, t),
    addEventListener(type: string, fn: any, opts?: any) {
      const id = `${type}#${++seq}`;
      ids.set(fn, id);
      live.add(id);
      port.addEventListener(type as any, fn, opts);
      if (type === 'message') port.start();
    },
    removeEventListener(type: string, fn: any, opts?: any) {
      const id = ids.get(fn);
      if (id) live.delete(id);
      port.removeEventListener(type as any, fn, opts);
    },
  };
  return { like: like as unknown as PortLike, live };
}

describe('no listener left on the port once every stream on it ended', () => {
  it('four named streams ended four different ways', async () => {
    const { port1, port2 } = new MessageChannel();
    const s = counting(port1);
    const r = counting(port2);
    const names = ['normal', 'receiver-closes', 'abort', 'pre-aborted'];
    const locals = names.map(() => new Channel<number>(Infinity));
    for (const l of locals) for (const v of [1, 2, 3]) l.pushNowait(v);
    const remotes = names.map((name) => fromPort<number>(r.like, { name, capacity: 1 }));
    const acs = names.map(() => new AbortController());
    acs[3]!.abort();
    const dones = names.map((name, i) => toPort(locals[i]!, s.like, { name, signal: acs[i]!.signal }));
    await sleep(30);
    // normal
    locals[0]!.close();
    for await (const _ of remotes[0]!);
    // receiver closes
    await remotes[1]!.pull();
    remotes[1]!.close();
    // abort
    await remotes[2]!.pull();
    acs[2]!.abort();
    try {
      for await (const _ of remotes[2]!);
    } catch {}
    // pre-aborted: receiver stays open (README); close it by hand
    remotes[3]!.close();
    await Promise.all(dones);
    await sleep(50);
    expect([...s.live]).toEqual([]);
    expect([...r.live]).toEqual([]);
    port1.close();
    port2.close();
  });

  it('peer gone (its port closed): listeners removed on both sides', async () => {
    const { port1, port2 } = new MessageChannel();
    const s = counting(port1);
    const r = counting(port2);
    const local = new Channel<number>(Infinity);
    local.pushNowait(1);
    const remote = fromPort<number>(r.like, { capacity: 2 });
    const done = toPort(local, s.like);
    expect(await remote.pull()).toBe(1);
    await sleep(20);
    port2.close();
    await done;
    await remote.pull().catch(() => {});
    await sleep(50);
    expect([...s.live]).toEqual([]);
    expect([...r.live]).toEqual([]);
  });
});
