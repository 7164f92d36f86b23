// @vitest-environment happy-dom
// AX-D3: a capacity-0 broadcast subscriber that holds a value it was handed (the documented
// "one beyond capacity for a moment", README Semantic details) stalls the whole broadcast, but
// the panel's Occupancy column says only "unbuffered": the value it holds — the reason the
// producer is stuck — is shown nowhere in the row.
import { afterEach, expect, it } from 'vitest';
import type { FrameInfo } from '../../inspector-extension/src/messages.js';
import { DEFAULT_VIEW, EMPTY_DATA, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { render } from '../../inspector-extension/src/panel/render.js';
import { disableDebug, enableDebug, snapshot } from '../../src/debug/index.js';
import { broadcast, Channel, pull, push, select } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TOP: FrameInfo = { frameId: 0, url: 'https://app.example/', documentId: 'doc', origin: 'https://app.example' };
afterEach(() => disableDebug());

it('the panel shows the value a capacity-0 broadcast subscriber holds (the one stalling the broadcast)', async () => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
  const prices = new Channel<number>(0, { name: 'prices' });
  const hub = broadcast(prices);
  const slow = hub.subscribe({ capacity: 0 });
  // The README's own case: one select pushing into the source and pulling from the capacity-0
  // subscriber. The push case wins; the value waits in the subscriber for its next pull, and
  // nothing more is taken from the source until then.
  await select([push(prices, 1), pull(slow)]);
  void prices.push(2).catch(() => {}); // waits: the hub holds back until `slow` is read
  await sleep(5);
  const snap = snapshot();
  const sub = snap.channels.find((c) => c.name === 'subscriber');
  expect(sub?.size).toBe(1); // the snapshot knows
  const now = Date.now();
  const data = withSnapshot(EMPTY_DATA, TOP, snap, now);
  const output = render({ data, view: DEFAULT_VIEW, now: now + 10_000, connection: 'connected' }, document);
  document.body.replaceChildren(output.notices, output.content);
  const row = [...document.querySelectorAll<HTMLElement>('.row')].find(
    (r) => r.querySelector('.name-text')?.textContent === 'subscriber',
  );
  const occupancy = row?.querySelector('.col-occupancy')?.textContent ?? row?.textContent ?? '';
  expect(occupancy).toMatch(/1/); // observed: "unbuffered"
  hub.close();
  prices.close();
  slow.close();
});
