import { describe, expect, it } from 'vitest';
import {
  browser,
  count,
  modulePage,
  opened,
  openPage,
  openPanel,
  row,
  rows,
  served,
  setThreshold,
  status,
  tabIds,
  until,
  useSession,
} from './harness.js';

useSession();

const worker = `
import * as chan from '/dist/index.js';
import * as dbg from '/dist/debug.js';
dbg.enableDebug({ stacks: true });
const tasks = new chan.Channel(0, { name: 'worker-tasks' });
globalThis.keep = tasks; // pinned: stuck, not leaked
async function workerLoop() { await tasks.pull(); }
workerLoop();
`;

const frame = (name: string) =>
  modulePage(`
dbg.enableDebug({ stacks: true });
const c = new chan.Channel(2, { name: '${name}' });
window.keep = c;
await c.push(1); await c.push(2);
async function frameProducer() { await c.push(3); }
frameProducer();
`);

describe('channels beyond the page itself', () => {
  it('a relayed Worker, a same-origin frame and a cross-origin frame all show, each tagged with its frame, with their stuck waits', async () => {
    served.pages.set('/w.js', worker);
    served.pages.set('/frame-same.html', frame('same-frame-chan'));
    served.pages.set('/frame-other.html', frame('other-frame-chan'));
    served.pages.set(
      '/multi.html',
      modulePage(
        `
dbg.enableDebug({ stacks: true });
const w = new Worker('/w.js', { type: 'module' });
window.stopRelay = dbg.relayDebug(w);
const mine = new chan.Channel(0, { name: 'page-chan' });
mine.pull().catch(() => {});
window.keep = mine;
`,
        `<iframe src="/frame-same.html"></iframe><iframe src="${served.otherOrigin}/frame-other.html"></iframe>`,
      ),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/multi.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    const names = ['page-chan', 'worker-tasks', 'same-frame-chan', 'other-frame-chan'];
    await until(
      async () => {
        const all = await rows(panel);
        return names.every((n) => all.find((r) => r.name === n)?.state === 'stuck');
      },
      'the four contexts stuck',
      30_000,
    );
    const all = await rows(panel);
    const by = (n: string) => all.find((r) => r.name === n);
    // Frame tags: the top frame is `top`; the worker is named by its script; the other origin by its host.
    expect(by('page-chan')?.frame).toBe('top');
    expect(by('worker-tasks')?.frame).toMatch(/worker w\.js/);
    expect(by('other-frame-chan')?.frame).toMatch(/localhost/);
    expect(by('same-frame-chan')?.frame).not.toBe('top');
    expect(by('other-frame-chan')?.frame).not.toBe('top');
    expect(by('same-frame-chan')?.occupancy).toBe('2 / 2');
    expect(count(by('same-frame-chan')?.pushers ?? '')).toBe(1);
    expect(count(by('worker-tasks')?.pullers ?? '')).toBe(1);
    expect(by('worker-tasks')?.whereTitle).toContain('workerLoop');
    // Blocked producers (the frames' pushes) first.
    const stuckNames = all.filter((r) => r.state === 'stuck').map((r) => r.name);
    expect(stuckNames.slice(0, 2).sort()).toEqual(['other-frame-chan', 'same-frame-chan']);
    expect(await status(panel)).toMatch(/4 stuck/);
    expect(await status(panel)).toMatch(/frames?/);
    expect(await status(panel)).toMatch(/worker/);
    // Stopping the relay: the Worker's rows go.
    await page.evaluate(() => (window as unknown as { stopRelay(): void }).stopRelay());
    await until(async () => (await row(panel, 'worker-tasks')) === undefined, 'worker rows gone');
    expect(await row(panel, 'page-chan')).toBeDefined();
    await page.close();
    await panel.close();
  }, 60_000);

  it('a panel opened before the page has any channel shows them as they are created; disableDebug() takes them away at once', async () => {
    served.pages.set(
      '/later.html',
      modulePage(`
dbg.enableDebug();
window.make = () => { window.late = new chan.Channel(0, { name: 'created-later' }); window.late.pull().catch(() => {}); };
window.off = () => dbg.disableDebug();
window.ready = true;
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/later.html`);
    opened.push(page);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    // Debug mode is on and lists no channels: once the page's first snapshot is in, the empty
    // state says so (not the "no debug mode" one, which the panel may show while it connects).
    await until(
      async () => /No channels yet/.test((await panel.textContent('#viewport')) ?? ''),
      'the no-channels empty state',
    );
    expect((await panel.textContent('#viewport')) ?? '').not.toMatch(/No chanasync debug mode/);
    await page.evaluate(() => (window as unknown as { make(): void }).make());
    await until(async () => row(panel, 'created-later'), 'created-later shown');
    expect(count((await row(panel, 'created-later'))?.pullers ?? '')).toBe(1);
    await page.evaluate(() => (window as unknown as { off(): void }).off());
    await until(async () => (await rows(panel)).length === 0, 'rows gone after disableDebug');
    await page.close();
    await panel.close();
  }, 45_000);

  it('a panel opened on a tab before the page loads picks up the page when it arrives', async () => {
    served.pages.set(
      '/arrive.html',
      modulePage(`
dbg.enableDebug();
const c = new chan.Channel(1, { name: 'arrived' });
window.keep = c;
c.pushNowait(1);
`),
    );
    const before = new Set(await tabIds(browser));
    const page = await browser.context.newPage();
    opened.push(page);
    const tabId = await until(async () => (await tabIds(browser)).find((id) => !before.has(id)), 'tab id');
    await page.goto(`${served.origin}/blank.html`).catch(() => {});
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await page.goto(`${served.origin}/arrive.html`);
    await until(async () => (await row(panel, 'arrived'))?.occupancy === '1 / 1', 'arrived shown');
    await page.close();
    await panel.close();
  }, 45_000);

  it("reloading the page: the old document's channels go and the new document's show, as many as it really has", async () => {
    served.pages.set(
      '/reload.html',
      modulePage(`
dbg.enableDebug();
const gen = (Number(sessionStorage.getItem('gen') ?? '0') + 1);
sessionStorage.setItem('gen', String(gen));
window.keep = [];
for (let i = 0; i < gen; i++) { const c = new chan.Channel(0, { name: 'gen' + gen + '-' + i }); c.pull().catch(() => {}); window.keep.push(c); }
window.gen = gen;
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/reload.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await until(async () => row(panel, 'gen1-0'), 'gen1 shown');
    await page.reload();
    await until(
      async () => {
        const names = (await rows(panel)).map((r) => r.name).sort();
        return names.join() === 'gen2-0,gen2-1';
      },
      'only the reloaded document’s two channels',
      30_000,
    );
    expect(await status(panel)).toMatch(/^2 channels/);
    await page.close();
    await panel.close();
  }, 45_000);

  it('navigating to a page without debug mode: the rows go and the empty state says how to turn debug mode on', async () => {
    served.pages.set(
      '/before-nav.html',
      modulePage(`
dbg.enableDebug();
const c = new chan.Channel(0, { name: 'before-nav' }); c.pull().catch(() => {}); window.keep = c;
`),
    );
    served.pages.set('/plain.html', '<!doctype html><title>plain</title><p>no chanasync here</p>');
    const { page, tabId } = await openPage(browser, `${served.origin}/before-nav.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await until(async () => row(panel, 'before-nav'), 'before-nav shown');
    await page.goto(`${served.origin}/plain.html`);
    await until(async () => (await rows(panel)).length === 0, 'rows gone after navigating', 30_000);
    await until(async () => {
      const text = (await panel.textContent('#viewport')) ?? '';
      return /No chanasync debug mode/.test(text) && /enableDebug\(\{ stacks: true \}\)/.test(text);
    }, 'the no-debug-mode empty state with the snippet');
    await page.close();
    await panel.close();
  }, 45_000);

  it('a page whose panel closed stops posting: closing the last panel says bye', async () => {
    served.pages.set(
      '/bye.html',
      `<!doctype html><script>
window.got = [];
addEventListener('message', (e) => { if (e.data && e.data.source === 'chanasync-inspector') window.got.push(e.data.type); });
</script>${modulePage(`dbg.enableDebug(); window.keep = new chan.Channel(0, { name: 'bye-chan' });`)}`,
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/bye.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    await until(async () => row(panel, 'bye-chan'), 'bye-chan shown');
    expect(await page.evaluate(() => (window as unknown as { got: string[] }).got)).toContain('hello');
    await panel.close();
    await until(
      async () => (await page.evaluate(() => (window as unknown as { got: string[] }).got)).at(-1) === 'bye',
      'bye after the panel closed',
    );
    await page.close();
  }, 45_000);
  it('srcdoc, sandboxed srcdoc and blob: frames report too, and two Workers of one script are told apart by their #1/#2 urls', async () => {
    served.pages.set(
      '/pool.js',
      `import * as chan from '/dist/index.js';
import * as dbg from '/dist/debug.js';
dbg.enableDebug();
globalThis.keep = new chan.Channel(0, { name: 'pool-' + self.name });
globalThis.keep.pull().catch(() => {});
`,
    );
    // Frame documents built in the page; they import chanasync from the server (CORS allowed).
    const inner = (name: string) =>
      `'<script type="module">import * as chan from "${served.origin}/dist/index.js"; import * as dbg from "${served.origin}/dist/debug.js"; dbg.enableDebug(); window.keep = new chan.Channel(0, { name: "${name}" }); window.keep.pull().catch(() => {});<' + '/script>'`;
    served.pages.set(
      '/kinds.html',
      modulePage(`
dbg.enableDebug();
for (const n of ['1', '2']) {
  const w = new Worker('/pool.js', { type: 'module', name: n });
  dbg.relayDebug(w, { url: new URL('/pool.js#' + n, location.href).href });
}
const srcdoc = document.createElement('iframe'); srcdoc.srcdoc = ${inner('srcdoc-chan')}; document.body.append(srcdoc);
const sandboxed = document.createElement('iframe'); sandboxed.setAttribute('sandbox', 'allow-scripts'); sandboxed.srcdoc = ${inner('sandboxed-chan')}; document.body.append(sandboxed);
const blob = document.createElement('iframe'); blob.src = URL.createObjectURL(new Blob(['<!doctype html>' + ${inner('blob-chan')}], { type: 'text/html' })); document.body.append(blob);
`),
    );
    const { page, tabId } = await openPage(browser, `${served.origin}/kinds.html`);
    opened.push(page);
    const panel = await openPanel(browser, tabId);
    opened.push(panel);
    await setThreshold(panel, 1);
    const names = ['pool-1', 'pool-2', 'srcdoc-chan', 'sandboxed-chan', 'blob-chan'];
    await until(
      async () => {
        const all = await rows(panel);
        return names.every((n) => all.find((r) => r.name === n)?.state === 'stuck');
      },
      'five stuck rows from five contexts',
      30_000,
    );
    const all = await rows(panel);
    expect(all.find((r) => r.name === 'pool-1')?.frame).toMatch(/worker pool\.js#1$/);
    expect(all.find((r) => r.name === 'pool-2')?.frame).toMatch(/worker pool\.js#2$/);
    expect(all.find((r) => r.name === 'srcdoc-chan')?.frame).toMatch(/srcdoc/);
    expect(all.find((r) => r.name === 'sandboxed-chan')?.frame).not.toBe('top');
    expect(all.find((r) => r.name === 'blob-chan')?.frame).not.toBe('top');
    expect(await status(panel)).toMatch(/5 channels · 5 stuck · 4 frames · 2 workers/);
    await page.close();
    await panel.close();
  }, 60_000);
});
