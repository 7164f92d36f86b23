import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, withTimeout } from './helpers.js';

// A duck-typed signal (README "Cancellation": any object with a boolean `aborted`,
// `addEventListener` and `removeEventListener` is a signal) whose `aborted` getter runs user code
// once — the core reads it at the commit points. Whatever that code does on the same channel,
// no committed value may be lost or duplicated, no uncommitted value delivered, and nothing may
// stay parked after close().
const actions = ['close', 'pushNowait', 'pullNowait', 'tryPull', 'abortSelf', 'pullMany-park', 'push-park'] as const;
const operations = [
  'push',
  'pull',
  'pullMany',
  'pushAll',
  'tryPush',
  'tryPull',
  'pushNowait',
  'pullNowait',
  'close',
] as const;

describe('re-entrant user code in a signal getter during a commit', () => {
  for (const cap of [0, 1, 2]) {
    for (const parked of ['pushers', 'pullers'] as const) {
      it(`capacity ${cap}, parked ${parked}: every action × operation conserves values`, async () => {
        let nextValue = 1000;
        let ran = 0;
        for (const act of actions) {
          for (const op of operations) {
            const ch = new Channel<number>(cap);
            const delivered: number[] = [];
            const committed = new Set<number>();
            const pending: Promise<unknown>[] = [];
            const recordPull = (p: Promise<number | number[]>) =>
              pending.push(
                p.then(
                  (v) => {
                    for (const x of Array.isArray(v) ? v : [v]) delivered.push(x);
                  },
                  () => {},
                ),
              );
            const recordPush = (v: number, p: Promise<void>) =>
              pending.push(
                p.then(
                  () => committed.add(v),
                  () => {},
                ),
              );
            const target = new EventTarget();
            let armed = false;
            let fired = false;
            let abortedFlag = false;
            const abortNow = () => {
              abortedFlag = true;
              target.dispatchEvent(new Event('abort'));
            };
            const run = () => {
              ran++;
              try {
                if (act === 'close') ch.close();
                else if (act === 'pushNowait') {
                  const v = nextValue++;
                  ch.pushNowait(v);
                  committed.add(v);
                } else if (act === 'pullNowait') delivered.push(ch.pullNowait());
                else if (act === 'tryPull') {
                  const v = ch.tryPull();
                  if (v !== undefined) delivered.push(v);
                } else if (act === 'abortSelf') abortNow();
                else if (act === 'pullMany-park') recordPull(ch.pullMany(2));
                else {
                  const v = nextValue++;
                  recordPush(v, ch.push(v));
                }
              } catch {
                // a nowait call that found nothing
              }
            };
            const signal = {
              get aborted() {
                if (armed && !fired) {
                  fired = true;
                  run();
                }
                return abortedFlag;
              },
              reason: 'duck-reason',
              addEventListener: (type: string, l: EventListener) => target.addEventListener(type, l),
              removeEventListener: (type: string, l: EventListener) => target.removeEventListener(type, l),
            } as unknown as AbortSignal;

            if (parked === 'pushers') {
              for (let i = 0; i < cap; i++) {
                const v = nextValue++;
                ch.pushNowait(v);
                committed.add(v);
              }
              for (let i = 0; i < 2; i++) {
                const v = nextValue++;
                recordPush(v, ch.push(v, { signal }));
              }
            } else {
              recordPull(ch.pull({ signal }));
              recordPull(ch.pull());
            }
            armed = true;
            const v = nextValue++;
            if (op === 'push') recordPush(v, ch.push(v));
            else if (op === 'pull') recordPull(ch.pull());
            else if (op === 'pullMany') recordPull(ch.pullMany(5));
            else if (op === 'pushAll') {
              const vs = [v, nextValue++, nextValue++];
              pending.push(
                ch.pushAll(vs).then(
                  () => {
                    for (const x of vs) committed.add(x);
                  },
                  (e: unknown) => {
                    const n = (e as { pushed?: unknown } | null)?.pushed;
                    if (typeof n === 'number') for (const x of vs.slice(0, n)) committed.add(x);
                  },
                ),
              );
            } else if (op === 'tryPush') {
              if (ch.tryPush(v)) committed.add(v);
            } else if (op === 'tryPull') {
              const x = ch.tryPull();
              if (x !== undefined) delivered.push(x);
            } else if (op === 'pushNowait') {
              try {
                ch.pushNowait(v);
                committed.add(v);
              } catch {}
            } else if (op === 'pullNowait') {
              try {
                delivered.push(ch.pullNowait());
              } catch {}
            } else ch.close();
            armed = false;
            await flush();
            ch.close();
            for (;;) {
              try {
                delivered.push(ch.pullNowait());
              } catch {
                break;
              }
            }
            await withTimeout(Promise.all(pending), 5000);
            const label = `${act} during ${op}`;
            expect({ label, dupes: delivered.length - new Set(delivered).size }).toEqual({ label, dupes: 0 });
            expect({ label, lost: [...committed].filter((x) => !delivered.includes(x)) }).toEqual({ label, lost: [] });
            expect({ label, uncommitted: delivered.filter((x) => !committed.has(x)) }).toEqual({
              label,
              uncommitted: [],
            });
            expect({ label, waiting: ch.stats().waitingPushers + ch.stats().waitingPullers }).toEqual({
              label,
              waiting: 0,
            });
          }
        }
        expect(ran).toBeGreaterThan(0);
      });
    }
  }
});
