// A small Marionette client: drives Debian's firefox-esr headless through Firefox's own
// automation protocol, with no downloaded driver (geckodriver only translates WebDriver to
// it). The protocol: one TCP connection; every frame is `<byte length>:<JSON>`; the server
// first sends a greeting, then answers each command `[0, id, name, params]` with
// `[1, id, error, result]`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firefoxDir } from '../build.mjs';

/** The Firefox binary (`apt-get install firefox-esr`); `FIREFOX_PATH` overrides it. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Resolves after `ms`.
 * @param {number} ms
 */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Marionette session over one socket. */
class Session {
  /** @param {import('node:net').Socket} socket */
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.nextId = 1;
    /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
    this.pending = new Map();
    /** @type {((frame: any) => void) | undefined} */
    this.onGreeting = undefined;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('Marionette connection closed'));
      this.pending.clear();
    });
  }

  /** @param {Buffer} chunk */
  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + length) return;
      const frame = JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + length).toString());
      this.buffer = this.buffer.subarray(colon + 1 + length);
      if (!Array.isArray(frame)) {
        this.onGreeting?.(frame);
        continue;
      }
      const [, id, error, result] = frame;
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      if (error) waiter?.reject(new Error(`${error.error}: ${error.message}`));
      else waiter?.resolve(result);
    }
  }

  /**
   * Sends one command and resolves with its result.
   * @param {string} name
   * @param {object} [params]
   * @returns {Promise<any>}
   */
  send(name, params = {}) {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify([0, id, name, params]));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body]));
    });
  }

  /**
   * Runs `script` (a function body; `arguments` holds `args` and, last, the callback to call
   * with the result) in the current context and resolves with what it passes to the callback.
   * @param {string} script
   * @param {unknown[]} [args]
   */
  async run(script, args = []) {
    return (await this.send('WebDriver:ExecuteAsyncScript', { script, args, scriptTimeout: 20_000 })).value;
  }
}

/**
 * Starts headless Firefox in a fresh profile with Marionette on, connects, and opens a session.
 * `extensionUuids` presets the `moz-extension://` host of add-ons by id.
 * @param {{ extensionUuids?: Record<string, string> }} [options]
 */
export async function launchFirefox(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'chanasync-firefox-'));
  const prefs = {
    'marionette.port': 0,
    'extensions.webextensions.uuids': JSON.stringify(options.extensionUuids ?? {}),
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true,
    'devtools.toolbox.host': 'window',
  };
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([key, value]) => `user_pref(${JSON.stringify(key)}, ${JSON.stringify(value)});`)
      .join('\n'),
  );
  const child = spawn(
    FIREFOX_PATH,
    ['--headless', '--marionette', '--remote-allow-system-access', '--no-remote', '--profile', profile],
    { env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' }, stdio: 'ignore', detached: true },
  );
  const portFile = join(profile, 'MarionetteActivePort');
  const deadline = Date.now() + 30_000;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8').trim() === '') {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('Firefox did not start Marionette');
    await sleep(100);
  }
  const port = Number(readFileSync(portFile, 'utf8').trim());
  const socket = connect(port, '127.0.0.1');
  const session = new Session(socket);
  await new Promise((resolve, reject) => {
    session.onGreeting = resolve;
    socket.once('error', reject);
  });
  await session.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
  return {
    session,
    /** Ends the session, stops Firefox and its children, and removes the profile. */
    close: async () => {
      try {
        await Promise.race([session.send('WebDriver:DeleteSession'), sleep(2000)]);
      } catch {
        // Already gone.
      }
      socket.destroy();
      try {
        process.kill(-(child.pid ?? 0), 'SIGTERM'); // the whole process group: content processes too
      } catch {
        // Already gone.
      }
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // Gone.
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A fresh UUID, for `extensions.webextensions.uuids`. */
export const newUuid = () => randomUUID();

/** The inspector's add-on id (its manifest's `browser_specific_settings.gecko.id`). */
export const INSPECTOR_ID = 'inspector@chanasync.dev';

/**
 * Launches Firefox (as {@link launchFirefox}) with the inspector's Firefox build installed as a
 * temporary add-on at a fresh `moz-extension://` host; resolves with the browser, the add-on id
 * Firefox reported for the install, and the URL of the inspector's panel page. Firefox is
 * stopped again if the install fails.
 */
export async function launchFirefoxWithInspector() {
  const uuid = newUuid();
  const firefox = await launchFirefox({ extensionUuids: { [INSPECTOR_ID]: uuid } });
  try {
    const installed = (await firefox.session.send('Addon:Install', { path: firefoxDir, temporary: true })).value;
    return { firefox, installed, panelUrl: `moz-extension://${uuid}/panel.html` };
  } catch (error) {
    await firefox.close();
    throw error;
  }
}

/**
 * Opens the inspector's panel page for a new tab: the current window loads `panelUrl` (an
 * extension page, which may list the tabs: without the "tabs" permission it sees their ids, not
 * their URLs), a new tab opens, and the panel is reloaded with `?tabId=` of that tab. The
 * current window is the panel's again when it resolves; the tab is still blank.
 * @param {Session} session
 * @param {string} panelUrl `moz-extension://<uuid>/panel.html`
 * @returns {Promise<{ panelWindow: string, pageWindow: string, tabId: number }>}
 */
export async function openPanelForNewTab(session, panelUrl) {
  const tabIds = async () =>
    /** @type {number[]} */ (
      await session.run(
        'const done = arguments[arguments.length - 1]; browser.tabs.query({}).then((tabs) => done(tabs.map((tab) => tab.id)));',
      )
    );
  const panelWindow = (await session.send('WebDriver:GetWindowHandle')).value;
  await session.send('WebDriver:Navigate', { url: panelUrl });
  const before = await tabIds();
  const pageWindow = (await session.send('WebDriver:NewWindow', { type: 'tab' })).handle;
  const tabId = /** @type {number} */ ((await tabIds()).find((id) => !before.includes(id)));
  await session.send('WebDriver:SwitchToWindow', { handle: panelWindow, focus: true });
  await session.send('WebDriver:Navigate', { url: `${panelUrl}?tabId=${tabId}` });
  return { panelWindow, pageWindow, tabId };
}
