// Outside conformance tests: debug mode must observe, not change, what a program does; and leak
// report details. Runs with --expose-gc.
import { Channel, pull, push, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { describe, expect, it } from 'vitest';
import { useQuietDebug } from '../helpers/quiet-debug.js';
import { collectFor, collectUntil, sleep } from './helpers.js';

const warn = useQuietDebug(disableDebug);

/** A wait guarded by a timeout, on a channel only this function knows: a correct program. */
function timeoutGuardedWait(ms: number, log: string[]) {
  void (async () => {
    const reply = new Channel<string>(0, { name: 'guarded' });
    try {
      await reply.pull({ signal: AbortSignal.timeout(ms) });
      log.push('value');
    } catch (e) {
      log.push(`rejected:${(e as Error).name}`);
    } finally {
      log.push('finally');
    }
  })();
}

describe('debug mode does not change what the program does', () => {
  it('control: with debug mode off, a timeout-guarded pull on a dropped channel rejects and its finally runs', async () => {
    const log: string[] = [];
    timeoutGuardedWait(300, log);
    await collectFor(10);
    await sleep(600);
    expect(log).toEqual(['rejected:TimeoutError', 'finally']);
  });

  // README "A signal is no way out" (SPEC: a long-lived signal must not keep an abandoned
  // channel alive): while debug mode is on, the signal's watch holds the operation weakly and
  // nothing else, so the operation is reported as leaked once its channel is collected, and the
  // later abort does not reach it.
  it('with debug mode on, the same pull is reported as leaked once its channel is collected', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    const log: string[] = [];
    timeoutGuardedWait(300, log);
    await collectFor(10);
    expect((snapshot().leaked ?? []).map((leak) => [leak.kind, leak.channel.name])).toEqual([['pull', 'guarded']]);
  });
});

describe('leak report details', () => {
  it('the console.warn of a leak names the kind, the channel, where it parked and where the channel was created', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    (function createAndStrand() {
      const ch = new Channel<number>(0, { name: 'warned' });
      void ch.push(1).catch(() => {});
    })();
    expect(await collectUntil(() => warn().mock.calls.length > 0)).toBe(true);
    await collectFor(5);
    expect(warn()).toHaveBeenCalledTimes(1);
    const text = warn().mock.calls[0]?.map(String).join(' ') ?? '';
    expect(text).toContain('push');
    expect(text).toContain('warned');
    expect(text).toContain('createAndStrand');
  });

  it('a leak keeps its waiter since, has detectedAt >= since, and a select leak is named by its first case channel', async () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    let since = 0;
    (() => {
      const first = new Channel<number>(0, { name: 'first-case' });
      const second = new Channel<number>(0, { name: 'second-case' });
      void select([push(first, 1), pull(second)]).catch(() => {});
      since = snapshot().channels.find((c) => c.name === 'first-case')?.pushers[0]?.since ?? -1;
    })();
    await sleep(20);
    expect(await collectUntil(() => (snapshot().leaked ?? []).length > 0)).toBe(true);
    await collectFor(5);
    const leaked = snapshot().leaked ?? [];
    expect(leaked).toHaveLength(1);
    const l = leaked[0];
    expect(l?.kind).toBe('select');
    expect(l?.since).toBe(since);
    expect(l?.detectedAt).toBeGreaterThanOrEqual(l?.since ?? 0);
    expect(l?.channel.name).toBe('first-case');
  });

  it('an Error.prepareStackTrace that throws does not break channels with stacks: true (stacks may be empty)', async () => {
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = () => {
      throw new Error('bad prepare');
    };
    try {
      enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
      const ch = new Channel<number>(0, { name: 'weird-stacks' });
      const p = ch.pull();
      ch.pushNowait(5);
      expect(await p).toBe(5);
      const q = ch.pull().catch(() => 'closed');
      const r = snapshot().channels.find((c) => c.name === 'weird-stacks');
      expect(typeof (r?.createdAt ?? '')).toBe('string');
      expect(() => structuredClone(snapshot())).not.toThrow();
      ch.close();
      expect(await q).toBe('closed');
    } finally {
      Error.prepareStackTrace = saved;
    }
  });
});
