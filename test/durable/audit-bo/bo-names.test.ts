/**
 * Auditor BO — many channels (names) in one namespace, and the errors' names and messages.
 */
import { ChannelClosedError, ChannelError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../helpers/random.js';
import { freshName, ns, rejection, within } from './bo-helpers.js';

describe('many channels in one namespace', () => {
  it('24 names, random interleaved pushes and pulls: each channel holds only its own values, in order', async () => {
    const rnd = seededRandom(808);
    const names = Array.from({ length: 24 }, (_, i) => freshName(`bo-many-${i}`));
    const models = new Map(names.map((n) => [n, [] as string[]]));
    const ops: Promise<void>[] = [];
    // Per channel, the ops are sequential; channels run concurrently.
    const perName = new Map(names.map((n) => [n, Promise.resolve()]));
    for (let step = 0; step < 200; step++) {
      const n = names[Math.floor(rnd() * names.length)]!;
      const model = models.get(n)!;
      const push = rnd() < 0.6 || model.length === 0;
      const value = `${n}#${step}`;
      if (push) model.push(value);
      const expected = push ? undefined : model.shift();
      perName.set(
        n,
        perName.get(n)!.then(async () => {
          const ch = durableChannel<string>(ns(), n);
          if (push) await ch.push(value);
          else expect(await ch.pull()).toBe(expected);
        }),
      );
    }
    ops.push(...perName.values());
    await within(Promise.all(ops), 25_000, 'all channels');
    await Promise.all(
      names.map(async (n) => {
        const ch = durableChannel<string>(ns(), n);
        const rest = (await ch.stats()).size > 0 ? await ch.pullMany(1000) : [];
        expect(rest).toEqual(models.get(n));
      }),
    );
  });

  it('closing one channel leaves the others open; the same push id in two channels stores a value in each', async () => {
    const a = freshName('bo-pair-a');
    const b = freshName('bo-pair-b');
    const ca = durableChannel<string>(ns(), a);
    const cb = durableChannel<string>(ns(), b, { capacity: 3 });
    await ca.push('A', { id: 'same' });
    await cb.push('B', { id: 'same' });
    await ca.close('only a');
    expect(await ca.pull()).toBe('A');
    expect(await rejection(ca.pull())).toBeInstanceOf(ChannelClosedError);
    expect(await cb.stats()).toMatchObject({ closed: false, size: 1, capacity: 3 });
    expect(await cb.pullWithId()).toMatchObject({ value: 'B', id: 'same' });
    // capacities are per name
    expect((await ca.stats()).capacity).toBe(Infinity);
  });

  it('names that differ only by case, whitespace or Unicode form are different channels', async () => {
    const base = freshName('bo-case');
    const variants = [`${base}-x`, `${base}-X`, `${base}-x `, `${base}-\u00e9`, `${base}-e\u0301`];
    await Promise.all(variants.map((n, i) => durableChannel<number>(ns(), n).push(i)));
    for (const [i, n] of variants.entries()) expect(await durableChannel<number>(ns(), n).pullMany(10)).toEqual([i]);
  });
});

describe('errors', () => {
  it('ChannelClosedError from a durable pull and push: class, name, message naming the channel and the operation, channel property', async () => {
    const name = freshName('bo-err');
    const ch = durableChannel<number>(ns(), name);
    await ch.close('bye');
    const e = await rejection(ch.pull());
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e.name).toBe('ChannelClosedError');
    expect(e.message).toContain(name);
    expect(e.message).toContain('pull');
    expect(e.channel).toBe(ch);
    const p = await rejection(ch.push(1));
    expect(p).toBeInstanceOf(ChannelClosedError);
    expect(p.message).toContain(name);
    expect(p.message).toContain('push');
    const m = await rejection(ch.pullMany(2));
    expect(m.message).toContain('pullMany');
  });
});
