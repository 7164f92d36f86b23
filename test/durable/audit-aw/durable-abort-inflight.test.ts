/**
 * Auditor AW — durable: an abort that comes while the operation's call is on its way back (the
 * object already stored / handed out the value). SPEC: push "rejects with signal.reason if aborted
 * before the value is stored"; a rejected push must have stored nothing.
 */
import { env } from 'cloudflare:workers';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, observed, sleep } from '../helpers.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('abort while the answer is on its way', () => {
  it('push: aborted after the object stored the value → either resolves, or rejects and the value is not there', async () => {
    const name = freshName('push-answer-abort');
    const stored = gate();
    const release = gate();
    const { namespace } = observed({
      push: async (real) => {
        const answer = await real();
        stored.open();
        await release.opened;
        return answer;
      },
    });
    const ch = durableChannel<string>(namespace as any, name, { capacity: 5 });
    const ac = new AbortController();
    const outcome = ch.push('v', { signal: ac.signal }).then(
      () => 'resolved',
      (e) => e,
    );
    await stored.opened;
    ac.abort(new Error('too slow'));
    await sleep(20);
    release.open();
    const r = await outcome;
    await sleep(100);
    const reader = durableChannel<string>(env.CHANNELS as any, name);
    const st = await reader.stats();
    console.log('push aborted during answer:', r === 'resolved' ? r : String(r), 'stored size', st.size);
    if (r === 'resolved') expect(st.size).toBe(1);
    else expect(st.size, 'push rejected with the abort reason but its value is stored').toBe(0);
  });

  it('pull: aborted after the object handed out the value → either resolves with it, or rejects and the value is still there', async () => {
    const name = freshName('pull-answer-abort');
    const handed = gate();
    const release = gate();
    const { namespace } = observed({
      pull: async (real) => {
        const answer = await real();
        handed.open();
        await release.opened;
        return answer;
      },
    });
    const ch = durableChannel<string>(namespace as any, name, { capacity: 5, leaseMs: 400 } as any);
    await ch.push('v');
    const ac = new AbortController();
    const outcome = ch.pull({ signal: ac.signal }).then(
      (v) => ({ v }),
      (e) => ({ e }),
    );
    await handed.opened;
    ac.abort(new Error('too slow'));
    release.open();
    const r: any = await outcome;
    await sleep(600); // past the lease
    const reader = durableChannel<string>(env.CHANNELS as any, name);
    const st = await reader.stats();
    console.log('pull aborted during answer:', 'v' in r ? r.v : String(r.e), st);
    if ('v' in r) expect(st.size + st.leased).toBe(0);
    else expect(st.size + st.leased).toBe(1);
  });
});
