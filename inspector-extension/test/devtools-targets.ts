/**
 * Reaching the real DevTools from a test: the Chrome DevTools Protocol targets of the DevTools
 * window and of the extension's panel, and `Runtime.evaluate` inside them.
 */
import type { CDPSession } from 'playwright-core';
import { expect } from 'vitest';

/**
 * `Runtime.evaluate` in another target, through the browser session (non-flattened attach);
 * the expression's value, awaited when it is a promise.
 */
export async function evaluatorFor(
  cdp: CDPSession,
  targetId: string,
): Promise<(expression: string) => Promise<unknown>> {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const reply = JSON.parse(event.message) as { id?: number; result?: { result?: { value?: unknown } } };
    if (reply.id !== undefined) pending.get(reply.id)?.(reply.result?.result?.value);
  });
  return (expression) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      const message = JSON.stringify({
        id,
        method: 'Runtime.evaluate',
        params: { expression, returnByValue: true, awaitPromise: true },
      });
      void cdp.send('Target.sendMessageToTarget', { sessionId, message });
    });
}

/** The id of the first target whose URL matches, if any. */
export async function findTarget(cdp: CDPSession, match: (url: string) => boolean): Promise<string | undefined> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  return targetInfos.find((target) => match(target.url))?.targetId;
}

/**
 * Shows the extension's Channels panel in the DevTools window that `devtools` evaluates in, and
 * returns the panel's target id. The panel registers once the extension's DevTools page ran, so
 * `showPanel` is asked again until the panel's target exists (within `poll`, but 30 s at least:
 * a DevTools window that takes 5 s to load alone took over 15 s beside heavy work).
 */
export async function showChannelsPanel(
  cdp: CDPSession,
  devtools: (expression: string) => Promise<unknown>,
  extensionId: string,
  poll: { timeout: number; interval: number },
): Promise<string> {
  const panelKey = `chrome-extension://${extensionId}Channels`;
  const isPanel = (url: string) => url.endsWith('/panel.html');
  await expect
    .poll(
      async () => {
        await devtools(`InspectorFrontendAPI.showPanel(${JSON.stringify(panelKey)})`);
        return findTarget(cdp, isPanel);
      },
      { ...poll, timeout: Math.max(poll.timeout, 30_000) },
    )
    .toBeDefined();
  return (await findTarget(cdp, isPanel)) as string;
}
