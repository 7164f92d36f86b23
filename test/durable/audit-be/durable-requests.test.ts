/**
 * Audit BE, durable: many requests pushing and pulling one channel at once, and what the
 * durable client refuses (select / toPort are out of scope, README records the TypeError).
 */
import { exports } from 'cloudflare:workers';
import { pull, select } from 'chanasync';
import { toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { channel, fresh, until } from './helpers.js';

describe('requests anywhere', () => {
  it('concurrent push requests and pull requests: every value delivered exactly once', async () => {
    const name = fresh('crowd');
    const n = 16;
    const q = encodeURIComponent(name);
    const pulls = Array.from({ length: n }, () =>
      exports.default.fetch(`https://worker.test/pull?name=${q}`).then((r) => r.json() as Promise<number>),
    );
    const pushes = Array.from({ length: n }, (_, i) =>
      exports.default.fetch(`https://worker.test/push?name=${q}&id=p${i}`, { method: 'POST', body: JSON.stringify(i) }),
    );
    expect((await Promise.all(pushes)).map((r) => r.status)).toEqual(Array(n).fill(204));
    const got = await Promise.all(pulls);
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const stats = await channel(name).stats();
    expect(stats).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
  });

  it('a push request retried with the same id (idempotency key) is stored once', async () => {
    const name = fresh('http-retry');
    const q = encodeURIComponent(name);
    for (let i = 0; i < 3; i++) {
      const r = await exports.default.fetch(`https://worker.test/push?name=${q}&id=key-1`, {
        method: 'POST',
        body: JSON.stringify('job'),
      });
      expect(r.status).toBe(204);
    }
    expect(await channel<string>(name).pullMany(10)).toEqual(['job']);
  });

  it('a push waiting for room is stored in its turn; tryPush then answers false on the full channel', async () => {
    const ch = channel<string>(fresh('try-behind'), { capacity: 1 });
    await ch.push('a');
    const waiting = ch.push('b');
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'b waits');
    expect(await ch.pull()).toBe('a');
    await waiting;
    expect(await ch.tryPush('c')).toBe(false); // full again with b
    expect(await ch.pull()).toBe('b');
    expect(await ch.tryPull()).toBeUndefined();
  });
});

describe('out of scope, refused at the call', () => {
  it('select over a durable channel is a TypeError (at the case, before any select)', () => {
    const ch = channel<number>(fresh('select'));
    expect(() => select([pull(ch as never)])).toThrow(TypeError);
  });

  it('toPort of a durable channel is a TypeError', async () => {
    const ch = channel<number>(fresh('toport'));
    const { port1, port2 } = new MessageChannel();
    await expect(toPort(ch as never, port1)).rejects.toBeInstanceOf(TypeError);
    port1.close();
    port2.close();
  });
});
