// Audit BS (blind acceptance test): the real DevTools. CDP `Target.openDevTools` on the page,
// `InspectorFrontendAPI.showPanel` for the Channels panel, and the panel page read through its
// own target. The panel must find its tab by itself (devtools.inspectedWindow), show a deadlock
// as it happens, open a Parked-at location in Sources, and say bye when DevTools closes.
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, modulePage, opened, openPage, served, until, useSession } from './harness.js';

useSession();
let cdp: CDPSession;

beforeAll(async () => {
  const b = browser.context.browser();
  if (!b) throw new Error('no browser');
  cdp = await b.newBrowserCDPSession();
}, 60_000);

// Runs before the session's own afterAll (after-hooks run in reverse): detached, then closed.
afterAll(async () => {
  await cdp?.detach().catch(() => {});
});

interface Reply {
  id: number;
  result?: { result?: { value?: unknown }; exceptionDetails?: unknown };
  error?: unknown;
}

/** A session on another target, through Target.sendMessageToTarget (playwright's CDPSession is not flat). */
async function attach(
  targetId: string,
): Promise<{ evaluate<T>(expression: string): Promise<T>; detach(): Promise<void> }> {
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
  let next = 0;
  const waiting = new Map<number, (reply: Reply) => void>();
  const listener = (event: { sessionId?: string; message: string }) => {
    if (event.sessionId !== sessionId) return;
    const reply = JSON.parse(event.message) as Reply;
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  };
  cdp.on('Target.receivedMessageFromTarget', listener);
  return {
    evaluate: async <T>(expression: string) => {
      const id = ++next;
      const reply = await new Promise<Reply>((resolve) => {
        waiting.set(id, resolve);
        void cdp.send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({
            id,
            method: 'Runtime.evaluate',
            params: { expression, awaitPromise: true, returnByValue: true },
          }),
        });
      });
      if (reply.error || reply.result?.exceptionDetails)
        throw new Error(JSON.stringify(reply.error ?? reply.result?.exceptionDetails));
      return reply.result?.result?.value as T;
    },
    detach: async () => {
      cdp.off('Target.receivedMessageFromTarget', listener);
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
    },
  };
}

async function targets(): Promise<{ targetId: string; type: string; url: string }[]> {
  return (await cdp.send('Target.getTargets')).targetInfos;
}

const rowsScript = `[...document.querySelectorAll('#viewport .tbody .row')].map((row) => ({
  name: (row.querySelector('.col-name .name-text') ?? row.querySelector('.col-name'))?.textContent?.trim() ?? '',
  state: row.querySelector('.col-state')?.textContent?.trim() ?? '',
  pushers: row.querySelector('.col-pushers')?.textContent?.trim() ?? '',
  pullers: row.querySelector('.col-pullers')?.textContent?.trim() ?? '',
  where: row.querySelector('.col-where')?.textContent?.trim() ?? '',
}))`;

type ShownRow = { name: string; state: string; pushers: string; pullers: string; where: string };

describe('the Channels panel in the real DevTools', () => {
  it('opened before the page has channels, finds its tab by itself, shows a deadlock as stuck, opens a location in Sources, and says bye when DevTools closes', async () => {
    served.pages.set(
      '/dt.html',
      `<!doctype html><script>
window.got = [];
addEventListener('message', (e) => { if (e.data && e.data.source === 'chanasync-inspector') window.got.push(e.data.type); });
</script>${modulePage(`
dbg.enableDebug({ stacks: true });
window.start = () => {
  const left = new chan.Channel(0, { name: 'dt-left' });
  const right = new chan.Channel(0, { name: 'dt-right' });
  window.keep = [left, right];
  async function alice() { await left.push(1); await right.pull(); }
  async function bob() { await right.push(2); await left.pull(); }
  alice(); bob();
};
window.ready = true;
`)}`,
    );
    const { page } = await openPage(browser, `${served.origin}/dt.html`);
    opened.push(page);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const session = await browser.context.newCDPSession(page);
    const { targetInfo } = await session.send('Target.getTargetInfo');
    await session.detach();
    await cdp.send('Target.openDevTools' as never, { targetId: targetInfo.targetId } as never);
    const devtoolsTarget = await until(
      async () => (await targets()).find((t) => t.url.startsWith('devtools://devtools/')),
      'the DevTools target',
      30_000,
    );
    const devtools = await attach(devtoolsTarget.targetId);
    const key = `chrome-extension://${browser.extensionId}Channels`;
    await until(
      async () =>
        devtools.evaluate<boolean>(
          `(async () => { const m = await import('./ui/legacy/legacy.js'); return [...m.ViewManager.ViewManager.instance().views.keys()].includes(${JSON.stringify(key)}); })()`,
        ),
      'the Channels panel registered',
      30_000,
    );
    await devtools.evaluate(`InspectorFrontendAPI.showPanel(${JSON.stringify(key)}), true`);
    const panelTarget = await until(
      async () =>
        (await targets()).find((t) => t.url.startsWith(`chrome-extension://${browser.extensionId}/panel.html`)),
      'the panel page target',
      30_000,
    );
    // The panel page was not given a tab id: it found its tab through devtools.inspectedWindow.
    expect(panelTarget.url).not.toMatch(/tabId=/);
    const panel = await attach(panelTarget.targetId);
    await until(
      async () =>
        /No channels yet/.test(await panel.evaluate<string>(`document.querySelector('#viewport')?.textContent ?? ''`)),
      'the empty state of a debug-mode page',
    );
    await panel.evaluate(
      `(() => { const t = document.querySelector('#threshold'); t.value = '1'; t.dispatchEvent(new Event('input', { bubbles: true })); t.dispatchEvent(new Event('change', { bubbles: true })); return true; })()`,
    );
    await page.evaluate(() => (window as unknown as { start(): void }).start());
    const shown = await until(
      async () => {
        const all = await panel.evaluate<ShownRow[]>(rowsScript);
        return all.filter((r) => r.name.startsWith('dt-') && r.state === 'stuck').length === 2 ? all : undefined;
      },
      'both deadlocked channels stuck in the DevTools panel',
      30_000,
    );
    expect(shown.map((r) => r.name).sort()).toEqual(['dt-left', 'dt-right']);
    expect(shown.every((r) => r.pushers.startsWith('1'))).toBe(true);
    expect(shown.find((r) => r.name === 'dt-left')?.where).toMatch(/alice \(dt\.html:\d+\)/);
    expect(await page.evaluate(() => (window as unknown as { got: string[] }).got)).toContain('hello');
    // A click on the Parked-at location opens the Sources panel.
    await panel.evaluate(
      `(() => { const row = [...document.querySelectorAll('#viewport .row')].find((r) => r.querySelector('.name-text')?.textContent === 'dt-left'); const link = row.querySelector('.col-where a, .col-where button, .col-where [role="link"]') ?? row.querySelector('.col-where .where-text'); link.click(); return true; })()`,
    );
    await until(
      async () =>
        (await devtools.evaluate<string>(
          `(async () => { const m = await import('./ui/legacy/legacy.js'); return m.InspectorView.InspectorView.instance().tabbedPane.selectedTabId; })()`,
        )) === 'sources',
      'the Sources panel selected',
      20_000,
    );
    await panel.detach();
    await devtools.detach();
    // Closing DevTools: the page is told bye.
    await cdp.send('Target.closeTarget', { targetId: devtoolsTarget.targetId });
    await until(
      async () => (await page.evaluate(() => (window as unknown as { got: string[] }).got)).at(-1) === 'bye',
      'bye after DevTools closed',
      20_000,
    );
    await page.close();
  }, 90_000);
});
