// Builds the extension: each execution context (content script, service worker, DevTools page,
// panel) is one esbuild entry, bundled with its imports — webextension-polyfill and chanasync's
// protocol module — into one classic script (IIFE: content scripts cannot be modules). The
// Chrome build goes to dist/chrome/ with manifest.chrome.json as its manifest.json; the Firefox
// build, the same files with manifest.firefox.json as its manifest, to dist/firefox/. Load either
// folder unpacked (this folder has no manifest.json of its own, so it cannot be loaded by mistake).
import { cpSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the builds go. */
export const outdir = join(here, 'dist');
export const chromeDir = join(outdir, 'chrome');
export const firefoxDir = join(outdir, 'firefox');

/** One bundle per execution context, named as the manifest and the HTML pages refer to them. */
const entryPoints = {
  content: 'src/content/index.ts',
  background: 'src/background/index.ts',
  devtools: 'src/devtools/index.ts',
  panel: 'src/panel/index.ts',
};

/** Files copied as they are: source path → path in the build. */
const statics = {
  'src/devtools/devtools.html': 'devtools.html',
  'src/panel/panel.html': 'panel.html',
  'src/panel/panel.css': 'panel.css',
  icons: 'icons',
};

/**
 * Builds both browsers' folders from scratch; returns their paths. The build is written to a
 * scratch folder and then swapped in, so that a browser loading the extension from dist/ (a
 * test running at the same time) sees the old build or the new one, never a half-written one.
 */
export async function build() {
  const scratch = join(here, `dist.${process.pid}.${Date.now()}`);
  const chrome = join(scratch, 'chrome');
  const firefox = join(scratch, 'firefox');
  try {
    await buildInto(chrome, firefox);
    // Another build (a test file running in parallel) may swap its folder in between — under
    // the removal (ENOTEMPTY) or before the rename: retry.
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(outdir, { recursive: true, force: true });
        renameSync(scratch, outdir);
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { chrome: chromeDir, firefox: firefoxDir };
}

/**
 * Writes the Chrome build to `chromeOut` and the Firefox build to `firefoxOut`.
 * @param {string} chromeOut
 * @param {string} firefoxOut
 */
async function buildInto(chromeOut, firefoxOut) {
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, path]) => [name, join(here, path)])),
    outdir: chromeOut,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome116', 'firefox128'],
    sourcemap: 'linked',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The icons' source (icon.svg) and their renderer (render.mjs) stay out of the build.
  /** @param {string} path */
  const shipped = (path) => !/\.(svg|mjs)$/.test(path);
  for (const [from, to] of Object.entries(statics)) {
    cpSync(join(here, from), join(chromeOut, to), { recursive: true, filter: shipped });
  }
  cpSync(join(here, 'manifest.chrome.json'), join(chromeOut, 'manifest.json'));
  cpSync(chromeOut, firefoxOut, { recursive: true });
  cpSync(join(here, 'manifest.firefox.json'), join(firefoxOut, 'manifest.json'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { chrome, firefox } = await build();
  console.log(`Built the inspector extension:\n  Chrome:  ${chrome}\n  Firefox: ${firefox}`);
}
