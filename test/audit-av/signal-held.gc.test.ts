import { broadcast, Channel, fromEvent } from 'chanasync';
import { enableDebug } from 'chanasync/debug';
import { expect, it } from 'vitest';

import { collectUntil, leakNames, spyOnWarnEachTest } from './leak-harness.js';

const _warnCalls = spyOnWarnEachTest();

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
