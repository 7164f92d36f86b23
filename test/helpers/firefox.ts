/**
 * Real Firefox for tests, with no downloaded driver: Debian's firefox-esr, headless, driven
 * through Marionette (the client of inspector-extension/test/marionette.mjs), pages served by a
 * throwaway HTTP server on 127.0.0.1, and scripts run in the page as async function bodies.
 *
 * - {@link launchFirefox} starts one browser (6–8 s: share it per test file) and gives a
 *   {@link FirefoxTab}: `navigate(url, ready?)`, `back(ready)` and `run(body, ...args)`.
 * - {@link serveFiles} serves a folder of fixtures plus files made in memory (say, chanasync
 *   bundled from src/ by {@link bundleSource}); a page on `127.0.0.1` and one on `localhost` of
 *   its port are two origins.
 *
 * A test file skips itself when Firefox is missing:
 * `describe.skipIf(!existsSync(FIREFOX_PATH))(…)`.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

/** The Firefox binary (`apt-get install firefox-esr`); `FIREFOX_PATH` overrides it. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** The Marionette session of marionette.mjs, as far as tests use it. */
export interface MarionetteSession {
  /** Sends one Marionette command; resolves with its result, rejects with its error. */
  send(name: string, params?: object): Promise<any>;
}

/** One page of the browser: where tests navigate and run scripts. */
export interface FirefoxTab {
  /** The Marionette session, for commands of a test's own. */
  readonly session: MarionetteSession;
  /**
   * Loads `url` and, when `ready` is given (an expression), waits until it is truthy in the
   * page (10 s at most). The previous document goes away, and with it its Workers and frames.
   */
  navigate(url: string, ready?: string): Promise<void>;
  /**
   * Goes one step back in the tab's history and waits until `ready` (an expression) is truthy
   * in the page it lands on (10 s at most). Marionette's `WebDriver:Back` may answer before a
   * restore from the back/forward cache has landed, so a page that goes away under the check is
   * checked again in the next one.
   */
  back(ready: string): Promise<void>;
  /**
   * Runs `body` as the body of an async function compiled in the page's own realm (not in
   * Marionette's sandbox: every array, error, promise and buffer it makes is the page's), with
   * `args` as `args` (values that JSON can carry), and resolves with what it returns (as JSON
   * carries it back). A throw in the page rejects with an `Error` whose message is the page's,
   * with its stack. `timeoutMs` (default 30 s) bounds the run.
   */
  run<R = any>(body: string, args?: unknown[], timeoutMs?: number): Promise<R>;
  /** Ends the session and stops Firefox and every process it started. */
  close(): Promise<void>;
}

