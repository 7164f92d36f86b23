// @vitest-environment happy-dom
// The consequence, in the inspector panel fed with real snapshots, of a wait nothing explains
// that the per-queue limit (100 waiters, the oldest kept) leaves out of a snapshot.
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_VIEW, EMPTY_DATA, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { render } from '../../inspector-extension/src/panel/render.js';
import { quiet, sleep } from './helpers.js';

const TOP = { frameId: 0, url: 'https://app.example/', documentId: 'doc-top', origin: 'https://app.example' };

afterEach(() => {
  disableDebug();
  document.body.replaceChildren();
});

function rows(later: number): string[] {
  const snap = { ...snapshot(), seq: 1 };
  const data = withSnapshot(EMPTY_DATA, TOP as any, snap as any, snap.time);
  const out = render({ data, view: { ...DEFAULT_VIEW }, now: snap.time + later, connection: 'connected' }, document);
  document.body.replaceChildren(out.notices, out.content);
  return [...document.querySelectorAll('.row')].map(
    (row) => `${row.querySelector('.name-text')?.textContent}:${row.querySelector('.col-state')?.textContent}`,
  );
}

it('(control) a plain pull on a channel shared with a few input selects makes its row stuck', async () => {
  enableDebug({ target: { postMessage() {} } });
  const clicks = new Channel<number>(1, { name: 'clicks', input: true });
  const shutdown = new Channel<number>(0, { name: 'shutdown' });
  for (let i = 0; i < 3; i++) quiet(select([pull(clicks), pull(shutdown)]));
  await sleep(5);
  quiet(shutdown.pull());
  await sleep(5);
  expect(rows(600_000).find((row) => row.startsWith('shutdown:'))).toMatch(/stuck/);
  shutdown.close();
});

it('a plain pull nothing explains, parked behind 100 input selects on the same channel, is still shown stuck', async () => {
  enableDebug({ target: { postMessage() {} } });
  const clicks = new Channel<number>(1, { name: 'clicks', input: true });
  const shutdown = new Channel<number>(0, { name: 'shutdown' });
  for (let i = 0; i < 100; i++) quiet(select([pull(clicks), pull(shutdown)]));
  await sleep(5);
  quiet(shutdown.pull()); // waits for ever: nothing explains it
  await sleep(5);
  const shown = rows(600_000);
  expect(shown.some((row) => /stuck/.test(row))).toBe(true);
  shutdown.close();
});
