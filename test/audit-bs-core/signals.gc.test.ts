import { Channel, pull, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const gc = (globalThis as { gc?: () => void }).gc!;

async function collect(ref: WeakRef<object>, rounds = 50): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

describe('a long-lived signal does not keep an abandoned channel alive', () => {
  it('pull parked with a signal: the channel is collected, the abort still rejects the pull', async () => {
    expect(typeof gc).toBe('function');
    const ac = new AbortController();
    let ref!: WeakRef<Channel<number>>;
    let p!: Promise<number>;
    (() => {
      const ch = new Channel<number>();
      ref = new WeakRef(ch);
      p = ch.pull({ signal: ac.signal });
    })();
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(await collect(ref)).toBe(true);
    const reason = new Error('late abort');
    ac.abort(reason);
    expect(await outcome).toBe(reason);
  });
  it('select parked with a signal on two abandoned channels: both collected, abort rejects it', async () => {
    const ac = new AbortController();
    const refs: WeakRef<Channel<number>>[] = [];
    let p!: Promise<unknown>;
    (() => {
      const a = new Channel<number>();
      const b = new Channel<number>();
      refs.push(new WeakRef(a), new WeakRef(b));
      p = select([pull(a), pull(b)], { signal: ac.signal });
    })();
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    for (const r of refs) expect(await collect(r)).toBe(true);
    ac.abort('bye');
    expect(await outcome).toBe('bye');
  });
  it('many channels abandoned with parked pulls on one signal are all collected', async () => {
    const ac = new AbortController();
    const refs: WeakRef<Channel<number>>[] = [];
    const ps: Promise<unknown>[] = [];
    (() => {
      for (let i = 0; i < 100; i++) {
        const ch = new Channel<number>();
        refs.push(new WeakRef(ch));
        ps.push(ch.pull({ signal: ac.signal }).catch((e: unknown) => e));
      }
    })();
    for (let i = 0; i < 50 && refs.some((r) => r.deref() !== undefined); i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    ac.abort('end');
    expect(new Set(await Promise.all(ps))).toEqual(new Set(['end']));
  });
});
