// @vitest-environment happy-dom
/**
 * Audit K: an expanded leaked row says which channel the operation was parked on (it said the
 * frame's label: "a push parked on top, which was garbage-collected").
 */
import { expect, test } from 'vitest';
import { DEFAULT_VIEW, EMPTY_DATA, withSnapshot } from '../../inspector-extension/src/panel/model.js';
import { render } from '../../inspector-extension/src/panel/render.js';
import { channel, IFRAME, snapshot, T0, TOP } from '../../inspector-extension/test/snapshots.js';

function detailsOf(frame: typeof TOP, name: string, channelId: number) {
  const data = withSnapshot(
    EMPTY_DATA,
    frame,
    snapshot([channel({ id: 1, name: 'alive' })], {
      leaked: [
        {
          id: 7,
          kind: 'push',
          since: T0 - 5000,
          detectedAt: T0 - 1000,
          stack: 'at sendResult (https://app.example/w.js:9:3)',
          channel: { id: channelId, name, capacity: 0, createdAt: 'at start (https://app.example/w.js:2:1)' },
        },
      ],
    }),
    T0,
  );
  const view = { ...DEFAULT_VIEW, expanded: new Set([`${frame.documentId}|page|leak/7`]) };
  const output = render({ data, view, now: T0, connection: 'connected' }, document);
  document.body.replaceChildren(output.notices, output.content);
  return document.querySelector('.leaked .details')?.textContent ?? '';
}

test('an expanded leak names the channel it was parked on, in the top frame and in a frame', () => {
  expect(detailsOf(TOP, 'results', 5)).toContain(
    'a push parked on channel "results" (#5), which was garbage-collected: it can never complete',
  );
  expect(detailsOf(IFRAME, 'results', 5)).toContain('a push parked on channel "results" (#5)');
});

test('an unnamed channel is named by its id', () => {
  expect(detailsOf(TOP, '', 12)).toContain('a push parked on channel #12, which was garbage-collected');
});
