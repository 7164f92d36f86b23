/**
 * Audit K: the panel's frame column for relayed Workers. The relay's `url` option exists to keep
 * Workers of one script apart (README: "with a `#1`, `#2` suffix"), so the label shows its fragment.
 */
import { expect, test } from 'vitest';
import { frameLabel } from '../../inspector-extension/src/panel/render.js';

const TOP = { frameId: 0, url: 'https://app.example/', documentId: 'd', origin: 'https://app.example' };

test('Workers of one script with #1, #2 URLs get labels of their own', () => {
  expect(frameLabel(TOP, { kind: 'worker', url: 'https://app.example/js/pool.js#1' })).toBe('top › worker pool.js#1');
  expect(frameLabel(TOP, { kind: 'worker', url: 'https://app.example/js/pool.js#2' })).toBe('top › worker pool.js#2');
});

test('a dev server’s query on a Worker URL is left out of the label', () => {
  expect(frameLabel(TOP, { kind: 'worker', url: 'http://localhost:5173/src/worker.ts?worker_file&type=module' })).toBe(
    'top › worker worker.ts',
  );
});

test('a relay url that is no URL is shown as it is', () => {
  expect(frameLabel(TOP, { kind: 'worker', url: 'resizer 2' })).toBe('top › worker resizer 2');
});

test('a Worker with no URL is just a worker', () => {
  expect(frameLabel(TOP, { kind: 'worker' })).toBe('top › worker');
});
