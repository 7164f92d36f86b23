/**
 * Reading the Channels panel's rows in the extension's Chromium tests.
 */
import type { Locator, Page } from 'playwright-core';

/** Each rendered row as `label:state`, in the panel's order. */
export const states = (view: Page): Promise<string[]> =>
  view.$$eval('.row', (rows) =>
    rows.map((r) => `${r.querySelector('.name-text')?.textContent}:${r.querySelector('.col-state')?.textContent}`),
  );

/** The row of the channel (or select) labelled `name`. */
export function row(view: Page, name: string): Locator {
  return view.locator('.row').filter({ has: view.locator('.name-text').getByText(name, { exact: true }) });
}

/** The text of the first element `locator` finds, or `null` when it finds none. */
export async function text(locator: Locator): Promise<string | null> {
  return (await locator.count()) === 0 ? null : locator.first().textContent();
}
