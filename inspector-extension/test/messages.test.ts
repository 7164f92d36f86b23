/** The guards of the extension's internal messages (src/messages.ts). */
import { describe, expect, test } from 'vitest';
import {
  BACKGROUND_SOURCE,
  CONTENT_SOURCE,
  isBackgroundToContentMessage,
  isBackgroundToPanelMessage,
  isContentToBackgroundMessage,
  isPanelToBackgroundMessage,
  isTabId,
  jsonChars,
  PANEL_SOURCE,
} from '../src/messages.js';

const frame = { frameId: 0, url: 'https://a.example/', documentId: 'd', origin: 'https://a.example' };

describe('guards', () => {
  test('each guard accepts its own messages and rejects another source’s', () => {
    expect(isContentToBackgroundMessage({ source: CONTENT_SOURCE, type: 'page', message: 1 })).toBe(true);
    expect(isContentToBackgroundMessage({ source: PANEL_SOURCE, type: 'page', message: 1 })).toBe(false);
    expect(isBackgroundToContentMessage({ source: BACKGROUND_SOURCE, type: 'hello' })).toBe(true);
    expect(isBackgroundToContentMessage({ source: CONTENT_SOURCE, type: 'hello' })).toBe(false);
    expect(isPanelToBackgroundMessage({ source: PANEL_SOURCE, type: 'subscribe', tabId: 3 })).toBe(true);
    expect(isPanelToBackgroundMessage({ source: BACKGROUND_SOURCE, type: 'subscribe', tabId: 3 })).toBe(false);
    expect(isBackgroundToPanelMessage({ source: BACKGROUND_SOURCE, type: 'frame-gone', documentId: 'd' })).toBe(true);
    expect(isBackgroundToPanelMessage({ source: PANEL_SOURCE, type: 'frame-gone', documentId: 'd' })).toBe(false);
  });

  test('guards reject missing or mistyped fields and unknown types', () => {
    expect(isContentToBackgroundMessage({ source: CONTENT_SOURCE, type: 'page' })).toBe(false);
    expect(isContentToBackgroundMessage({ source: CONTENT_SOURCE, type: 'refused', reason: 'bored' })).toBe(false);
    expect(
      isContentToBackgroundMessage({ source: CONTENT_SOURCE, type: 'refused', reason: 'oversized', chars: '1' }),
    ).toBe(false);
    expect(isPanelToBackgroundMessage({ source: PANEL_SOURCE, type: 'subscribe', tabId: 1.5 })).toBe(false);
    expect(isPanelToBackgroundMessage({ source: PANEL_SOURCE, type: 'subscribe', tabId: '1' })).toBe(false);
    expect(isBackgroundToPanelMessage({ source: BACKGROUND_SOURCE, type: 'snapshot', frame, snapshot: {} })).toBe(
      false,
    );
    expect(
      isBackgroundToPanelMessage({
        source: BACKGROUND_SOURCE,
        type: 'snapshot',
        frame: { frameId: 0 },
        snapshot: {},
        receivedAt: 1,
      }),
    ).toBe(false);
    expect(isBackgroundToPanelMessage({ source: BACKGROUND_SOURCE, type: 'refused', frame, reason: 'oversized' })).toBe(
      true,
    );
    expect(isBackgroundToPanelMessage({ source: BACKGROUND_SOURCE, type: 'frame-gone', documentId: 1 })).toBe(false);
    expect(isBackgroundToPanelMessage({ source: BACKGROUND_SOURCE, type: 'navigated' })).toBe(false);
    expect(isBackgroundToContentMessage({ source: BACKGROUND_SOURCE, type: 'ping' })).toBe(true);
    expect(isBackgroundToContentMessage({ source: BACKGROUND_SOURCE, type: 'eval' })).toBe(false);
    for (const junk of [null, undefined, 1, 'hello', []]) {
      expect(isBackgroundToPanelMessage(junk)).toBe(false);
      expect(isContentToBackgroundMessage(junk)).toBe(false);
    }
  });

  test('tab ids are non-negative integers', () => {
    expect([0, 7, 541543587].every(isTabId)).toBe(true);
    expect([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null].some(isTabId)).toBe(false);
  });

  test('jsonChars measures a message, and reports what JSON cannot hold as undefined', () => {
    expect(jsonChars({ a: 'bc' })).toBe(10);
    expect(jsonChars({ big: 1n })).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonChars(cyclic)).toBeUndefined();
  });
});
