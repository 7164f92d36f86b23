/**
 * Audit BW (durable): `tryPush` never waits and takes no signal. A signal in place of its
 * options was refused, but one inside them (`tryPush(job, { signal })`, a plain JavaScript
 * caller's natural spelling) was read as an unknown option and ignored — an aborted one stored
 * the value its caller meant to cancel. It is now refused the same way, and nothing is stored.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { durableChannel } from '../../../src/durable/index.js';

const namespace = (env as unknown as { CHANNELS: Parameters<typeof durableChannel>[0] }).CHANNELS;
const fresh = (label: string) => `audit-bw-${label}-${crypto.randomUUID()}`;

describe('tryPush(value, { signal })', () => {
  for (const [what, signal] of [
    ['an aborted signal', () => AbortSignal.abort(new Error('cancelled'))],
    ['a live signal', () => new AbortController().signal],
    ['something that is no signal', () => 'soon'],
  ] as const) {
    it(`${what}: a TypeError naming tryPush, and nothing stored`, async () => {
      const jobs = durableChannel<number>(namespace, fresh('signal'));
      const error = await jobs.tryPush(1, { signal: signal() } as never).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        'tryPush(value, options): options.signal given: tryPush never waits and takes no signal',
      );
      expect(await jobs.stats()).toMatchObject({ size: 0 });
    });
  }

  it('control: { signal: undefined } and an id are fine, and the value is stored', async () => {
    const jobs = durableChannel<number>(namespace, fresh('control'));
    expect(await jobs.tryPush(1, { signal: undefined } as never)).toBe(true);
    expect(await jobs.tryPush(2, { id: 'two' })).toBe(true);
    expect(await jobs.tryPullMany(10)).toEqual([1, 2]);
  });
});
