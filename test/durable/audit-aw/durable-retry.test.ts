/**
 * Auditor AW — durable: the client's own retries reuse the generated id (SPEC "generated when
 * omitted and reused by the client's own retries"; "a retried push (after a network error or
 * durableObjectReset) is stored once").
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, observed } from '../helpers.js';

const flavours: Record<string, () => Error> = {
  retryable: () => Object.assign(new Error('Network connection lost.'), { retryable: true }),
  durableObjectReset: () =>
    Object.assign(new Error('Durable Object reset because its code was updated.'), { durableObjectReset: true }),
  overloaded: () => Object.assign(new Error('Durable Object is overloaded.'), { overloaded: true }),
  plain: () => new Error('Network connection lost.'),
};

describe('a push whose answer is lost after the value was stored', () => {
  for (const [label, make] of Object.entries(flavours)) {
    it(`${label}: the value is stored once, whatever the push's outcome`, async () => {
      const name = freshName(`retry-${label}`);
      let calls = 0;
      const ids: unknown[] = [];
      const { namespace } = observed({
        push: async (real, request) => {
          calls++;
          ids.push((request as any)?.id);
          const answer = await real();
          if (calls === 1) throw make();
          return answer;
        },
      });
      const ch = durableChannel<string>(namespace as any, name, { capacity: 5 });
      const outcome = await ch.push('job').then(
        () => 'resolved',
        (e) => `rejected: ${e?.message}`,
      );
      const st = await durableChannel<string>(env.CHANNELS as any, name).stats();
      console.log(label, { outcome, calls, sameId: new Set(ids.map(String)).size === 1, size: st.size });
      expect(st.size).toBe(1);
      if (outcome === 'resolved') expect(new Set(ids.map(String)).size).toBe(1);
    });
  }
});
