/**
 * The setup the extension's Firefox tests share: build the library and the extension, serve the
 * repository, launch Firefox with the inspector installed and its panel page opened for a new
 * tab — once for the `describe` block that calls {@link useFirefoxPanel} — and close both after it.
 */
import { afterAll, beforeAll } from 'vitest';
import { buildAll, startServer } from './harness.mjs';
import { launchFirefoxWithInspector, openPanelForNewTab } from './marionette.mjs';

/** Runs `body` (a function body; the last argument is the callback for its result) in the current context. */
export const script = (body: string) => `const done = arguments[arguments.length - 1]; ${body}`;

type Launched = Awaited<ReturnType<typeof launchFirefoxWithInspector>>;

/** The server, the browser and its windows, set once the `beforeAll` hook has run. */
export interface FirefoxPanel {
  server: Awaited<ReturnType<typeof startServer>>;
  firefox: Launched['firefox'];
  session: Launched['firefox']['session'];
  /** The add-on id Firefox reported for the install. */
  installed: unknown;
  panelWindow: string;
  pageWindow: string;
  /** The tab the panel inspects (the page's window). */
  tabId: number;
  /** Makes the window with this handle the current one. */
  switchTo(handle: string): Promise<unknown>;
  /** Navigates the page's window to `url` and waits for the fixture's `window.fixtureReady`. */
  load(url: string): Promise<void>;
}

/** Registers the hooks (`setup` runs last in `beforeAll`, in the panel's window); read the fields inside tests. */
export function useFirefoxPanel(setup?: (env: FirefoxPanel) => Promise<unknown>): FirefoxPanel {
  const env = {
    switchTo: (handle: string) => env.session.send('WebDriver:SwitchToWindow', { handle, focus: true }),
    async load(url: string) {
      await env.switchTo(env.pageWindow);
      await env.session.send('WebDriver:Navigate', { url });
      await env.session.run(
        script('const ready = () => (window.fixtureReady ? done(true) : setTimeout(ready, 50)); ready();'),
      );
    },
  } as FirefoxPanel;
  beforeAll(async () => {
    await buildAll(); // the library's dist/ if missing, and both builds of the extension
    env.server = await startServer();
    const { firefox, installed, panelUrl } = await launchFirefoxWithInspector();
    Object.assign(env, { firefox, session: firefox.session, installed });
    Object.assign(env, await openPanelForNewTab(env.session, panelUrl));
    await setup?.(env);
  }, 120_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });
  return env;
}