/** Starts headless Firefox in a fresh profile with Marionette on (see RECIPES.md). */
export async function launchFirefox(): Promise<FirefoxTab> {
  // The client is plain JavaScript without declarations: imported through a string.
  const client = '../../inspector-extension/test/marionette.mjs';
  const { launchFirefox: launch } = (await import(client)) as {
    launchFirefox: () => Promise<{ session: MarionetteSession; close(): Promise<void> }>;
  };
  const firefox = await launch();
  const session = firefox.session;
  const run = async (body: string, args: unknown[] = [], timeoutMs = 30_000): Promise<any> => {
    // Marionette runs its script in a sandbox, whose arrays, errors, promises and buffers are
    // not the page's: the body is compiled by the page's own AsyncFunction instead (the page's
    // eval), and its arguments are remade with the page's JSON, so that everything the test
    // makes is the page's, as a user's code would be.
    const script = `const done = arguments[arguments.length - 1];
      const AsyncFunction = window.eval('(async () => {}).constructor');
      const args = window.JSON.parse(JSON.stringify(Array.prototype.slice.call(arguments, 1, -1)));
      new AsyncFunction('args', arguments[0])(args).then(
        (value) => done({ value: value === undefined ? null : value }),
        (error) => done({ error: String(error?.message ?? error), stack: String(error?.stack ?? '') }));`;
    const { value } = await session.send('WebDriver:ExecuteAsyncScript', {
      script,
      args: [body, ...args],
      scriptTimeout: timeoutMs,
    });
    if (value === null || typeof value !== 'object') throw new Error(`the page answered ${JSON.stringify(value)}`);
    if ('error' in value) throw Object.assign(new Error(`in Firefox: ${value.error}`), { stack: value.stack });
    return value.value;
  };
  /** Resolves once `ready` (an expression) is truthy in the page, polled every 50 ms for `ms`. */
  const waitUntil = (ready: string, ms = 10_000): Promise<void> =>
    run(
      `const deadline = performance.now() + ${ms};
       for (;;) {
         if (${ready}) return;
         if (performance.now() >= deadline) throw new Error('the page never became ready: ' + ${JSON.stringify(ready)});
         await new Promise((resolve) => setTimeout(resolve, 50));
       }`,
    );
  return {
    session,
    async navigate(url, ready) {
      await session.send('WebDriver:Navigate', { url });
      if (ready !== undefined) await waitUntil(ready);
    },
    async back(ready) {
      await session.send('WebDriver:Back');
      // A check that started in the page being left fails with it (Marionette ends a script
      // whose document unloads): check again, in whatever page is there now, until the deadline.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          return await waitUntil(ready, Math.max(deadline - Date.now(), 0));
        } catch (error) {
          if (Date.now() >= deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    run,
    close: () => firefox.close(),
  };
}

/** Content types by extension. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

/** A running server of {@link serveFiles}. */
export interface FileServer {
  /** Its port, on 127.0.0.1 (`localhost` reaches it too, as another origin). */
  readonly port: number;
  /** Stops it, closing open connections. */
  close(): Promise<void>;
}

/** Options of {@link serveFiles}. */
export interface ServeOptions {
  /**
   * Which requests (by URL: path and query) are served without `cache-control: no-store`.
   * Firefox keeps a `no-store` page out of its back/forward cache: a test of that cache needs
   * its page storable. Default: none.
   */
  storable?: (url: string) => boolean;
}

/**
 * Serves the files under `root`, and `files` (path → text) from memory, on 127.0.0.1 and a free
 * port, to any origin (`access-control-allow-origin: *`), with `cache-control: no-store` (but see
 * {@link ServeOptions.storable}). Anything else is a 404.
 */
export async function serveFiles(
  root: string,
  files: ReadonlyMap<string, string> = new Map(),
  options: ServeOptions = {},
): Promise<FileServer> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    try {
      let body = files.get(path);
      if (body === undefined) {
        const file = normalize(join(root, path));
        if (!file.startsWith(root + sep)) throw new Error('outside');
        body = await readFile(file, 'utf8');
      }
      const cache = options.storable?.(request.url ?? '/') ? {} : { 'cache-control': 'no-store' };
      // Any origin may load them: a sandboxed frame's module scripts are fetched with CORS, from 'null'.
      response.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*', ...cache }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Bundles `source` (module code whose imports resolve from the repository's root, e.g.
 * `export * from './src/index.js'`) into one ES module for the browser.
 */
export async function bundleSource(source: string): Promise<string> {
  const built = await esbuild.build({
    stdin: { contents: source, resolveDir: join(import.meta.dirname, '..', '..'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return built.outputFiles[0]?.text ?? '';
}

/** What {@link usePortFirefox} gives a test file: set once its `beforeAll` hook has run. */
export interface PortFirefox {
  server: FileServer;
  firefox: FirefoxTab;
}

/**
 * Registers the hooks of a Firefox test of `chanasync/port`: test/port/ served with the core and
 * the port entry bundled as /lib.js, and one Firefox — for the file or `describe` block that
 * calls it — both closed after it.
 */
export function usePortFirefox(): PortFirefox {
  const env = {} as PortFirefox;
  beforeAll(async () => {
    const lib = await bundleSource("export * from './src/index.js'; export * from './src/port/index.js';");
    env.server = await serveFiles(join(import.meta.dirname, '..', 'port'), new Map([['/lib.js', lib]]));
    env.firefox = await launchFirefox();
  }, 60_000);
  afterAll(async () => {
    await env.firefox?.close();
    await env.server?.close();
  });
  return env;
}
