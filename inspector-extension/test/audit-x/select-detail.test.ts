// @vitest-environment happy-dom
/**
 * Audit X: the expanded row of a select that waits for input names which of its cases explain
 * it. Was wrong: every case read "(input)" — "pull control (input)" for a plain channel — since
 * the page marks each case's wait of an explained select `input`. (Chromium: ./panel.test.ts.)
 */
import { expect, test } from 'vitest';
import { DEFAULT_VIEW, type PanelData } from '../../src/panel/model.js';
import { render } from '../../src/panel/render.js';
import { channel, dataOf, T0, TOP, waiter } from '../snapshots.js';

function selectLines(data: PanelData, id: number): string[] {
  const view = { ...DEFAULT_VIEW, expanded: new Set([`${TOP.documentId}|page/select/${id}`]) };
  const output = render({ data, view, now: T0, connection: 'connected' }, document);
  document.body.replaceChildren(output.notices, output.content);
  const term = [...document.querySelectorAll('.details dt')].find((dt) => dt.textContent === 'Select');
  return [...(term?.nextElementSibling?.children ?? [])].map((line) => line.textContent ?? '');
}

test('only the case on an input channel is marked (input)', () => {
  const explained = { ...waiter('select', 60_000), select: 7, input: true };
  const data = dataOf([
    channel({ id: 1, name: 'control', pullers: [explained] }),
    channel({ id: 2, name: 'fromEvent(click)', input: true, pullers: [explained] }),
  ]);
  expect(selectLines(data, 7)).toEqual(['pull control', 'pull fromEvent(click) (input)']);
});

test('a select explained by an input channel the page does not list says so once', () => {
  // Its input case is on a channel created before enableDebug (say, a module's ticker).
  const explained = { ...waiter('select', 60_000), select: 8, input: true };
  const data = dataOf([
    channel({ id: 1, name: 'control', pullers: [explained] }),
    channel({ id: 2, name: 'replies', pullers: [explained] }),
  ]);
  expect(selectLines(data, 8)).toEqual([
    'pull control',
    'pull replies',
    'and a case on an input channel that is not listed',
  ]);
});

test('a select nothing explains marks no case', () => {
  const plain = { ...waiter('select', 60_000), select: 9 };
  const data = dataOf([
    channel({ id: 1, name: 'a', pullers: [plain] }),
    channel({ id: 2, name: 'b', pushers: [{ ...plain, kind: 'select' }] }),
  ]);
  expect(selectLines(data, 9)).toEqual(['pull a', 'push b']);
});
