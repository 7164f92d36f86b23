import { broadcast, Channel, fromEvent } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

declare const gc: () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function collectUntil(cond: () => boolean, rounds = 30) {
  for (let i = 0; i < rounds; i++) {
    await sleep(10);
    gc();
    await sleep(0);
    if (cond()) return true;
  }
  return cond();
}
let warn: { mock: { calls: unknown[][] }; mockRestore(): void };
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  disableDebug();
  warn.mockRestore();
});
const leakNames = () => (snapshot().leaked ?? []).map((l) => `${l.kind}:${l.channel.name}`);

// SPEC: "Parking an operation with a long-lived signal must not keep an abandoned channel alive (or
// leaks behind signals would never be found)."
it('a subscriber made with a long-lived signal, abandoned with its source: the consumer loop is reported leaked', async () => {
  enableDebug({ warnLeaks: false });
  const app = new AbortController();
  (() => {
    const src = new Channel<number>(0, { name: 'abandoned-src' });
    const sub = broadcast(src).subscribe({ signal: app.signal });
    void (async () => {
      for await (const _ of sub) {
        /* */
      }
    })();
  })();
  const found = await collectUntil(() => leakNames().some((n) => n.endsWith(':subscriber')));
  expect({ found, leaks: leakNames() }).toEqual({ found: true, leaks: expect.arrayContaining(['pull:subscriber']) });
  app.abort();
});

it('a fromEvent loop with a long-lived signal on a dropped EventTarget is reported leaked', async () => {
  enableDebug({ warnLeaks: false });
  const app = new AbortController();
  (() => {
    const target = new EventTarget();
    const ev = fromEvent(target, 'x', { signal: app.signal });
    void (async () => {
      for await (const _ of ev) {
        /* */
      }
    })();
  })();
  const found = await collectUntil(() => leakNames().length > 0);
  expect({ found, leaks: leakNames() }).toEqual({ found: true, leaks: [expect.stringMatching(/^pull:/)] });
  app.abort();
});
